// Original file: ../../proto/herald/v1/control.proto

import type { Grant as _herald_v1_Grant, Grant__Output as _herald_v1_Grant__Output } from '../../herald/v1/Grant';

export interface ListGrantsResponse {
  'grants'?: (_herald_v1_Grant)[];
}

export interface ListGrantsResponse__Output {
  'grants': (_herald_v1_Grant__Output)[];
}
