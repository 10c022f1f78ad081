// Original file: ../../proto/herald/v1/control.proto


export interface RevokeApiKeyRequest {
  'team'?: (string);
  'id'?: (string);
}

export interface RevokeApiKeyRequest__Output {
  'team': (string);
  'id': (string);
}
