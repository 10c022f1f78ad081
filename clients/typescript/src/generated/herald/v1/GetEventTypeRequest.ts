// Original file: ../../proto/herald/v1/control.proto


export interface GetEventTypeRequest {
  'team'?: (string);
  'name'?: (string);
}

export interface GetEventTypeRequest__Output {
  'team': (string);
  'name': (string);
}
