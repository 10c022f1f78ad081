//! `herald_core::Event::from_headers`: rebuilding an event from a Kafka record's headers
//! (CloudEvents binary content mode), i.e. what every consumer does with untrusted records.
//!
//! Input: header lines `name:value` (value bytes verbatim, no trimming), then an empty line,
//! then the record value. Lines without `:` are headers with an empty value; names that are
//! not UTF-8 are decoded lossily (Kafka header names are strings).
//!
//! Properties beyond "no panic":
//! - an accepted event validates, its data is the record value, and the last `ce_specversion`
//!   header was exactly `1.0`;
//! - round trip: `from_headers(event.to_headers())` gives the same event back;
//! - every extension came from a `ce_<name>` header.
#![no_main]

use std::borrow::Cow;

use herald_core::Event;
use libfuzzer_sys::fuzz_target;

type Headers<'a> = Vec<(Cow<'a, str>, &'a [u8])>;

fn parse(input: &[u8]) -> (Headers<'_>, &[u8]) {
    let (head, data) = match input.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&input[..i], &input[i + 2..]),
        None => (input, &[][..]),
    };
    let headers = head
        .split(|&b| b == b'\n')
        .map(|line| match line.iter().position(|&b| b == b':') {
            Some(i) => (String::from_utf8_lossy(&line[..i]), &line[i + 1..]),
            None => (String::from_utf8_lossy(line), &[][..]),
        })
        .collect();
    (headers, data)
}

fuzz_target!(|input: &[u8]| {
    let (headers, data) = parse(input);
    let result = Event::from_headers(headers.iter().map(|(k, v)| (k.as_ref(), *v)), data.to_vec());
    let Ok(event) = result else {
        if let Err(e) = result {
            let _ = e.to_string();
        }
        return;
    };
    event.validate().expect("an accepted event validates");
    assert_eq!(event.data, data);
    let last_spec = headers.iter().rev().find(|(k, _)| k == "ce_specversion");
    assert_eq!(last_spec.map(|(_, v)| *v), Some(&b"1.0"[..]));
    for name in event.extensions.keys() {
        let key = format!("ce_{name}");
        assert!(
            headers.iter().any(|(k, _)| *k == key),
            "extension {name:?} from nowhere"
        );
    }

    let encoded = event.to_headers();
    let back = Event::from_headers(
        encoded.iter().map(|h| (h.key.as_str(), h.value.as_slice())),
        event.data.clone(),
    );
    assert_eq!(back.as_ref(), Ok(&event), "headers round trip");
});
