//! Readers of explicitly assigned partitions: they never join a consumer group and never
//! commit. [`ScanReader`] reads ranges to their end on the calling (blocking) thread;
//! [`TailConsumer`] follows partitions from given offsets on the async runtime.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::Offset;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};

use crate::lookup::{self, blocking};
use crate::record::partition_list;
use crate::{ClientSettings, KafkaError, RecordRef};

/// One partition to read: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionRange {
    /// The partition.
    pub partition: i32,
    /// The first offset to read.
    pub start: i64,
    /// The offset to stop before (the high watermark when the range was taken).
    pub end: i64,
}

/// How a scan ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    /// Records handed to the visitor.
    pub records: u64,
    /// Every range was read to its end.
    pub complete: bool,
}

/// A blocking reader of partition ranges: every call blocks, so run it on the blocking pool
/// (`spawn_blocking`). Reads committed records only.
pub struct ScanReader {
    consumer: BaseConsumer,
}

impl std::fmt::Debug for ScanReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanReader").finish_non_exhaustive()
    }
}

impl ScanReader {
    /// A reader with the client's settings; `group_id` only names it (it never joins).
    pub fn new(client: ClientSettings<'_>, group_id: &str) -> Result<Self, KafkaError> {
        // A scan ends at each partition's end: it needs the end-of-partition events.
        let consumer = client.reader(group_id, true).build().create()?;
        Ok(Self { consumer })
    }

    /// The partitions of `topic`; `None` when it does not exist.
    pub fn partitions(
        &self,
        topic: &str,
        timeout: Duration,
    ) -> Result<Option<Vec<i32>>, KafkaError> {
        lookup::partitions(&self.consumer, topic, timeout)
    }

    /// Low and high watermark of each of `partitions`, in their order.
    pub fn watermarks(
        &self,
        topic: &str,
        partitions: &[i32],
        timeout: Duration,
    ) -> Result<Vec<(i64, i64)>, KafkaError> {
        lookup::watermarks(&self.consumer, topic, partitions, timeout)
    }

    /// For each of `partitions`, the first offset at or after `timestamp_ms` (`None` where
    /// there is none).
    pub fn offsets_for_time(
        &self,
        topic: &str,
        partitions: &[i32],
        timestamp_ms: i64,
        timeout: Duration,
    ) -> Result<Vec<(i32, Option<i64>)>, KafkaError> {
        lookup::offsets_for_time(&self.consumer, topic, partitions, timestamp_ms, timeout)
    }

    /// For each of `partitions`, the offset committed by the group this reader was named
    /// after in [`ScanReader::new`] (`None` where it has none), e.g. another service's group
    /// to measure its lag. Reading committed offsets does not join the group.
    pub fn committed(
        &self,
        topic: &str,
        partitions: &[i32],
        timeout: Duration,
    ) -> Result<Vec<(i32, Option<i64>)>, KafkaError> {
        lookup::committed(&self.consumer, topic, partitions, timeout)
    }

    /// Reads `ranges` of `topic`, calling `visit` per record until it returns false, every
    /// range is done, `max_records` were read or `deadline` passed.
    pub fn scan(
        &self,
        topic: &str,
        ranges: &[PartitionRange],
        max_records: u64,
        deadline: Instant,
        mut visit: impl FnMut(&RecordRef<'_>) -> bool,
    ) -> Result<Scanned, KafkaError> {
        let mut todo = Todo::new(ranges);
        let mut out = Scanned::default();
        if todo.is_empty() {
            out.complete = true;
            return Ok(out);
        }
        let tpl = partition_list(
            ranges
                .iter()
                .filter(|r| r.start < r.end)
                .map(|r| (topic, r.partition, Some(r.start))),
        )?;
        self.consumer.assign(&tpl)?;
        while !todo.is_empty() {
            let now = Instant::now();
            if now >= deadline || out.records >= max_records {
                return Ok(out);
            }
            let Some(result) = self
                .consumer
                .poll((deadline - now).min(Duration::from_millis(200)))
            else {
                continue;
            };
            match result.map_err(KafkaError::from) {
                Ok(m) => {
                    let record = RecordRef::new(m);
                    if !todo.take(record.partition(), record.offset()) {
                        continue;
                    }
                    out.records += 1;
                    if !visit(&record) {
                        return Ok(out);
                    }
                }
                Err(e) => {
                    if let Some(p) = e.end_of_partition() {
                        todo.done(p);
                    } else if e.is_unknown_topic() {
                        return Err(KafkaError::UnknownTopic(topic.to_owned()));
                    } else {
                        tracing::debug!(error = %e, topic, "scan consumer error");
                    }
                }
            }
        }
        out.complete = true;
        Ok(out)
    }
}

/// The partitions of a scan still to read, each with the offset it ends before.
struct Todo(HashMap<i32, i64>);

impl Todo {
    fn new(ranges: &[PartitionRange]) -> Self {
        Self(
            ranges
                .iter()
                .filter(|r| r.start < r.end)
                .map(|r| (r.partition, r.end))
                .collect(),
        )
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn done(&mut self, partition: i32) {
        self.0.remove(&partition);
    }

    /// Whether the record at `offset` of `partition` is inside its range (a record at or past
    /// the end, or of a partition already done, is not); the range is done after its last.
    fn take(&mut self, partition: i32, offset: i64) -> bool {
        let Some(end) = self.0.get(&partition).copied() else {
            return false;
        };
        if offset + 1 >= end {
            self.0.remove(&partition);
        }
        offset < end
    }
}

/// A consumer that follows explicitly assigned partitions from given offsets, on the async
/// runtime. Cheap to clone; clones share one librdkafka client.
#[derive(Clone)]
pub struct TailConsumer {
    inner: Arc<StreamConsumer>,
}

impl std::fmt::Debug for TailConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailConsumer").finish_non_exhaustive()
    }
}

