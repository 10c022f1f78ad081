// Original file: ../../proto/herald/v1/control.proto


export interface SendTestEventRequest {
  'team'?: (string);
  'subscriptionId'?: (string);
  'eventType'?: (string);
  'dataJson'?: (string);
}

export interface SendTestEventRequest__Output {
  'team': (string);
  'subscriptionId': (string);
  'eventType': (string);
  'dataJson': (string);
}
