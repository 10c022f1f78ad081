// Original file: ../../proto/herald/v1/control.proto


export interface DeleteTeamRequest {
  'name'?: (string);
}

export interface DeleteTeamRequest__Output {
  'name': (string);
}
