// Original file: ../../proto/herald/v1/control.proto


export interface UpdateSubscriptionRequest {
  'team'?: (string);
  'id'?: (string);
  'eventTypes'?: (string)[];
  'headers'?: ({[key: string]: string});
  'rateLimit'?: (number);
  'maxInFlight'?: (number);
  'url'?: (string);
  'updateMask'?: (string)[];
  'topics'?: (string)[];
  'description'?: (string);
  'ordering'?: (string);
  'onDeadLetter'?: (string);
  'contentMode'?: (string);
  'filter'?: (string);
  'verifyEndpoint'?: (boolean);
}

export interface UpdateSubscriptionRequest__Output {
  'team': (string);
  'id': (string);
  'eventTypes': (string)[];
  'headers': ({[key: string]: string});
  'rateLimit': (number);
  'maxInFlight': (number);
  'url': (string);
  'updateMask': (string)[];
  'topics': (string)[];
  'description': (string);
  'ordering': (string);
  'onDeadLetter': (string);
  'contentMode': (string);
  'filter': (string);
  'verifyEndpoint': (boolean);
}
