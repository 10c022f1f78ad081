// Original file: ../../proto/herald/v1/control.proto

import type { EventType as _herald_v1_EventType, EventType__Output as _herald_v1_EventType__Output } from '../../herald/v1/EventType';

export interface ListEventTypesResponse {
  'eventTypes'?: (_herald_v1_EventType)[];
}

export interface ListEventTypesResponse__Output {
  'eventTypes': (_herald_v1_EventType__Output)[];
}
