use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use herald_core::names::internal::Deployment;
use herald_core::{RetrySchedule, retry};
use herald_kafka::KafkaConfig;
use herald_runtime::{Credential, Secret, ServiceConfig, TelemetryConfig};
use serde::{Deserialize, Serialize};

use crate::DeliveryError;

/// Configuration of the delivery worker (defaults + TOML file + `HERALD_*` environment).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryConfig {
    /// How to reach Kafka.
    pub kafka: KafkaConfig,
    /// Logs and traces.
    pub telemetry: TelemetryConfig,
    /// `/livez`, `/readyz`, `/metrics`.
    pub admin_listen: SocketAddr,
    /// The control plane (Watch for config, DisableSubscription for 410 and auto-disable).
    pub control_endpoint: String,
    /// The data plane's credential for internal control-plane RPCs (HERALD_INTERNAL_TOKEN).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub internal_token: Secret,
    /// The deployment (`herald`, or `herald-<name>` for another one on the same Kafka cluster):
    /// names the consumer group (`<deployment>-delivery`) and every internal topic
    /// (`<deployment>.dlq`, ...). Every service of one deployment sets the same.
    pub deployment: Deployment,
    /// Retry ladder and jitter; one topic `<deployment>.retry.<delay>` per distinct delay.
    pub retry: RetryConfig,
    /// Whole-request timeout (connect + send + response headers + excerpt), e.g. `15s`.
    #[serde(with = "herald_runtime::duration")]
    pub request_timeout: Duration,
    /// TCP connect timeout, e.g. `5s`.
    #[serde(with = "herald_runtime::duration")]
    pub connect_timeout: Duration,
    /// Concurrent requests per subscription when the subscription sets none.
    pub max_in_flight: u32,
    /// Deliveries one subscription may have waiting in memory while its endpoint is slow
    /// (see `slow_latency`); beyond it new deliveries are handed to the retry path at once, so a
    /// slow endpoint cannot take the whole record budget from the others.
    pub max_queued_per_subscription: u32,
    /// Average attempt latency from which an endpoint counts as slow, e.g. `1s`.
    #[serde(with = "herald_runtime::duration")]
    pub slow_latency: Duration,
    /// Records (across all partitions) being worked on at once; bounds memory with a backlog.
    pub max_pending_records: u32,
    /// Bounds of ordered (`ordering: key`) subscriptions' lanes.
    pub ordered: OrderedConfig,
    /// Allow private, loopback and other internal targets (tests, on-prem). Off by default:
    /// webhooks to internal addresses are an SSRF hole.
    pub allow_private_targets: bool,
    /// Treat 4xx answers other than 408/410/429 as permanent (straight to the DLQ).
    pub four_xx_permanent: bool,
    /// Offer HTTP/2 to HTTPS endpoints (ALPN `h2`, then `http/1.1`): an endpoint that accepts
    /// gets its webhooks multiplexed over one connection instead of up to `max_in_flight`
    /// connections. Off by default: on a fast network one connection delivered 0.79-0.85x the
    /// webhooks/s of HTTP/1.1's parallel ones (docs/bench-delivery.md). Plain `http://` stays
    /// HTTP/1.1.
    pub http2: bool,
    /// A PEM file of extra certificate authorities trusted for HTTPS endpoints (an internal
    /// CA), besides the system's; empty: the system's only.
    pub tls_ca_file: String,
    /// Disable a subscription that has failed continuously for this long, e.g. `5d`.
    #[serde(with = "herald_runtime::duration")]
    pub auto_disable_after: Duration,
    /// Circuit breaker per subscription.
    pub circuit: CircuitConfig,
    /// How often completed offsets are committed, e.g. `500ms`.
    #[serde(with = "herald_runtime::duration")]
    pub commit_interval: Duration,
    /// How long a revoked partition's in-flight deliveries may take before it is released.
    #[serde(with = "herald_runtime::duration")]
    pub revoke_timeout: Duration,
    /// How long in-flight work may take to drain on shutdown.
    #[serde(with = "herald_runtime::duration")]
    pub shutdown_grace: Duration,
    /// Partitions of the internal topics created at start (retry tiers, DLQ, attempts, replay).
    pub internal_partitions: i32,
    /// Copies of the internal topics delivery creates: 0 chooses by the cluster's size (3, with
    /// `min.insync.replicas` 2, on three or more brokers; else one per broker), -1 takes the
    /// broker's `default.replication.factor`, any other value is that many.
    pub internal_replication: i32,
    /// `auto.offset.reset` for partitions the group has never committed: `earliest` so tasks
    /// and events written before the first assignment are not skipped.
    pub auto_offset_reset: String,
    /// Subscriptions from the configuration file instead of the control plane (standalone
    /// runs, tests, development). When non-empty the control plane is not contacted.
    pub static_subscriptions: Vec<StaticSubscription>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            kafka: KafkaConfig::default(),
            telemetry: TelemetryConfig::default(),
            admin_listen: SocketAddr::from(([0, 0, 0, 0], 9603)),
            control_endpoint: "http://127.0.0.1:50051".to_owned(),
            internal_token: Secret::default(),
            deployment: Deployment::default(),
            retry: RetryConfig::default(),
            request_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_in_flight: 64,
            max_queued_per_subscription: 1_000,
            slow_latency: Duration::from_secs(1),
            max_pending_records: 20_000,
            ordered: OrderedConfig::default(),
            allow_private_targets: false,
            four_xx_permanent: false,
            http2: false,
            tls_ca_file: String::new(),
            auto_disable_after: Duration::from_secs(432000),
            circuit: CircuitConfig::default(),
            commit_interval: Duration::from_millis(500),
            revoke_timeout: Duration::from_secs(20),
            shutdown_grace: Duration::from_secs(30),
            internal_partitions: herald_core::names::internal::DEFAULT_PARTITIONS,
            internal_replication: 0,
            auto_offset_reset: "earliest".to_owned(),
            static_subscriptions: Vec::new(),
        }
    }
}

