// Original file: ../../proto/herald/v1/records.proto

import type { DeadLetterRef as _herald_v1_DeadLetterRef, DeadLetterRef__Output as _herald_v1_DeadLetterRef__Output } from '../../herald/v1/DeadLetterRef';
import type { Long } from '@grpc/proto-loader';

export interface Redrive {
  'letters'?: (_herald_v1_DeadLetterRef)[];
  'atMs'?: (number | string | Long);
}

export interface Redrive__Output {
  'letters': (_herald_v1_DeadLetterRef__Output)[];
  'atMs': (number);
}
