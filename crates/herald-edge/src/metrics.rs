//! Prometheus metrics of the edge.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Counters and gauges, cheap to clone (shared atomics).
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// Streams open now.
    pub open_streams: Gauge,
    /// Events written to clients.
    pub events_sent: Counter,
    /// Clients cut for not keeping up.
    pub slow_disconnects: Counter,
    /// Streams that had to read Kafka with a temporary consumer before joining the fan-out.
    pub catchup_streams: Counter,
    /// Records read by temporary catch-up consumers.
    pub catchup_reads: Counter,
    /// Joins that were served a backlog from the in-memory replay window.
    pub replay_joins: Counter,
    /// Topic readers running now.
    pub live_readers: Gauge,
    /// Stream requests refused by a limit.
    pub limited: Counter,
    /// Open streams ended because their key, grant or topic went away.
    pub streams_revoked: Counter,
    /// WebSocket streams opened.
    pub ws_streams: Counter,
    /// Acknowledgements received from WebSocket clients.
    pub ws_acks: Counter,
    /// Pull requests answered.
    pub pulls: Counter,
}

impl Metrics {
    /// Creates the metrics and registers them under `herald_edge_*`.
    pub fn register(registry: &mut Registry) -> Self {
        let m = Self::default();
        let r = registry.sub_registry_with_prefix("herald_edge");
        r.register(
            "open_streams",
            "streams open now (SSE and WebSocket)",
            m.open_streams.clone(),
        );
        r.register(
            "events_sent",
            "events written to stream clients (SSE and WebSocket)",
            m.events_sent.clone(),
        );
        r.register(
            "slow_disconnects",
            "clients cut for not keeping up",
            m.slow_disconnects.clone(),
        );
        r.register(
            "catchup_streams",
            "streams that read Kafka with their own consumer before joining the live fan-out",
            m.catchup_streams.clone(),
        );
        r.register(
            "catchup_reads",
            "records read by catch-up consumers",
            m.catchup_reads.clone(),
        );
        r.register(
            "replay_joins",
            "joins served a backlog from the in-memory replay window",
            m.replay_joins.clone(),
        );
        r.register(
            "live_readers",
            "topic readers running now",
            m.live_readers.clone(),
        );
        r.register(
            "limited",
            "stream requests refused by a connection limit",
            m.limited.clone(),
        );
        r.register(
            "streams_revoked",
            "open streams ended because their key, grant or topic was revoked or deleted",
            m.streams_revoked.clone(),
        );
        r.register(
            "ws_streams",
            "streams opened as WebSockets (also counted in open_streams while open)",
            m.ws_streams.clone(),
        );
        r.register(
            "ws_acks",
            "acknowledgements received from WebSocket clients",
            m.ws_acks.clone(),
        );
        r.register("pulls", "pull requests answered", m.pulls.clone());
        m
    }
}