impl std::fmt::Debug for DeliveryConfig {
    // Tokens, signing secrets and kafka credentials stay out of logs and panics, as in
    // `--print-config`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        herald_runtime::fmt_config("DeliveryConfig", self, f)
    }
}

impl ServiceConfig for DeliveryConfig {
    const CONFIG_SOURCES: &'static [&'static str] =
        &[include_str!("config.rs"), herald_kafka::CONFIG_SOURCE];
    const CONFIG_STRUCT: &'static str = "DeliveryConfig";

    fn telemetry(&self) -> &TelemetryConfig {
        &self.telemetry
    }

    fn credentials(&self) -> Vec<Credential<'_>> {
        // Static subscriptions' signing secrets have a format of their own (`whsec_`, 24 to 64
        // random bytes), checked where a subscription is loaded.
        vec![Credential::new("internal_token", &self.internal_token)]
    }

    fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }
}

/// The retry ladder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryConfig {
    /// Delays, non-decreasing, e.g. `["5s", "30s", "2m"]`; after the last the task is dead-lettered.
    pub delays: Vec<String>,
    /// Each delay is stretched by up to this fraction at random.
    pub jitter: f64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            delays: retry::DEFAULT_TIERS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            jitter: retry::DEFAULT_JITTER,
        }
    }
}

/// Circuit breaker settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CircuitConfig {
    /// Consecutive failed attempts that open the circuit (0 = never).
    pub failure_threshold: u32,
    /// How long the circuit stays open before one probe request is let through, e.g. `30s`.
    #[serde(with = "herald_runtime::duration")]
    pub open_for: Duration,
}

impl Default for CircuitConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 20,
            open_for: Duration::from_secs(30),
        }
    }
}

/// Bounds of ordered delivery: events of `ordering: key` subscriptions wait in memory behind
/// their key's head (a failing key's events until it recovers or is dead-lettered); when a
/// partition's lanes reach a bound, the partition is paused until they are below half of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderedConfig {
    /// Events of one consumed partition in lanes (waiting heads included).
    pub max_pending_per_partition: u32,
    /// Events of one key (per subscription and partition) in its lane.
    pub max_pending_per_key: u32,
    /// Keys per partition remembered as held (`on_dead_letter: hold`); past it the oldest
    /// hold ends.
    pub max_held_keys: u32,
}

impl Default for OrderedConfig {
    fn default() -> Self {
        Self {
            max_pending_per_partition: 5_000,
            max_pending_per_key: 500,
            max_held_keys: 10_000,
        }
    }
}

/// A subscription given in the configuration file (see [`DeliveryConfig::static_subscriptions`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StaticSubscription {
    /// Subscription id (the key of its retry tasks and attempts).
    pub id: String,
    /// Owning team (operational events go to `<team>.herald`).
    pub team: String,
    /// Kafka topics `<team>.<topic>`.
    pub topics: Vec<String>,
    /// Endpoint URL.
    pub url: String,
    /// Event type filters (exact or `prefix.*`); empty = all.
    pub event_types: Vec<String>,
    /// Signing secrets `whsec_...`, newest first.
    pub secrets: Vec<Secret>,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
    /// Deliveries per second; 0 = unlimited.
    pub rate_limit: u32,
    /// Concurrent deliveries; 0 = the worker default.
    pub max_in_flight: u32,
    /// `unordered` (default) or `key`.
    pub ordering: String,
    /// With `ordering = "key"`: `skip` (default) or `hold`.
    pub on_dead_letter: String,
    /// `binary` (default) or `structured`.
    pub content_mode: String,
}

