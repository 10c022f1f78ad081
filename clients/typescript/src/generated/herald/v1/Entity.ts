// Original file: ../../proto/herald/v1/control.proto

import type { Team as _herald_v1_Team, Team__Output as _herald_v1_Team__Output } from '../../herald/v1/Team';
import type { Topic as _herald_v1_Topic, Topic__Output as _herald_v1_Topic__Output } from '../../herald/v1/Topic';
import type { ApiKey as _herald_v1_ApiKey, ApiKey__Output as _herald_v1_ApiKey__Output } from '../../herald/v1/ApiKey';
import type { Grant as _herald_v1_Grant, Grant__Output as _herald_v1_Grant__Output } from '../../herald/v1/Grant';
import type { Subscription as _herald_v1_Subscription, Subscription__Output as _herald_v1_Subscription__Output } from '../../herald/v1/Subscription';
import type { EventType as _herald_v1_EventType, EventType__Output as _herald_v1_EventType__Output } from '../../herald/v1/EventType';

export interface Entity {
  'team'?: (_herald_v1_Team | null);
  'topic'?: (_herald_v1_Topic | null);
  'apiKey'?: (_herald_v1_ApiKey | null);
  'grant'?: (_herald_v1_Grant | null);
  'subscription'?: (_herald_v1_Subscription | null);
  'eventType'?: (_herald_v1_EventType | null);
  'kind'?: "team"|"topic"|"apiKey"|"grant"|"subscription"|"eventType";
}

export interface Entity__Output {
  'team'?: (_herald_v1_Team__Output | null);
  'topic'?: (_herald_v1_Topic__Output | null);
  'apiKey'?: (_herald_v1_ApiKey__Output | null);
  'grant'?: (_herald_v1_Grant__Output | null);
  'subscription'?: (_herald_v1_Subscription__Output | null);
  'eventType'?: (_herald_v1_EventType__Output | null);
  'kind'?: "team"|"topic"|"apiKey"|"grant"|"subscription"|"eventType";
}
