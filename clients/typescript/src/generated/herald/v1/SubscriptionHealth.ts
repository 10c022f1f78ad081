// Original file: ../../proto/herald/v1/control.proto

import type { AttemptRecord as _herald_v1_AttemptRecord, AttemptRecord__Output as _herald_v1_AttemptRecord__Output } from '../../herald/v1/AttemptRecord';
import type { HealthBucket as _herald_v1_HealthBucket, HealthBucket__Output as _herald_v1_HealthBucket__Output } from '../../herald/v1/HealthBucket';
import type { Long } from '@grpc/proto-loader';

export interface SubscriptionHealth {
  'windowMs'?: (number | string | Long);
  'sinceMs'?: (number | string | Long);
  'attempts'?: (number | string | Long);
  'succeeded'?: (number | string | Long);
  'failed'?: (number | string | Long);
  'shortCircuited'?: (number | string | Long);
  'successRate'?: (number | string);
  'latencyP50Ms'?: (number | string | Long);
  'latencyP99Ms'?: (number | string | Long);
  'circuitOpen'?: (boolean);
  'circuitSinceMs'?: (number | string | Long);
  'lastErrors'?: (_herald_v1_AttemptRecord)[];
  'buckets'?: (_herald_v1_HealthBucket)[];
  'truncated'?: (boolean);
  '_successRate'?: "successRate";
  '_latencyP50Ms'?: "latencyP50Ms";
  '_latencyP99Ms'?: "latencyP99Ms";
}

export interface SubscriptionHealth__Output {
  'windowMs': (number);
  'sinceMs': (number);
  'attempts': (number);
  'succeeded': (number);
  'failed': (number);
  'shortCircuited': (number);
  'successRate'?: (number);
  'latencyP50Ms'?: (number);
  'latencyP99Ms'?: (number);
  'circuitOpen': (boolean);
  'circuitSinceMs': (number);
  'lastErrors': (_herald_v1_AttemptRecord__Output)[];
  'buckets': (_herald_v1_HealthBucket__Output)[];
  'truncated': (boolean);
  '_successRate'?: "successRate";
  '_latencyP50Ms'?: "latencyP50Ms";
  '_latencyP99Ms'?: "latencyP99Ms";
}
