//! The one error type of the client, classified as retryable or permanent.

use herald_core::{Classify, ErrorClass, SignatureError};
use herald_watch::InvalidToken;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The endpoint is not a URL the client can connect to.
    #[error("invalid endpoint {endpoint:?}: {reason}; use e.g. http://127.0.0.1:50051")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The API key cannot be sent in a header.
    #[error(transparent)]
    InvalidKey(#[from] InvalidToken),
    /// The server could not be reached.
    #[error("cannot connect to herald at {endpoint}: {source}")]
    Connect {
        /// The endpoint as given.
        endpoint: String,
        /// The transport's error.
        #[source]
        source: tonic::transport::Error,
    },
    /// The server answered with an error status (also one event's outcome in a batch).
    #[error("{message} (grpc status {code:?})")]
    Status {
        /// The gRPC status code.
        code: tonic::Code,
        /// The server's explanation.
        message: String,
    },
    /// The server's answer lacks a field this client needs.
    #[error("the server's answer has no {0}: is it a Herald server speaking herald.v1?")]
    MissingField(&'static str),
    /// A webhook did not verify.
    #[error("webhook not verified: {0}")]
    Webhook(#[from] SignatureError),
}

impl Error {
    /// The gRPC status code, when the server answered with one.
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            Self::Status { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl From<tonic::Status> for Error {
    fn from(status: tonic::Status) -> Self {
        Self::Status {
            code: status.code(),
            message: status.message().to_owned(),
        }
    }
}

/// Whether a status code is worth retrying. Herald answers `RESOURCE_EXHAUSTED` for events that
/// are too large, so it is permanent here, unlike in generic gRPC retry policies.
fn status_class(code: tonic::Code) -> ErrorClass {
    use tonic::Code as C;
    match code {
        C::Unavailable | C::DeadlineExceeded | C::Aborted | C::Cancelled => ErrorClass::Retryable,
        _ => ErrorClass::Permanent,
    }
}

impl Classify for Error {
    fn class(&self) -> ErrorClass {
        match self {
            Self::Connect { .. } => ErrorClass::Retryable,
            Self::Status { code, .. } => status_class(*code),
            Self::InvalidEndpoint { .. }
            | Self::InvalidKey(_)
            | Self::MissingField(_)
            | Self::Webhook(_) => ErrorClass::Permanent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        for code in [tonic::Code::Unavailable, tonic::Code::DeadlineExceeded] {
            assert!(Error::from(tonic::Status::new(code, "later")).is_retryable());
        }
        for code in [
            tonic::Code::InvalidArgument,
            tonic::Code::NotFound,
            tonic::Code::PermissionDenied,
            tonic::Code::ResourceExhausted,
            tonic::Code::Internal,
        ] {
            assert_eq!(
                Error::from(tonic::Status::new(code, "no")).class(),
                ErrorClass::Permanent,
                "{code:?}"
            );
        }
        assert_eq!(
            Error::Webhook(SignatureError::NoMatch).class(),
            ErrorClass::Permanent
        );
    }

    #[test]
    fn messages_carry_the_server_explanation() {
        let e = Error::from(tonic::Status::not_found("topic demo/nope not found"));
        assert_eq!(e.code(), Some(tonic::Code::NotFound));
        assert_eq!(
            e.to_string(),
            "topic demo/nope not found (grpc status NotFound)"
        );
        assert_eq!(Error::MissingField("receipt").code(), None);
    }
}
