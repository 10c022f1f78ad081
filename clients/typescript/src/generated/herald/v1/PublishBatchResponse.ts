// Original file: ../../proto/herald/v1/publish.proto

import type { EventResult as _herald_v1_EventResult, EventResult__Output as _herald_v1_EventResult__Output } from '../../herald/v1/EventResult';

export interface PublishBatchResponse {
  'results'?: (_herald_v1_EventResult)[];
}

export interface PublishBatchResponse__Output {
  'results': (_herald_v1_EventResult__Output)[];
}
