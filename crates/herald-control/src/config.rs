//! Configuration of the control plane.

use std::net::SocketAddr;
use std::time::Duration;

use herald_console::ConsoleConfig;
use herald_core::names::internal::{self, Deployment};
use herald_kafka::KafkaConfig;
use herald_runtime::{Credential, Renamed, Secret, ServiceConfig, TelemetryConfig};
use serde::{Deserialize, Serialize};

/// Everything `herald-control` needs; loaded from defaults, a TOML file and `HERALD_*` variables
/// (e.g. `HERALD_ROOT_KEY`, `HERALD_MASTER_KEY`, `HERALD_KAFKA__BOOTSTRAP_SERVERS`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ControlConfig {
    /// How to reach the Kafka cluster that holds the state and the delivery topics.
    pub kafka: KafkaConfig,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// gRPC listen address (`herald.v1.Control`, health, reflection).
    pub grpc_listen: SocketAddr,
    /// HTTP listen address of the JSON API (`/v1/teams/...`, `/v1/openapi.json`).
    pub http_listen: SocketAddr,
    /// Admin HTTP listen address (`/livez`, `/readyz`, `/metrics`).
    pub admin_listen: SocketAddr,
    /// The root key (`HERALD_ROOT_KEY`): manages teams and may do everything except receive
    /// secrets. At least 32 random characters (`openssl rand -hex 32`). Unset or empty = no root
    /// access (teams cannot be created).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub root_key: Secret,
    /// The data plane's credential (`HERALD_INTERNAL_TOKEN`): may Watch with secrets and key
    /// hashes, and disable subscriptions. At least 32 random characters (`openssl rand -hex 32`).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub internal_token: Secret,
    /// Base64 (standard alphabet) of 32 random bytes (`HERALD_MASTER_KEY`): the AES-256-GCM key
    /// that encrypts signing secrets in the state topic. Required; generate one with
    /// `openssl rand -base64 32`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub master_key: Secret,
    /// The deployment (`herald`, or `herald-<name>` for another one on the same Kafka cluster):
    /// names the state topic (`<deployment>.control`, compacted, one partition), the delivery
    /// topics it reads and replays into (`<deployment>.attempts`, `.dlq`, `.replay`) and
    /// delivery's consumer group (`<deployment>-delivery`) whose lag DescribeTopic reports.
    /// Every service of one deployment sets the same.
    pub deployment: Deployment,
    /// Partitions of a new team topic when the request does not say.
    pub default_partitions: i32,
    /// Largest partition count a team topic may ask for.
    pub max_partitions: i32,
    /// Retention of a new team topic when the request does not say, e.g. `7d`, or `forever`.
    #[serde(with = "herald_runtime::duration::or_forever")]
    pub default_retention: Option<Duration>,
    /// Copies of every topic the control plane creates: 0 chooses by the cluster's size (3, with
    /// `min.insync.replicas` 2, on three or more brokers; else one per broker), -1 takes the
    /// broker's `default.replication.factor`, any other value is that many.
    pub replication_factor: i32,
    /// Partitions of herald.attempts, herald.dlq and herald.replay when the control plane
    /// creates them.
    pub internal_partitions: i32,
    /// How long a rotated-out signing secret keeps signing when the request does not say, e.g. `24h`.
    #[serde(with = "herald_runtime::duration")]
    pub secret_overlap: Duration,
    /// How long a write may take to be acknowledged and applied before the RPC fails, e.g. `10s`.
    #[serde(with = "herald_runtime::duration")]
    pub write_timeout: Duration,
    /// Records examined per partition by the history RPCs (ListAttempts, ListDeadLetters).
    pub history_scan_records: i64,
    /// Records a replay may examine in total.
    pub replay_scan_records: u64,
    /// Tasks a replay writes at most.
    pub replay_max_tasks: u32,
    /// Time bound of one history read or replay, e.g. `20s`.
    #[serde(with = "herald_runtime::duration")]
    pub scan_timeout: Duration,
    /// How long open RPCs (Watch streams end at once) may take to finish on shutdown, e.g. `30s`.
    #[serde(with = "herald_runtime::duration")]
    pub shutdown_grace: Duration,
    /// The web console served on `http_listen` at `/console/`.
    pub console: ConsoleConfig,
    /// The origin Herald announces in the webhook validation handshake
    /// (`WebHook-Request-Origin`); endpoints answer it in `WebHook-Allowed-Origin`.
    pub webhook_origin: String,
    /// Let the validation handshake reach private and loopback addresses, as delivery's
    /// setting of the same name lets webhooks (tests, on-prem).
    pub allow_private_targets: bool,
}

