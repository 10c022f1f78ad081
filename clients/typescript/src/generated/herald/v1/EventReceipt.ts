// Original file: ../../proto/herald/v1/publish.proto

import type { Long } from '@grpc/proto-loader';

export interface EventReceipt {
  'id'?: (string);
  'partition'?: (number);
  'offset'?: (number | string | Long);
  'duplicate'?: (boolean);
}

export interface EventReceipt__Output {
  'id': (string);
  'partition': (number);
  'offset': (number);
  'duplicate': (boolean);
}
