// Original file: ../../proto/herald/v1/control.proto


export interface ListApiKeysRequest {
  'team'?: (string);
}

export interface ListApiKeysRequest__Output {
  'team': (string);
}
