// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateTopicRequest {
  'team'?: (string);
  'name'?: (string);
  'partitions'?: (number);
  'retentionMs'?: (number | string | Long);
}

export interface CreateTopicRequest__Output {
  'team': (string);
  'name': (string);
  'partitions': (number);
  'retentionMs': (number);
}
