// Original file: ../../proto/herald/v1/control.proto


export interface DeleteEventTypeResponse {
}

export interface DeleteEventTypeResponse__Output {
}
