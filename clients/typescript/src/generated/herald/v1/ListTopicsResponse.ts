// Original file: ../../proto/herald/v1/control.proto

import type { Topic as _herald_v1_Topic, Topic__Output as _herald_v1_Topic__Output } from '../../herald/v1/Topic';

export interface ListTopicsResponse {
  'topics'?: (_herald_v1_Topic)[];
}

export interface ListTopicsResponse__Output {
  'topics': (_herald_v1_Topic__Output)[];
}
