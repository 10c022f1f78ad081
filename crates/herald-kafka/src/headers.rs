use herald_core::{Event, EventError, Header};
use rdkafka::Message;
use rdkafka::message::{Header as RdHeader, Headers, OwnedHeaders};

/// Kafka record headers from Herald headers.
pub fn owned_headers(headers: &[Header]) -> OwnedHeaders {
    headers
        .iter()
        .fold(OwnedHeaders::new_with_capacity(headers.len()), |acc, h| {
            acc.insert(RdHeader {
                key: &h.key,
                value: Some(h.value.as_slice()),
            })
        })
}

/// A record's headers as `(name, value)` pairs; headers with a null value are skipped.
pub fn header_map<M: Message>(message: &M) -> Vec<(&str, &[u8])> {
    message
        .headers()
        .map(|hs| {
            hs.iter()
                .filter_map(|h| h.value.map(|v| (h.key, v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes a record written in CloudEvents binary content mode.
pub fn event_from_message<M: Message>(message: &M) -> Result<Event, EventError> {
    let data = message.payload().map(<[u8]>::to_vec).unwrap_or_default();
    Event::from_headers(header_map(message), data)
}
