// Original file: ../../proto/herald/v1/control.proto


export interface CreateSubscriptionRequest {
  'team'?: (string);
  'topics'?: (string)[];
  'url'?: (string);
  'eventTypes'?: (string)[];
  'headers'?: ({[key: string]: string});
  'rateLimit'?: (number);
  'maxInFlight'?: (number);
  'secret'?: (string);
  'description'?: (string);
  'ordering'?: (string);
  'onDeadLetter'?: (string);
  'contentMode'?: (string);
  'filter'?: (string);
  'verifyEndpoint'?: (boolean);
}

export interface CreateSubscriptionRequest__Output {
  'team': (string);
  'topics': (string)[];
  'url': (string);
  'eventTypes': (string)[];
  'headers': ({[key: string]: string});
  'rateLimit': (number);
  'maxInFlight': (number);
  'secret': (string);
  'description': (string);
  'ordering': (string);
  'onDeadLetter': (string);
  'contentMode': (string);
  'filter': (string);
  'verifyEndpoint': (boolean);
}
