// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface Grant {
  'id'?: (string);
  'team'?: (string);
  'topic'?: (string);
  'grantee'?: (string);
  'createdAtMs'?: (number | string | Long);
}

export interface Grant__Output {
  'id': (string);
  'team': (string);
  'topic': (string);
  'grantee': (string);
  'createdAtMs': (number);
}
