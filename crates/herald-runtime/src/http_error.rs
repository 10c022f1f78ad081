//! Herald's one error body on HTTP, for every service: `{"code": "...", "message": "..."}`,
//! with a stable machine code per status.

use axum::Json;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The body of every HTTP error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    /// Stable machine code, e.g. `permission_denied`.
    pub code: &'static str,
    /// What went wrong and what to do, for people.
    pub message: &'a str,
}

/// The stable machine code of an error status (the gRPC code names where one fits).
pub fn error_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "invalid_argument",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "permission_denied",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::CONFLICT => "already_exists",
        StatusCode::GONE => "gone",
        StatusCode::LENGTH_REQUIRED => "length_required",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::PRECONDITION_FAILED => "failed_precondition",
        StatusCode::TOO_MANY_REQUESTS => "resource_exhausted",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::NOT_IMPLEMENTED => "unimplemented",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        StatusCode::GATEWAY_TIMEOUT => "deadline_exceeded",
        s if s.is_client_error() => "invalid_argument",
        _ => "internal",
    }
}

/// An error answer with `status` and Herald's body.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    let body = ErrorBody {
        code: error_code(status),
        message,
    };
    (status, Json(body)).into_response()
}

/// The fallback of a router: no route has this path (404 with Herald's body).
pub async fn route_not_found(method: Method, uri: Uri) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        &format!(
            "no route for {method} {}: /v1/openapi.json lists the routes",
            uri.path()
        ),
    )
}

/// The fallback of a router for a path it has, with a method it does not serve (405).
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "{} does not accept {method}: /v1/openapi.json lists the methods",
            uri.path()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_codes() {
        assert_eq!(error_code(StatusCode::FORBIDDEN), "permission_denied");
        assert_eq!(error_code(StatusCode::GONE), "gone");
        assert_eq!(error_code(StatusCode::IM_A_TEAPOT), "invalid_argument");
        assert_eq!(error_code(StatusCode::BAD_GATEWAY), "internal");
        let body = serde_json::to_string(&ErrorBody {
            code: "not_found",
            message: "topic a/b does not exist",
        })
        .unwrap();
        assert_eq!(
            body,
            r#"{"code":"not_found","message":"topic a/b does not exist"}"#
        );
    }
}
