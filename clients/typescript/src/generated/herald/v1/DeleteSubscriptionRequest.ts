// Original file: ../../proto/herald/v1/control.proto


export interface DeleteSubscriptionRequest {
  'team'?: (string);
  'id'?: (string);
}

export interface DeleteSubscriptionRequest__Output {
  'team': (string);
  'id': (string);
}
