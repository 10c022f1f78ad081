use herald_core::{Classify, ErrorClass};
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};

/// A Kafka operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// librdkafka reported an error.
    #[error("kafka: {0}")]
    Client(#[from] RdError),
    /// A blocking task was cancelled or panicked.
    #[error("kafka blocking task failed: {0}")]
    Task(String),
    /// The topic does not exist.
    #[error("kafka topic {0:?} does not exist")]
    UnknownTopic(String),
    /// The topic exists already.
    #[error("kafka topic {0:?} already exists")]
    TopicExists(String),
    /// The cluster cannot do this (e.g. the embedded broker deleting topics).
    #[error("not supported: {0}")]
    Unsupported(String),
}

impl KafkaError {
    /// The librdkafka error code, when there is one.
    pub fn code(&self) -> Option<RDKafkaErrorCode> {
        match self {
            Self::Client(e) => e.rdkafka_error_code(),
            _ => None,
        }
    }
}

impl Classify for KafkaError {
    fn class(&self) -> ErrorClass {
        use RDKafkaErrorCode as C;
        match self {
            Self::UnknownTopic(_) | Self::TopicExists(_) | Self::Unsupported(_) => {
                ErrorClass::Permanent
            }
            Self::Task(_) => ErrorClass::Retryable,
            Self::Client(e) => match e.rdkafka_error_code() {
                Some(
                    C::MessageSizeTooLarge
                    | C::InvalidMessageSize
                    | C::InvalidMessage
                    | C::TopicAuthorizationFailed
                    | C::ClusterAuthorizationFailed
                    | C::UnknownTopicOrPartition
                    | C::UnknownTopic
                    | C::InvalidTopic
                    | C::InvalidConfig
                    | C::InvalidArgument,
                ) => ErrorClass::Permanent,
                _ => ErrorClass::Retryable,
            },
        }
    }
}
