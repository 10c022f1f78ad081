// Original file: ../../proto/herald/v1/control.proto


export interface WhoAmIRequest {
}

export interface WhoAmIRequest__Output {
}
