// Original file: ../../proto/herald/v1/control.proto


export interface DescribeTopicRequest {
  'team'?: (string);
  'name'?: (string);
}

export interface DescribeTopicRequest__Output {
  'team': (string);
  'name': (string);
}
