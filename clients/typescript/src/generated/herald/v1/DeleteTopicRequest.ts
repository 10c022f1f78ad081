// Original file: ../../proto/herald/v1/control.proto


export interface DeleteTopicRequest {
  'team'?: (string);
  'name'?: (string);
}

export interface DeleteTopicRequest__Output {
  'team': (string);
  'name': (string);
}
