// Original file: ../../proto/herald/v1/control.proto

import type { AttemptRecord as _herald_v1_AttemptRecord, AttemptRecord__Output as _herald_v1_AttemptRecord__Output } from '../../herald/v1/AttemptRecord';

export interface ListAttemptsResponse {
  'attempts'?: (_herald_v1_AttemptRecord)[];
  'truncated'?: (boolean);
  'nextPageToken'?: (string);
}

export interface ListAttemptsResponse__Output {
  'attempts': (_herald_v1_AttemptRecord__Output)[];
  'truncated': (boolean);
  'nextPageToken': (string);
}
