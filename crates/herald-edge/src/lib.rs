//! herald-edge: live Server-Sent Events streams of Herald topics for browsers.
//!
//! `GET /v1/streams/{team}/{topic}` streams a topic as `text/event-stream`; every event's `id:`
//! is a [`Cursor`] of the next offset of every partition, so `Last-Event-ID` resumes exactly (no
//! gap, no duplicate) after a client or node restart without server-side session state. One
//! Kafka reader per topic per node fans out to all of that topic's streams (module `hub`
//! describes the handoff of resuming streams). `POST /v1/streams/{team}/{topic}/token` mints a
//! short-lived `?access_token=` for `EventSource`, which cannot send headers. When spans are
//! exported, each live event's fan-out is one `sse.fanout` span per node (a child of the
//! record's `traceparent`, with the number of receiving streams), not one span per stream.
//! The same resource upgrades to a WebSocket (module `ws`) carrying the same stream as JSON text
//! frames with the same cursors, so a client may switch transport and resume where it was.
//! `GET /v1/replies/{reply_id}?wait=` long-polls for the reply to an async request (module
//! `replies`, docs/request-reply.md).

mod config;
mod consumers;
mod cursor;
mod error;
mod guard;
mod http;
mod hub;
mod lean;
mod limits;
mod metrics;
mod openapi;
mod payload_filter;
mod pull;
mod replies;
mod send;
mod server;
mod sse;
mod stream;
mod tls;
mod token;
mod wire;
mod ws;

use std::sync::Arc;
use std::time::Duration;

use herald_runtime::{BindError, Health, Shutdown, serve_admin};
use herald_watch::ConfigHandle;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::EdgeConfig;
pub use cursor::{Cursor, CursorError, MAX_CURSOR_LEN, MAX_CURSOR_PARTITIONS, TopicTag};
pub use error::EdgeError;
pub use hub::ConnKill;
pub use metrics::Metrics;
pub use openapi::openapi;
pub use server::serve;
pub use token::{Claims, TokenError};

/// The edge's composable parts: the HTTP routes and the topic readers behind them.
pub struct Edge {
    router: axum::Router,
    state: Arc<http::AppState>,
    tasks: TaskTracker,
    metrics: Metrics,
    lean_http1: bool,
    head_timeout: Duration,
    drain_grace: Duration,
    tls_cert_file: String,
    tls_key_file: String,
}

impl std::fmt::Debug for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge").finish_non_exhaustive()
    }
}

impl Edge {
    /// Builds the edge. Streams end (telling clients to reconnect) and readers stop when
    /// `shutdown` is cancelled. Metrics are registered into `registry`.
    pub fn new(
        config: &EdgeConfig,
        view: ConfigHandle,
        registry: &mut Registry,
        shutdown: CancellationToken,
    ) -> Self {
        let metrics = Metrics::register(registry);
        let tasks = TaskTracker::new();
        let hub = Arc::new(hub::Hub::new(
            config.kafka.clone(),
            hub::HubSettings {
                client_buffer: config.client_buffer,
                replay_events: config.replay_events,
                replay_bytes: config.replay_bytes,
                linger: config.reader_linger,
                slow_grace: config.slow_client_grace,
                max_catchup_readers: config.max_catchup_readers,
                heartbeat: config.heartbeat(),
            },
            metrics.clone(),
            shutdown.clone(),
            tasks.clone(),
        ));
        hub.follow_config(view.clone());
        let limits = limits::Limits::new(
            config.max_streams,
            config.max_streams_per_key,
            metrics.clone(),
        );
        let consumers = consumers::Consumers::new(
            config.kafka.clone(),
            config.deployment.clone(),
            config.consumer_member_timeout,
            shutdown.clone(),
            tasks.clone(),
        );
        let state = Arc::new(http::state(config, hub, view.clone(), limits, consumers));
        let replies = replies::start(config, view, shutdown.clone(), &tasks);
        Self {
            router: http::router(state.clone()).merge(replies),
            state,
            tasks,
            metrics,
            lean_http1: config.lean_http1,
            head_timeout: config.head_timeout.max(Duration::from_millis(1)),
            drain_grace: config.shutdown_grace,
            tls_cert_file: config.tls_cert_file.clone(),
            tls_key_file: config.tls_key_file.clone(),
        }
    }

    /// Serves `router` (these routes, alone or merged with others) on `listener` until
    /// `shutdown`, like [`serve`] plus HTTPS when a certificate is configured and, unless
    /// `lean_http1` is off, HTTP/1.x stream requests answered without hyper (module `lean`).
    pub async fn serve(
        &self,
        listener: TcpListener,
        router: axum::Router,
        shutdown: CancellationToken,
    ) -> Result<(), EdgeError> {
        let tls = tls::acceptor(&self.tls_cert_file, &self.tls_key_file).await?;
        let lean = self.lean_http1.then(|| self.lean(&shutdown));
        let serving = server::Serving {
            router,
            lean,
            tls,
            shutdown,
            drain_grace: self.drain_grace,
            handshake_timeout: self.head_timeout,
        };
        Ok(server::serve_with(listener, serving).await?)
    }

