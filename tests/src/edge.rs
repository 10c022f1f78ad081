//! Harness pieces for herald-edge tests: a team with a topic and keys published through a
//! hand-driven config view, an edge that can be stopped and restarted, a publisher, and a small
//! SSE client that follows the WHATWG parsing rules (including id-only blocks).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use herald_core::Event;
use herald_edge::{Cursor, EdgeConfig, TopicTag};
use herald_kafka::{Delivered, KafkaAdmin, Producer, TopicAdmin, TopicSpec};
use herald_proto::v1::{ApiKey, Entity, Grant, Scope, Team, Topic, entity};
use herald_runtime::Shutdown;
use herald_watch::{ConfigHandle, ConfigPublisher, View, hash_key};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::{kafka_config, unique};

/// Root key of test edges.
pub const ROOT_KEY: &str = "hrk_edge_test_7c2e9a4f1b8d3e6a0f5c9b2d4e7a1c8f";
/// Token signing secret of test edges.
pub const TOKEN_SECRET: &str = "hts_edge_test_5b8e1d4a7c0f3e9b6d2a8c5f1e4b7d0a";

fn entity(kind: entity::Kind) -> Entity {
    Entity { kind: Some(kind) }
}

fn key(id: &str, team: &str, scopes: &[Scope], secret: &str) -> Entity {
    entity(entity::Kind::ApiKey(ApiKey {
        id: id.into(),
        team: team.into(),
        name: id.into(),
        scopes: scopes.iter().map(|s| *s as i32).collect(),
        key_hash: hash_key(secret),
        ..Default::default()
    }))
}

/// A team `team` with topic `topic` (Kafka topic `kafka_topic`) and keys:
/// `sub_key` (subscribe), `pub_key` (publish only), `other_key` (subscribe, another team
/// without a grant), `granted_key` (subscribe, another team with a grant).
pub struct Fixture {
    /// Owning team.
    pub team: String,
    /// Topic name within the team.
    pub topic: String,
    /// Kafka topic.
    pub kafka_topic: String,
    /// Its partitions.
    pub partitions: i32,
    /// A subscribe key of the team.
    pub sub_key: String,
    /// A publish-only key of the team.
    pub pub_key: String,
    /// A subscribe key of a team without a grant.
    pub other_key: String,
    /// A subscribe key of a team holding a grant.
    pub granted_key: String,
    /// Keeps the view alive.
    pub publisher: ConfigPublisher,
    /// The view edges read.
    pub handle: ConfigHandle,
    /// Writes test events.
    pub producer: Producer,
}

impl Fixture {
    /// Creates the Kafka topic with `partitions` (and extra topic configs) and the view.
    pub async fn new(partitions: i32, configs: &[(&str, &str)]) -> Self {
        let id = unique("e").replace('-', "");
        let team = format!("t{}", &id[1..13]);
        let topic = "orders".to_owned();
        let kafka_topic = format!("{team}.{topic}");
        let admin = KafkaAdmin::new(&kafka_config(), 1).expect("kafka admin");
        let mut spec = TopicSpec::new(&kafka_topic, partitions);
        for (k, v) in configs {
            spec = spec.config(k, *v);
        }
        admin.ensure_topic(&spec).await.expect("create topic");
        let (publisher, handle) = ConfigPublisher::new();
        let producer = Producer::new(&kafka_config(), Duration::from_secs(30)).expect("producer");
        let fx = Self {
            sub_key: format!("sub-{id}"),
            pub_key: format!("pub-{id}"),
            other_key: format!("other-{id}"),
            granted_key: format!("granted-{id}"),
            team,
            topic,
            kafka_topic,
            partitions,
            publisher,
            handle,
            producer,
        };
        fx.publisher.publish(fx.view(1, 0));
        fx
    }

    /// The view edges read, with the topic created at `created_at_ms` (its identity).
    fn view(&self, revision: i64, created_at_ms: i64) -> View {
        let team = &self.team;
        let other = format!("{team}x");
        let granted = format!("{team}g");
        View::from_entities(
            revision,
            [
                entity(entity::Kind::Team(Team {
                    name: team.clone(),
                    ..Default::default()
                })),
                entity(entity::Kind::Team(Team {
                    name: other.clone(),
                    ..Default::default()
                })),
                entity(entity::Kind::Team(Team {
                    name: granted.clone(),
                    ..Default::default()
                })),
                entity(entity::Kind::Topic(Topic {
                    team: team.clone(),
                    name: self.topic.clone(),
                    partitions: self.partitions,
                    retention_ms: -1,
                    kafka_topic: self.kafka_topic.clone(),
                    created_at_ms,
                    ..Default::default()
                })),
                key("k-sub", team, &[Scope::Subscribe], &self.sub_key),
                key("k-pub", team, &[Scope::Publish], &self.pub_key),
                key("k-other", &other, &[Scope::Subscribe], &self.other_key),
                key(
                    "k-granted",
                    &granted,
                    &[Scope::Subscribe],
                    &self.granted_key,
                ),
                entity(entity::Kind::Grant(Grant {
                    id: "g1".into(),
                    team: team.clone(),
                    topic: self.topic.clone(),
                    grantee: granted.clone(),
                    created_at_ms: 0,
                })),
            ],
        )
    }

