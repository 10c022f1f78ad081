//! Configuration of the ingest service.

use herald_core::names::internal::Deployment;
use std::net::SocketAddr;
use std::time::Duration;

use herald_kafka::KafkaConfig;
use herald_proto::v1::{ApiKey, Entity, Scope, Team, Topic, entity};
use herald_runtime::{Credential, Renamed, Secret, ServiceConfig, TelemetryConfig};
use herald_watch::View;
use serde::{Deserialize, Serialize};

use crate::IngestError;

/// Everything `herald-ingest` needs; defaults, then the TOML file, then `HERALD_*` variables.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestConfig {
    /// The Kafka cluster events are written to.
    pub kafka: KafkaConfig,
    /// Logging and tracing.
    pub telemetry: TelemetryConfig,
    /// gRPC listen address (`herald.v1.Publisher`, health, reflection).
    pub grpc_listen: SocketAddr,
    /// HTTP listen address (`POST /v1/topics/{team}/{topic}/events`).
    pub http_listen: SocketAddr,
    /// Admin listen address (`/livez`, `/readyz`, `/metrics`).
    pub admin_listen: SocketAddr,
    /// The control plane that streams teams, topics and keys (`Control.Watch`).
    pub control_endpoint: String,
    /// The deployment (`herald`, or `herald-<name>` for another one on the same Kafka cluster):
    /// names the replies topic (`<deployment>.replies`). Every service of one deployment sets
    /// the same.
    pub deployment: Deployment,
    /// Herald's internal service credential, used to watch the control plane (`HERALD_INTERNAL_TOKEN`).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub internal_token: Secret,
    /// The root key (`HERALD_ROOT_KEY`): may publish to every topic. Unset or empty = no root
    /// access.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub root_key: Secret,
    /// Signs reply ids of async request-reply (`HERALD_REPLY_SECRET`, at least 32 random
    /// characters). Unset or empty = request-reply is off and its routes answer 503.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub reply_secret: Secret,
    /// How long a request waits for its reply: the reply id's lifetime and the retention of
    /// `herald.replies`, e.g. `24h`.
    #[serde(with = "herald_runtime::duration")]
    pub reply_ttl: Duration,
    /// Size limits of events and requests.
    pub limits: Limits,
    /// How long a publish may wait for the cluster's acknowledgement before it fails as
    /// unavailable (librdkafka `message.timeout.ms`), e.g. `10s`.
    #[serde(with = "herald_runtime::duration")]
    pub delivery_timeout: Duration,
    /// `Retry-After` sent with 503 answers (whole seconds), e.g. `2s`.
    #[serde(with = "herald_runtime::duration")]
    pub retry_after: Duration,
    /// Producer-supplied idempotency (see the crate docs for its limits).
    pub idempotency: IdempotencyConfig,
    /// How long in-flight work may take to drain at shutdown, e.g. `30s`.
    #[serde(with = "herald_runtime::duration")]
    pub shutdown_grace: Duration,
    /// Serve a fixed set of topics and keys instead of following the control plane (tests and
    /// local development without `herald-control`). When set, `control_endpoint` is ignored.
    pub static_config: Option<StaticConfig>,
    /// The control plane's HTTP API as publishers' receivers reach it: events checked against
    /// the catalog get `dataschema` = this + `/v1/teams/{team}/event-types/{type}/versions/{n}/schema`.
    pub schema_base_url: String,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            kafka: KafkaConfig::default(),
            telemetry: TelemetryConfig::default(),
            grpc_listen: SocketAddr::from(([0, 0, 0, 0], 50052)),
            http_listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            admin_listen: SocketAddr::from(([0, 0, 0, 0], 9602)),
            control_endpoint: "http://127.0.0.1:50051".to_owned(),
            deployment: Deployment::default(),
            internal_token: Secret::default(),
            root_key: Secret::default(),
            reply_secret: Secret::default(),
            reply_ttl: Duration::from_millis(
                herald_core::names::internal::REPLIES_RETENTION_MS.unsigned_abs(),
            ),
            limits: Limits::default(),
            delivery_timeout: Duration::from_secs(10),
            retry_after: Duration::from_secs(2),
            idempotency: IdempotencyConfig::default(),
            shutdown_grace: Duration::from_secs(30),
            static_config: None,
            schema_base_url: "http://127.0.0.1:8082".to_owned(),
        }
    }
}

impl IngestConfig {
    /// The delivery timeout, at least a millisecond (librdkafka reads 0 as "forever").
    pub fn delivery_timeout(&self) -> Duration {
        self.delivery_timeout.max(Duration::from_millis(1))
    }
}

impl std::fmt::Debug for IngestConfig {
    // Keys and kafka credentials stay out of logs and panics, as in `--print-config`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        herald_runtime::fmt_config("IngestConfig", self, f)
    }
}

