// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface PartitionInfo {
  'partition'?: (number);
  'lowOffset'?: (number | string | Long);
  'highOffset'?: (number | string | Long);
  'committedOffset'?: (number | string | Long);
  'lag'?: (number | string | Long);
}

export interface PartitionInfo__Output {
  'partition': (number);
  'lowOffset': (number);
  'highOffset': (number);
  'committedOffset': (number);
  'lag': (number);
}