    /// Makes the control plane's view say the topic was deleted and created again under the
    /// same name (a new identity over the same Kafka topic).
    pub fn recreate_topic(&self) {
        self.publisher.publish(self.view(2, 1));
    }

    /// A cursor of this topic (as first created) at `positions`.
    pub fn cursor(&self, positions: &[i64]) -> String {
        Cursor::from_positions(TopicTag::of(&self.kafka_topic, 0), positions).encode()
    }

    /// An edge config for tests (fast heartbeats, token secret, root key).
    pub fn config(&self) -> EdgeConfig {
        EdgeConfig {
            kafka: kafka_config(),
            root_key: ROOT_KEY.into(),
            token_secret: TOKEN_SECRET.into(),
            heartbeat: Duration::from_millis(300),
            client_retry: Duration::from_millis(500),
            reader_linger: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(2),
            ..EdgeConfig::default()
        }
    }

    /// The stream path of the fixture's topic.
    pub fn path(&self) -> String {
        format!("/v1/streams/{}/{}", self.team, self.topic)
    }

    /// Publishes one event (binary-mode CloudEvents) keyed by its id; returns where it went.
    pub async fn publish(&self, ty: &str, id: &str, data: &str) -> Delivered {
        let event = Event::new(id, "/tests/edge", ty, data.as_bytes().to_vec());
        self.producer
            .send(
                &self.kafka_topic,
                Some(id.as_bytes()),
                &event.to_headers(),
                data.as_bytes(),
            )
            .await
            .expect("publish")
    }
}

/// An edge started with `herald_edge::run_with` on loopback.
pub struct RunningEdge {
    /// The SSE listener.
    pub addr: SocketAddr,
    /// The admin listener.
    pub admin: SocketAddr,
    shutdown: Shutdown,
    task: JoinHandle<Result<(), herald_edge::EdgeError>>,
}

impl RunningEdge {
    /// Starts an edge; `addr` reuses a port (for restarts a browser reconnects to).
    pub async fn start(config: EdgeConfig, handle: ConfigHandle, addr: Option<SocketAddr>) -> Self {
        let http =
            bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap_or_else(|_| unreachable!())))
                .await;
        let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind admin");
        let addr = http.local_addr().expect("addr");
        let admin_addr = admin.local_addr().expect("admin addr");
        let shutdown = Shutdown::new(Duration::from_secs(5));
        let task = tokio::spawn(herald_edge::run_with(
            config,
            handle,
            herald_edge::Listeners { http, admin },
            shutdown.clone(),
        ));
        Self {
            addr,
            admin: admin_addr,
            shutdown,
            task,
        }
    }

    /// `http://addr{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `https://addr{path}` (the certificate of [`TestCert`] names 127.0.0.1).
    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    /// Shuts the edge down and waits for `run` to return.
    pub async fn stop(self) {
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("edge stops within 30 s")
            .expect("edge task")
            .expect("edge run");
    }

    /// The admin `/metrics` text.
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("http://{}/metrics", self.admin))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body")
    }
}

async fn bind(addr: SocketAddr) -> TcpListener {
    // A restarted edge rebinds its old port; give the old listener a moment to go away.
    for _ in 0..50 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cannot bind {addr}");
}

/// A self-signed certificate for `127.0.0.1` and `localhost`, made at test time, written as
/// PEM files for the edge's `tls_cert_file` / `tls_key_file`.
pub struct TestCert {
    /// The certificate, PEM (also the root a client trusts).
    pub cert_pem: String,
    /// Path of the certificate file.
    pub cert_file: String,
    /// Path of the private key file.
    pub key_file: String,
    dir: std::path::PathBuf,
}

impl TestCert {
    /// Generates the certificate and writes both files to a fresh temporary directory.
    pub fn new() -> Self {
        let certified = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .expect("self-signed certificate");
        let dir = std::env::temp_dir().join(unique("edge-tls"));
        std::fs::create_dir_all(&dir).expect("cert dir");
        let cert_pem = certified.cert.pem();
        let cert_file = dir.join("cert.pem");
        let key_file = dir.join("key.pem");
        std::fs::write(&cert_file, &cert_pem).expect("write cert");
        std::fs::write(&key_file, certified.signing_key.serialize_pem()).expect("write key");
        Self {
            cert_pem,
            cert_file: cert_file.display().to_string(),
            key_file: key_file.display().to_string(),
            dir,
        }
    }

