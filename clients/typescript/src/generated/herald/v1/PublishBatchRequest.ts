// Original file: ../../proto/herald/v1/publish.proto

import type { Event as _herald_v1_Event, Event__Output as _herald_v1_Event__Output } from '../../herald/v1/Event';

export interface PublishBatchRequest {
  'team'?: (string);
  'topic'?: (string);
  'events'?: (_herald_v1_Event)[];
}

export interface PublishBatchRequest__Output {
  'team': (string);
  'topic': (string);
  'events': (_herald_v1_Event__Output)[];
}
