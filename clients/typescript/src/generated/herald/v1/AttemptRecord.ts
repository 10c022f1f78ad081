// Original file: ../../proto/herald/v1/records.proto

import type { AttemptOutcome as _herald_v1_AttemptOutcome, AttemptOutcome__Output as _herald_v1_AttemptOutcome__Output } from '../../herald/v1/AttemptOutcome';
import type { Long } from '@grpc/proto-loader';

export interface AttemptRecord {
  'subscriptionId'?: (string);
  'team'?: (string);
  'eventId'?: (string);
  'sourceTopic'?: (string);
  'sourcePartition'?: (number);
  'sourceOffset'?: (number | string | Long);
  'attempt'?: (number);
  'status'?: (number);
  'latencyMs'?: (number | string | Long);
  'error'?: (string);
  'responseExcerpt'?: (string);
  'atMs'?: (number | string | Long);
  'outcome'?: (_herald_v1_AttemptOutcome);
  'url'?: (string);
  'requestExcerpt'?: (string);
}

export interface AttemptRecord__Output {
  'subscriptionId': (string);
  'team': (string);
  'eventId': (string);
  'sourceTopic': (string);
  'sourcePartition': (number);
  'sourceOffset': (number);
  'attempt': (number);
  'status': (number);
  'latencyMs': (number);
  'error': (string);
  'responseExcerpt': (string);
  'atMs': (number);
  'outcome': (_herald_v1_AttemptOutcome__Output);
  'url': (string);
  'requestExcerpt': (string);
}
