//! Errors of the edge.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use herald_core::{Classify, ErrorClass};

/// Everything that can go wrong serving a stream request or running the edge.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// The request is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// No or unknown credentials (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Known caller, not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// The topic does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The thing asked for expired, e.g. a reply id (410).
    #[error("{0}")]
    Gone(String),
    /// Per-key stream limit reached (429).
    #[error("{0}")]
    TooManyForKey(String),
    /// Node stream limit reached, or a dependency is unavailable (503).
    #[error("{0}")]
    Unavailable(String),
    /// Kafka failed.
    #[error(transparent)]
    Kafka(#[from] herald_kafka::KafkaError),
    /// Listening or serving failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be loaded.
    #[error("tls: {0}")]
    Tls(String),
}

impl Classify for EdgeError {
    fn class(&self) -> ErrorClass {
        match self {
            Self::Kafka(e) => e.class(),
            Self::Unavailable(_) | Self::Io(_) | Self::TooManyForKey(_) => ErrorClass::Retryable,
            _ => ErrorClass::Permanent,
        }
    }
}

impl IntoResponse for EdgeError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::TooManyForKey(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Kafka(_) | Self::Io(_) | Self::Tls(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        let mut response = herald_runtime::error_response(status, &self.to_string());
        if matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        ) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}
