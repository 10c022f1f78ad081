// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface CreatePortalTokenRequest {
  'team'?: (string);
  'ttlMs'?: (number | string | Long);
  'name'?: (string);
}

export interface CreatePortalTokenRequest__Output {
  'team': (string);
  'ttlMs': (number);
  'name': (string);
}
