// Original file: ../../proto/herald/v1/publish.proto


export interface Event {
  'id'?: (string);
  'type'?: (string);
  'source'?: (string);
  'subject'?: (string);
  'time'?: (string);
  'dataContentType'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'key'?: (string);
  'extensions'?: ({[key: string]: string});
}

export interface Event__Output {
  'id': (string);
  'type': (string);
  'source': (string);
  'subject': (string);
  'time': (string);
  'dataContentType': (string);
  'data': (Buffer);
  'key': (string);
  'extensions': ({[key: string]: string});
}
