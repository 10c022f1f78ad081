// Original file: ../../proto/herald/v1/control.proto

import type { DeliveryTask as _herald_v1_DeliveryTask, DeliveryTask__Output as _herald_v1_DeliveryTask__Output } from '../../herald/v1/DeliveryTask';

export interface ListDeadLettersResponse {
  'tasks'?: (_herald_v1_DeliveryTask)[];
  'truncated'?: (boolean);
  'nextPageToken'?: (string);
}

export interface ListDeadLettersResponse__Output {
  'tasks': (_herald_v1_DeliveryTask__Output)[];
  'truncated': (boolean);
  'nextPageToken': (string);
}
