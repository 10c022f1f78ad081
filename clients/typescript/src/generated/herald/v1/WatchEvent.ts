// Original file: ../../proto/herald/v1/control.proto

import type { Snapshot as _herald_v1_Snapshot, Snapshot__Output as _herald_v1_Snapshot__Output } from '../../herald/v1/Snapshot';
import type { Entity as _herald_v1_Entity, Entity__Output as _herald_v1_Entity__Output } from '../../herald/v1/Entity';
import type { Long } from '@grpc/proto-loader';

export interface WatchEvent {
  'revision'?: (number | string | Long);
  'snapshot'?: (_herald_v1_Snapshot | null);
  'upsert'?: (_herald_v1_Entity | null);
  'deleted'?: (string);
  'event'?: "snapshot"|"upsert"|"deleted";
}

export interface WatchEvent__Output {
  'revision': (number);
  'snapshot'?: (_herald_v1_Snapshot__Output | null);
  'upsert'?: (_herald_v1_Entity__Output | null);
  'deleted'?: (string);
  'event'?: "snapshot"|"upsert"|"deleted";
}