    /// A handle serving connections accepted elsewhere (a socket handed over by another
    /// acceptor, an in-process pipe), each as [`Edge::serve`] serves its own, plain HTTP.
    pub fn connections(&self, router: axum::Router, shutdown: CancellationToken) -> Connections {
        Connections(Arc::new(server::Serving {
            router,
            lean: self.lean_http1.then(|| self.lean(&shutdown)),
            tls: None,
            shutdown,
            drain_grace: self.drain_grace,
            handshake_timeout: self.head_timeout,
        }))
    }

    /// The lean HTTP/1 stream path of a server stopped by `shutdown`.
    fn lean(&self, shutdown: &CancellationToken) -> lean::Lean {
        lean::Lean {
            state: self.state.clone(),
            head_timeout: self.head_timeout,
            ws: ws::Limits {
                dead_after: self.state.ws.dead_after,
                shutdown: shutdown.clone(),
                drain_grace: self.drain_grace,
            },
        }
    }

    /// The routes (`/v1/streams/...`, `/v1/topics/.../events`, `/v1/replies/...`), to serve alone or next to other services' routes. Cut
    /// slow clients' connections are closed by [`serve`]; other servers just end the response.
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// The edge's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Waits until every topic reader stopped (after shutdown).
    pub async fn stopped(&self) {
        self.tasks.close();
        self.tasks.wait().await;
        self.state.upgraded.close();
        self.state.upgraded.wait().await;
    }
}

/// Serves connections the caller accepted; see [`Edge::connections`].
#[derive(Clone)]
pub struct Connections(Arc<server::Serving>);

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections").finish_non_exhaustive()
    }
}

impl Connections {
    /// Serves `io` (from `peer`, for logs) until the client leaves, its stream ends or the
    /// edge shuts down; spawn it as a task of its own.
    pub fn serve<IO>(
        &self,
        io: IO,
        peer: std::net::SocketAddr,
    ) -> impl std::future::Future<Output = ()> + Send + 'static
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        server::http(io, false, peer, self.0.clone())
    }
}

/// The sockets the edge serves on, bound before [`run`] so a caller may bind port 0.
#[derive(Debug)]
pub struct Listeners {
    /// Streams (SSE), HTTP or HTTPS.
    pub http: TcpListener,
    /// `/livez`, `/readyz`, `/metrics`.
    pub admin: TcpListener,
}

impl Listeners {
    /// Binds `http_listen` and `admin_listen`.
    pub async fn bind(config: &EdgeConfig) -> Result<Self, BindError> {
        Ok(Self {
            http: herald_runtime::bind("http_listen", config.http_listen).await?,
            admin: herald_runtime::bind("admin_listen", config.admin_listen).await?,
        })
    }
}

/// Runs a standalone edge: config from the control plane (`control_endpoint`, authenticated by
/// `internal_token`), on `listeners`, until shutdown.
pub async fn run(
    config: EdgeConfig,
    listeners: Listeners,
    shutdown: Shutdown,
) -> Result<(), EdgeError> {
    let view = herald_watch::follow(
        config.control_endpoint.clone(),
        config.internal_token.expose().to_owned(),
        shutdown.token(),
    );
    run_with(config, view, listeners, shutdown).await
}

/// Like [`run`] with config from `view` (tests and benches pass their own handle).
pub async fn run_with(
    config: EdgeConfig,
    view: ConfigHandle,
    listeners: Listeners,
    shutdown: Shutdown,
) -> Result<(), EdgeError> {
    let Listeners { http, admin } = listeners;
    let token = shutdown.token();
    let mut registry = Registry::default();
    let edge = Edge::new(&config, view.clone(), &mut registry, token.clone());
    let health = Health::default();
    let admin_task = tokio::spawn(serve_admin(
        admin,
        health.clone(),
        Arc::new(registry),
        token.clone(),
    ));
    let ready_task = tokio::spawn(watch_readiness(
        config.kafka.clone(),
        view,
        health,
        token.clone(),
    ));
    tracing::info!(
        addr = ?http.local_addr().ok(),
        tls = !config.tls_cert_file.is_empty(),
        lean_http1 = config.lean_http1,
        "edge listening"
    );
    let router = edge
        .router()
        .merge(herald_runtime::openapi::router(openapi()));
    let served = edge.serve(http, router, token.clone()).await;
    token.cancel();
    edge.stopped().await;
    ready_task.abort();
    match herald_runtime::drain(&shutdown, "edge admin server", admin_task).await {
        Some(Ok(Err(error))) => tracing::warn!(%error, "admin server failed"),
        Some(Err(error)) => tracing::warn!(%error, "admin server task failed"),
        Some(Ok(Ok(()))) | None => {}
    }
    served
}

/// Ready once the broker answers and the config view has its first snapshot.
async fn watch_readiness(
    kafka: herald_kafka::KafkaConfig,
    mut view: ConfigHandle,
    health: Health,
    shutdown: CancellationToken,
) {
    loop {
        let broker = herald_kafka::ping(&kafka, Duration::from_secs(5)).await;
        let synced = view.wait_synced(Duration::from_millis(100)).await;
        match (&broker, synced) {
            (Ok(()), true) => health.set_ready(true),
            (Err(error), _) => {
                health.set_waiting(format!("kafka at {}: {error}", kafka.bootstrap_servers));
            }
            (Ok(()), false) => health.set_waiting(
                view.problem()
                    .unwrap_or_else(|| "configuration from the control plane".to_owned()),
            ),
        }
        let (broker, synced) = (broker.is_ok(), synced);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(if broker && synced { 10 } else { 1 })) => {}
        }
    }
}
