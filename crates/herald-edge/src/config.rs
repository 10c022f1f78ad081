//! The edge's configuration.

use herald_core::names::internal::Deployment;
use std::net::SocketAddr;
use std::time::Duration;

use herald_kafka::KafkaConfig;
use herald_runtime::{Credential, Renamed, Secret, ServiceConfig, TelemetryConfig};
use serde::{Deserialize, Serialize};

/// Settings of herald-edge (TOML file + `HERALD_*` environment, see `herald_runtime::load_config`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EdgeConfig {
    /// Kafka cluster.
    pub kafka: KafkaConfig,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// Address of the SSE HTTP listener.
    pub http_listen: SocketAddr,
    /// Address of `/livez`, `/readyz` and `/metrics`.
    pub admin_listen: SocketAddr,
    /// The control plane's gRPC endpoint (followed with Control.Watch for keys, topics, grants).
    pub control_endpoint: String,
    /// The deployment (`herald`, or `herald-<name>` for another one on the same Kafka cluster):
    /// names the replies topic (`<deployment>.replies`) and the groups of named consumers
    /// (`<deployment>.consumer.<team>.<name>`). Every service of one deployment sets the same.
    pub deployment: Deployment,
    /// Herald's internal service credential (`HERALD_INTERNAL_TOKEN`), used for Control.Watch.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub internal_token: Secret,
    /// The root key (`HERALD_ROOT_KEY`); may read every stream. Unset or empty = no root access.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub root_key: Secret,
    /// HMAC key for the short-lived `?access_token=` stream tokens (`HERALD_TOKEN_SECRET`, at
    /// least 32 random characters: `openssl rand -hex 32`); shared by all edge nodes so a token
    /// minted by one is accepted by all. Unset or empty disables minting and accepting tokens.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub token_secret: Secret,
    /// Lifetime of a minted stream token, e.g. `10m`. It is checked when a stream (re)connects.
    #[serde(with = "herald_runtime::duration")]
    pub token_ttl: Duration,
    /// Interval of heartbeats, e.g. `15s`: an SSE comment, a WebSocket ping (a WebSocket peer
    /// that answers none for two intervals is closed).
    #[serde(with = "herald_runtime::duration")]
    pub heartbeat: Duration,
    /// How long a named consumer's member stays in its group without a pull or commit, e.g.
    /// `30s`; then its partitions go to the consumer's other members.
    #[serde(with = "herald_runtime::duration")]
    pub consumer_member_timeout: Duration,
    /// The `retry:` hint sent to clients (how long they wait before reconnecting), e.g. `2s`.
    #[serde(with = "herald_runtime::duration")]
    pub client_retry: Duration,
    /// Events that may wait for one client; a client further behind is cut as a slow consumer.
    pub client_buffer: usize,
    /// Recent events each topic reader keeps so resuming clients join without reading Kafka.
    pub replay_events: usize,
    /// Upper bound of the replay window's payload bytes per topic (up to twice that while
    /// WebSocket clients read the topic: the events' JSON form is kept beside their SSE form).
    pub replay_bytes: usize,
    /// Most concurrent streams on this node (beyond: 503).
    pub max_streams: usize,
    /// Most concurrent streams per API key (beyond: 429).
    pub max_streams_per_key: usize,
    /// Most concurrent catch-up readers (temporary Kafka consumers for resumes far behind);
    /// further resumes wait their turn.
    pub max_catchup_readers: usize,
    /// How long a topic reader stays up after its last stream left, e.g. `5s`.
    #[serde(with = "herald_runtime::duration")]
    pub reader_linger: Duration,
    /// How long a cut slow client's connection may take to read its final comment, e.g. `5s`.
    #[serde(with = "herald_runtime::duration")]
    pub slow_client_grace: Duration,
    /// On shutdown, how long connections may take to close after being told to reconnect, e.g. `5s`.
    #[serde(with = "herald_runtime::duration")]
    pub shutdown_grace: Duration,
    /// Browser origins allowed by CORS; `*` allows any; empty disables CORS headers.
    pub cors_origins: Vec<String>,
    /// Answer HTTP/1.x stream requests with the edge's own small SSE writer instead of hyper
    /// (about a third of the memory per idle stream); other requests always go to hyper.
    pub lean_http1: bool,
    /// How long a new connection may take for its TLS handshake and first request head, e.g. `10s`.
    #[serde(with = "herald_runtime::duration")]
    pub head_timeout: Duration,
    /// PEM certificate chain (leaf first) to serve HTTPS on `http_listen`, with `tls_key_file`;
    /// both empty: plain HTTP.
    pub tls_cert_file: String,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of `tls_cert_file`.
    pub tls_key_file: String,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        Self {
            kafka: KafkaConfig::default(),
            telemetry: TelemetryConfig::default(),
            http_listen: SocketAddr::from(([0, 0, 0, 0], 8081)),
            admin_listen: SocketAddr::from(([0, 0, 0, 0], 9604)),
            control_endpoint: "http://127.0.0.1:50051".into(),
            deployment: Deployment::default(),
            internal_token: Secret::default(),
            root_key: Secret::default(),
            token_secret: Secret::default(),
            token_ttl: Duration::from_secs(600),
            heartbeat: Duration::from_secs(15),
            consumer_member_timeout: Duration::from_secs(30),
            client_retry: Duration::from_secs(2),
            client_buffer: 1024,
            replay_events: 4096,
            replay_bytes: 8 << 20,
            max_streams: 20_000,
            max_streams_per_key: 1_000,
            max_catchup_readers: 16,
            reader_linger: Duration::from_secs(5),
            slow_client_grace: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(5),
            cors_origins: Vec::new(),
            lean_http1: true,
            head_timeout: Duration::from_secs(10),
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
        }
    }
}

impl EdgeConfig {
    pub(crate) fn heartbeat(&self) -> Duration {
        self.heartbeat.max(Duration::from_millis(10))
    }
}

impl std::fmt::Debug for EdgeConfig {
    // Keys and kafka credentials stay out of logs and panics, as in `--print-config`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        herald_runtime::fmt_config("EdgeConfig", self, f)
    }
}

impl ServiceConfig for EdgeConfig {
    const CONFIG_SOURCES: &'static [&'static str] =
        &[include_str!("config.rs"), herald_kafka::CONFIG_SOURCE];
    const CONFIG_STRUCT: &'static str = "EdgeConfig";

    fn telemetry(&self) -> &TelemetryConfig {
        &self.telemetry
    }

    fn credentials(&self) -> Vec<Credential<'_>> {
        vec![
            Credential::new("internal_token", &self.internal_token),
            Credential::new("root_key", &self.root_key),
            Credential::new("token_secret", &self.token_secret),
        ]
    }

    fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }

    const RENAMED: &'static [Renamed] = &[
        Renamed::secs("token_ttl_secs", "token_ttl"),
        Renamed::millis("heartbeat_ms", "heartbeat"),
        Renamed::millis("retry_ms", "client_retry"),
        Renamed::millis("reader_linger_ms", "reader_linger"),
        Renamed::millis("slow_client_grace_ms", "slow_client_grace"),
        Renamed::millis("drain_grace_ms", "shutdown_grace"),
        Renamed::millis("head_timeout_ms", "head_timeout"),
    ];
}

#[cfg(test)]
mod settings_tests {
    #[test]
    fn every_setting_is_documented_for_help() {
        herald_runtime::assert_settings_documented::<super::EdgeConfig>();
    }

    #[test]
    fn credentials_stay_out_of_debug_and_print_config_and_weak_ones_are_refused() {
        herald_runtime::assert_credentials_guarded::<super::EdgeConfig>();
    }
}
