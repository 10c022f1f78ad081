// Original file: ../../proto/herald/v1/control.proto

import type { SubscriptionState as _herald_v1_SubscriptionState, SubscriptionState__Output as _herald_v1_SubscriptionState__Output } from '../../herald/v1/SubscriptionState';
import type { SigningSecret as _herald_v1_SigningSecret, SigningSecret__Output as _herald_v1_SigningSecret__Output } from '../../herald/v1/SigningSecret';
import type { Long } from '@grpc/proto-loader';

export interface Subscription {
  'id'?: (string);
  'team'?: (string);
  'topics'?: (string)[];
  'url'?: (string);
  'eventTypes'?: (string)[];
  'headers'?: ({[key: string]: string});
  'rateLimit'?: (number);
  'maxInFlight'?: (number);
  'state'?: (_herald_v1_SubscriptionState);
  'disabledReason'?: (string);
  'createdAtMs'?: (number | string | Long);
  'updatedAtMs'?: (number | string | Long);
  'secrets'?: (_herald_v1_SigningSecret)[];
  'description'?: (string);
  'ordering'?: (string);
  'onDeadLetter'?: (string);
  'contentMode'?: (string);
  'filter'?: (string);
}

export interface Subscription__Output {
  'id': (string);
  'team': (string);
  'topics': (string)[];
  'url': (string);
  'eventTypes': (string)[];
  'headers': ({[key: string]: string});
  'rateLimit': (number);
  'maxInFlight': (number);
  'state': (_herald_v1_SubscriptionState__Output);
  'disabledReason': (string);
  'createdAtMs': (number);
  'updatedAtMs': (number);
  'secrets': (_herald_v1_SigningSecret__Output)[];
  'description': (string);
  'ordering': (string);
  'onDeadLetter': (string);
  'contentMode': (string);
  'filter': (string);
}
