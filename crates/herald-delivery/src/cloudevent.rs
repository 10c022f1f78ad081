//! What a webhook carries besides the signature: the event as a CloudEvent over HTTP (binary
//! mode, the default: attributes in `ce-*` headers and the event's data as the body; or
//! structured mode: the whole event as one `application/cloudevents+json` body), and the
//! sequence headers a receiver uses to detect gaps and reorder (docs/ordering.md).
//!
//! The record is a CloudEvent in Kafka binary mode (`ce_<attribute>` headers), so both HTTP
//! modes are a renaming of what the record already holds; nothing here does I/O.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, CONTROLS, percent_encode};

/// `herald-sequence`: the event's offset in its partition (increases per partition, hence per key).
pub const HEADER_SEQUENCE: &str = "herald-sequence";
/// `herald-previous-sequence`: the previous sequence this subscription matched in the same
/// partition (unordered) or for the same key (ordered), when the worker knows it.
pub const HEADER_PREVIOUS: &str = "herald-previous-sequence";
/// `herald-partition`: the event's Kafka partition.
pub const HEADER_PARTITION: &str = "herald-partition";
/// `herald-cursor`: the SSE cursor just past this event (`Last-Event-ID` for a stream).
pub const HEADER_CURSOR: &str = "herald-cursor";
/// `herald-key`: the record's key, when it is printable ASCII.
pub const HEADER_KEY: &str = "herald-key";
/// The media type of a structured-mode body.
pub const STRUCTURED: &str = "application/cloudevents+json; charset=utf-8";

/// The CloudEvents HTTP binding percent-encodes space, `"`, `%` and everything outside
/// printable ASCII in header values.
const CE_VALUE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'%');

/// How the event travels in the request (the subscription's `content_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentMode {
    /// Attributes in `ce-*` headers, data as the body.
    #[default]
    Binary,
    /// The whole event as an `application/cloudevents+json` body.
    Structured,
}

impl ContentMode {
    /// The mode a subscription names; the control plane refuses anything but these, so an
    /// unknown name (a newer control plane) falls back to the default.
    pub fn of(name: &str) -> Self {
        match name {
            "structured" => Self::Structured,
            _ => Self::Binary,
        }
    }
}

/// Where the event sits, for the sequence headers.
#[derive(Debug, Clone)]
pub struct Sequence<'a> {
    /// Kafka partition.
    pub partition: i32,
    /// Kafka offset: the sequence number.
    pub offset: i64,
    /// The previous offset this subscription matched (partition or key), when known.
    pub previous: Option<i64>,
    /// The SSE cursor just past the event (empty: not sent).
    pub cursor: &'a str,
    /// The record key.
    pub key: &'a [u8],
}

/// The request's event headers, body and media type.
#[derive(Debug)]
pub struct Rendered {
    /// `ce-*` (binary mode) and `herald-*` headers.
    pub headers: HeaderMap,
    /// The body to sign and send.
    pub body: Bytes,
    /// The body's media type, when known.
    pub content_type: Option<HeaderValue>,
}

/// Renders an event whose record headers are `record` (Kafka binary mode) and value `data`.
///
/// `shared` is the buffer the header values point into, when they do: a value that needs no
/// percent-encoding is then sent as a slice of it, without a copy (a webhook carries half a dozen
/// `ce-*` headers, and an allocation and a copy for each showed in profiles).
pub fn render<'h>(
    mode: ContentMode,
    record: impl Iterator<Item = (&'h [u8], &'h [u8])> + Clone,
    shared: &Bytes,
    data: &Bytes,
    seq: &Sequence<'_>,
) -> Rendered {
    let mut headers = HeaderMap::with_capacity(16);
    put_sequence(&mut headers, seq);
    let content_type = record
        .clone()
        .find(|(k, _)| k.eq_ignore_ascii_case(b"content-type"))
        .map(|(_, v)| v);
    let attributes = record.filter_map(|(k, v)| {
        let name = k.strip_prefix(b"ce_")?;
        (!name.is_empty()).then_some((name, v))
    });
    match mode {
        ContentMode::Binary => {
            for (name, value) in attributes {
                let Some(name) = ce_header_name(name) else {
                    continue;
                };
                let value = if value.iter().any(|b| needs_encoding(*b)) {
                    HeaderValue::from_str(&percent_encode(value, CE_VALUE).to_string())
                } else {
                    HeaderValue::from_maybe_shared(bytes_of(shared, value))
                };
                if let Ok(v) = value {
                    headers.insert(name, v);
                }
            }
            Rendered {
                headers,
                body: data.clone(),
                content_type: content_type
                    .and_then(|v| HeaderValue::from_maybe_shared(bytes_of(shared, v)).ok()),
            }
        }
        ContentMode::Structured => Rendered {
            headers,
            body: Bytes::from(structured(attributes, content_type, data)),
            content_type: Some(HeaderValue::from_static(STRUCTURED)),
        },
    }
}

