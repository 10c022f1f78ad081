// Original file: ../../proto/herald/v1/control.proto


export interface ListEventTypesRequest {
  'team'?: (string);
}

export interface ListEventTypesRequest__Output {
  'team': (string);
}
