//! Harness pieces for herald-delivery tests: scripted webhook receivers on 127.0.0.1, a fake
//! control plane that records disables and republishes the view, an in-process worker, and
//! readers for the internal topics.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use herald_core::{Event, Secret};
use herald_delivery::{
    DeliveryConfig, DeliveryDeps, DeliveryError, DeliveryWorker, SubscriptionControl,
};
use herald_kafka::{KafkaAdmin, Producer, TopicAdmin, TopicSpec};
use herald_proto::v1::{Entity, SigningSecret, Subscription, SubscriptionState, entity};
use herald_watch::{ConfigPublisher, View};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Headers;
use rdkafka::{Message, Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use crate::{kafka_config, unique};

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Lower-case header names.
    pub headers: HashMap<String, String>,
    /// Body.
    pub body: Vec<u8>,
    /// Arrival time.
    pub at: Instant,
    /// The HTTP version it came over.
    pub version: axum::http::Version,
}

impl Received {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What a receiver answers to its n-th request (0-based).
#[derive(Debug, Clone)]
pub enum Reply {
    /// A bare status.
    Status(u16),
    /// A status with extra headers.
    WithHeaders(u16, Vec<(&'static str, String)>),
    /// Sleep, then answer with a status.
    Slow(Duration, u16),
}

type Behaviour = Arc<dyn Fn(usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct ReceiverState {
    behaviour: Arc<Mutex<Behaviour>>,
    count: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Received>>>,
}

/// A webhook endpoint on 127.0.0.1 with scripted answers that records every request.
#[derive(Clone)]
pub struct Receiver {
    /// Where it listens.
    pub addr: SocketAddr,
    state: ReceiverState,
}

impl Receiver {
    /// Starts a receiver answering with `behaviour(n)`.
    pub async fn start(behaviour: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Self {
        let state = ReceiverState {
            behaviour: Arc::new(Mutex::new(Arc::new(behaviour))),
            count: Arc::default(),
            requests: Arc::default(),
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, state }
    }

    /// An HTTPS receiver answering 200 with `cert`, offering the ALPN `protocols` (`h2`,
    /// `http/1.1`) in that order of preference.
    pub async fn tls(cert: &crate::edge::TestCert, protocols: &[&str]) -> Self {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let state = ReceiverState {
            behaviour: Arc::new(Mutex::new(Arc::new(|_| Reply::Status(200)))),
            count: Arc::default(),
            requests: Arc::default(),
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let chain = vec![CertificateDer::from_pem_file(&cert.cert_file).expect("cert")];
        let key = PrivateKeyDer::from_pem_file(&cert.key_file).expect("key");
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        config.alpn_protocols = protocols.iter().map(|p| p.as_bytes().to_vec()).collect();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, app) = (acceptor.clone(), app.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
                });
            }
        });
        Self { addr, state }
    }

    /// The HTTPS URL of a receiver from [`Receiver::tls`].
    pub fn https_url(&self) -> String {
        format!("https://localhost:{}/hook", self.addr.port())
    }

    /// Always answers 200.
    pub async fn ok() -> Self {
        Self::start(|_| Reply::Status(200)).await
    }

