// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface ReplayTopicRequest {
  'team'?: (string);
  'subscriptionId'?: (string);
  'topic'?: (string);
  'fromOffset'?: (number | string | Long);
  'fromTimeMs'?: (number | string | Long);
  'limit'?: (number);
  'from'?: "fromOffset"|"fromTimeMs";
}

export interface ReplayTopicRequest__Output {
  'team': (string);
  'subscriptionId': (string);
  'topic': (string);
  'fromOffset'?: (number);
  'fromTimeMs'?: (number);
  'limit': (number);
  'from'?: "fromOffset"|"fromTimeMs";
}
