// Original file: ../../proto/herald/v1/control.proto


export interface ListTeamsRequest {
}

export interface ListTeamsRequest__Output {
}
