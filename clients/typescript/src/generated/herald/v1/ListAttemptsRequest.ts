// Original file: ../../proto/herald/v1/control.proto


export interface ListAttemptsRequest {
  'team'?: (string);
  'subscriptionId'?: (string);
  'limit'?: (number);
}

export interface ListAttemptsRequest__Output {
  'team': (string);
  'subscriptionId': (string);
  'limit': (number);
}
