// Original file: ../../proto/herald/v1/control.proto


export interface DeleteTopicResponse {
}

export interface DeleteTopicResponse__Output {
}
