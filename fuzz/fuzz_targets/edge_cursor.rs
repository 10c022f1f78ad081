//! `herald_edge::Cursor`: the SSE `Last-Event-ID` / `?last_event_id=` cursor, decoded from
//! whatever a browser (or anyone) sends.
//!
//! Input: the cursor text (invalid UTF-8 is decoded lossily). The same bytes are also read as
//! a list of (partition, offset) pairs to check the encoder side.
//!
//! Properties beyond "no panic":
//! - decode(x) = c  =>  decode(encode(c)) = c, encode(c) is URL-safe and no longer than
//!   x.trim(), and c names at most `MAX_CURSOR_PARTITIONS` partitions, all >= 0, offsets >= 0;
//! - encoding is canonical: encode(decode(encode(c))) = encode(c);
//! - every cursor the edge can write (partitions `0..MAX_CURSOR_PARTITIONS`, the only topics
//!   it streams, any non-negative offsets) fits `MAX_CURSOR_LEN` and decode(encode(c)) = c.
#![no_main]

use std::collections::BTreeMap;

use herald_edge::{Cursor, MAX_CURSOR_LEN, MAX_CURSOR_PARTITIONS, TopicTag};
use libfuzzer_sys::fuzz_target;

fn url_safe(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_decoded(original: &str, cursor: &Cursor) {
    assert!(cursor.offsets.len() as u64 <= MAX_CURSOR_PARTITIONS);
    assert!(
        cursor.offsets.iter().all(|(&p, &o)| p >= 0 && o >= 0),
        "{cursor:?}"
    );
    let text = cursor.encode();
    assert!(url_safe(&text), "{text:?}");
    assert!(
        text.len() <= original.trim().len(),
        "{text:?} longer than {original:?}"
    );
    let again = Cursor::decode(&text).expect("an encoded cursor decodes");
    assert_eq!(&again, cursor);
    assert_eq!(again.encode(), text, "encoding is canonical");
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    if let Ok(cursor) = Cursor::decode(&text) {
        check_decoded(&text, &cursor);
    } else if let Err(e) = Cursor::decode(&text) {
        let _ = e.to_string();
    }

    // Encoder side: 12-byte chunks as (partition below MAX_CURSOR_PARTITIONS, offset: u64
    // masked to i64 range), the positions of any topic the edge streams; bound to a topic
    // named by the first bytes unless the input length is odd (a version 1 cursor).
    let mut cursor = Cursor::default();
    if input.len() % 2 == 0 {
        let mut tag = [0u8; 4];
        for (slot, byte) in tag.iter_mut().zip(input) {
            *slot = *byte;
        }
        cursor.topic = Some(TopicTag(u32::from_le_bytes(tag)));
    }
    let mut offsets = BTreeMap::new();
    for chunk in input.chunks_exact(12) {
        let p = u32::from_le_bytes(chunk[..4].try_into().unwrap()) as u64 % MAX_CURSOR_PARTITIONS;
        let o = u64::from_le_bytes(chunk[4..].try_into().unwrap()) & 0x7fff_ffff_ffff_ffff;
        offsets.insert(p as i32, o as i64);
    }
    cursor.offsets = offsets;
    let encoded = cursor.encode();
    assert!(url_safe(&encoded), "{encoded:?}");
    assert!(encoded.len() <= MAX_CURSOR_LEN, "{}", encoded.len());
    assert_eq!(
        Cursor::decode(&encoded).as_ref(),
        Ok(&cursor),
        "{encoded:?}"
    );
});
