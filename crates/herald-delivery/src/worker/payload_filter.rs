//! The event as subscription payload filters see it, read from a consumed record in place.

use herald_core::EventView;

use super::records::RecordHeaders;

/// The filter view of a record: attributes from its CloudEvents headers, the key, the payload.
pub(super) fn filter_view<'a>(
    headers: &'a RecordHeaders,
    id: &'a str,
    event_type: &'a str,
    key: Option<&'a [u8]>,
    data: &'a [u8],
) -> EventView<'a> {
    EventView {
        id,
        event_type,
        source: headers.text("ce_source", false).unwrap_or_default(),
        subject: headers.text("ce_subject", false),
        time: headers.text("ce_time", false),
        key: key.and_then(|k| std::str::from_utf8(k).ok()),
        data,
    }
}
