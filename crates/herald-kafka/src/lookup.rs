//! Blocking metadata look-ups every consumer kind shares; callers run them on the blocking pool.

use std::time::Duration;

use rdkafka::Offset;
use rdkafka::consumer::{Consumer, ConsumerContext};

use crate::KafkaError;
use crate::record::partition_list;

/// The partitions of `topic`; `None` when it does not exist (or its metadata has an error).
pub(crate) fn partitions<C: ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
    timeout: Duration,
) -> Result<Option<Vec<i32>>, KafkaError> {
    let md = consumer.fetch_metadata(Some(topic), timeout)?;
    Ok(md
        .topics()
        .iter()
        .find(|t| t.name() == topic && t.error().is_none())
        .map(|t| t.partitions().iter().map(|p| p.id()).collect()))
}

/// Low and high watermark of each of `partitions`, in their order.
pub(crate) fn watermarks<C: ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
    partitions: &[i32],
    timeout: Duration,
) -> Result<Vec<(i64, i64)>, KafkaError> {
    partitions
        .iter()
        .map(|p| Ok(consumer.fetch_watermarks(topic, *p, timeout)?))
        .collect()
}

/// For each of `partitions`, the first offset whose timestamp is at or after `timestamp_ms`
/// (`None` where there is none).
pub(crate) fn offsets_for_time<C: ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
    partitions: &[i32],
    timestamp_ms: i64,
    timeout: Duration,
) -> Result<Vec<(i32, Option<i64>)>, KafkaError> {
    let tpl = partition_list(partitions.iter().map(|p| (topic, *p, Some(timestamp_ms))))?;
    let found = consumer.offsets_for_times(tpl, timeout)?;
    Ok(found
        .elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => (e.partition(), Some(o)),
            _ => (e.partition(), None),
        })
        .collect())
}

/// For each of `partitions`, the offset the consumer's group (its `group.id`) committed
/// (`None` where it has none). An OffsetFetch request: the consumer does not join the group.
pub(crate) fn committed<C: ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
    partitions: &[i32],
    timeout: Duration,
) -> Result<Vec<(i32, Option<i64>)>, KafkaError> {
    let tpl = partition_list(partitions.iter().map(|p| (topic, *p, None)))?;
    let found = consumer.committed_offsets(tpl, timeout)?;
    Ok(found
        .elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) if o >= 0 => (e.partition(), Some(o)),
            _ => (e.partition(), None),
        })
        .collect())
}

/// Runs a blocking librdkafka call on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KafkaError> + Send + 'static,
) -> Result<T, KafkaError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| KafkaError::Task(e.to_string()))?
}
