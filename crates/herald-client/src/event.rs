//! An event to publish, built from its type and payload.

use herald_proto::v1 as proto;

/// An event to publish (CloudEvents 1.0 attributes); unset attributes get the server's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Event(proto::Event);

impl Event {
    /// An event of `event_type` (e.g. `order.created`) carrying `data`, by default taken as
    /// `application/json`.
    pub fn new(event_type: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self(proto::Event {
            r#type: event_type.into(),
            data: data.into(),
            ..Default::default()
        })
    }

    /// Sets the id. Publishing the same id again within the server's idempotency window
    /// returns the first receipt (`duplicate = true`) instead of storing a copy, so a retried
    /// publish is safe; without it the server generates a UUIDv7.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.0.id = id.into();
        self
    }

    /// Sets the CloudEvents source (a URI-reference); default `/herald/<team>/<topic>`.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.0.source = source.into();
        self
    }

    /// Sets the subject within the source.
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.0.subject = subject.into();
        self
    }

    /// Sets the RFC 3339 time of the occurrence; default the time of publishing.
    pub fn with_time(mut self, time: impl Into<String>) -> Self {
        self.0.time = time.into();
        self
    }

    /// Sets the media type of the data; default `application/json`.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.0.data_content_type = content_type.into();
        self
    }

    /// Sets the partition key (events with one key keep their order); default the id.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.0.key = key.into();
        self
    }

    /// Adds a CloudEvents extension attribute (lowercase alphanumeric name).
    pub fn with_extension(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.extensions.insert(name.into(), value.into());
        self
    }
}

impl From<Event> for proto::Event {
    fn from(event: Event) -> Self {
        event.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_wire_event() {
        let wire = proto::Event::from(
            Event::new("order.created", r#"{"order":42}"#)
                .with_id("order-42")
                .with_source("/shop")
                .with_subject("42")
                .with_time("2026-01-01T00:00:00Z")
                .with_content_type("application/json")
                .with_key("customer-7")
                .with_extension("tenant", "acme"),
        );
        assert_eq!(wire.r#type, "order.created");
        assert_eq!(wire.data, br#"{"order":42}"#);
        assert_eq!(wire.id, "order-42");
        assert_eq!(wire.source, "/shop");
        assert_eq!(wire.subject, "42");
        assert_eq!(wire.time, "2026-01-01T00:00:00Z");
        assert_eq!(wire.data_content_type, "application/json");
        assert_eq!(wire.key, "customer-7");
        assert_eq!(wire.extensions["tenant"], "acme");
    }

    #[test]
    fn unset_attributes_are_left_to_the_server() {
        let wire = proto::Event::from(Event::new("ping", Vec::new()));
        assert!(wire.id.is_empty() && wire.source.is_empty() && wire.time.is_empty());
        assert!(wire.extensions.is_empty());
    }
}
