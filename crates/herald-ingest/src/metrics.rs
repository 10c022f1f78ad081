//! Prometheus metrics of the ingest path.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Which front door an event came through.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub(crate) enum Transport {
    Grpc,
    Http,
}

impl EncodeLabelValue for Transport {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write;
        encoder.write_str(match self {
            Self::Grpc => "grpc",
            Self::Http => "http",
        })
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AcceptedLabels {
    transport: Transport,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ViolationLabels {
    policy: &'static str,
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectedLabels {
    transport: Transport,
    reason: &'static str,
}

/// Counters, the produce latency histogram and the in-flight gauge.
#[derive(Clone)]
pub(crate) struct Metrics {
    /// Accepted counters per transport, resolved once (the family lookup is on the hot path).
    accepted_grpc: Counter,
    accepted_http: Counter,
    duplicates: Counter,
    rejected: Family<RejectedLabels, Counter>,
    produce_latency: Histogram,
    in_flight: Gauge,
    schema_violations: Family<ViolationLabels, Counter>,
}

impl Metrics {
    pub(crate) fn new(registry: &mut Registry) -> Self {
        let accepted = Family::<AcceptedLabels, Counter>::default();
        // One statement per lookup: the guard get_or_create returns must be dropped before the
        // next lookup, which may take the family's write lock.
        let accepted_grpc = accepted
            .get_or_create(&AcceptedLabels {
                transport: Transport::Grpc,
            })
            .clone();
        let accepted_http = accepted
            .get_or_create(&AcceptedLabels {
                transport: Transport::Http,
            })
            .clone();
        let m = Self {
            accepted_grpc,
            accepted_http,
            duplicates: Counter::default(),
            rejected: Family::default(),
            // 0.5 ms .. ~16 s: local acks take about a millisecond, a dead broker the delivery timeout.
            produce_latency: Histogram::new(
                prometheus_client::metrics::histogram::exponential_buckets(0.0005, 2.0, 16),
            ),
            in_flight: Gauge::default(),
            schema_violations: Family::default(),
        };
        // Every series exists from the start at 0, so rates and alerts see the first violation.
        for policy in ["enforce", "count"] {
            for reason in ["unknown_type", "not_json", "invalid"] {
                let _ = m
                    .schema_violations
                    .get_or_create(&ViolationLabels { policy, reason });
            }
        }
        let r = registry.sub_registry_with_prefix("herald_ingest");
        r.register(
            "events_accepted",
            "Events acknowledged by Kafka (including idempotent duplicates)",
            accepted,
        );
        r.register(
            "events_duplicate",
            "Events answered from the idempotency window without producing",
            m.duplicates.clone(),
        );
        r.register(
            "events_rejected",
            "Events refused or failed, by reason",
            m.rejected.clone(),
        );
        r.register(
            "produce_latency_seconds",
            "Time from handing an event to the producer until Kafka acknowledged it",
            m.produce_latency.clone(),
        );
        r.register(
            "schema_violations",
            "Events outside their team's event-type catalog, by topic policy (enforce: refused, count: accepted) and reason",
            m.schema_violations.clone(),
        );
        r.register(
            "events_in_flight",
            "Events handed to the producer and not yet acknowledged",
            m.in_flight.clone(),
        );
        m
    }

    pub(crate) fn accepted(&self, transport: Transport, duplicate: bool) {
        match transport {
            Transport::Grpc => self.accepted_grpc.inc(),
            Transport::Http => self.accepted_http.inc(),
        };
        if duplicate {
            self.duplicates.inc();
        }
    }

    pub(crate) fn rejected(&self, transport: Transport, reason: &'static str, n: u64) {
        self.rejected
            .get_or_create(&RejectedLabels { transport, reason })
            .inc_by(n);
    }

    /// Counts an event that failed the catalog check under `policy` (`enforce` or `count`).
    pub(crate) fn schema_violation(&self, policy: &'static str, reason: &'static str) {
        self.schema_violations
            .get_or_create(&ViolationLabels { policy, reason })
            .inc();
    }

    pub(crate) fn observe_produce(&self, seconds: f64) {
        self.produce_latency.observe(seconds);
    }

    pub(crate) fn in_flight(&self) -> &Gauge {
        &self.in_flight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_and_encodes() {
        let mut registry = Registry::default();
        let m = Metrics::new(&mut registry);
        m.accepted(Transport::Grpc, false);
        m.accepted(Transport::Http, true);
        m.rejected(Transport::Http, "invalid", 2);
        m.observe_produce(0.001);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains("herald_ingest_events_accepted_total{transport=\"grpc\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("herald_ingest_events_duplicate_total 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "herald_ingest_events_rejected_total{transport=\"http\",reason=\"invalid\"} 2"
            ),
            "{text}"
        );
    }
}
