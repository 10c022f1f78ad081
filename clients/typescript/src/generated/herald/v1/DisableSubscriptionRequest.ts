// Original file: ../../proto/herald/v1/control.proto


export interface DisableSubscriptionRequest {
  'team'?: (string);
  'id'?: (string);
  'reason'?: (string);
}

export interface DisableSubscriptionRequest__Output {
  'team': (string);
  'id': (string);
  'reason': (string);
}
