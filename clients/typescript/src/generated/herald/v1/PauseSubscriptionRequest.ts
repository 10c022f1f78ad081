// Original file: ../../proto/herald/v1/control.proto


export interface PauseSubscriptionRequest {
  'team'?: (string);
  'id'?: (string);
}

export interface PauseSubscriptionRequest__Output {
  'team': (string);
  'id': (string);
}
