// Original file: ../../proto/herald/v1/control.proto


export interface ListTopicsRequest {
  'team'?: (string);
}

export interface ListTopicsRequest__Output {
  'team': (string);
}
