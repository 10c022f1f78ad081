//! The event envelope: CloudEvents 1.0 attributes plus the payload, and its mapping to Kafka
//! record headers in CloudEvents *binary* content mode (attributes as `ce_*` headers, payload as
//! the record value), so any CloudEvents-aware Kafka producer can write a Herald topic directly.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The only CloudEvents version Herald speaks.
pub const SPEC_VERSION: &str = "1.0";
/// Header carrying the W3C trace context of the publish call.
pub const TRACEPARENT_HEADER: &str = "traceparent";
/// Header carrying the payload's media type (binary mode maps `datacontenttype` to it).
pub const CONTENT_TYPE_HEADER: &str = "content-type";
/// Prefix of CloudEvents attribute headers in the Kafka binding.
pub const CE_PREFIX: &str = "ce_";
/// Longest id, type or subject accepted.
pub const MAX_ATTRIBUTE_LEN: usize = 256;
/// Longest source accepted.
pub const MAX_SOURCE_LEN: usize = 1024;

/// One Kafka record header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Header name.
    pub key: String,
    /// Raw header value.
    pub value: Vec<u8>,
}

impl Header {
    fn text(key: impl Into<String>, value: &str) -> Self {
        Self {
            key: key.into(),
            value: value.as_bytes().to_vec(),
        }
    }
}

/// Why an event (or a record claiming to be one) was refused; names the attribute at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// A required attribute is absent or empty.
    #[error("missing required attribute '{0}'")]
    Missing(&'static str),
    /// An attribute is present but unacceptable.
    #[error("invalid attribute '{name}': {reason}")]
    Invalid {
        /// The attribute's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `specversion` other than 1.0.
    #[error("unsupported specversion {0:?}, only \"1.0\" is supported")]
    SpecVersion(String),
}

fn invalid(name: &str, reason: impl Into<String>) -> EventError {
    EventError::Invalid {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

/// A CloudEvents 1.0 event as Herald stores and delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `id`: unique within `source`; receivers deduplicate on it.
    pub id: String,
    /// `source`: URI-reference naming the producer context.
    pub source: String,
    /// `type`: the event type, e.g. `order.created`.
    pub ty: String,
    /// `time`: RFC 3339 timestamp, kept as given after validation.
    pub time: Option<String>,
    /// `subject`: optional subject within the source.
    pub subject: Option<String>,
    /// `datacontenttype`: the payload's media type.
    pub content_type: Option<String>,
    /// `dataschema`: optional URI of the payload's schema.
    pub data_schema: Option<String>,
    /// W3C `traceparent` of the publish call.
    pub traceparent: Option<String>,
    /// CloudEvents extension attributes (name → string value).
    pub extensions: BTreeMap<String, String>,
    /// The payload.
    pub data: Vec<u8>,
}

impl Event {
    /// A minimal event; optional attributes can be set on the returned value.
    pub fn new(
        id: impl Into<String>,
        source: impl Into<String>,
        ty: impl Into<String>,
        data: Vec<u8>,
    ) -> Self {
        Self {
            id: id.into(),
            source: source.into(),
            ty: ty.into(),
            time: None,
            subject: None,
            content_type: None,
            data_schema: None,
            traceparent: None,
            extensions: BTreeMap::new(),
            data,
        }
    }

    /// Checks every attribute against CloudEvents 1.0 and Herald's limits.
    pub fn validate(&self) -> Result<(), EventError> {
        required_text("id", &self.id, MAX_ATTRIBUTE_LEN)?;
        required_text("source", &self.source, MAX_SOURCE_LEN)?;
        required_text("type", &self.ty, MAX_ATTRIBUTE_LEN)?;
        if let Some(subject) = &self.subject {
            optional_text("subject", subject, MAX_ATTRIBUTE_LEN)?;
        }
        if let Some(ct) = &self.content_type {
            optional_text("datacontenttype", ct, MAX_ATTRIBUTE_LEN)?;
        }
        if let Some(schema) = &self.data_schema {
            optional_text("dataschema", schema, MAX_SOURCE_LEN)?;
        }
        if let Some(t) = &self.time {
            parse_time(t)?;
        }
        for (name, value) in &self.extensions {
            validate_extension_name(name)?;
            optional_text(name, value, MAX_SOURCE_LEN)?;
        }
        Ok(())
    }

    /// The `time` attribute as a timestamp, when present and valid.
    pub fn timestamp(&self) -> Option<OffsetDateTime> {
        self.time.as_deref().and_then(|t| parse_time(t).ok())
    }

    /// Kafka headers for this event in CloudEvents binary content mode.
    pub fn to_headers(&self) -> Vec<Header> {
        let mut headers = Vec::with_capacity(8 + self.extensions.len());
        headers.push(Header::text("ce_specversion", SPEC_VERSION));
        headers.push(Header::text("ce_id", &self.id));
        headers.push(Header::text("ce_source", &self.source));
        headers.push(Header::text("ce_type", &self.ty));
        let optional = [
            ("ce_time", &self.time),
            ("ce_subject", &self.subject),
            ("ce_dataschema", &self.data_schema),
            (CONTENT_TYPE_HEADER, &self.content_type),
            (TRACEPARENT_HEADER, &self.traceparent),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                headers.push(Header::text(key, v));
            }
        }
        for (name, value) in &self.extensions {
            headers.push(Header::text(format!("{CE_PREFIX}{name}"), value));
        }
        headers
    }

    /// Rebuilds an event from a record's headers and value; refuses records that are not
    /// CloudEvents in binary mode.
    pub fn from_headers<'a>(
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        data: Vec<u8>,
    ) -> Result<Self, EventError> {
        let mut event = Event::new(String::new(), String::new(), String::new(), data);
        let mut specversion = None;
        for (key, raw) in headers {
            let value = std::str::from_utf8(raw)
                .map_err(|_| invalid(key, "header value is not UTF-8"))?
                .to_owned();
            match key {
                "ce_specversion" => specversion = Some(value),
                "ce_id" => event.id = value,
                "ce_source" => event.source = value,
                "ce_type" => event.ty = value,
                "ce_time" => event.time = Some(value),
                "ce_subject" => event.subject = Some(value),
                "ce_dataschema" => event.data_schema = Some(value),
                CONTENT_TYPE_HEADER => event.content_type = Some(value),
                TRACEPARENT_HEADER => event.traceparent = Some(value),
                other => {
                    if let Some(name) = other.strip_prefix(CE_PREFIX) {
                        event.extensions.insert(name.to_owned(), value);
                    }
                }
            }
        }
        match specversion.as_deref() {
            None => return Err(EventError::Missing("specversion")),
            Some(SPEC_VERSION) => {}
            Some(other) => return Err(EventError::SpecVersion(other.to_owned())),
        }
        event.validate()?;
        Ok(event)
    }
}

