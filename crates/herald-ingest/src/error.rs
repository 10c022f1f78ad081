//! Ingest errors and their gRPC and HTTP forms.

use herald_core::{Classify, ErrorClass};
use herald_kafka::KafkaError;
use herald_watch::{AuthError, Denied};

/// Why a publish (or the service) failed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No or unknown credentials (`401` / `UNAUTHENTICATED`).
    #[error(transparent)]
    Unauthenticated(#[from] AuthError),
    /// Known caller, not allowed (`403` / `PERMISSION_DENIED`).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A reply id that this ingest did not issue, or that was altered (`403` /
    /// `PERMISSION_DENIED`).
    #[error("{0}")]
    BadReplyId(String),
    /// A reply id past its expiry (`410` / `FAILED_PRECONDITION`).
    #[error("{0}")]
    Gone(String),
    /// A feature that is not configured on this ingest, e.g. request-reply without
    /// `reply_secret` (`503` without `Retry-After` / `UNIMPLEMENTED`).
    #[error("{0}")]
    Disabled(String),
    /// The topic does not exist (`404` / `NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// Malformed request or event; the message names the field (`400` / `INVALID_ARGUMENT`).
    #[error("{0}")]
    Invalid(String),
    /// An event outside its team's event-type catalog on a topic that enforces it: an unknown
    /// type or data failing the schema, with the JSON pointer of the first error (`422` /
    /// `INVALID_ARGUMENT`).
    #[error("{0}")]
    SchemaViolation(String),
    /// The request body has a media type ingest does not read (`415` / `INVALID_ARGUMENT`).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// An event or batch exceeds a configured limit (`413` / `RESOURCE_EXHAUSTED`).
    #[error("{0}")]
    TooLarge(String),
    /// The broker did not acknowledge in time, the local queue is full, or configuration is not
    /// loaded yet; nothing was accepted, retry later (`503` + `Retry-After` / `UNAVAILABLE`).
    #[error("{0}")]
    Unavailable(String),
    /// The broker refused the record for a reason retrying cannot fix (`500` / `INTERNAL`).
    #[error("{0}")]
    Internal(String),
    /// The service could not be configured.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A Kafka client could not be created.
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    /// A listener or server failed.
    #[error("server: {0}")]
    Serve(String),
}

impl IngestError {
    /// Maps a failed produce to what the publisher is told.
    pub(crate) fn from_produce(topic: &str, e: KafkaError) -> Self {
        if e.is_unknown_topic() {
            Self::NotFound(format!("kafka topic {topic} does not exist"))
        } else if e.is_too_large() {
            Self::TooLarge(format!("the broker refused the record as too large: {e}"))
        } else if e.is_queue_full() {
            Self::Unavailable(
                "the producer queue is full, nothing was accepted; retry later".to_owned(),
            )
        } else if e.is_retryable() {
            Self::Unavailable(format!(
                "the broker did not acknowledge the event, nothing was accepted; retry later ({e})"
            ))
        } else {
            Self::Internal(format!("the broker refused the event: {e}"))
        }
    }

    /// The gRPC status code.
    pub fn grpc_code(&self) -> tonic::Code {
        use tonic::Code;
        match self {
            Self::Unauthenticated(_) => Code::Unauthenticated,
            Self::Denied(_) | Self::BadReplyId(_) => Code::PermissionDenied,
            Self::Gone(_) => Code::FailedPrecondition,
            Self::Disabled(_) => Code::Unimplemented,
            Self::NotFound(_) => Code::NotFound,
            Self::Invalid(_) | Self::UnsupportedMediaType(_) | Self::SchemaViolation(_) => {
                Code::InvalidArgument
            }
            Self::TooLarge(_) => Code::ResourceExhausted,
            Self::Unavailable(_) => Code::Unavailable,
            Self::Internal(_) | Self::Config(_) | Self::Kafka(_) | Self::Serve(_) => Code::Internal,
        }
    }

    /// The HTTP status code.
    pub fn http_status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode as S;
        match self {
            Self::Unauthenticated(_) => S::UNAUTHORIZED,
            Self::Denied(_) | Self::BadReplyId(_) => S::FORBIDDEN,
            Self::Gone(_) => S::GONE,
            Self::Disabled(_) => S::SERVICE_UNAVAILABLE,
            Self::NotFound(_) => S::NOT_FOUND,
            Self::Invalid(_) => S::BAD_REQUEST,
            Self::SchemaViolation(_) => S::UNPROCESSABLE_ENTITY,
            Self::UnsupportedMediaType(_) => S::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge(_) => S::PAYLOAD_TOO_LARGE,
            Self::Unavailable(_) => S::SERVICE_UNAVAILABLE,
            Self::Internal(_) | Self::Config(_) | Self::Kafka(_) | Self::Serve(_) => {
                S::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The metric label of a rejection.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Denied(_) | Self::BadReplyId(_) => "permission_denied",
            Self::Gone(_) => "expired",
            Self::Disabled(_) => "disabled",
            Self::NotFound(_) => "not_found",
            Self::Invalid(_) | Self::UnsupportedMediaType(_) => "invalid",
            Self::SchemaViolation(_) => "schema",
            Self::TooLarge(_) => "too_large",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) | Self::Config(_) | Self::Kafka(_) | Self::Serve(_) => "internal",
        }
    }
}

impl Classify for IngestError {
    fn class(&self) -> ErrorClass {
        match self {
            Self::Unavailable(_) | Self::Serve(_) => ErrorClass::Retryable,
            Self::Kafka(e) => e.class(),
            _ => ErrorClass::Permanent,
        }
    }
}

impl From<IngestError> for tonic::Status {
    fn from(e: IngestError) -> Self {
        tonic::Status::new(e.grpc_code(), e.to_string())
    }
}
