//! Event-type filters, shared by subscriptions, streams and replays.

/// Whether an event type passes a filter list: empty = all, `order.*` = prefix (`order.` and
/// anything below), otherwise exact.
pub fn event_type_matches(filters: &[String], event_type: &str) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| match f.strip_suffix('*') {
            Some(prefix) => event_type.starts_with(prefix),
            None => f == event_type,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_exact_and_prefix() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(event_type_matches(&[], "x"));
        assert!(event_type_matches(&f(&["order.*"]), "order.created"));
        assert!(!event_type_matches(&f(&["order.*"]), "orders.created"));
        assert!(event_type_matches(
            &f(&["a", "order.created"]),
            "order.created"
        ));
        assert!(!event_type_matches(
            &f(&["order.created"]),
            "order.created.v2"
        ));
    }
}
