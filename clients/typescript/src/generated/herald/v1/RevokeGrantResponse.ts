// Original file: ../../proto/herald/v1/control.proto


export interface RevokeGrantResponse {
}

export interface RevokeGrantResponse__Output {
}
