// Original file: ../../proto/herald/v1/control.proto


export interface CreateTeamRequest {
  'name'?: (string);
  'displayName'?: (string);
}

export interface CreateTeamRequest__Output {
  'name': (string);
  'displayName': (string);
}
