// Original file: ../../proto/herald/v1/control.proto

import type { Subscription as _herald_v1_Subscription, Subscription__Output as _herald_v1_Subscription__Output } from '../../herald/v1/Subscription';

export interface RotateSecretResponse {
  'subscription'?: (_herald_v1_Subscription | null);
  'secret'?: (string);
}

export interface RotateSecretResponse__Output {
  'subscription': (_herald_v1_Subscription__Output | null);
  'secret': (string);
}
