// Original file: ../../proto/herald/v1/control.proto

export const Scope = {
  SCOPE_UNSPECIFIED: 'SCOPE_UNSPECIFIED',
  SCOPE_PUBLISH: 'SCOPE_PUBLISH',
  SCOPE_SUBSCRIBE: 'SCOPE_SUBSCRIBE',
  SCOPE_ADMIN: 'SCOPE_ADMIN',
} as const;

export type Scope =
  | 'SCOPE_UNSPECIFIED'
  | 0
  | 'SCOPE_PUBLISH'
  | 1
  | 'SCOPE_SUBSCRIBE'
  | 2
  | 'SCOPE_ADMIN'
  | 3

export type Scope__Output = typeof Scope[keyof typeof Scope]
