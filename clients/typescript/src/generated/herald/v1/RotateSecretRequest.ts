// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface RotateSecretRequest {
  'team'?: (string);
  'id'?: (string);
  'overlapMs'?: (number | string | Long);
  '_overlapMs'?: "overlapMs";
}

export interface RotateSecretRequest__Output {
  'team': (string);
  'id': (string);
  'overlapMs'?: (number);
  '_overlapMs'?: "overlapMs";
}
