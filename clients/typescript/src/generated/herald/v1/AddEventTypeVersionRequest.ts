// Original file: ../../proto/herald/v1/control.proto


export interface AddEventTypeVersionRequest {
  'team'?: (string);
  'name'?: (string);
  'schema'?: (string);
}

export interface AddEventTypeVersionRequest__Output {
  'team': (string);
  'name': (string);
  'schema': (string);
}
