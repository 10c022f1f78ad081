use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::{ClientSettings, KafkaError};

/// A group consumer that never commits or stores offsets on its own: the caller commits only
/// what it has fully handled. `auto_offset_reset` is `earliest` or `latest`; `client` carries
/// the caller's own tuning.
pub fn consumer<C>(
    client: ClientSettings<'_>,
    group_id: &str,
    auto_offset_reset: &str,
    context: C,
) -> Result<StreamConsumer<C>, KafkaError>
where
    C: ConsumerContext + 'static,
{
    let c = client
        .tune("session.timeout.ms", "10000")
        .tune("heartbeat.interval.ms", "1000")
        .require("group.id", group_id)
        .require("enable.auto.commit", "false")
        .require("enable.auto.offset.store", "false")
        .require("auto.offset.reset", auto_offset_reset)
        .require("enable.partition.eof", "false")
        // Revocation handling hands off only the revoked partitions: incremental assignment.
        .require("partition.assignment.strategy", "cooperative-sticky")
        .require("isolation.level", "read_committed")
        .build();
    Ok(c.create_with_context(context)?)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> rdkafka::error::KafkaResult<T> + Send + 'static,
) -> Result<T, KafkaError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| KafkaError::Task(e.to_string()))?
        .map_err(KafkaError::from)
}

/// Synchronously commits `offsets` (each the next offset to read) on the blocking pool.
pub async fn commit_offsets<K>(
    consumer: Arc<K>,
    offsets: TopicPartitionList,
) -> Result<(), KafkaError>
where
    K: Consumer + Send + Sync + 'static,
{
    blocking(move || consumer.commit(&offsets, CommitMode::Sync)).await
}

/// Low and high watermarks of one partition.
pub async fn fetch_watermarks<K>(
    client: Arc<K>,
    topic: String,
    partition: i32,
    timeout: Duration,
) -> Result<(i64, i64), KafkaError>
where
    K: Consumer + Send + Sync + 'static,
{
    blocking(move || client.fetch_watermarks(&topic, partition, timeout)).await
}

/// For each partition, the first offset whose timestamp is at or after `timestamp_ms`
/// (`Offset::End` where there is none).
pub async fn offsets_for_times<K>(
    client: Arc<K>,
    topic: String,
    partitions: Vec<i32>,
    timestamp_ms: i64,
    timeout: Duration,
) -> Result<Vec<(i32, Offset)>, KafkaError>
where
    K: Consumer + Send + Sync + 'static,
{
    blocking(move || {
        let mut tpl = TopicPartitionList::new();
        for p in &partitions {
            tpl.add_partition_offset(&topic, *p, Offset::Offset(timestamp_ms))?;
        }
        let found = client.offsets_for_times(tpl, timeout)?;
        Ok(found
            .elements()
            .iter()
            .map(|e| (e.partition(), e.offset()))
            .collect())
    })
    .await
}
