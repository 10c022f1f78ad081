// Original file: ../../proto/herald/v1/control.proto

import type { Scope as _herald_v1_Scope, Scope__Output as _herald_v1_Scope__Output } from '../../herald/v1/Scope';

export interface CreateApiKeyRequest {
  'team'?: (string);
  'name'?: (string);
  'scopes'?: (_herald_v1_Scope)[];
  'topics'?: (string)[];
}

export interface CreateApiKeyRequest__Output {
  'team': (string);
  'name': (string);
  'scopes': (_herald_v1_Scope__Output)[];
  'topics': (string)[];
}
