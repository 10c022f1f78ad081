//! Errors of the control plane (startup and background work; RPCs answer `tonic::Status`).

use herald_core::{Classify, ErrorClass};
use herald_kafka::KafkaError;

/// Why the control plane could not start or keep its state.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The configuration is unusable (e.g. no valid master key).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Kafka failed.
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    /// The state topic is not usable as configured.
    #[error("state topic: {0}")]
    StateTopic(String),
    /// A listener or server failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The gRPC server failed.
    #[error("grpc server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

impl Classify for ControlError {
    fn class(&self) -> ErrorClass {
        match self {
            Self::Config(_) | Self::StateTopic(_) => ErrorClass::Permanent,
            Self::Kafka(e) => e.class(),
            Self::Io(_) | Self::Transport(_) => ErrorClass::Retryable,
        }
    }
}