/// Whether `CE_VALUE` percent-encodes byte `b`.
fn needs_encoding(b: u8) -> bool {
    !(0x20..0x7f).contains(&b) || matches!(b, b' ' | b'"' | b'%')
}

/// `value` as a slice of `shared` when it lies in it, else a copy.
fn bytes_of(shared: &Bytes, value: &[u8]) -> Bytes {
    let within = shared.as_ptr_range();
    let range = value.as_ptr_range();
    if !value.is_empty() && within.start <= range.start && range.end <= within.end {
        shared.slice_ref(value)
    } else {
        Bytes::copy_from_slice(value)
    }
}

/// The `ce-<attribute>` header of a record's `ce_<attribute>` header: the attributes every event
/// has are constants (parsed once), others are lowercased and checked.
fn ce_header_name(attribute: &[u8]) -> Option<HeaderName> {
    const ID: HeaderName = HeaderName::from_static("ce-id");
    const TYPE: HeaderName = HeaderName::from_static("ce-type");
    const SOURCE: HeaderName = HeaderName::from_static("ce-source");
    const SPECVERSION: HeaderName = HeaderName::from_static("ce-specversion");
    const TIME: HeaderName = HeaderName::from_static("ce-time");
    const SUBJECT: HeaderName = HeaderName::from_static("ce-subject");
    const DATASCHEMA: HeaderName = HeaderName::from_static("ce-dataschema");
    Some(match attribute {
        b"id" => ID,
        b"type" => TYPE,
        b"source" => SOURCE,
        b"specversion" => SPECVERSION,
        b"time" => TIME,
        b"subject" => SUBJECT,
        b"dataschema" => DATASCHEMA,
        other => {
            let mut header = Vec::with_capacity(3 + other.len());
            header.extend_from_slice(b"ce-");
            header.extend(other.iter().map(u8::to_ascii_lowercase));
            return HeaderName::from_bytes(&header).ok();
        }
    })
}

fn put_sequence(headers: &mut HeaderMap, seq: &Sequence<'_>) {
    headers.insert(
        HeaderName::from_static(HEADER_SEQUENCE),
        HeaderValue::from(seq.offset),
    );
    headers.insert(
        HeaderName::from_static(HEADER_PARTITION),
        HeaderValue::from(seq.partition),
    );
    if let Some(previous) = seq.previous {
        headers.insert(
            HeaderName::from_static(HEADER_PREVIOUS),
            HeaderValue::from(previous),
        );
    }
    if !seq.cursor.is_empty()
        && let Ok(v) = HeaderValue::from_str(seq.cursor)
    {
        headers.insert(HeaderName::from_static(HEADER_CURSOR), v);
    }
    // A key that is not printable ASCII is left out rather than mangled: receivers group by it.
    if !seq.key.is_empty()
        && seq.key.iter().all(|b| (0x20..0x7f).contains(b))
        && let Ok(v) = HeaderValue::from_bytes(seq.key)
    {
        headers.insert(HeaderName::from_static(HEADER_KEY), v);
    }
}

