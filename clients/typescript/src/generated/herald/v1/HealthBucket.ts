// Original file: ../../proto/herald/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface HealthBucket {
  'startMs'?: (number | string | Long);
  'succeeded'?: (number | string | Long);
  'failed'?: (number | string | Long);
  'latencyP50Ms'?: (number | string | Long);
  '_latencyP50Ms'?: "latencyP50Ms";
}

export interface HealthBucket__Output {
  'startMs': (number);
  'succeeded': (number);
  'failed': (number);
  'latencyP50Ms'?: (number);
  '_latencyP50Ms'?: "latencyP50Ms";
}
