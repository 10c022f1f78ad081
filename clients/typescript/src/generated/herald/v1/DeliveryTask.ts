// Original file: ../../proto/herald/v1/records.proto

import type { RecordHeader as _herald_v1_RecordHeader, RecordHeader__Output as _herald_v1_RecordHeader__Output } from '../../herald/v1/RecordHeader';
import type { Long } from '@grpc/proto-loader';

export interface DeliveryTask {
  'subscriptionId'?: (string);
  'team'?: (string);
  'sourceTopic'?: (string);
  'sourcePartition'?: (number);
  'sourceOffset'?: (number | string | Long);
  'eventId'?: (string);
  'eventType'?: (string);
  'headers'?: (_herald_v1_RecordHeader)[];
  'data'?: (Buffer | Uint8Array | string);
  'attempt'?: (number);
  'dueAtMs'?: (number | string | Long);
  'tier'?: (string);
  'lastStatus'?: (number);
  'lastError'?: (string);
  'firstAttemptAtMs'?: (number | string | Long);
  'deadLetteredAtMs'?: (number | string | Long);
  'deadLetterReason'?: (string);
  'replay'?: (boolean);
  'dlqPartition'?: (number);
  'dlqOffset'?: (number | string | Long);
  'redrivenAtMs'?: (number | string | Long);
  'key'?: (Buffer | Uint8Array | string);
  'previousOffset'?: (number | string | Long);
  '_previousOffset'?: "previousOffset";
}

export interface DeliveryTask__Output {
  'subscriptionId': (string);
  'team': (string);
  'sourceTopic': (string);
  'sourcePartition': (number);
  'sourceOffset': (number);
  'eventId': (string);
  'eventType': (string);
  'headers': (_herald_v1_RecordHeader__Output)[];
  'data': (Buffer);
  'attempt': (number);
  'dueAtMs': (number);
  'tier': (string);
  'lastStatus': (number);
  'lastError': (string);
  'firstAttemptAtMs': (number);
  'deadLetteredAtMs': (number);
  'deadLetterReason': (string);
  'replay': (boolean);
  'dlqPartition': (number);
  'dlqOffset': (number);
  'redrivenAtMs': (number);
  'key': (Buffer);
  'previousOffset'?: (number);
  '_previousOffset'?: "previousOffset";
}
