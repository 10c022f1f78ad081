// Original file: ../../proto/herald/v1/control.proto

import type { Subscription as _herald_v1_Subscription, Subscription__Output as _herald_v1_Subscription__Output } from '../../herald/v1/Subscription';

export interface ListSubscriptionsResponse {
  'subscriptions'?: (_herald_v1_Subscription)[];
}

export interface ListSubscriptionsResponse__Output {
  'subscriptions': (_herald_v1_Subscription__Output)[];
}