    /// The URL to subscribe.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Changes the answers from now on.
    pub fn set(&self, behaviour: impl Fn(usize) -> Reply + Send + Sync + 'static) {
        *self.state.behaviour.lock().unwrap() = Arc::new(behaviour);
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Received> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Number of requests received so far.
    pub fn count(&self) -> usize {
        self.state.requests.lock().unwrap().len()
    }

    /// Waits until at least `n` requests arrived; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "receiver got {} of {n} requests in {timeout:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn handle(
    State(s): State<ReceiverState>,
    version: axum::http::Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = s.count.fetch_add(1, Ordering::SeqCst);
    let reply = (s.behaviour.lock().unwrap().clone())(n);
    if let Reply::Slow(d, _) = &reply {
        tokio::time::sleep(*d).await;
    }
    let received = Received {
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
        version,
    };
    s.requests.lock().unwrap().push(received);
    match reply {
        Reply::Status(code) | Reply::Slow(_, code) => {
            StatusCode::from_u16(code).unwrap().into_response()
        }
        Reply::WithHeaders(code, hs) => {
            let mut r = StatusCode::from_u16(code).unwrap().into_response();
            for (k, v) in hs {
                r.headers_mut().insert(k, v.parse().unwrap());
            }
            r
        }
    }
}

/// A new random signing secret.
pub fn secret() -> Secret {
    Secret::from_bytes(uuid::Uuid::new_v4().as_bytes().repeat(2)).unwrap()
}

/// An active subscription entity.
pub fn subscription(
    id: &str,
    team: &str,
    topics: &[&str],
    url: &str,
    secrets: &[&Secret],
) -> Subscription {
    Subscription {
        id: id.to_owned(),
        team: team.to_owned(),
        topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        url: url.to_owned(),
        state: SubscriptionState::Active as i32,
        secrets: secrets
            .iter()
            .map(|s| SigningSecret {
                secret: s.expose(),
                expires_at_ms: 0,
            })
            .collect(),
        updated_at_ms: now_ms(),
        ..Default::default()
    }
}

/// A view with these subscriptions.
pub fn view_of(revision: i64, subs: &[Subscription]) -> View {
    View::from_entities(
        revision,
        subs.iter().map(|s| Entity {
            kind: Some(entity::Kind::Subscription(s.clone())),
        }),
    )
}

/// A control plane stand-in: records disables and republishes the view with the
/// subscription disabled, as the real one would through Watch.
#[derive(Clone)]
pub struct FakeControl {
    /// (team, id, reason) of every call.
    pub calls: Arc<Mutex<Vec<(String, String, String)>>>,
    publisher: ConfigPublisher,
}

impl FakeControl {
    /// Wraps the publisher the worker's view comes from.
    pub fn new(publisher: ConfigPublisher) -> Self {
        Self {
            calls: Arc::default(),
            publisher,
        }
    }
}

#[async_trait::async_trait]
impl SubscriptionControl for FakeControl {
    async fn disable(&self, team: &str, id: &str, reason: &str) -> Result<(), DeliveryError> {
        self.calls
            .lock()
            .unwrap()
            .push((team.into(), id.into(), reason.into()));
        let current = self.publisher.subscribe().current();
        let mut next = (*current).clone();
        if let Some(s) = next.subscriptions.get_mut(id) {
            s.state = SubscriptionState::Disabled as i32;
            s.disabled_reason = reason.into();
            s.updated_at_ms = now_ms();
        }
        next.revision += 1;
        self.publisher.publish(next);
        Ok(())
    }
}

/// A worker config for tests: the test broker, a deployment of its own, private targets allowed, a
/// short retry schedule.
pub fn test_config(delays: &[&str]) -> DeliveryConfig {
    DeliveryConfig {
        kafka: kafka_config(),
        deployment: crate::unique_deployment(),
        internal_partitions: 2,
        allow_private_targets: true,
        retry: herald_delivery::RetryConfig {
            delays: delays.iter().map(|d| (*d).to_owned()).collect(),
            jitter: 0.0,
        },
        commit_interval: Duration::from_millis(200),
        internal_replication: 1,
        ..DeliveryConfig::default()
    }
}

/// An in-process worker with its view publisher and fake control plane.
pub struct TestWorker {
    /// Drive the worker's view.
    pub publisher: ConfigPublisher,
    /// Sees disables.
    pub control: FakeControl,
    /// Stops the worker.
    pub shutdown: CancellationToken,
    /// The deployment whose internal topics it uses.
    pub deployment: herald_core::names::internal::Deployment,
    worker: Option<DeliveryWorker>,
    registry: herald_runtime::prometheus_client::registry::Registry,
}

impl TestWorker {
    /// Starts a worker with `config` and an initial view of `subs`.
    pub async fn start(config: DeliveryConfig, subs: &[Subscription]) -> Self {
        let (publisher, view) = ConfigPublisher::new();
        publisher.publish(view_of(1, subs));
        let control = FakeControl::new(publisher.clone());
        let admin: Arc<dyn TopicAdmin> = Arc::new(KafkaAdmin::new(&config.kafka, 1).unwrap());
        let shutdown = CancellationToken::new();
        let mut registry = herald_runtime::prometheus_client::registry::Registry::default();
        let worker = herald_delivery::start(
            &config,
            DeliveryDeps {
                view,
                admin,
                control: Arc::new(control.clone()),
            },
            &mut registry,
            herald_runtime::Health::default(),
            shutdown.clone(),
        )
        .await
        .expect("start worker");
        Self {
            publisher,
            control,
            shutdown,
            deployment: config.deployment.clone(),
            worker: Some(worker),
            registry,
        }
    }