impl Default for ControlConfig {
    fn default() -> Self {
        Self {
            kafka: KafkaConfig::default(),
            telemetry: TelemetryConfig::default(),
            grpc_listen: SocketAddr::from(([0, 0, 0, 0], 50051)),
            http_listen: SocketAddr::from(([0, 0, 0, 0], 8082)),
            admin_listen: SocketAddr::from(([0, 0, 0, 0], 9601)),
            root_key: Secret::default(),
            internal_token: Secret::default(),
            master_key: Secret::default(),
            deployment: Deployment::default(),
            default_partitions: 3,
            max_partitions: 256,
            default_retention: Some(Duration::from_secs(7 * 86_400)),
            replication_factor: 0,
            internal_partitions: internal::DEFAULT_PARTITIONS,
            secret_overlap: Duration::from_secs(86_400),
            write_timeout: Duration::from_secs(10),
            history_scan_records: 20_000,
            replay_scan_records: 1_000_000,
            replay_max_tasks: 100_000,
            scan_timeout: Duration::from_secs(20),
            shutdown_grace: Duration::from_secs(30),
            console: ConsoleConfig::default(),
            webhook_origin: "herald".to_owned(),
            allow_private_targets: false,
        }
    }
}

impl std::fmt::Debug for ControlConfig {
    // Keys and kafka credentials stay out of logs and panics, as in `--print-config`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        herald_runtime::fmt_config("ControlConfig", self, f)
    }
}

impl ControlConfig {
    pub(crate) fn write_timeout(&self) -> Duration {
        self.write_timeout.max(Duration::from_millis(100))
    }

    pub(crate) fn scan_timeout(&self) -> Duration {
        self.scan_timeout.max(Duration::from_millis(100))
    }
}

impl ServiceConfig for ControlConfig {
    const CONFIG_SOURCES: &'static [&'static str] = &[
        include_str!("config.rs"),
        herald_kafka::CONFIG_SOURCE,
        herald_console::CONFIG_SOURCE,
    ];
    const CONFIG_STRUCT: &'static str = "ControlConfig";

    fn telemetry(&self) -> &TelemetryConfig {
        &self.telemetry
    }

    fn credentials(&self) -> Vec<Credential<'_>> {
        vec![
            Credential::new("root_key", &self.root_key),
            Credential::new("internal_token", &self.internal_token),
            Credential::new("master_key", &self.master_key).generated_by("openssl rand -base64 32"),
        ]
    }

    fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }

    const RENAMED: &'static [Renamed] = &[
        Renamed::millis("default_retention_ms", "default_retention"),
        Renamed::millis("secret_overlap_ms", "secret_overlap"),
        Renamed::millis("write_timeout_ms", "write_timeout"),
        Renamed::millis("scan_timeout_ms", "scan_timeout"),
    ];
}

#[cfg(test)]
mod settings_tests {
    #[test]
    fn every_setting_is_documented_for_help() {
        herald_runtime::assert_settings_documented::<super::ControlConfig>();
    }

    #[test]
    fn credentials_stay_out_of_debug_and_print_config_and_weak_ones_are_refused() {
        herald_runtime::assert_credentials_guarded::<super::ControlConfig>();
    }
}