/// The configuration with durations parsed and checked once at start.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub deployment: Deployment,
    pub topics: Topics,
    pub schedule: RetrySchedule,
    pub max_in_flight: u32,
    pub max_queued: usize,
    pub slow_latency: Duration,
    pub max_pending: usize,
    pub ordered: crate::ordering::Limits,
    pub client: crate::http::ClientOptions,
    pub auto_disable_after: Duration,
    pub circuit_threshold: u32,
    pub circuit_open_for: Duration,
    pub commit_interval: Duration,
    pub revoke_timeout: Duration,
    pub shutdown_grace: Duration,
    pub internal_partitions: i32,
}

/// The deployment's internal topics, named once.
#[derive(Debug, Clone)]
pub(crate) struct Topics {
    pub dlq: String,
    pub attempts: String,
    pub replay: String,
    pub endpoint_state: String,
    /// One per retry tier, in the schedule's order.
    pub tiers: Vec<String>,
    retry_prefix: String,
}

impl Topics {
    fn of(d: &Deployment, schedule: &RetrySchedule) -> Self {
        Self {
            dlq: d.dlq_topic(),
            attempts: d.attempts_topic(),
            replay: d.replay_topic(),
            endpoint_state: d.endpoint_state_topic(),
            tiers: schedule.tiers().iter().map(|t| t.topic(d)).collect(),
            retry_prefix: d.retry_prefix(),
        }
    }

    /// Whether `topic` holds delivery tasks (a retry tier or the replay topic), not events.
    pub fn holds_tasks(&self, topic: &str) -> bool {
        topic.starts_with(&self.retry_prefix) || topic == self.replay
    }
}

impl Settings {
    pub fn from_config(c: &DeliveryConfig) -> Result<Self, DeliveryError> {
        let schedule =
            RetrySchedule::parse(c.retry.delays.iter().map(String::as_str), c.retry.jitter)
                .map_err(|e| DeliveryError::Config(format!("retry: {e}")))?;
        Ok(Self {
            deployment: c.deployment.clone(),
            topics: Topics::of(&c.deployment, &schedule),
            schedule,
            max_in_flight: c.max_in_flight.max(1),
            max_queued: c.max_queued_per_subscription.max(1) as usize,
            slow_latency: c.slow_latency,
            max_pending: c.max_pending_records.max(1) as usize,
            ordered: crate::ordering::Limits {
                max_per_partition: c.ordered.max_pending_per_partition.max(2) as usize,
                max_per_key: c.ordered.max_pending_per_key.max(2) as usize,
                max_held_keys: c.ordered.max_held_keys.max(1) as usize,
            },
            client: crate::http::ClientOptions {
                request_timeout: c.request_timeout,
                connect_timeout: c.connect_timeout,
                allow_private: c.allow_private_targets,
                four_xx_permanent: c.four_xx_permanent,
                http2: c.http2,
                extra_roots: crate::http::read_roots(&c.tls_ca_file)?,
            },
            auto_disable_after: c.auto_disable_after,
            circuit_threshold: c.circuit.failure_threshold,
            circuit_open_for: c.circuit.open_for,
            commit_interval: c.commit_interval,
            revoke_timeout: c.revoke_timeout,
            shutdown_grace: c.shutdown_grace,
            internal_partitions: c.internal_partitions.max(1),
        })
    }
}

#[cfg(test)]
mod settings_tests {
    #[test]
    fn every_setting_is_documented_for_help() {
        herald_runtime::assert_settings_documented::<super::DeliveryConfig>();
    }

    #[test]
    fn credentials_stay_out_of_debug_and_print_config_and_weak_ones_are_refused() {
        herald_runtime::assert_credentials_guarded::<super::DeliveryConfig>();
    }

    #[test]
    fn static_signing_secrets_stay_out_of_debug_and_print_config() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let config = super::DeliveryConfig {
            static_subscriptions: vec![super::StaticSubscription {
                id: "sub_1".into(),
                secrets: vec![secret.into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let printed = herald_runtime::render_config(&config).unwrap();
        assert!(printed.contains("secrets = [\"<redacted>\"]"), "{printed}");
        for shown in [printed, format!("{config:?}"), format!("{config:#?}")] {
            assert!(
                !shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                "{shown}"
            );
        }
        let view = crate::static_view(&config.static_subscriptions);
        assert_eq!(view.subscriptions["sub_1"].secrets[0].secret, secret);
    }
}
