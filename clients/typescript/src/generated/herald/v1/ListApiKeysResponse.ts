// Original file: ../../proto/herald/v1/control.proto

import type { ApiKey as _herald_v1_ApiKey, ApiKey__Output as _herald_v1_ApiKey__Output } from '../../herald/v1/ApiKey';

export interface ListApiKeysResponse {
  'keys'?: (_herald_v1_ApiKey)[];
}

export interface ListApiKeysResponse__Output {
  'keys': (_herald_v1_ApiKey__Output)[];
}
