// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface ListDeadLettersRequest {
  'team'?: (string);
  'subscriptionId'?: (string);
  'limit'?: (number);
  'sinceMs'?: (number | string | Long);
  'untilMs'?: (number | string | Long);
  'pageToken'?: (string);
}

export interface ListDeadLettersRequest__Output {
  'team': (string);
  'subscriptionId': (string);
  'limit': (number);
  'sinceMs': (number);
  'untilMs': (number);
  'pageToken': (string);
}