impl ServiceConfig for IngestConfig {
    const CONFIG_SOURCES: &'static [&'static str] =
        &[include_str!("config.rs"), herald_kafka::CONFIG_SOURCE];
    const CONFIG_STRUCT: &'static str = "IngestConfig";

    fn telemetry(&self) -> &TelemetryConfig {
        &self.telemetry
    }

    fn credentials(&self) -> Vec<Credential<'_>> {
        vec![
            Credential::new("internal_token", &self.internal_token),
            Credential::new("root_key", &self.root_key),
            Credential::new("reply_secret", &self.reply_secret),
        ]
    }

    fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }

    const RENAMED: &'static [Renamed] = &[
        Renamed::millis("delivery_timeout_ms", "delivery_timeout"),
        Renamed::secs("retry_after_secs", "retry_after"),
        Renamed::secs("shutdown_grace_secs", "shutdown_grace"),
        Renamed::secs("idempotency.window_secs", "idempotency.window"),
    ];
}

/// Size limits. Requests beyond them are refused whole (`413` / `RESOURCE_EXHAUSTED`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest event: payload plus attribute bytes. Keep it below the broker's
    /// `max.message.bytes` (1 MiB by default).
    pub max_event_bytes: usize,
    /// Most events in one batch.
    pub max_batch_events: usize,
    /// Largest request body (HTTP) or message (gRPC; tonic itself answers `OUT_OF_RANGE` above it).
    pub max_request_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_event_bytes: 512 * 1024,
            max_batch_events: 1000,
            max_request_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Producer-supplied idempotency: a repeated (topic, event id) within the window is answered
/// with the first receipt and `duplicate = true` instead of being written again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IdempotencyConfig {
    /// How long an event id is remembered, across replicas and restarts, e.g. `24h`; `0s`
    /// turns the feature off.
    #[serde(with = "herald_runtime::duration")]
    pub window: Duration,
    /// Most remembered ids per replica (about 100 bytes each); the oldest are forgotten first
    /// when it is exceeded.
    pub max_entries: usize,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(24 * 3600),
            max_entries: 1_000_000,
        }
    }
}

/// A fixed configuration for running ingest without a control plane.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StaticConfig {
    /// Topics as `<team>.<topic>`; their teams exist implicitly.
    pub topics: Vec<String>,
    /// API keys (stored as hashes, like the control plane does).
    pub keys: Vec<StaticKey>,
    /// Create the Kafka topics at startup when they do not exist (local development, tests).
    pub create_topics: bool,
    /// Partitions of topics created by `create_topics`.
    pub partitions: i32,
}

impl Default for StaticConfig {
    fn default() -> Self {
        Self {
            topics: Vec::new(),
            keys: Vec::new(),
            create_topics: false,
            partitions: 1,
        }
    }
}

/// One API key of a [`StaticConfig`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StaticKey {
    /// Key id (shown in errors and logs).
    pub id: String,
    /// Owning team.
    pub team: String,
    /// Hex SHA-256 of the key (`herald_watch::hash_key`, or `printf %s KEY | sha256sum`).
    pub key_hash: String,
    /// Scopes: `publish`, `subscribe`, `admin`.
    pub scopes: Vec<String>,
    /// Topic names the key is restricted to; empty = every topic of the team.
    pub topics: Vec<String>,
}

impl StaticConfig {
    /// The view this configuration describes.
    pub fn view(&self) -> Result<View, IngestError> {
        let mut entities = Vec::new();
        let mut teams = std::collections::BTreeSet::new();
        for qualified in &self.topics {
            let r = herald_core::TopicRef::from_kafka(qualified)
                .map_err(|e| IngestError::Config(format!("static_config.topics: {e}")))?;
            let (team, name) = (r.team.as_str().to_owned(), r.topic.as_str().to_owned());
            teams.insert(team.clone());
            entities.push(Entity {
                kind: Some(entity::Kind::Topic(Topic {
                    kafka_topic: qualified.clone(),
                    team,
                    name,
                    partitions: 0,
                    retention_ms: -1,
                    created_at_ms: 0,
                    ..Default::default()
                })),
            });
        }
        for team in teams {
            entities.push(Entity {
                kind: Some(entity::Kind::Team(Team {
                    name: team,
                    ..Default::default()
                })),
            });
        }
        for k in &self.keys {
            let scopes = k
                .scopes
                .iter()
                .map(|s| match s.as_str() {
                    "publish" => Ok(Scope::Publish as i32),
                    "subscribe" => Ok(Scope::Subscribe as i32),
                    "admin" => Ok(Scope::Admin as i32),
                    other => Err(IngestError::Config(format!(
                        "static_config.keys: unknown scope {other:?}"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            entities.push(Entity {
                kind: Some(entity::Kind::ApiKey(ApiKey {
                    id: k.id.clone(),
                    team: k.team.clone(),
                    name: k.id.clone(),
                    scopes,
                    topics: k.topics.clone(),
                    created_at_ms: 0,
                    key_hash: k.key_hash.to_ascii_lowercase(),
                    expires_at_ms: 0,
                    portal: false,
                })),
            });
        }
        Ok(View::from_entities(1, entities))
    }
}

#[cfg(test)]
mod settings_tests {
    #[test]
    fn every_setting_is_documented_for_help() {
        herald_runtime::assert_settings_documented::<super::IngestConfig>();
    }

    #[test]
    fn credentials_stay_out_of_debug_and_print_config_and_weak_ones_are_refused() {
        herald_runtime::assert_credentials_guarded::<super::IngestConfig>();
    }
}
