// Original file: ../../proto/herald/v1/control.proto

import type { ApiKey as _herald_v1_ApiKey, ApiKey__Output as _herald_v1_ApiKey__Output } from '../../herald/v1/ApiKey';
import type { Long } from '@grpc/proto-loader';

export interface CreatePortalTokenResponse {
  'token'?: (string);
  'key'?: (_herald_v1_ApiKey | null);
  'expiresAtMs'?: (number | string | Long);
  'consolePath'?: (string);
}

export interface CreatePortalTokenResponse__Output {
  'token': (string);
  'key': (_herald_v1_ApiKey__Output | null);
  'expiresAtMs': (number);
  'consolePath': (string);
}
