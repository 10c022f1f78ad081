//! What a consumed record carries through the worker, copied out of librdkafka once.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use herald_core::envelope::TRACEPARENT_HEADER;
use herald_kafka::RecordRef;
use herald_proto::v1::{DeliveryTask, RecordHeader};
use prost::Message as _;

use crate::tracker::Tp;

/// A consumed record, copied out of librdkafka's buffer once.
pub(crate) struct Incoming {
    pub(super) tp: Tp,
    pub(super) offset: i64,
    pub(super) headers: RecordHeaders,
    pub(super) data: Bytes,
    /// The record key (empty when it has none).
    pub(super) key: Bytes,
}

impl Incoming {
    pub(super) fn from_record(m: &RecordRef<'_>, topics: &mut HashMap<String, Arc<str>>) -> Self {
        // Topic names are interned: a record costs no allocation for its partition's name.
        let topic = match topics.get(m.topic()) {
            Some(t) => t.clone(),
            None => topics
                .entry(m.topic().to_owned())
                .or_insert_with(|| Arc::from(m.topic()))
                .clone(),
        };
        let headers =
            RecordHeaders::collect(m.headers().filter_map(|(key, value)| Some((key, value?))));
        Self {
            tp: (topic, m.partition()),
            offset: m.offset(),
            headers,
            data: m.payload().map(Bytes::copy_from_slice).unwrap_or_default(),
            key: m.key().map(Bytes::copy_from_slice).unwrap_or_default(),
        }
    }
}

/// A record's headers in one buffer: two allocations per record instead of two per header. The
/// buffer is shared, so a webhook header can carry a value as a slice of it (no copy).
#[derive(Debug, Default)]
pub(crate) struct RecordHeaders {
    pub(super) bytes: Bytes,
    /// Per header, where its key and its value end in `bytes` (each starts where the previous
    /// part ended).
    pub(super) ends: Vec<(usize, usize)>,
    /// The header carrying the W3C `traceparent` (every attempt reads it), found while the
    /// headers are copied anyway.
    traceparent: Option<usize>,
}

impl RecordHeaders {
    fn collect<'a>(headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> Self {
        let (mut bytes, mut ends, mut traceparent) = (Vec::new(), Vec::new(), None);
        for (key, value) in headers {
            if traceparent.is_none() && key.eq_ignore_ascii_case(TRACEPARENT_HEADER) {
                traceparent = Some(ends.len());
            }
            if bytes.is_empty() {
                // Room for a CloudEvent's headers, so the buffer is not regrown.
                bytes.reserve(256);
                ends.reserve(8);
            }
            bytes.extend_from_slice(key.as_bytes());
            let key_end = bytes.len();
            bytes.extend_from_slice(value);
            ends.push((key_end, bytes.len()));
        }
        Self {
            bytes: Bytes::from(bytes),
            ends,
            traceparent,
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + Clone {
        let mut start = 0;
        self.ends.iter().map(move |&(key_end, end)| {
            let pair = (&self.bytes[start..key_end], &self.bytes[key_end..end]);
            start = end;
            pair
        })
    }

    /// The first value of `name` that is text.
    pub(super) fn text(&self, name: &str, any_case: bool) -> Option<&str> {
        self.iter()
            .find(|(k, _)| {
                if any_case {
                    k.eq_ignore_ascii_case(name.as_bytes())
                } else {
                    *k == name.as_bytes()
                }
            })
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    pub(super) fn from_records(records: Vec<RecordHeader>) -> Self {
        Self::collect(records.iter().map(|h| (h.key.as_str(), h.value.as_slice())))
    }

    pub(super) fn to_records(&self) -> Vec<RecordHeader> {
        self.iter()
            .map(|(k, v)| RecordHeader {
                key: String::from_utf8_lossy(k).into_owned(),
                value: v.to_vec(),
            })
            .collect()
    }
}

/// An event's record headers and value, shared by all of its deliveries (no copy per
/// subscription); only a handoff to a retry tier or the DLQ writes them into a task.
#[derive(Clone)]
pub(crate) struct Payload {
    pub(super) headers: Arc<RecordHeaders>,
    pub(super) data: Bytes,
}

impl Payload {
    /// Moves the payload out of a task read from a tier.
    pub(super) fn take(task: &mut DeliveryTask) -> Self {
        Self {
            headers: Arc::new(RecordHeaders::from_records(std::mem::take(
                &mut task.headers,
            ))),
            data: Bytes::from(std::mem::take(&mut task.data)),
        }
    }

    /// The record's `traceparent`, when it has one that is text.
    pub(super) fn traceparent(&self) -> Option<&str> {
        let (value_start, value_end) = self.headers.ends[self.headers.traceparent?];
        std::str::from_utf8(&self.headers.bytes[value_start..value_end]).ok()
    }

    /// The full task record.
    pub(super) fn encode(&self, task: &DeliveryTask) -> Vec<u8> {
        let mut full = task.clone();
        full.headers = self.headers.to_records();
        full.data = self.data.to_vec();
        full.encode_to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(headers: &[(&str, &[u8])]) -> Payload {
        Payload {
            headers: Arc::new(RecordHeaders::collect(headers.iter().copied())),
            data: Bytes::new(),
        }
    }

    #[test]
    fn the_first_traceparent_of_any_case_is_found_when_it_is_text() {
        let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let p = payload(&[
            ("ce_id", b"e1"),
            ("TraceParent", tp.as_bytes()),
            ("traceparent", b"00-other"),
        ]);
        assert_eq!(p.traceparent(), Some(tp));
        assert_eq!(p.headers.text("ce_id", false), Some("e1"));
        assert_eq!(payload(&[("ce_id", b"e1")]).traceparent(), None);
        assert_eq!(
            payload(&[("traceparent", &[0xff, 0xfe])]).traceparent(),
            None
        );
    }
}
