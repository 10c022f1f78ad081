// Original file: ../../proto/herald/v1/control.proto


export interface ResumeSubscriptionRequest {
  'team'?: (string);
  'id'?: (string);
}

export interface ResumeSubscriptionRequest__Output {
  'team': (string);
  'id': (string);
}
