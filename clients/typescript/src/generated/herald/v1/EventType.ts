// Original file: ../../proto/herald/v1/control.proto

import type { EventTypeVersion as _herald_v1_EventTypeVersion, EventTypeVersion__Output as _herald_v1_EventTypeVersion__Output } from '../../herald/v1/EventTypeVersion';
import type { Long } from '@grpc/proto-loader';

export interface EventType {
  'team'?: (string);
  'name'?: (string);
  'description'?: (string);
  'versions'?: (_herald_v1_EventTypeVersion)[];
  'createdAtMs'?: (number | string | Long);
  'updatedAtMs'?: (number | string | Long);
}

export interface EventType__Output {
  'team': (string);
  'name': (string);
  'description': (string);
  'versions': (_herald_v1_EventTypeVersion__Output)[];
  'createdAtMs': (number);
  'updatedAtMs': (number);
}
