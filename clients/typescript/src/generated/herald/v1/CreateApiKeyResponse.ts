// Original file: ../../proto/herald/v1/control.proto

import type { ApiKey as _herald_v1_ApiKey, ApiKey__Output as _herald_v1_ApiKey__Output } from '../../herald/v1/ApiKey';

export interface CreateApiKeyResponse {
  'key'?: (_herald_v1_ApiKey | null);
  'secret'?: (string);
}

export interface CreateApiKeyResponse__Output {
  'key': (_herald_v1_ApiKey__Output | null);
  'secret': (string);
}
