// Original file: ../../proto/herald/v1/control.proto


export interface HeaderValues {
  'headers'?: ({[key: string]: string});
}

export interface HeaderValues__Output {
  'headers': ({[key: string]: string});
}
