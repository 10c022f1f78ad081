// Original file: ../../proto/herald/v1/control.proto

import type { Scope as _herald_v1_Scope, Scope__Output as _herald_v1_Scope__Output } from '../../herald/v1/Scope';
import type { Long } from '@grpc/proto-loader';

export interface ApiKey {
  'id'?: (string);
  'team'?: (string);
  'name'?: (string);
  'scopes'?: (_herald_v1_Scope)[];
  'topics'?: (string)[];
  'createdAtMs'?: (number | string | Long);
  'keyHash'?: (string);
  'expiresAtMs'?: (number | string | Long);
  'portal'?: (boolean);
}

export interface ApiKey__Output {
  'id': (string);
  'team': (string);
  'name': (string);
  'scopes': (_herald_v1_Scope__Output)[];
  'topics': (string)[];
  'createdAtMs': (number);
  'keyHash': (string);
  'expiresAtMs': (number);
  'portal': (boolean);
}
