// Original file: ../../proto/herald/v1/control.proto

import type { AttemptOutcome as _herald_v1_AttemptOutcome, AttemptOutcome__Output as _herald_v1_AttemptOutcome__Output } from '../../herald/v1/AttemptOutcome';

export interface ListAttemptsRequest {
  'team'?: (string);
  'subscriptionId'?: (string);
  'limit'?: (number);
  'outcome'?: (_herald_v1_AttemptOutcome);
  'eventId'?: (string);
  'pageToken'?: (string);
}

export interface ListAttemptsRequest__Output {
  'team': (string);
  'subscriptionId': (string);
  'limit': (number);
  'outcome': (_herald_v1_AttemptOutcome__Output);
  'eventId': (string);
  'pageToken': (string);
}
