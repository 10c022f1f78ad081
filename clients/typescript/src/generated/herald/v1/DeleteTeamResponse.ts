// Original file: ../../proto/herald/v1/control.proto


export interface DeleteTeamResponse {
}

export interface DeleteTeamResponse__Output {
}