    /// A reqwest client trusting this certificate; `http1_only` keeps it from offering h2.
    pub fn client(&self, http1_only: bool) -> reqwest::Client {
        let root = reqwest::Certificate::from_pem(self.cert_pem.as_bytes()).expect("root");
        let builder = reqwest::Client::builder()
            .add_root_certificate(root)
            .tls_built_in_root_certs(false);
        let builder = if http1_only {
            builder.http1_only()
        } else {
            builder
        };
        builder.build().expect("https client")
    }
}

impl Default for TestCert {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestCert {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One parsed SSE item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// A dispatched event.
    Event {
        /// The last event id after this event.
        id: Option<String>,
        /// `event:` (empty for unnamed).
        ty: String,
        /// `data:` lines joined with LF.
        data: String,
    },
    /// A comment line (without the colon).
    Comment(String),
}

/// A streaming SSE client over reqwest.
pub struct SseClient {
    response: reqwest::Response,
    buf: Vec<u8>,
    /// Parsed, not yet returned: an item (none for an id-only block) and the Last-Event-ID once
    /// it is dispatched, so `last_id` never runs ahead of what the caller has seen.
    items: VecDeque<(Option<SseItem>, Option<String>)>,
    /// The Last-Event-ID a browser would send now (after the items returned so far).
    pub last_id: Option<String>,
    id_field: Option<String>,
    ty: String,
    data: Option<String>,
    /// Whether the server ended the response.
    pub ended: bool,
    /// The HTTP version the response came over.
    pub version: reqwest::Version,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
}

/// Opens `url` with optional `authorization` bearer key and `Last-Event-ID`; a non-200 answer
/// is `Err((status, body))`.
pub async fn open(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    last_id: Option<&str>,
) -> Result<SseClient, (u16, String)> {
    let mut request = client.get(url);
    if let Some(b) = bearer {
        request = request.bearer_auth(b);
    }
    if let Some(id) = last_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.map_err(|e| (0, e.to_string()))?;
    let status = response.status().as_u16();
    if status != 200 {
        let body = response.text().await.unwrap_or_default();
        return Err((status, body));
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "content-type {content_type}"
    );
    Ok(SseClient {
        version: response.version(),
        headers: response.headers().clone(),
        response,
        buf: Vec::new(),
        items: VecDeque::new(),
        last_id: last_id.map(str::to_owned),
        id_field: last_id.map(str::to_owned),
        ty: String::new(),
        data: None,
        ended: false,
    })
}

impl SseClient {
    /// The next item, or `None` when the response ended (or the connection failed).
    pub async fn next(&mut self) -> Option<SseItem> {
        loop {
            if let Some((item, last_id)) = self.items.pop_front() {
                self.last_id = last_id;
                match item {
                    Some(item) => return Some(item),
                    None => continue,
                }
            }
            if self.ended {
                return None;
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => {
                    self.buf.extend_from_slice(&chunk);
                    self.parse();
                }
                Ok(None) | Err(_) => self.ended = true,
            }
        }
    }

    /// The next event (skipping comments), waiting at most `timeout`.
    pub async fn next_event(&mut self, timeout: Duration) -> Option<SseItem> {
        tokio::time::timeout(timeout, async {
            loop {
                match self.next().await? {
                    e @ SseItem::Event { .. } => return Some(e),
                    SseItem::Comment(_) => {}
                }
            }
        })
        .await
        .ok()
        .flatten()
    }

    fn parse(&mut self) {
        while let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line[..line.len() - 1])
                .trim_end_matches('\r')
                .to_owned();
            if line.is_empty() {
                let id = self.id_field.clone();
                let event = self.data.take().map(|data| SseItem::Event {
                    id: id.clone(),
                    ty: std::mem::take(&mut self.ty),
                    data,
                });
                self.items.push_back((event, id));
                self.ty.clear();
                continue;
            }
            if let Some(comment) = line.strip_prefix(':') {
                let item = SseItem::Comment(comment.trim().to_owned());
                self.items.push_back((Some(item), self.last_dispatched()));
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f.to_owned(), v.strip_prefix(' ').unwrap_or(v).to_owned()),
                None => (line.clone(), String::new()),
            };
            match field.as_str() {
                "id" => self.id_field = Some(value),
                "event" => self.ty = value,
                "data" => match &mut self.data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(&value);
                    }
                    None => self.data = Some(value),
                },
                _ => {}
            }
        }
    }

    /// The Last-Event-ID after everything parsed so far is dispatched.
    fn last_dispatched(&self) -> Option<String> {
        self.items
            .back()
            .map_or_else(|| self.last_id.clone(), |(_, id)| id.clone())
    }
}