/// The structured-mode body: every attribute as a string member, `datacontenttype`, and the
/// data as JSON (`data`, when the media type is JSON and the value parses), as text (`data`,
/// other UTF-8) or as `data_base64`.
fn structured<'h>(
    attributes: impl Iterator<Item = (&'h [u8], &'h [u8])>,
    content_type: Option<&[u8]>,
    data: &Bytes,
) -> Vec<u8> {
    use base64::Engine as _;
    let mut out = Vec::with_capacity(data.len() + 256);
    out.push(b'{');
    let mut specversion = false;
    let mut first = true;
    let mut member = |out: &mut Vec<u8>, name: &str, value: &str| {
        if !first {
            out.push(b',');
        }
        first = false;
        push_json_string(out, name);
        out.push(b':');
        push_json_string(out, value);
    };
    for (name, value) in attributes {
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        specversion |= name == "specversion";
        member(&mut out, &name, &String::from_utf8_lossy(value));
    }
    if !specversion {
        member(&mut out, "specversion", "1.0");
    }
    let media = content_type.and_then(|v| std::str::from_utf8(v).ok());
    if let Some(media) = media {
        member(&mut out, "datacontenttype", media);
    }
    if !data.is_empty() {
        let json_media = media.is_none_or(is_json);
        if json_media && serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok() {
            out.extend_from_slice(b",\"data\":");
            out.extend_from_slice(data);
        } else if let (false, Ok(text)) = (json_media, std::str::from_utf8(data)) {
            out.push(b',');
            push_json_string(&mut out, "data");
            out.push(b':');
            push_json_string(&mut out, text);
        } else {
            out.push(b',');
            push_json_string(&mut out, "data_base64");
            out.push(b':');
            push_json_string(
                &mut out,
                &base64::engine::general_purpose::STANDARD.encode(data),
            );
        }
    }
    out.push(b'}');
    out
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

fn push_json_string(out: &mut Vec<u8>, s: &str) {
    // serde_json escapes exactly as JSON requires; writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Vec<(&'static [u8], &'static [u8])> {
        vec![
            (b"ce_id", b"evt-1"),
            (b"ce_type", b"order.created"),
            (b"ce_source", b"/shop"),
            (b"ce_time", b"2026-01-02T03:04:05Z"),
            (b"ce_specversion", b"1.0"),
            (b"ce_subject", b"order 7 \"big\""),
            (b"content-type", b"application/json"),
            (b"traceparent", b"00-abc-def-01"),
        ]
    }

    fn seq() -> Sequence<'static> {
        Sequence {
            partition: 2,
            offset: 41,
            previous: Some(17),
            cursor: "2abc",
            key: b"order-7",
        }
    }

    #[test]
    fn binary_mode_maps_attributes_to_ce_headers_and_keeps_the_body() {
        let data = Bytes::from_static(br#"{"n":1}"#);
        let r = render(
            ContentMode::Binary,
            record().into_iter(),
            &Bytes::new(),
            &data,
            &seq(),
        );
        assert_eq!(r.body, data);
        let h = |n: &str| r.headers.get(n).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(h("ce-id").as_deref(), Some("evt-1"));
        assert_eq!(h("ce-type").as_deref(), Some("order.created"));
        assert_eq!(h("ce-source").as_deref(), Some("/shop"));
        assert_eq!(h("ce-time").as_deref(), Some("2026-01-02T03:04:05Z"));
        assert_eq!(h("ce-specversion").as_deref(), Some("1.0"));
        // Space, quotes and percent are percent-encoded, as the HTTP binding says.
        assert_eq!(h("ce-subject").as_deref(), Some("order%207%20%22big%22"));
        assert!(h("ce-traceparent").is_none() && h("traceparent").is_none());
        assert_eq!(r.content_type.unwrap(), "application/json");
        assert_eq!(h(HEADER_SEQUENCE).as_deref(), Some("41"));
        assert_eq!(h(HEADER_PREVIOUS).as_deref(), Some("17"));
        assert_eq!(h(HEADER_PARTITION).as_deref(), Some("2"));
        assert_eq!(h(HEADER_CURSOR).as_deref(), Some("2abc"));
        assert_eq!(h(HEADER_KEY).as_deref(), Some("order-7"));
    }

    #[test]
    fn values_in_a_shared_buffer_render_as_copies_do() {
        // The record's headers in one buffer, as the worker holds them.
        let mut buf = Vec::new();
        let mut ends = Vec::new();
        for (k, v) in record() {
            buf.extend_from_slice(k);
            let key_end = buf.len();
            buf.extend_from_slice(v);
            ends.push((key_end, buf.len()));
        }
        let shared = Bytes::from(buf);
        let mut start = 0;
        let pairs: Vec<(&[u8], &[u8])> = ends
            .iter()
            .map(|&(key_end, end)| {
                let pair = (&shared[start..key_end], &shared[key_end..end]);
                start = end;
                pair
            })
            .collect();
        let data = Bytes::from_static(br#"{"n":1}"#);
        let from_shared = render(
            ContentMode::Binary,
            pairs.into_iter(),
            &shared,
            &data,
            &seq(),
        );
        let copied = render(
            ContentMode::Binary,
            record().into_iter(),
            &Bytes::new(),
            &data,
            &seq(),
        );
        assert_eq!(from_shared.headers, copied.headers);
        assert_eq!(from_shared.content_type, copied.content_type);
        assert_eq!(
            from_shared.headers.get("ce-subject").unwrap(),
            "order%207%20%22big%22"
        );
    }

    #[test]
    fn structured_mode_carries_the_whole_event_in_the_body() {
        let data = Bytes::from_static(br#"{"n":1}"#);
        let r = render(
            ContentMode::Structured,
            record().into_iter(),
            &Bytes::new(),
            &data,
            &seq(),
        );
        assert_eq!(r.content_type.unwrap(), STRUCTURED);
        assert!(r.headers.get("ce-id").is_none());
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["id"], "evt-1");
        assert_eq!(v["type"], "order.created");
        assert_eq!(v["specversion"], "1.0");
        assert_eq!(v["subject"], "order 7 \"big\"");
        assert_eq!(v["datacontenttype"], "application/json");
        assert_eq!(v["data"], serde_json::json!({"n": 1}));
        assert_eq!(r.headers.get(HEADER_SEQUENCE).unwrap(), "41");
    }

    #[test]
    fn structured_mode_sends_text_as_a_string_and_bytes_as_base64() {
        let text = [
            (b"ce_id".as_slice(), b"a".as_slice()),
            (b"content-type", b"text/plain"),
        ];
        let r = render(
            ContentMode::Structured,
            text.into_iter(),
            &Bytes::new(),
            &Bytes::from_static(b"hi \"there\""),
            &seq(),
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["data"], "hi \"there\"");
        assert_eq!(v["specversion"], "1.0");
        let binary = [
            (b"ce_id".as_slice(), b"a".as_slice()),
            (b"content-type", b"application/octet-stream"),
        ];
        let r = render(
            ContentMode::Structured,
            binary.into_iter(),
            &Bytes::new(),
            &Bytes::from_static(&[0xff, 0]),
            &seq(),
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["data_base64"], "/wA=");
        // JSON media type with a value that is not JSON: still delivered, as base64.
        let bad = [
            (b"ce_id".as_slice(), b"a".as_slice()),
            (b"content-type", b"application/json"),
        ];
        let r = render(
            ContentMode::Structured,
            bad.into_iter(),
            &Bytes::new(),
            &Bytes::from_static(b"{nope"),
            &seq(),
        );
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["data_base64"], "e25vcGU=");
    }

    #[test]
    fn unknown_previous_and_unprintable_keys_are_left_out() {
        let s = Sequence {
            previous: None,
            key: &[0xff, 1],
            cursor: "",
            ..seq()
        };
        let r = render(
            ContentMode::Binary,
            record().into_iter(),
            &Bytes::new(),
            &Bytes::new(),
            &s,
        );
        assert!(r.headers.get(HEADER_PREVIOUS).is_none());
        assert!(r.headers.get(HEADER_KEY).is_none());
        assert!(r.headers.get(HEADER_CURSOR).is_none());
        assert_eq!(ContentMode::of("structured"), ContentMode::Structured);
        assert_eq!(ContentMode::of(""), ContentMode::Binary);
    }
}
