//! W3C trace context across Kafka: the publish call's trace travels in each record's
//! `traceparent` header, and every webhook attempt and SSE send continues it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Set once spans reach an OTLP exporter; read on every hot-path span decision.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether this process exports spans. Hot paths (webhook attempts, SSE fan-out) create their
/// spans only then: without an exporter a span would cost an allocation and field formatting per
/// event and nobody would ever see it.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Records that spans are exported from now on (`init_telemetry`).
pub(crate) fn set_exporting() {
    EXPORTING.store(true, Ordering::Relaxed);
}

/// Whether `value` is a well-formed version-00 `traceparent` with non-zero ids.
pub fn is_valid_traceparent(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let hex = |s: &str, n: usize| {
        s.len() == n
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    parts.len() == 4
        && parts[0] == "00"
        && hex(parts[1], 32)
        && hex(parts[2], 16)
        && hex(parts[3], 2)
        && parts[1].bytes().any(|b| b != b'0')
        && parts[2].bytes().any(|b| b != b'0')
}

/// Makes `span` a child of the remote span named by `traceparent` (ignored when invalid, or when
/// no trace exporter is installed).
pub fn set_remote_parent(span: &Span, traceparent: Option<&str>) {
    let Some(tp) = traceparent.filter(|t| is_valid_traceparent(t)) else {
        return;
    };
    let carrier = HashMap::from([("traceparent".to_owned(), tp.to_owned())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    let _ = span.set_parent(cx);
}

/// The `traceparent` to hand downstream from `span`: the span itself when traces are exported,
/// else the incoming one passed through, else a fresh trace (so records always carry one).
pub fn outgoing_traceparent(span: &Span, incoming: Option<&str>) -> String {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    if sc.is_valid() {
        let mut carrier = HashMap::new();
        TraceContextPropagator::new().inject_context(&cx, &mut carrier);
        if let Some(tp) = carrier.remove("traceparent") {
            return tp;
        }
    }
    match incoming.filter(|t| is_valid_traceparent(t)) {
        Some(tp) => tp.to_owned(),
        None => new_traceparent(),
    }
}

/// A new random, sampled `traceparent`.
pub fn new_traceparent() -> String {
    let trace: u128 = rand::random::<u128>().max(1);
    let span: u64 = rand::random::<u64>().max(1);
    format!("00-{trace:032x}-{span:016x}-01")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_generates() {
        assert!(is_valid_traceparent(
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        ));
        assert!(!is_valid_traceparent(
            "00-00000000000000000000000000000000-b7ad6b7169203331-01"
        ));
        assert!(!is_valid_traceparent(
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        ));
        assert!(!is_valid_traceparent(
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"
        ));
        assert!(!is_valid_traceparent("garbage"));
        let fresh = new_traceparent();
        assert!(is_valid_traceparent(&fresh), "{fresh}");
        assert_ne!(fresh, new_traceparent());
    }

    #[test]
    fn passes_incoming_through_without_an_exporter() {
        let span = tracing::info_span!("publish");
        let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assert_eq!(outgoing_traceparent(&span, Some(tp)), tp);
        assert!(is_valid_traceparent(&outgoing_traceparent(
            &span,
            Some("bad")
        )));
    }
}
