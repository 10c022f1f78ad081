//! The SSE `id:` cursor: the topic it belongs to and, for every partition the stream has passed,
//! the next offset to read.
//!
//! Encoding (version `2`): the character `2` followed by unpadded base64url of the topic's
//! [`TopicTag`] (four bytes, big-endian) and a varint list: the entry count, then per entry
//! (ascending partitions) the partition delta (the first entry's partition itself, then
//! `partition - previous - 1`) and the offset. Version `1` is the same without the tag: edges
//! before the tag wrote it, so it is still read (bound to no topic) for one release. Compact (a
//! few bytes per partition), URL-safe (it may travel in `?last_event_id=`), and versioned so the
//! format can change without misreading old cursors. Decoding never panics: garbage is a
//! [`CursorError`].

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Most partitions a cursor may name; the edge refuses to stream topics with more, so every
/// cursor it writes fits comfortably in a request header.
pub const MAX_CURSOR_PARTITIONS: u64 = 512;
/// Bytes of the largest cursor: the tag, then the count and every partition's delta (each below
/// 2^14: two bytes) and offset (a non-negative i64: nine bytes).
const MAX_CURSOR_BYTES: usize = TAG_BYTES + 2 + MAX_CURSOR_PARTITIONS as usize * (2 + 9);
/// Longest cursor text accepted: the largest cursor [`Cursor::encode`] can write, so a cursor
/// the edge sent is never refused, while the work a hostile header can cause stays bounded.
pub const MAX_CURSOR_LEN: usize = 1 + (MAX_CURSOR_BYTES * 4).div_ceil(3);
/// Cursors bound to their topic.
const VERSION: char = '2';
/// Cursors of edges before the tag: offsets only.
const UNBOUND: char = '1';
const TAG_BYTES: usize = 4;

/// The identity of one topic: its Kafka name and the time the control plane created it, hashed.
/// A cursor carries it so a cursor of another topic, or of a deleted topic of the same name, is
/// refused instead of resuming at offsets that mean nothing there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TopicTag(pub u32);

impl TopicTag {
    /// The tag of the Kafka topic `kafka_topic` created at `created_at_ms`.
    pub fn of(kafka_topic: &str, created_at_ms: i64) -> Self {
        let mut hash = Sha256::new();
        hash.update(kafka_topic.as_bytes());
        hash.update([0]);
        hash.update(created_at_ms.to_be_bytes());
        let digest = hash.finalize();
        Self(u32::from_be_bytes([
            digest[0], digest[1], digest[2], digest[3],
        ]))
    }
}

/// A cursor that cannot be decoded (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor (Last-Event-ID): {0}")]
pub struct CursorError(pub String);

fn bad(reason: impl Into<String>) -> CursorError {
    CursorError(reason.into())
}

/// The topic and the next offset per partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The topic it belongs to; `None` for a version 1 cursor, which names none.
    pub topic: Option<TopicTag>,
    /// Partition → next offset to deliver.
    pub offsets: BTreeMap<i32, i64>,
}

impl Cursor {
    /// A cursor of `topic` naming partitions `0..positions.len()` at the given next offsets.
    pub fn from_positions(topic: TopicTag, positions: &[i64]) -> Self {
        Self {
            topic: Some(topic),
            offsets: positions
                .iter()
                .enumerate()
                .map(|(p, o)| (p as i32, *o))
                .collect(),
        }
    }