    /// The worker's metrics in the Prometheus text format.
    pub fn metrics(&self) -> String {
        let mut text = String::new();
        herald_runtime::prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("encode metrics");
        text
    }

    /// The value of the sample `name` (no labels) in [`Self::metrics`].
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics().lines().find_map(|line| {
            let (key, value) = line.split_once(' ')?;
            (key == name).then(|| value.parse().ok()).flatten()
        })
    }

    /// Publishes a new view.
    pub fn publish(&self, revision: i64, subs: &[Subscription]) {
        self.publisher.publish(view_of(revision, subs));
    }

    /// Stops the worker gracefully.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(w) = self.worker.take() {
            tokio::time::timeout(Duration::from_secs(60), w.wait())
                .await
                .expect("worker stops in time")
                .expect("worker stopped cleanly");
        }
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Creates a unique event topic `<team>.<name>-<uuid>` and returns its name.
pub async fn event_topic(team: &str, partitions: i32) -> String {
    let admin = KafkaAdmin::new(&kafka_config(), 1).unwrap();
    let topic = unique(&format!("{team}.orders"));
    admin
        .create_topic(&TopicSpec::new(&topic, partitions))
        .await
        .unwrap();
    topic
}

/// A JSON event with a unique id.
pub fn event(ty: &str, n: usize) -> Event {
    let mut e = Event::new(
        uuid::Uuid::now_v7().to_string(),
        "/tests/delivery",
        ty,
        format!("{{\"n\":{n},\"pad\":\"{}\"}}", "x".repeat(64)).into_bytes(),
    );
    e.content_type = Some("application/json".into());
    e
}

/// Publishes `event` to `topic`.
pub async fn publish(producer: &Producer, topic: &str, event: &Event) {
    producer
        .send(
            topic,
            Some(event.id.as_bytes()),
            &event.to_headers(),
            &event.data,
        )
        .await
        .expect("publish");
}

/// Assigns `parts` of `topic` from the first record at or after `since_ms`. A partition with
/// no such record yet starts at its end as read before the time lookup, not at "the end" when
/// assigned, which would skip a record written in between.
fn assign_since(c: &BaseConsumer, topic: &str, parts: &[i32], since_ms: i64) {
    let ends: Vec<i64> = parts
        .iter()
        .map(|p| {
            c.fetch_watermarks(topic, *p, Duration::from_secs(10))
                .unwrap()
                .1
        })
        .collect();
    let mut tpl = TopicPartitionList::new();
    for p in parts {
        tpl.add_partition_offset(topic, *p, Offset::Offset(since_ms))
            .unwrap();
    }
    let found = c.offsets_for_times(tpl, Duration::from_secs(10)).unwrap();
    let mut start = TopicPartitionList::new();
    for (p, end) in parts.iter().zip(ends) {
        let offset = match found.find_partition(topic, *p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) => o,
            _ => end,
        };
        start
            .add_partition_offset(topic, *p, Offset::Offset(offset))
            .unwrap();
    }
    c.assign(&start).unwrap();
}

