//! Payload filters on streams (`?filter=`): the attributes a filter reads that the wire forms
//! do not carry, kept with each event of the hub, and the event as a filter sees it.

use herald_core::EventView;
use herald_kafka::RecordRef;

/// A record's CloudEvents `id`, `source`, `subject` and key (`type`, `time` and the payload are
/// in the [`LiveEvent`](crate::hub::LiveEvent) already).
#[derive(Debug, Default)]
pub(crate) struct Attrs {
    id: Box<str>,
    source: Box<str>,
    subject: Option<Box<str>>,
    key: Option<Box<str>>,
}

impl Attrs {
    /// Copies the attributes out of a record.
    pub fn of(message: &RecordRef<'_>) -> Self {
        let text = |v: &[u8]| std::str::from_utf8(v).ok().map(Box::from);
        let header = |name: &str| message.header(name).and_then(text);
        Self {
            id: header("ce_id").unwrap_or_default(),
            source: header("ce_source").unwrap_or_default(),
            subject: header("ce_subject"),
            key: message.key().and_then(text),
        }
    }

    /// Bytes held, for the replay window's budget.
    pub fn size(&self) -> usize {
        self.id.len()
            + self.source.len()
            + self.subject.as_ref().map_or(0, |s| s.len())
            + self.key.as_ref().map_or(0, |k| k.len())
    }

    /// The event as a filter sees it.
    pub fn view<'a>(&'a self, event_type: &'a str, time: &'a str, data: &'a [u8]) -> EventView<'a> {
        EventView {
            id: &self.id,
            event_type,
            source: &self.source,
            subject: self.subject.as_deref(),
            time: Some(time).filter(|t| !t.is_empty()),
            key: self.key.as_deref(),
            data,
        }
    }
}

/// Parses a stream's `filter` query parameter (blank = none); the error is the client's 400.
pub(crate) fn parse(expr: Option<&str>) -> Result<Option<herald_core::Filter>, String> {
    match expr.map(str::trim) {
        None | Some("") => Ok(None),
        Some(expr) => herald_core::Filter::parse(expr)
            .map(Some)
            .map_err(|e| format!("invalid {e}")),
    }
}
