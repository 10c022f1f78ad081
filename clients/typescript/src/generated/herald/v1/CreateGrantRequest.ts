// Original file: ../../proto/herald/v1/control.proto


export interface CreateGrantRequest {
  'team'?: (string);
  'topic'?: (string);
  'grantee'?: (string);
}

export interface CreateGrantRequest__Output {
  'team': (string);
  'topic': (string);
  'grantee': (string);
}
