//! Consumed records and partitions in Herald's own types: callers read a record in place
//! (no copy) and copy out what they keep, once.

use std::sync::Arc;

use herald_core::{Event, EventError};
use rdkafka::message::{BorrowedMessage, Headers};
use rdkafka::{Message, Offset, TopicPartitionList};

use crate::KafkaError;

/// One partition of one topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// The topic.
    pub topic: Arc<str>,
    /// The partition.
    pub partition: i32,
}

impl TopicPartition {
    /// The partitions of a librdkafka list, in its order.
    pub(crate) fn all_of(tpl: &TopicPartitionList) -> Vec<Self> {
        tpl.elements()
            .iter()
            .map(|e| Self {
                topic: Arc::from(e.topic()),
                partition: e.partition(),
            })
            .collect()
    }
}

/// A list of `(topic, partition, offset)`; `offset` is the next offset to read, `None` for
/// none (a partition without a position).
pub(crate) fn partition_list<'a>(
    entries: impl IntoIterator<Item = (&'a str, i32, Option<i64>)>,
) -> Result<TopicPartitionList, KafkaError> {
    let mut tpl = TopicPartitionList::new();
    for (topic, partition, offset) in entries {
        match offset {
            Some(o) => tpl.add_partition_offset(topic, partition, Offset::Offset(o))?,
            None => {
                tpl.add_partition(topic, partition);
            }
        }
    }
    Ok(tpl)
}

/// One consumed record, read in place in librdkafka's buffer: valid until it is dropped, which
/// hands the buffer back. Copy out what outlives it.
pub struct RecordRef<'a> {
    message: BorrowedMessage<'a>,
}

impl std::fmt::Debug for RecordRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordRef")
            .field("topic", &self.topic())
            .field("partition", &self.partition())
            .field("offset", &self.offset())
            .finish_non_exhaustive()
    }
}

impl<'a> RecordRef<'a> {
    pub(crate) fn new(message: BorrowedMessage<'a>) -> Self {
        Self { message }
    }

    /// The record's topic.
    pub fn topic(&self) -> &str {
        self.message.topic()
    }

    /// The record's partition.
    pub fn partition(&self) -> i32 {
        self.message.partition()
    }

    /// The record's offset.
    pub fn offset(&self) -> i64 {
        self.message.offset()
    }

    /// The record's key, if any.
    pub fn key(&self) -> Option<&[u8]> {
        self.message.key()
    }

    /// The record's value; `None` for a tombstone.
    pub fn payload(&self) -> Option<&[u8]> {
        self.message.payload()
    }

    /// The record's timestamp in milliseconds since the epoch, when it has one.
    pub fn timestamp_ms(&self) -> Option<i64> {
        self.message.timestamp().to_millis()
    }

    /// The record's headers in order as `(name, value)`; a null value is `None`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, Option<&[u8]>)> {
        self.message
            .headers()
            .into_iter()
            .flat_map(|hs| hs.iter())
            .map(|h| (h.key, h.value))
    }

    /// The value of the first header named `name` (`None` when absent or null).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v)
    }

    /// Decodes the record as a CloudEvent in binary content mode (null headers are skipped).
    pub fn event(&self) -> Result<Event, EventError> {
        let headers = self.headers().filter_map(|(k, v)| v.map(|v| (k, v)));
        let data = self.payload().map(<[u8]>::to_vec).unwrap_or_default();
        Event::from_headers(headers, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_lists_carry_offsets_or_none() {
        let tpl = partition_list([("a", 0, Some(5)), ("b", 2, None)]).unwrap();
        let elements = tpl.elements();
        assert_eq!(elements.len(), 2);
        assert_eq!(elements[0].offset(), Offset::Offset(5));
        assert_eq!(elements[1].offset(), Offset::Invalid);
        assert_eq!(
            TopicPartition::all_of(&tpl),
            vec![
                TopicPartition {
                    topic: "a".into(),
                    partition: 0
                },
                TopicPartition {
                    topic: "b".into(),
                    partition: 2
                },
            ]
        );
    }
}
