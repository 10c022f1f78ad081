// Original file: ../../proto/herald/v1/control.proto


export interface WatchRequest {
}

export interface WatchRequest__Output {
}
