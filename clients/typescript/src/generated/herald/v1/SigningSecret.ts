// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface SigningSecret {
  'secret'?: (string);
  'expiresAtMs'?: (number | string | Long);
}

export interface SigningSecret__Output {
  'secret': (string);
  'expiresAtMs': (number);
}
