// Original file: ../../proto/herald/v1/control.proto

import type { SchemaPolicy as _herald_v1_SchemaPolicy, SchemaPolicy__Output as _herald_v1_SchemaPolicy__Output } from '../../herald/v1/SchemaPolicy';
import type { Long } from '@grpc/proto-loader';

export interface Topic {
  'team'?: (string);
  'name'?: (string);
  'partitions'?: (number);
  'retentionMs'?: (number | string | Long);
  'createdAtMs'?: (number | string | Long);
  'kafkaTopic'?: (string);
  'schemaPolicy'?: (_herald_v1_SchemaPolicy);
}

export interface Topic__Output {
  'team': (string);
  'name': (string);
  'partitions': (number);
  'retentionMs': (number);
  'createdAtMs': (number);
  'kafkaTopic': (string);
  'schemaPolicy': (_herald_v1_SchemaPolicy__Output);
}
