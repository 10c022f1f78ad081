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
  'filter'?: (string);
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
  'filter': (string);
}
