// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface ReplayDeadLettersRequest {
  'team'?: (string);
  'subscriptionId'?: (string);
  'sinceMs'?: (number | string | Long);
  'untilMs'?: (number | string | Long);
  'limit'?: (number);
  'includeRedriven'?: (boolean);
  'eventIds'?: (string)[];
}

export interface ReplayDeadLettersRequest__Output {
  'team': (string);
  'subscriptionId': (string);
  'sinceMs': (number);
  'untilMs': (number);
  'limit': (number);
  'includeRedriven': (boolean);
  'eventIds': (string)[];
}
