// Original file: ../../proto/herald/v1/control.proto

import type { Topic as _herald_v1_Topic, Topic__Output as _herald_v1_Topic__Output } from '../../herald/v1/Topic';
import type { PartitionInfo as _herald_v1_PartitionInfo, PartitionInfo__Output as _herald_v1_PartitionInfo__Output } from '../../herald/v1/PartitionInfo';

export interface TopicDescription {
  'topic'?: (_herald_v1_Topic | null);
  'partitions'?: (_herald_v1_PartitionInfo)[];
}

export interface TopicDescription__Output {
  'topic': (_herald_v1_Topic__Output | null);
  'partitions': (_herald_v1_PartitionInfo__Output)[];
}
