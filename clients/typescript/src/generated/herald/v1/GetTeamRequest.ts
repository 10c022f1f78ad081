// Original file: ../../proto/herald/v1/control.proto


export interface GetTeamRequest {
  'name'?: (string);
}

export interface GetTeamRequest__Output {
  'name': (string);
}