impl TailConsumer {
    /// A consumer with the client's settings; `group_id` only names it (it never joins);
    /// `partition_eof` makes [`TailConsumer::recv`] report each partition's end (see
    /// [`KafkaError::end_of_partition`]).
    pub fn new(
        client: ClientSettings<'_>,
        group_id: &str,
        partition_eof: bool,
    ) -> Result<Self, KafkaError> {
        let inner = client.reader(group_id, partition_eof).build().create()?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Reads `topic` from these `(partition, next offset)` on, replacing the assignment.
    pub fn assign(&self, topic: &str, starts: &[(i32, i64)]) -> Result<(), KafkaError> {
        let tpl = partition_list(starts.iter().map(|(p, o)| (topic, *p, Some(*o))))?;
        Ok(self.inner.assign(&tpl)?)
    }

    /// The next record.
    pub async fn recv(&self) -> Result<RecordRef<'_>, KafkaError> {
        Ok(RecordRef::new(self.inner.recv().await?))
    }

    /// The next offset to read of every assigned partition that has one; it passes records
    /// that are never delivered, such as transaction markers.
    pub fn positions(&self) -> Result<Vec<(i32, i64)>, KafkaError> {
        Ok(self
            .inner
            .position()?
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) => Some((e.partition(), o)),
                _ => None,
            })
            .collect())
    }

    /// The partitions of `topic`; `None` when it does not exist.
    pub async fn partitions(
        &self,
        topic: &str,
        timeout: Duration,
    ) -> Result<Option<Vec<i32>>, KafkaError> {
        let (c, topic) = (self.inner.clone(), topic.to_owned());
        blocking(move || lookup::partitions(c.as_ref(), &topic, timeout)).await
    }

    /// Low and high watermark of each of `partitions`, in their order.
    pub async fn watermarks(
        &self,
        topic: &str,
        partitions: Vec<i32>,
        timeout: Duration,
    ) -> Result<Vec<(i64, i64)>, KafkaError> {
        let (c, topic) = (self.inner.clone(), topic.to_owned());
        blocking(move || lookup::watermarks(c.as_ref(), &topic, &partitions, timeout)).await
    }

    /// For each of `partitions`, the first offset at or after `timestamp_ms` (`None` where
    /// there is none).
    pub async fn offsets_for_time(
        &self,
        topic: &str,
        partitions: Vec<i32>,
        timestamp_ms: i64,
        timeout: Duration,
    ) -> Result<Vec<(i32, Option<i64>)>, KafkaError> {
        let (c, topic) = (self.inner.clone(), topic.to_owned());
        blocking(move || {
            lookup::offsets_for_time(c.as_ref(), &topic, &partitions, timestamp_ms, timeout)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(partition: i32, start: i64, end: i64) -> PartitionRange {
        PartitionRange {
            partition,
            start,
            end,
        }
    }

    #[test]
    fn a_scan_takes_each_range_up_to_its_end() {
        let mut todo = Todo::new(&[range(0, 2, 4), range(1, 5, 5), range(2, 0, 1)]);
        assert!(!todo.is_empty());
        // Partition 1's range is empty: nothing to read there.
        assert!(!todo.take(1, 5));
        assert!(todo.take(0, 2));
        assert!(todo.take(0, 3));
        // Done after its last record: a later record of it is not taken.
        assert!(!todo.take(0, 4));
        assert!(!todo.is_empty());
        todo.done(2);
        assert!(todo.is_empty());
    }

    #[test]
    fn a_record_past_the_end_ends_its_range() {
        // Offsets may skip (compaction, transaction markers).
        let mut todo = Todo::new(&[range(0, 0, 10)]);
        assert!(!todo.take(0, 12));
        assert!(todo.is_empty());
    }
}