fn required_text(name: &'static str, value: &str, max: usize) -> Result<(), EventError> {
    if value.is_empty() {
        return Err(EventError::Missing(name));
    }
    optional_text(name, value, max)
}

fn optional_text(name: &str, value: &str, max: usize) -> Result<(), EventError> {
    if value.len() > max {
        return Err(invalid(
            name,
            format!("{} bytes, the limit is {max}", value.len()),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(name, "contains control characters"));
    }
    Ok(())
}

/// CloudEvents extension names: lowercase ASCII letters and digits, at most 20 characters.
fn validate_extension_name(name: &str) -> Result<(), EventError> {
    let ok = !name.is_empty()
        && name.len() <= 20
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(invalid(
            name,
            "extension names are 1-20 lowercase letters or digits",
        ))
    }
}

/// Parses an RFC 3339 timestamp, the format CloudEvents requires for `time`.
pub fn parse_time(value: &str) -> Result<OffsetDateTime, EventError> {
    OffsetDateTime::parse(value, &Rfc3339)
        .map_err(|e| invalid("time", format!("not RFC 3339: {e}")))
}

/// Formats a timestamp as RFC 3339.
pub fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Event {
        let mut e = Event::new("evt-1", "/orders", "order.created", br#"{"n":1}"#.to_vec());
        e.time = Some("2026-11-23T10:00:00Z".into());
        e.content_type = Some("application/json".into());
        e.traceparent = Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into());
        e.extensions.insert("tenant".into(), "t1".into());
        e
    }

    #[test]
    fn headers_round_trip() {
        let e = sample();
        let headers = e.to_headers();
        let keys: Vec<&str> = headers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "ce_specversion",
                "ce_id",
                "ce_source",
                "ce_type",
                "ce_time",
                "content-type",
                "traceparent",
                "ce_tenant"
            ]
        );
        let back = Event::from_headers(
            headers.iter().map(|h| (h.key.as_str(), h.value.as_slice())),
            e.data.clone(),
        )
        .unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn refuses_records_that_are_not_cloudevents() {
        let r = Event::from_headers([("ce_id", b"x".as_slice())], vec![]);
        assert_eq!(r, Err(EventError::Missing("specversion")));
        let r = Event::from_headers(
            [
                ("ce_specversion", b"0.3".as_slice()),
                ("ce_id", b"x".as_slice()),
            ],
            vec![],
        );
        assert_eq!(r, Err(EventError::SpecVersion("0.3".into())));
        let r = Event::from_headers([("ce_specversion", b"1.0".as_slice())], vec![]);
        assert_eq!(r, Err(EventError::Missing("id")));
        let r = Event::from_headers([("ce_id", [0xff_u8].as_slice())], vec![]);
        assert!(matches!(r, Err(EventError::Invalid { .. })));
    }

    #[test]
    fn validation_names_the_attribute() {
        let mut e = sample();
        e.time = Some("yesterday".into());
        assert!(matches!(e.validate(), Err(EventError::Invalid { name, .. }) if name == "time"));
        let mut e = sample();
        e.ty = "a\nb".into();
        assert!(matches!(e.validate(), Err(EventError::Invalid { name, .. }) if name == "type"));
        let mut e = sample();
        e.extensions.insert("Bad_Name".into(), "v".into());
        assert!(e.validate().is_err());
        let mut e = sample();
        e.id = "x".repeat(257);
        assert!(e.validate().is_err());
    }
}
