// Original file: ../../proto/herald/v1/control.proto

import type { SchemaPolicy as _herald_v1_SchemaPolicy, SchemaPolicy__Output as _herald_v1_SchemaPolicy__Output } from '../../herald/v1/SchemaPolicy';

export interface SetSchemaPolicyRequest {
  'team'?: (string);
  'topic'?: (string);
  'schemaPolicy'?: (_herald_v1_SchemaPolicy);
}

export interface SetSchemaPolicyRequest__Output {
  'team': (string);
  'topic': (string);
  'schemaPolicy': (_herald_v1_SchemaPolicy__Output);
}