/// Reads protobuf records of `topic` written since `since_ms` that satisfy `keep`, until `want`
/// of them are found or `timeout` passes.
pub async fn scan<T>(
    topic: &str,
    since_ms: i64,
    want: usize,
    timeout: Duration,
    keep: impl Fn(&T) -> bool + Send + 'static,
) -> Vec<T>
where
    T: prost::Message + Default + Send + 'static,
{
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cfg = kafka_config().client_config();
        cfg.set("group.id", unique("scan"))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false");
        let c: BaseConsumer = cfg.create().unwrap();
        let md = c
            .fetch_metadata(Some(&topic), Duration::from_secs(10))
            .unwrap();
        let parts: Vec<i32> = md.topics()[0].partitions().iter().map(|p| p.id()).collect();
        assign_since(&c, &topic, &parts, since_ms);
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < want && Instant::now() < deadline {
            if let Some(Ok(m)) = c.poll(Duration::from_millis(200))
                && let Some(Ok(t)) = m.payload().map(T::decode)
                && keep(&t)
            {
                out.push(t);
            }
        }
        out
    })
    .await
    .unwrap()
}

/// The CloudEvent a record holds in binary content mode, if it is one.
fn event_of(m: &impl Message) -> Option<Event> {
    let headers: Vec<(&str, &[u8])> = m
        .headers()
        .map(|hs| {
            hs.iter()
                .filter_map(|h| h.value.map(|v| (h.key, v)))
                .collect()
        })
        .unwrap_or_default();
    Event::from_headers(headers, m.payload().unwrap_or_default().to_vec()).ok()
}

/// Reads CloudEvents of `topic` since `since_ms` until `want` match or `timeout`.
pub async fn scan_events(topic: &str, since_ms: i64, want: usize, timeout: Duration) -> Vec<Event> {
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cfg = kafka_config().client_config();
        cfg.set("group.id", unique("scan"))
            .set("enable.auto.commit", "false");
        let c: BaseConsumer = cfg.create().unwrap();
        let deadline = Instant::now() + timeout;
        // The topic may be created by the worker while we wait.
        let parts: Vec<i32> = loop {
            let md = c
                .fetch_metadata(Some(&topic), Duration::from_secs(5))
                .unwrap();
            let t = &md.topics()[0];
            if t.error().is_none() && !t.partitions().is_empty() {
                break t.partitions().iter().map(|p| p.id()).collect();
            }
            if Instant::now() > deadline {
                return Vec::new();
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        assign_since(&c, &topic, &parts, since_ms);
        let mut out = Vec::new();
        while out.len() < want && Instant::now() < deadline {
            if let Some(Ok(m)) = c.poll(Duration::from_millis(200))
                && let Some(e) = event_of(&m)
            {
                out.push(e);
            }
        }
        out
    })
    .await
    .unwrap()
}

/// A worker started like the service does, on a view that follows a real control plane and
/// with that control plane's `DisableSubscription`.
pub struct FollowingWorker {
    worker: herald_delivery::DeliveryWorker,
    shutdown: tokio_util::sync::CancellationToken,
}

impl FollowingWorker {
    /// Starts a worker on `view`, reporting to the control plane at `endpoint`.
    pub async fn start(
        config: &DeliveryConfig,
        view: herald_watch::ConfigHandle,
        endpoint: &str,
        internal_token: &str,
    ) -> Self {
        let shutdown = tokio_util::sync::CancellationToken::new();
        let mut registry = herald_runtime::prometheus_client::registry::Registry::default();
        let worker = herald_delivery::start(
            config,
            herald_delivery::DeliveryDeps {
                view,
                admin: Arc::new(herald_kafka::KafkaAdmin::new(&config.kafka, 1).unwrap()),
                control: Arc::new(
                    herald_delivery::GrpcControl::new(endpoint, internal_token).unwrap(),
                ),
            },
            &mut registry,
            herald_runtime::Health::default(),
            shutdown.clone(),
        )
        .await
        .expect("start worker");
        Self { worker, shutdown }
    }

    /// Stops the worker and waits (at most a minute) for a clean stop.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(60), self.worker.wait())
            .await
            .expect("worker stops in time")
            .expect("worker stopped cleanly");
    }
}
