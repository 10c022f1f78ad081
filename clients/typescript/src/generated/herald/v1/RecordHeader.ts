// Original file: ../../proto/herald/v1/records.proto


export interface RecordHeader {
  'key'?: (string);
  'value'?: (Buffer | Uint8Array | string);
}

export interface RecordHeader__Output {
  'key': (string);
  'value': (Buffer);
}
