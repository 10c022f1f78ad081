//! Kafka for Herald: clients built with safe settings (librdkafka's defaults are not), topic
//! administration, and the CloudEvents header codec. Calls that block inside librdkafka run on
//! tokio's blocking pool so they never stall the async runtime.
//!
//! This is the only crate that uses librdkafka: the others get small, named clients in
//! Herald's own types ([`Producer`], [`LogProducer`], [`GroupConsumer`], [`TailConsumer`],
//! [`ScanReader`], [`RecordRef`], [`KafkaError`]).

mod admin;
mod config;
mod embedded;
mod error;
mod group;
mod headers;
mod longpoll;
mod lookup;
mod malloc;
mod producer;
mod reader;
mod record;

/// The source of [`KafkaConfig`] and what it embeds: their doc comments are the reference of
/// the `[kafka]` settings that every service's `--help` prints (see `herald_runtime::ServiceConfig`).
pub const CONFIG_SOURCE: &str = include_str!("config.rs");

pub use admin::{KafkaAdmin, PartitionOffsets, TopicAdmin, TopicSpec};
pub use config::{ClientSettings, KafkaConfig};
pub use embedded::{EmbeddedAdmin, EmbeddedKafka};
pub use error::{ClientError, KafkaError};
pub use group::{GroupConsumer, RebalanceHandler, RecordStream};
pub(crate) use headers::owned_headers;
pub use producer::{Delivered, LogProducer, Pending, Producer};
pub use reader::{PartitionRange, ScanReader, Scanned, TailConsumer};
pub use record::{RecordRef, TopicPartition};

/// Checks that the cluster answers a metadata request within `timeout` (used by `/readyz`).
pub async fn ping(config: &KafkaConfig, timeout: std::time::Duration) -> Result<(), KafkaError> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let client: BaseConsumer = config.client_config().create()?;
    tokio::task::spawn_blocking(move || client.fetch_metadata(None, timeout).map(|_| ()))
        .await
        .map_err(|e| KafkaError::Task(e.to_string()))?
        .map_err(KafkaError::from)
}
