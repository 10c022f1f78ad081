// Original file: ../../proto/herald/v1/control.proto


export interface ListGrantsRequest {
  'team'?: (string);
}

export interface ListGrantsRequest__Output {
  'team': (string);
}
