//! What a consumed record carries through the worker, copied out of librdkafka once.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
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
    /// The record key (payload filters read it as `key`).
    pub(super) key: Option<Bytes>,
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
        let mut headers = RecordHeaders::default();
        for (key, value) in m.headers() {
            if let Some(value) = value {
                headers.push(key, value);
            }
        }
        Self {
            tp: (topic, m.partition()),
            offset: m.offset(),
            headers,
            data: m.payload().map(Bytes::copy_from_slice).unwrap_or_default(),
            key: m.key().map(Bytes::copy_from_slice),
        }
    }
}

/// A record's headers in one buffer: two allocations per record instead of two per header.
#[derive(Debug, Default)]
pub(crate) struct RecordHeaders {
    pub(super) bytes: Vec<u8>,
    /// Per header, where its key and its value end in `bytes` (each starts where the previous
    /// part ended).
    pub(super) ends: Vec<(usize, usize)>,
}

impl RecordHeaders {
    pub(super) fn push(&mut self, key: &str, value: &[u8]) {
        if self.bytes.is_empty() {
            // Room for a CloudEvent's headers, so the buffer is not regrown.
            self.bytes.reserve(256);
            self.ends.reserve(8);
        }
        self.bytes.extend_from_slice(key.as_bytes());
        let key_end = self.bytes.len();
        self.bytes.extend_from_slice(value);
        self.ends.push((key_end, self.bytes.len()));
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
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
        let mut headers = Self::default();
        for h in &records {
            headers.push(&h.key, &h.value);
        }
        headers
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

    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.text(name, true)
    }

    /// The full task record.
    pub(super) fn encode(&self, task: &DeliveryTask) -> Vec<u8> {
        let mut full = task.clone();
        full.headers = self.headers.to_records();
        full.data = self.data.to_vec();
        full.encode_to_vec()
    }
}
