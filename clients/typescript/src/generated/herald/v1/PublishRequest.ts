// Original file: ../../proto/herald/v1/publish.proto

import type { Event as _herald_v1_Event, Event__Output as _herald_v1_Event__Output } from '../../herald/v1/Event';

export interface PublishRequest {
  'team'?: (string);
  'topic'?: (string);
  'event'?: (_herald_v1_Event | null);
}

export interface PublishRequest__Output {
  'team': (string);
  'topic': (string);
  'event': (_herald_v1_Event__Output | null);
}
