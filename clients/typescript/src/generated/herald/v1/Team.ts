// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface Team {
  'name'?: (string);
  'displayName'?: (string);
  'createdAtMs'?: (number | string | Long);
}

export interface Team__Output {
  'name': (string);
  'displayName': (string);
  'createdAtMs': (number);
}
