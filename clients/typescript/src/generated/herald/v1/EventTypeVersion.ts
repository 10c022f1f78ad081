// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface EventTypeVersion {
  'version'?: (number);
  'schema'?: (string);
  'createdAtMs'?: (number | string | Long);
}

export interface EventTypeVersion__Output {
  'version': (number);
  'schema': (string);
  'createdAtMs': (number);
}
