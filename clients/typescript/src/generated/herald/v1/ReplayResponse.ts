// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface ReplayResponse {
  'replayed'?: (number | string | Long);
  'scanned'?: (number | string | Long);
  'truncated'?: (boolean);
}

export interface ReplayResponse__Output {
  'replayed': (number);
  'scanned': (number);
  'truncated': (boolean);
}
