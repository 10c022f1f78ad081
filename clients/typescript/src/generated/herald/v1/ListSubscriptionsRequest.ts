// Original file: ../../proto/herald/v1/control.proto


export interface ListSubscriptionsRequest {
  'team'?: (string);
}

export interface ListSubscriptionsRequest__Output {
  'team': (string);
}
