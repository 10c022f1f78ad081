// Original file: ../../proto/herald/v1/control.proto

export const PrincipalKind = {
  PRINCIPAL_KIND_UNSPECIFIED: 'PRINCIPAL_KIND_UNSPECIFIED',
  PRINCIPAL_KIND_ROOT: 'PRINCIPAL_KIND_ROOT',
  PRINCIPAL_KIND_INTERNAL: 'PRINCIPAL_KIND_INTERNAL',
  PRINCIPAL_KIND_KEY: 'PRINCIPAL_KIND_KEY',
} as const;

export type PrincipalKind =
  | 'PRINCIPAL_KIND_UNSPECIFIED'
  | 0
  | 'PRINCIPAL_KIND_ROOT'
  | 1
  | 'PRINCIPAL_KIND_INTERNAL'
  | 2
  | 'PRINCIPAL_KIND_KEY'
  | 3

export type PrincipalKind__Output = typeof PrincipalKind[keyof typeof PrincipalKind]
