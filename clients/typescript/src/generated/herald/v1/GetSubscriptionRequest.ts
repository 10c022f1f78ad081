// Original file: ../../proto/herald/v1/control.proto


export interface GetSubscriptionRequest {
  'team'?: (string);
  'id'?: (string);
}

export interface GetSubscriptionRequest__Output {
  'team': (string);
  'id': (string);
}
