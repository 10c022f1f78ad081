// Original file: ../../proto/herald/v1/control.proto

import type { Subscription as _herald_v1_Subscription, Subscription__Output as _herald_v1_Subscription__Output } from '../../herald/v1/Subscription';
import type { EncryptedSecret as _herald_v1_EncryptedSecret, EncryptedSecret__Output as _herald_v1_EncryptedSecret__Output } from '../../herald/v1/EncryptedSecret';

export interface StoredSubscription {
  'subscription'?: (_herald_v1_Subscription | null);
  'secrets'?: (_herald_v1_EncryptedSecret)[];
  'headers'?: (_herald_v1_EncryptedSecret | null);
}

export interface StoredSubscription__Output {
  'subscription': (_herald_v1_Subscription__Output | null);
  'secrets': (_herald_v1_EncryptedSecret__Output)[];
  'headers': (_herald_v1_EncryptedSecret__Output | null);
}
