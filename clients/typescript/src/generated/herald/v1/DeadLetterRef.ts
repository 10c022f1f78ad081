// Original file: ../../proto/herald/v1/records.proto

import type { Long } from '@grpc/proto-loader';

export interface DeadLetterRef {
  'partition'?: (number);
  'offset'?: (number | string | Long);
}

export interface DeadLetterRef__Output {
  'partition': (number);
  'offset': (number);
}
