// Original file: ../../proto/herald/v1/control.proto


export interface RevokeGrantRequest {
  'team'?: (string);
  'id'?: (string);
}

export interface RevokeGrantRequest__Output {
  'team': (string);
  'id': (string);
}
