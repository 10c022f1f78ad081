// Original file: ../../proto/herald/v1/control.proto


export interface DeleteEventTypeRequest {
  'team'?: (string);
  'name'?: (string);
}

export interface DeleteEventTypeRequest__Output {
  'team': (string);
  'name': (string);
}
