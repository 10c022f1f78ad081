//! Prometheus metrics of the worker.

use herald_runtime::prometheus_client::metrics::counter::Counter;
use herald_runtime::prometheus_client::metrics::family::Family;
use herald_runtime::prometheus_client::metrics::gauge::Gauge;
use herald_runtime::prometheus_client::metrics::histogram::Histogram;
use herald_runtime::prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// Every metric the worker exports.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Attempts by outcome (succeeded, retrying, dead_lettered, disabled, short_circuited).
    pub deliveries: Family<Labels, Counter>,
    /// Attempt latency in seconds.
    pub latency: Histogram,
    /// Tasks handed to each retry tier.
    pub retries: Family<Labels, Counter>,
    /// Tasks written to the DLQ.
    pub dead_lettered: Counter,
    /// Records retained in `herald.dlq`, all partitions (the same on every worker).
    pub dlq_records: Gauge,
    /// Deliveries parked without an attempt (paused subscription, backlogged endpoint).
    pub deferred: Family<Labels, Counter>,
    /// Records between the committed offset and the partition end, per topic.
    pub lag: Family<Labels, Gauge>,
    /// Subscriptions whose circuit is open.
    pub open_circuits: Gauge,
    /// Records being worked on.
    pub pending_records: Gauge,
    /// Attempt records the broker did not take.
    pub attempt_log_failed: Counter,
    /// The attempt counters by outcome, resolved once (the hot path does no label lookups).
    by_outcome: Vec<(&'static str, Counter)>,
}

impl Metrics {
    /// The attempt counter for `outcome`.
    pub fn attempt(&self, outcome: &str) -> Counter {
        self.by_outcome
            .iter()
            .find(|(o, _)| *o == outcome)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| {
                self.deliveries
                    .get_or_create(&vec![("outcome", outcome.to_owned())])
                    .clone()
            })
    }

    /// Creates the metrics and registers them under `herald_delivery_*`.
    pub fn register(registry: &mut Registry) -> Self {
        let m = Self {
            deliveries: Family::default(),
            latency: Histogram::new([
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0,
            ]),
            retries: Family::default(),
            dead_lettered: Counter::default(),
            dlq_records: Gauge::default(),
            deferred: Family::default(),
            lag: Family::default(),
            open_circuits: Gauge::default(),
            pending_records: Gauge::default(),
            attempt_log_failed: Counter::default(),
            by_outcome: Vec::new(),
        };
        let mut m = m;
        for outcome in [
            "succeeded",
            "retrying",
            "dead_lettered",
            "disabled",
            "short_circuited",
            "unspecified",
        ] {
            let c = m
                .deliveries
                .get_or_create(&vec![("outcome", outcome.to_owned())])
                .clone();
            m.by_outcome.push((outcome, c));
        }
        let r = registry.sub_registry_with_prefix("herald_delivery");
        r.register(
            "attempts",
            "Webhook attempts by outcome",
            m.deliveries.clone(),
        );
        r.register(
            "attempt_latency_seconds",
            "Webhook attempt latency",
            m.latency.clone(),
        );
        r.register("retries", "Tasks handed to a retry tier", m.retries.clone());
        r.register(
            "dead_lettered",
            "Tasks written to the dead-letter topic",
            m.dead_lettered.clone(),
        );
        r.register(
            "dlq_records",
            "Records retained in the dead-letter topic (all partitions)",
            m.dlq_records.clone(),
        );
        r.register(
            "deferred",
            "Deliveries parked in the retry path without an attempt",
            m.deferred.clone(),
        );
        r.register(
            "consumer_lag",
            "Records not yet committed, per topic",
            m.lag.clone(),
        );
        r.register(
            "open_circuits",
            "Subscriptions whose circuit breaker is open",
            m.open_circuits.clone(),
        );
        r.register(
            "pending_records",
            "Records being worked on",
            m.pending_records.clone(),
        );
        r.register(
            "attempt_log_failed",
            "Attempt records the broker did not take",
            m.attempt_log_failed.clone(),
        );
        m
    }
}
