// Original file: ../../proto/herald/v1/control.proto

import type { Entity as _herald_v1_Entity, Entity__Output as _herald_v1_Entity__Output } from '../../herald/v1/Entity';

export interface Snapshot {
  'entities'?: (_herald_v1_Entity)[];
}

export interface Snapshot__Output {
  'entities': (_herald_v1_Entity__Output)[];
}
