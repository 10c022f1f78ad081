// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface EncryptedSecret {
  'nonce'?: (Buffer | Uint8Array | string);
  'ciphertext'?: (Buffer | Uint8Array | string);
  'expiresAtMs'?: (number | string | Long);
}

export interface EncryptedSecret__Output {
  'nonce': (Buffer);
  'ciphertext': (Buffer);
  'expiresAtMs': (number);
}
