// Original file: ../../proto/herald/v1/control.proto

import type { PrincipalKind as _herald_v1_PrincipalKind, PrincipalKind__Output as _herald_v1_PrincipalKind__Output } from '../../herald/v1/PrincipalKind';
import type { Scope as _herald_v1_Scope, Scope__Output as _herald_v1_Scope__Output } from '../../herald/v1/Scope';
import type { Long } from '@grpc/proto-loader';

export interface WhoAmIResponse {
  'principal'?: (_herald_v1_PrincipalKind);
  'team'?: (string);
  'keyId'?: (string);
  'name'?: (string);
  'scopes'?: (_herald_v1_Scope)[];
  'topics'?: (string)[];
  'expiresAtMs'?: (number | string | Long);
  'portal'?: (boolean);
}

export interface WhoAmIResponse__Output {
  'principal': (_herald_v1_PrincipalKind__Output);
  'team': (string);
  'keyId': (string);
  'name': (string);
  'scopes': (_herald_v1_Scope__Output)[];
  'topics': (string)[];
  'expiresAtMs': (number);
  'portal': (boolean);
}
