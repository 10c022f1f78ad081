//! `herald_ingest::parse_http_body`: the HTTP publish API's body parser (plain JSON events,
//! CloudEvents structured mode, batches).
//!
//! Input: `<content-type>\n<body>`; an empty first line, or no newline at all, means no
//! content-type header (then the whole input is the body when there is no newline).
//!
//! Properties beyond "no panic":
//! - the only errors are `Invalid` and `UnsupportedMediaType`, the latter exactly for media
//!   types other than the three accepted (and none);
//! - the batch flag follows the media type (or the first non-blank byte for plain JSON), and a
//!   non-batch result holds exactly one draft;
//! - an accepted structured event parses identically as a one-element CloudEvents batch and as
//!   `application/json` (auto-detected by `specversion`);
//! - a plain event's `data` is the verbatim JSON of its `data` member;
//! - no extension shadows an attribute the parser consumes itself.
#![no_main]

use herald_ingest::{Draft, IngestError, parse_http_body};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

use serde_json::value::RawValue;

/// Members `structured()` consumes; they must never reappear as extensions.
const CONSUMED: &[&str] = &[
    "specversion",
    "id",
    "type",
    "source",
    "subject",
    "time",
    "datacontenttype",
    "dataschema",
    "traceparent",
    "data",
    "data_base64",
];

fn split(input: &[u8]) -> (Option<String>, &[u8]) {
    match input.iter().position(|&b| b == b'\n') {
        None => (None, input),
        Some(0) => (None, &input[1..]),
        Some(i) => (
            Some(String::from_utf8_lossy(&input[..i]).into_owned()),
            &input[i + 1..],
        ),
    }
}

fn media(content_type: Option<&str>) -> String {
    content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn debug(drafts: &[Draft]) -> String {
    format!("{drafts:?}")
}

fuzz_target!(|input: &[u8]| {
    let (content_type, body) = split(input);
    let ct = content_type.as_deref();
    let media = media(ct);
    let known = matches!(
        media.as_str(),
        "" | "application/json"
            | "application/cloudevents+json"
            | "application/cloudevents-batch+json"
    );
    let (drafts, batch) = match parse_http_body(ct, body) {
        Ok(ok) => ok,
        Err(IngestError::UnsupportedMediaType(m)) => {
            assert!(!known, "{media:?} refused as unsupported: {m}");
            return;
        }
        Err(IngestError::Invalid(m)) => {
            assert!(known, "{media:?} should be unsupported, got invalid: {m}");
            assert!(!m.is_empty());
            return;
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    };
    assert!(known, "{media:?} accepted");

    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match media.as_str() {
        "application/cloudevents+json" => assert!(!batch),
        "application/cloudevents-batch+json" => assert!(batch),
        _ => assert_eq!(
            batch,
            first == Some(&b'['),
            "batch flag vs first byte {first:?}"
        ),
    }
    if !batch {
        assert_eq!(drafts.len(), 1, "a single event yields one draft");
    }

    for d in &drafts {
        for name in CONSUMED {
            assert!(
                !d.extensions.contains_key(*name),
                "consumed attribute {name:?} leaked into extensions: {d:?}"
            );
        }
    }

    if media == "application/cloudevents+json" {
        // The same event as a one-element batch, and as auto-detected application/json.
        let mut wrapped = b"[".to_vec();
        wrapped.extend_from_slice(body);
        wrapped.extend_from_slice(b"]");
        let (as_batch, b) = parse_http_body(Some("application/cloudevents-batch+json"), &wrapped)
            .expect("a valid structured event must be a valid one-element batch");
        assert!(b);
        assert_eq!(debug(&as_batch), debug(&drafts));
        let (as_json, b) = parse_http_body(Some("application/json"), body)
            .expect("a valid structured event must parse as application/json");
        assert!(!b);
        assert_eq!(debug(&as_json), debug(&drafts));
    }

    if !batch && media != "application/cloudevents+json" {
        // application/json single object: plain unless it has `specversion`. (Parsed as raw
        // members like the parser does: `serde_json::Value` is stricter, e.g. it refuses a
        // lone surrogate escape such as "\ud83d", which `RawValue` passes through.)
        let object: HashMap<String, Box<RawValue>> =
            serde_json::from_slice(body).expect("accepted body is a JSON object");
        if !object.contains_key("specversion") {
            let d = &drafts[0];
            let expected = object.get("data").map_or("", |raw| raw.get());
            assert_eq!(
                d.data,
                expected.as_bytes(),
                "plain data is its verbatim JSON"
            );
            assert!(d.extensions.is_empty() && d.content_type.is_none());
        }
    }
});