    /// The text form (version 1 when the cursor names no topic).
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(TAG_BYTES + 2 + self.offsets.len() * 5);
        if let Some(tag) = self.topic {
            bytes.extend_from_slice(&tag.0.to_be_bytes());
        }
        put_varint(&mut bytes, self.offsets.len() as u64);
        let mut previous: Option<i32> = None;
        for (&partition, &offset) in &self.offsets {
            let delta = match previous {
                None => partition as u64,
                Some(prev) => (partition - prev - 1) as u64,
            };
            put_varint(&mut bytes, delta);
            put_varint(&mut bytes, offset.max(0) as u64);
            previous = Some(partition);
        }
        let mut text = String::with_capacity(1 + bytes.len() * 4 / 3 + 2);
        text.push(if self.topic.is_some() {
            VERSION
        } else {
            UNBOUND
        });
        URL_SAFE_NO_PAD.encode_string(&bytes, &mut text);
        text
    }

    /// Parses the text form.
    pub fn decode(text: &str) -> Result<Self, CursorError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("empty"));
        }
        if text.len() > MAX_CURSOR_LEN {
            return Err(bad(format!("longer than {MAX_CURSOR_LEN} characters")));
        }
        let mut chars = text.chars();
        let bound = match chars.next() {
            Some(VERSION) => true,
            Some(UNBOUND) => false,
            Some(other) => return Err(bad(format!("unknown cursor version {other:?}"))),
            None => return Err(bad("empty")),
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(chars.as_str())
            .map_err(|e| bad(format!("not base64url: {e}")))?;
        let mut input = bytes.as_slice();
        let topic = if bound {
            let (tag, rest) = input
                .split_first_chunk::<TAG_BYTES>()
                .ok_or_else(|| bad("truncated"))?;
            input = rest;
            Some(TopicTag(u32::from_be_bytes(*tag)))
        } else {
            None
        };
        let count = take_varint(&mut input)?;
        if count > MAX_CURSOR_PARTITIONS {
            return Err(bad(format!(
                "names {count} partitions, at most {MAX_CURSOR_PARTITIONS} allowed"
            )));
        }
        let mut offsets = BTreeMap::new();
        let mut previous: Option<i64> = None;
        for _ in 0..count {
            let delta = take_varint(&mut input)?;
            let partition = match previous {
                None => i64::try_from(delta).ok(),
                Some(prev) => i64::try_from(delta)
                    .ok()
                    .and_then(|d| prev.checked_add(d)?.checked_add(1)),
            }
            .filter(|p| *p <= i64::from(i32::MAX))
            .ok_or_else(|| bad("partition number out of range"))?;
            let offset =
                i64::try_from(take_varint(&mut input)?).map_err(|_| bad("offset out of range"))?;
            offsets.insert(partition as i32, offset);
            previous = Some(partition);
        }
        if !input.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(Self { topic, offsets })
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn take_varint(input: &mut &[u8]) -> Result<u64, CursorError> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first().ok_or_else(|| bad("truncated"))?;
        *input = rest;
        let bits = u64::from(byte & 0x7f);
        if shift == 63 && bits > 1 {
            return Err(bad("number too large"));
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(bad("number too large"))
}

/// Encodes `topic`'s `positions` (indexed by partition); the hot path of every sent event.
pub fn encode_positions(topic: TopicTag, positions: &[i64]) -> String {
    Cursor::from_positions(topic, positions).encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let tag = TopicTag::of("acme.orders", 1_700_000_000_000);
        for positions in [vec![], vec![0], vec![5, 0, 123456789012], vec![i64::MAX, 1]] {
            let c = Cursor::from_positions(tag, &positions);
            let text = c.encode();
            assert!(
                text.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'),
                "{text}"
            );
            assert_eq!(Cursor::decode(&text).unwrap(), c);
        }
        let mut sparse = Cursor::default();
        sparse.offsets.insert(3, 7);
        sparse.offsets.insert(100, 0);
        sparse.offsets.insert(i32::MAX, 1);
        assert_eq!(Cursor::decode(&sparse.encode()).unwrap(), sparse);
        sparse.topic = Some(tag);
        assert_eq!(Cursor::decode(&sparse.encode()).unwrap(), sparse);
    }

    #[test]
    fn a_cursor_knows_its_topic() {
        let orders = TopicTag::of("acme.orders", 1_700_000_000_000);
        // Another topic, and a topic of the same name created again, are other identities.
        assert_ne!(orders, TopicTag::of("acme.invoices", 1_700_000_000_000));
        assert_ne!(orders, TopicTag::of("acme.orders", 1_700_000_000_001));
        let text = encode_positions(orders, &[4, 2]);
        assert!(text.starts_with('2'), "{text}");
        assert_eq!(Cursor::decode(&text).unwrap().topic, Some(orders));
        // A version 1 cursor (written before the tag) still reads, bound to no topic.
        let old = Cursor {
            topic: None,
            offsets: [(0, 4), (1, 2)].into(),
        };
        let text = old.encode();
        assert!(text.starts_with('1'), "{text}");
        assert_eq!(Cursor::decode(&text).unwrap(), old);
    }

    #[test]
    fn is_compact() {
        let text = encode_positions(TopicTag::of("acme.orders", 0), &[1_000_000; 12]);
        assert!(text.len() < 80, "{} chars: {text}", text.len());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [
            "",
            "x",
            "2abc",
            "1",
            "1!!!",
            "1_____",
            "1AAAA",
            "1gA",
            "1AQ",
            "1AQA",
            "1__________________________8",
            "\u{1F600}",
            "1AQAAAA",
            "2AAA",
            "2AAAAAA",
        ] {
            assert!(Cursor::decode(input).is_err(), "{input:?} decoded");
        }
        // Every byte string, fuzz-like: decoding must never panic.
        let mut state = 0x1234_5678_u64;
        for len in 0..64 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        (state >> 33) as u8
                    })
                    .collect();
                for version in ['1', '2'] {
                    let text = format!("{version}{}", URL_SAFE_NO_PAD.encode(&bytes));
                    let _ = Cursor::decode(&text);
                }
            }
        }
        assert!(Cursor::decode(&"1".repeat(MAX_CURSOR_LEN + 1)).is_err());
        let largest = Cursor {
            topic: Some(TopicTag(u32::MAX)),
            offsets: (0..MAX_CURSOR_PARTITIONS as i32)
                .map(|p| (p, i64::MAX))
                .collect(),
        };
        let text = largest.encode();
        assert!(text.len() <= MAX_CURSOR_LEN, "{}", text.len());
        assert_eq!(
            Cursor::decode(&text).expect("largest cursor decodes"),
            largest
        );
    }
}
