//! Harness pieces for herald-ingest tests: an in-process ingest on port 0 fed by a hand-made
//! config view, a topic with keys of every kind, and a plain Kafka reader.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use herald_ingest::IngestConfig;
use herald_kafka::{KafkaAdmin, KafkaConfig, TopicAdmin, TopicSpec};
use herald_proto::v1::{ApiKey, Entity, Scope, Team, Topic, entity};
use herald_runtime::Shutdown;
use herald_watch::{ConfigPublisher, View, hash_key};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, OwnedMessage};
use rdkafka::{ClientConfig, Message};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::unique;

/// The root key every harness ingest accepts.
pub const ROOT_KEY: &str = "hrk_test_3f9a6c1e8b2d4f7a0c5e9b3d6f1a8c4e";

/// A team with one Kafka-backed topic and keys of every kind.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Team name.
    pub team: String,
    /// Topic name within the team.
    pub topic: String,
    /// Another topic of the team that exists in the view (and in Kafka).
    pub other_topic: String,
    /// Key with the publish scope for every topic of the team.
    pub publish_key: String,
    /// Key with only the subscribe scope.
    pub subscribe_key: String,
    /// Publish key restricted to `other_topic`.
    pub restricted_key: String,
    /// Publish key of another team.
    pub foreign_key: String,
}

impl Fixture {
    /// Fresh unique names and keys.
    pub fn new() -> Self {
        Self {
            team: unique("ing"),
            topic: "orders".to_owned(),
            other_topic: "users".to_owned(),
            publish_key: unique("pub"),
            subscribe_key: unique("sub"),
            restricted_key: unique("restricted"),
            foreign_key: unique("foreign"),
        }
    }

    /// `<team>.<topic>`.
    pub fn kafka_topic(&self) -> String {
        format!("{}.{}", self.team, self.topic)
    }

    /// `<team>.<other_topic>`.
    pub fn other_kafka_topic(&self) -> String {
        format!("{}.{}", self.team, self.other_topic)
    }

    /// The control-plane view describing this fixture.
    pub fn view(&self) -> View {
        let key = |id: &str, team: &str, scopes: &[Scope], topics: &[&str], secret: &str| Entity {
            kind: Some(entity::Kind::ApiKey(ApiKey {
                id: id.into(),
                team: team.into(),
                name: id.into(),
                scopes: scopes.iter().map(|s| *s as i32).collect(),
                topics: topics.iter().map(|t| t.to_string()).collect(),
                key_hash: hash_key(secret),
                ..Default::default()
            })),
        };
        let topic = |name: &str| Entity {
            kind: Some(entity::Kind::Topic(Topic {
                team: self.team.clone(),
                name: name.into(),
                partitions: 3,
                retention_ms: -1,
                created_at_ms: 0,
                kafka_topic: format!("{}.{name}", self.team),
                ..Default::default()
            })),
        };
        View::from_entities(
            1,
            [
                Entity {
                    kind: Some(entity::Kind::Team(Team {
                        name: self.team.clone(),
                        ..Default::default()
                    })),
                },
                topic(&self.topic),
                topic(&self.other_topic),
                key(
                    "k-pub",
                    &self.team,
                    &[Scope::Publish],
                    &[],
                    &self.publish_key,
                ),
                key(
                    "k-sub",
                    &self.team,
                    &[Scope::Subscribe],
                    &[],
                    &self.subscribe_key,
                ),
                key(
                    "k-restricted",
                    &self.team,
                    &[Scope::Publish],
                    &[&self.other_topic],
                    &self.restricted_key,
                ),
                key(
                    "k-foreign",
                    "someone-else",
                    &[Scope::Publish],
                    &[],
                    &self.foreign_key,
                ),
            ],
        )
    }

