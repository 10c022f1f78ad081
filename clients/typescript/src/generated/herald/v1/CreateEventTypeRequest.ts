// Original file: ../../proto/herald/v1/control.proto


export interface CreateEventTypeRequest {
  'team'?: (string);
  'name'?: (string);
  'description'?: (string);
  'schema'?: (string);
}

export interface CreateEventTypeRequest__Output {
  'team': (string);
  'name': (string);
  'description': (string);
  'schema': (string);
}
