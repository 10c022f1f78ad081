use herald_core::Header;
use rdkafka::message::{Header as RdHeader, OwnedHeaders};

/// Kafka record headers from Herald headers.
pub(crate) fn owned_headers(headers: &[Header]) -> OwnedHeaders {
    headers
        .iter()
        .fold(OwnedHeaders::new_with_capacity(headers.len()), |acc, h| {
            acc.insert(RdHeader {
                key: &h.key,
                value: Some(h.value.as_slice()),
            })
        })
}