    /// Creates both Kafka topics (3 partitions) on `kafka`.
    pub async fn create_topics(&self, kafka: &KafkaConfig) {
        let admin = KafkaAdmin::new(kafka, 1).expect("admin");
        for t in [self.kafka_topic(), self.other_kafka_topic()] {
            admin
                .ensure_topic(&TopicSpec::new(&t, 3))
                .await
                .expect("create topic");
        }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// An ingest service running in this process.
pub struct RunningIngest {
    /// gRPC address.
    pub grpc: SocketAddr,
    /// HTTP address.
    pub http: SocketAddr,
    /// Admin address.
    pub admin: SocketAddr,
    /// Drives the service's config view.
    pub config: ConfigPublisher,
    shutdown: Shutdown,
    task: JoinHandle<Result<(), herald_ingest::IngestError>>,
}

impl RunningIngest {
    /// `http://<grpc addr>` for tonic clients.
    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// The HTTP publish URL of `<team>/<topic>`.
    pub fn events_url(&self, team: &str, topic: &str) -> String {
        format!("http://{}/v1/topics/{team}/{topic}/events", self.http)
    }

    /// Triggers shutdown and waits for the service to drain.
    pub async fn stop(self) {
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(60), self.task)
            .await
            .expect("ingest stops within 60s")
            .expect("ingest task")
            .expect("ingest exits cleanly");
    }
}

/// A config for tests: the given broker, the harness root key, short delivery timeout.
pub fn test_config(kafka: KafkaConfig) -> IngestConfig {
    IngestConfig {
        kafka,
        root_key: ROOT_KEY.into(),
        // Its own idempotency log: a fresh replica reads the whole log before it serves ids.
        deployment: crate::unique_deployment(),
        delivery_timeout: Duration::from_secs(5),
        shutdown_grace: Duration::from_secs(10),
        ..IngestConfig::default()
    }
}

/// Starts ingest on 127.0.0.1 port 0 with `view` published (None = no config yet).
pub async fn start(config: IngestConfig, view: Option<View>) -> RunningIngest {
    let bind = || async { TcpListener::bind("127.0.0.1:0").await.expect("bind") };
    let (grpc, http, admin) = (bind().await, bind().await, bind().await);
    let addrs = (
        grpc.local_addr().expect("addr"),
        http.local_addr().expect("addr"),
        admin.local_addr().expect("addr"),
    );
    let (publisher, handle) = ConfigPublisher::new();
    if let Some(v) = view {
        publisher.publish(v);
    }
    let shutdown = Shutdown::new(Duration::from_secs(10));
    let task = tokio::spawn(herald_ingest::run_with(
        config,
        handle,
        herald_ingest::Listeners { grpc, http, admin },
        shutdown.clone(),
    ));
    RunningIngest {
        grpc: addrs.0,
        http: addrs.1,
        admin: addrs.2,
        config: publisher,
        shutdown,
        task,
    }
}

/// A record as read back: key, headers (in order), value, partition and offset.
#[derive(Debug, Clone)]
pub struct Record {
    /// Record key.
    pub key: Vec<u8>,
    /// Headers in record order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Record value.
    pub value: Vec<u8>,
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
}

impl Record {
    /// Header values by name (headers are unique in Herald records).
    pub fn header_map(&self) -> BTreeMap<String, String> {
        self.headers
            .iter()
            .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.header_map().get(name).cloned()
    }
}

fn to_record(m: &OwnedMessage) -> Record {
    Record {
        key: m.key().map(<[u8]>::to_vec).unwrap_or_default(),
        headers: m
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            h.value.map(<[u8]>::to_vec).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        value: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
        partition: m.partition(),
        offset: m.offset(),
    }
}

/// Reads `topic` from the beginning with a plain consumer (fresh group) until `count` records
/// arrived or `wait` passed with no new record; returns what it read.
pub async fn read_records(
    kafka: &KafkaConfig,
    topic: &str,
    count: usize,
    wait: Duration,
) -> Vec<Record> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &kafka.bootstrap_servers)
        .set("group.id", unique("ingest-reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let mut out = Vec::new();
    while out.len() < count {
        match tokio::time::timeout(wait, consumer.recv()).await {
            Ok(Ok(m)) => out.push(to_record(&m.detach())),
            Ok(Err(e)) => panic!("kafka error while reading {topic}: {e}"),
            Err(_) => break,
        }
    }
    out
}

/// A second, private Apache Kafka broker for tests that stop it (never the shared one),
/// driven by `deploy/local/kafka` with its own run dir and port.
#[derive(Debug)]
pub struct PrivateBroker {
    run_dir: std::path::PathBuf,
    port: u16,
}

fn free_port_pair() -> u16 {
    // The broker uses `port` and the controller `port + 1`; both must be free, and stay free
    // while the JVM starts (`free_addr` keeps clear of the ephemeral range).
    loop {
        let port = crate::stack::free_addr().port();
        if port < 65535 && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

impl PrivateBroker {
    /// Formats and starts a fresh broker on a free port (takes a while: a JVM starts).
    pub async fn start_new() -> Self {
        let broker = Self {
            run_dir: std::env::temp_dir().join(unique("herald-kafka")),
            port: free_port_pair(),
        };
        broker.script("start").await;
        broker
    }

    /// `127.0.0.1:<port>`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the broker (SIGTERM, then waits for the process to exit).
    pub async fn stop(&self) {
        self.script("stop").await;
    }

    /// Starts the stopped broker again on its existing data.
    pub async fn restart(&self) {
        self.script("start").await;
    }

    async fn script(&self, command: &'static str) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/local/kafka");
        let run_dir = self.run_dir.clone();
        let port = self.port.to_string();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("bash")
                .arg(script)
                .arg(command)
                .env("HERALD_KAFKA_RUN", run_dir)
                .env("HERALD_KAFKA_PORT", port)
                .env("HERALD_KAFKA_KEEP_DATA", "1")
                .output()
                .expect("run deploy/local/kafka")
        })
        .await
        .expect("script task");
        assert!(
            out.status.success(),
            "deploy/local/kafka {command} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/local/kafka");
        let _ = std::process::Command::new("bash")
            .arg(script)
            .arg("stop")
            .env("HERALD_KAFKA_RUN", &self.run_dir)
            .env("HERALD_KAFKA_PORT", self.port.to_string())
            .output();
        let _ = std::fs::remove_dir_all(&self.run_dir);
    }
}
