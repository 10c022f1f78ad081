// Original file: ../../proto/herald/v1/control.proto

export const SchemaPolicy = {
  SCHEMA_POLICY_OFF: 'SCHEMA_POLICY_OFF',
  SCHEMA_POLICY_ENFORCE: 'SCHEMA_POLICY_ENFORCE',
  SCHEMA_POLICY_COUNT: 'SCHEMA_POLICY_COUNT',
} as const;

export type SchemaPolicy =
  | 'SCHEMA_POLICY_OFF'
  | 0
  | 'SCHEMA_POLICY_ENFORCE'
  | 1
  | 'SCHEMA_POLICY_COUNT'
  | 2

export type SchemaPolicy__Output = typeof SchemaPolicy[keyof typeof SchemaPolicy]
