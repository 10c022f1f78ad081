// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface Topic {
  'team'?: (string);
  'name'?: (string);
  'partitions'?: (number);
  'retentionMs'?: (number | string | Long);
  'createdAtMs'?: (number | string | Long);
  'kafkaTopic'?: (string);
}

export interface Topic__Output {
  'team': (string);
  'name': (string);
  'partitions': (number);
  'retentionMs': (number);
  'createdAtMs': (number);
  'kafkaTopic': (string);
}
