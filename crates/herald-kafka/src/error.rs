use herald_core::{Classify, ErrorClass};
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};

/// A Kafka operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// librdkafka reported an error.
    #[error("kafka: {0}")]
    Client(#[from] ClientError),
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
    /// The cluster has fewer brokers than the replication factor asked for.
    #[error(
        "replication factor {factor} needs at least {factor} brokers and the cluster has {brokers}: lower the replication setting (control: replication_factor, delivery: internal_replication; 0 chooses by the cluster's size) or add brokers"
    )]
    Replication {
        /// The factor asked for.
        factor: i32,
        /// Brokers the cluster has.
        brokers: i32,
    },
    /// The producer was dropped before the record was acknowledged.
    #[error("the kafka producer went away before acknowledging the record")]
    ProducerGone,
}

/// An error reported by librdkafka, kept opaque so no caller depends on librdkafka's types.
#[derive(Debug, Clone, thiserror::Error)]
#[error(transparent)]
pub struct ClientError(RdError);

impl From<RdError> for KafkaError {
    fn from(e: RdError) -> Self {
        Self::Client(ClientError(e))
    }
}

impl KafkaError {
    fn code(&self) -> Option<RDKafkaErrorCode> {
        match self {
            Self::Client(ClientError(e)) => e.rdkafka_error_code(),
            _ => None,
        }
    }

    /// The topic (or the partition) does not exist.
    pub fn is_unknown_topic(&self) -> bool {
        matches!(self, Self::UnknownTopic(_))
            || matches!(
                self.code(),
                Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic)
            )
    }

    /// The producer's local queue is full: nothing was enqueued, try again shortly.
    pub fn is_queue_full(&self) -> bool {
        self.code() == Some(RDKafkaErrorCode::QueueFull)
    }

    /// The broker refused the record as too large.
    pub fn is_too_large(&self) -> bool {
        matches!(
            self.code(),
            Some(RDKafkaErrorCode::MessageSizeTooLarge | RDKafkaErrorCode::InvalidMessageSize)
        )
    }

    /// The partition a reader asked end-of-partition events for, when this is one: a reader
    /// reached the partition's current end (not a failure).
    pub fn end_of_partition(&self) -> Option<i32> {
        match self {
            Self::Client(ClientError(RdError::PartitionEOF(p))) => Some(*p),
            _ => None,
        }
    }
}

impl Classify for KafkaError {
    fn class(&self) -> ErrorClass {
        use RDKafkaErrorCode as C;
        match self {
            Self::UnknownTopic(_)
            | Self::TopicExists(_)
            | Self::Unsupported(_)
            | Self::Replication { .. } => ErrorClass::Permanent,
            Self::Task(_) | Self::ProducerGone => ErrorClass::Retryable,
            Self::Client(_) => match self.code() {
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

#[cfg(test)]
mod tests {
    use rdkafka::error::KafkaError as RdError;
    use rdkafka::types::RDKafkaErrorCode as C;

    use super::*;

    fn produce(code: C) -> KafkaError {
        RdError::MessageProduction(code).into()
    }

    #[test]
    fn error_kinds_are_named_without_librdkafka_codes() {
        assert!(produce(C::UnknownTopicOrPartition).is_unknown_topic());
        assert!(produce(C::UnknownTopic).is_unknown_topic());
        assert!(KafkaError::UnknownTopic("t".into()).is_unknown_topic());
        assert!(!produce(C::QueueFull).is_unknown_topic());
        assert!(produce(C::QueueFull).is_queue_full());
        assert!(produce(C::MessageSizeTooLarge).is_too_large());
        assert!(produce(C::InvalidMessageSize).is_too_large());
        assert!(!produce(C::RequestTimedOut).is_too_large());
        assert_eq!(
            KafkaError::from(RdError::PartitionEOF(3)).end_of_partition(),
            Some(3)
        );
        assert_eq!(produce(C::QueueFull).end_of_partition(), None);
    }

    #[test]
    fn retryable_and_permanent() {
        assert!(produce(C::RequestTimedOut).is_retryable());
        assert!(produce(C::QueueFull).is_retryable());
        assert!(!produce(C::MessageSizeTooLarge).is_retryable());
        assert!(!produce(C::TopicAuthorizationFailed).is_retryable());
        assert!(KafkaError::ProducerGone.is_retryable());
        assert!(!KafkaError::TopicExists("t".into()).is_retryable());
    }
}
