// Original file: ../../proto/herald/v1/control.proto


export interface SendTestEventResponse {
  'eventId'?: (string);
}

export interface SendTestEventResponse__Output {
  'eventId': (string);
}
