// Original file: ../../proto/herald/v1/publish.proto

import type { EventReceipt as _herald_v1_EventReceipt, EventReceipt__Output as _herald_v1_EventReceipt__Output } from '../../herald/v1/EventReceipt';

export interface PublishResponse {
  'receipt'?: (_herald_v1_EventReceipt | null);
}

export interface PublishResponse__Output {
  'receipt': (_herald_v1_EventReceipt__Output | null);
}
