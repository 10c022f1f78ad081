// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface GetSubscriptionHealthRequest {
  'team'?: (string);
  'subscriptionId'?: (string);
  'windowMs'?: (number | string | Long);
}

export interface GetSubscriptionHealthRequest__Output {
  'team': (string);
  'subscriptionId': (string);
  'windowMs': (number);
}
