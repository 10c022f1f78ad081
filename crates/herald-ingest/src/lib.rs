//! Herald's ingest: publishers send events over gRPC (`herald.v1.Publisher`) or HTTP
//! (`POST /v1/topics/{team}/{topic}/events`); each event becomes one record in the Kafka topic
//! `<team>.<topic>` in CloudEvents binary content mode, and the call answers only after Kafka
//! acknowledged it (idempotent producer, `acks=all`).
//!
//! # Records
//!
//! Attributes go to `ce_*` headers ([`herald_core::Event::to_headers`]), the payload is the
//! record value. Defaults: id = a UUIDv7, key = the producer's key (HTTP `key`, gRPC `key`,
//! CloudEvents `partitionkey`) or else the id, source = `/herald/<team>/<topic>`, time = now
//! (RFC 3339), `content-type` = `application/json`; HTTP CloudEvents (binary, structured or
//! batched mode) get no default id or source, both are required. The `traceparent` header is
//! the event's own (CloudEvents tracing extension), else the publish call's: its own span when
//! traces are exported (a child of the caller's `traceparent` HTTP header or gRPC metadata),
//! else the caller's when valid, else a new trace (`herald_runtime::trace`).
//!
//! # Batches: validation all-or-nothing, outcomes per event
//!
//! A request is authorized and *every* event validated before anything is produced: one invalid
//! or oversized event refuses the whole request and nothing is written. Then all events are
//! produced concurrently and each has its own outcome, because Kafka acknowledges records one
//! by one and without transactions nothing can undo an acknowledged record. gRPC
//! `PublishBatch` returns a result per event (a receipt, or a status code and message); when
//! *no* event was accepted the call itself fails with the first event's status. HTTP answers
//! `202` with `{"results": [...]}` when all were accepted; otherwise the status of the worst
//! failure (`503` + `Retry-After` if any event was unavailable) with the same per-event
//! `results`, so a client can resend exactly the failed events.
//!
//! # Errors
//!
//! | condition | HTTP | gRPC |
//! |---|---|---|
//! | missing/unknown key | 401 | `UNAUTHENTICATED` |
//! | key of another team, without publish scope, or restricted to other topics | 403 | `PERMISSION_DENIED` |
//! | topic not in the control plane's view (checked after permission) | 404 | `NOT_FOUND` |
//! | invalid JSON / CloudEvents attribute, missing CloudEvents `id`/`source`/`type`/`specversion`, `specversion` other than 1.0, undecodable gzip (the message names it) | 400 | `INVALID_ARGUMENT` |
//! | unsupported `content-type` or `content-encoding` (only `gzip` and `identity`) | 415 | `INVALID_ARGUMENT` |
//! | event > `limits.max_event_bytes`, batch > `limits.max_batch_events`, body > `limits.max_request_bytes` (before and after gzip decoding) | 413 | `RESOURCE_EXHAUSTED` (tonic answers `OUT_OF_RANGE` for messages above `max_request_bytes`) |
//! | broker not acknowledging within `delivery_timeout`, producer queue full, config not loaded | 503 + `Retry-After` | `UNAVAILABLE` |
//!
//! Nothing is accepted and then dropped: a 2xx/OK is only sent for events Kafka acknowledged,
//! and an event that is not acknowledged within the delivery timeout fails the call.
//!
//! # Idempotency window
//!
//! When the producer supplies an event id, the same (topic, id) published again within
//! `idempotency.window` (default 24 hours) is answered with the first receipt and `duplicate =
//! true` without writing a second record, on any replica and after restarts: every replica
//! follows the claims and receipts in `<deployment>.idempotency` (module `dedup`). A concurrent
//! repeat waits for the first attempt's outcome. A holder that dies between its event and its
//! receipt, or whose caller disconnected, can let a later retry write the event again, so
//! consumers still deduplicate on the id (the `webhook-id` header). Generated ids never collide
//! and are not remembered.
//!
//! # Request-reply
//!
//! `POST /v1/topics/{team}/{topic}/requests` publishes one event with a `replyto` extension
//! attribute naming `POST /v1/replies/{reply_id}`, where whoever handles it replies without a
//! key: the reply id is a capability signed with `reply_secret` (module `reply`,
//! docs/request-reply.md). Replies go to `herald.replies`, which the edge serves.
//!
//! # Shape
//!
//! [`Ingest::new`] builds the parts from a [`herald_watch::ConfigHandle`]:
//! [`Ingest::grpc_service`] and [`Ingest::router`] can be mounted on shared ports (`herald
//! dev`); [`run`] and [`run_with`] serve them standalone with gRPC health and reflection and an
//! admin port (`/livez`, `/readyz`, `/metrics`).

mod catalog;
mod config;
mod dedup;
mod error;
mod grpc;
mod http;
mod metrics;
mod openapi;
mod publish;
mod reply;

use std::sync::Arc;
use std::time::Duration;

use herald_kafka::TopicAdmin as _;
use herald_proto::v1::publisher_server::PublisherServer;
use herald_runtime::prometheus_client::registry::Registry;
use herald_runtime::{BindError, Health, Shutdown, serve_admin};
use herald_watch::{ConfigHandle, ConfigPublisher};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;

pub use config::{IdempotencyConfig, IngestConfig, Limits, StaticConfig, StaticKey};
pub use error::IngestError;
pub use grpc::PublisherService;
pub use http::EVENTS_PATH;
pub use openapi::openapi;
pub use publish::{Draft, Receipt};
pub use reply::{REPLIES_PATH, REQUESTS_PATH};

/// Parses an HTTP publish request body into drafts exactly as `POST` [`EVENTS_PATH`] does for a
/// request without `ce-*` headers or `Content-Encoding`, choosing the format by
/// `content_type`; `true` when it was a batch. Pure (no I/O, no authorization, no defaults or
/// limits); public for the fuzz targets in `fuzz/`.
pub fn parse_http_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(Vec<Draft>, bool), IngestError> {
    http::parse_body(content_type, body)
}

/// The ingest service's parts, sharing one producer, one config view and one set of metrics.
#[derive(Clone)]
pub struct Ingest {
    core: Arc<publish::Core>,
    replies: axum::Router,
}

impl std::fmt::Debug for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest").finish_non_exhaustive()
    }
}

impl Ingest {
    /// Creates the producer and registers metrics (prefix `herald_ingest_`) into `registry`.
    pub fn new(
        config: &IngestConfig,
        view: ConfigHandle,
        registry: &mut Registry,
    ) -> Result<Self, IngestError> {
        let metrics = metrics::Metrics::new(registry);
        let core = Arc::new(publish::Core::new(config, view, metrics)?);
        Ok(Self {
            replies: reply::router(core.clone(), config),
            core,
        })
    }

    /// The tonic service for `herald.v1.Publisher`, with message limits from the config.
    pub fn grpc_service(&self) -> PublisherServer<PublisherService> {
        let max = self.core.limits().max_request_bytes;
        PublisherServer::new(PublisherService::new(self.core.clone()))
            .max_decoding_message_size(max)
            .max_encoding_message_size(max)
    }

    /// The HTTP routes (`POST /v1/topics/{team}/{topic}/events`, and request-reply's `POST
    /// /v1/topics/{team}/{topic}/requests` and `POST /v1/replies/{reply_id}`).
    pub fn router(&self) -> axum::Router {
        http::router(self.core.clone()).merge(self.replies.clone())
    }

    /// Waits up to `timeout` for every queued record to be acknowledged (call after the
    /// servers stopped accepting).
    pub async fn flush(&self, timeout: Duration) -> Result<(), IngestError> {
        Ok(self.core.flush(timeout).await?)
    }
}

/// The internal topic replies are written to (`<deployment>.replies`), kept for `reply_ttl`: whoever
/// runs ingest with a `reply_secret` creates it ([`run`] does, if it may).
pub fn replies_topic(config: &IngestConfig) -> herald_kafka::TopicSpec {
    let retention = i64::try_from(config.reply_ttl.as_millis()).unwrap_or(i64::MAX);
    herald_kafka::TopicSpec::new(
        config.deployment.replies_topic(),
        herald_core::names::internal::DEFAULT_PARTITIONS,
    )
    .config("retention.ms", retention.max(1000).to_string())
}

/// Ingest's idempotency log (`<deployment>.idempotency`): every record is kept for the window
/// plus two delivery timeouts, then deleted (not compacted: compaction would keep a late claim
/// and drop the receipt before it). [`run_with`] creates it; embedders create it themselves.
pub fn idempotency_topic(config: &IngestConfig) -> herald_kafka::TopicSpec {
    let retention = config.idempotency.window + config.delivery_timeout() * 2;
    // One partition: every replica reads every partition anyway, so more would only split a
    // batch's claims and receipts into more records, each a produce, a fetch and a wakeup.
    // Logs created with more partitions keep working (the follower reads their count).
    herald_kafka::TopicSpec::new(config.deployment.idempotency_topic(), 1)
        .config("cleanup.policy", "delete")
        .config(
            "retention.ms",
            dedup::millis(retention).max(1000).to_string(),
        )
}

/// Where the service's view of teams, topics and keys comes from: `static_config` when set,
/// otherwise the control plane's Watch stream.
pub fn config_source(
    config: &IngestConfig,
    shutdown: &Shutdown,
) -> Result<ConfigHandle, IngestError> {
    if let Some(fixed) = &config.static_config {
        let (publisher, handle) = ConfigPublisher::new();
        publisher.publish(fixed.view()?);
        tracing::info!(
            topics = fixed.topics.len(),
            keys = fixed.keys.len(),
            "using the static configuration, not the control plane"
        );
        return Ok(handle);
    }
    if config.control_endpoint.is_empty() {
        return Err(IngestError::Config(
            "set control_endpoint or static_config".to_owned(),
        ));
    }
    Ok(herald_watch::follow(
        config.control_endpoint.clone(),
        config.internal_token.expose().to_owned(),
        shutdown.token(),
    ))
}

/// The sockets ingest serves on, bound before [`run`] so a caller may bind port 0.
#[derive(Debug)]
pub struct Listeners {
    /// gRPC: Publisher, health, reflection.
    pub grpc: TcpListener,
    /// HTTP publish API.
    pub http: TcpListener,
    /// `/livez`, `/readyz`, `/metrics`.
    pub admin: TcpListener,
}

impl Listeners {
    /// Binds `grpc_listen`, `http_listen` and `admin_listen`.
    pub async fn bind(config: &IngestConfig) -> Result<Self, BindError> {
        Ok(Self {
            grpc: herald_runtime::bind("grpc_listen", config.grpc_listen).await?,
            http: herald_runtime::bind("http_listen", config.http_listen).await?,
            admin: herald_runtime::bind("admin_listen", config.admin_listen).await?,
        })
    }
}

/// Serves ingest standalone with its config from [`config_source`] on `listeners`, until
/// `shutdown`.
pub async fn run(
    config: IngestConfig,
    listeners: Listeners,
    shutdown: Shutdown,
) -> Result<(), IngestError> {
    let view = config_source(&config, &shutdown)?;
    if let Some(fixed) = config.static_config.as_ref().filter(|s| s.create_topics) {
        let admin = herald_kafka::KafkaAdmin::new(&config.kafka, 1)?;
        for topic in &fixed.topics {
            let spec = herald_kafka::TopicSpec::new(topic, fixed.partitions.max(1));
            admin.ensure_topic(&spec).await?;
        }
    }
    if !config.reply_secret.is_empty() {
        // Ingest's credentials may not create topics in production: then the operator does.
        let created = match herald_kafka::KafkaAdmin::new(&config.kafka, 0) {
            Ok(admin) => admin.ensure_topic(&replies_topic(&config)).await,
            Err(e) => Err(e),
        };
        if let Err(error) = created {
            tracing::warn!(%error, topic = %config.deployment.replies_topic(),
                "cannot create the replies topic; create it, or replies fail");
        }
    }
    run_with(config, view, listeners, shutdown).await
}

/// Like [`run`], with the config view passed in (tests, embedding). On shutdown the listeners
/// stop accepting, in-flight publishes finish within the grace, then the producer is flushed.
pub async fn run_with(
    config: IngestConfig,
    view: ConfigHandle,
    listeners: Listeners,
    shutdown: Shutdown,
) -> Result<(), IngestError> {
    let Listeners { grpc, http, admin } = listeners;
    if !config.idempotency.window.is_zero() {
        // In the background, so an unreachable broker does not keep the admin port (and its
        // `/readyz` saying why) from starting. Ingest's credentials may not create topics in
        // production: then the operator does, and until then publishes with a producer id answer
        // 503 naming the missing topic.
        let (kafka, spec) = (config.kafka.clone(), idempotency_topic(&config));
        tokio::spawn(async move {
            let created = match herald_kafka::KafkaAdmin::new(&kafka, 0) {
                Ok(admin) => admin.ensure_topic(&spec).await,
                Err(e) => Err(e),
            };
            if let Err(error) = created {
                tracing::warn!(%error, topic = %spec.name,
                    "cannot create the idempotency log; create it, or publishes with a producer id fail");
            }
        });
    }
    let mut registry = Registry::default();
    let ingest = Ingest::new(&config, view.clone(), &mut registry)?;
    let health = Health::default();
    let (grpc_router, reporter) =
        herald_runtime::grpc_server(herald_proto::FILE_DESCRIPTOR_SET, &["herald.v1.Publisher"])
            .map_err(|e| IngestError::Serve(e.to_string()))?;
    let token = shutdown.token();
    tracing::info!(
        grpc = %grpc.local_addr().map_err(|e| IngestError::Serve(e.to_string()))?,
        http = %http.local_addr().map_err(|e| IngestError::Serve(e.to_string()))?,
        admin = %admin.local_addr().map_err(|e| IngestError::Serve(e.to_string()))?,
        "herald-ingest listening"
    );

    let readiness = tokio::spawn(become_ready(
        config.kafka.clone(),
        ingest.core.clone(),
        view,
        health.clone(),
        reporter,
        token.clone(),
    ));
    let grpc_server = grpc_router
        .add_service(ingest.grpc_service())
        .serve_with_incoming_shutdown(
            TcpListenerStream::new(grpc),
            token.clone().cancelled_owned(),
        );
    let http_router = ingest
        .router()
        .merge(herald_runtime::openapi::router(openapi()));
    let http_server = axum::serve(http, http_router)
        .with_graceful_shutdown(token.clone().cancelled_owned())
        .into_future();
    let admin_server = serve_admin(admin, health.clone(), Arc::new(registry), token.clone());

    let servers = async {
        tokio::join!(
            async {
                let r = grpc_server.await;
                token.cancel();
                r
            },
            async {
                let r = http_server.await;
                token.cancel();
                r
            },
            async {
                let r = admin_server.await;
                token.cancel();
                r
            }
        )
    };
    // The servers stop accepting at once and wait for requests in flight, which end within the
    // delivery timeout; the grace bounds the wait so a client stalling its request (a slow
    // upload) cannot keep the process from exiting.
    let (g, h, a) = herald_runtime::drain(&shutdown, "ingest requests", servers)
        .await
        .unwrap_or((Ok(()), Ok(()), Ok(())));
    readiness.abort();
    health.set_ready(false);
    let flushed = ingest.flush(shutdown.grace()).await;
    g.map_err(|e| IngestError::Serve(format!("grpc: {e}")))?;
    h.map_err(|e| IngestError::Serve(format!("http: {e}")))?;
    a.map_err(|e| IngestError::Serve(format!("admin: {e}")))?;
    flushed?;
    tracing::info!("herald-ingest drained");
    Ok(())
}

/// Marks the service ready (admin `/readyz` and gRPC health) once the config view is loaded, the
/// broker answers and the idempotency log is read.
async fn become_ready(
    kafka: herald_kafka::KafkaConfig,
    core: Arc<publish::Core>,
    mut view: ConfigHandle,
    health: Health,
    reporter: herald_runtime::HealthReporter,
    shutdown: tokio_util::sync::CancellationToken,
) {
    health.set_waiting("configuration from the control plane");
    while !view.wait_synced(Duration::from_secs(1)).await {
        let cause = view
            .problem()
            .unwrap_or_else(|| "configuration from the control plane".to_owned());
        tracing::info!(waiting_for = %cause, "not ready");
        health.set_waiting(cause);
    }
    loop {
        match herald_kafka::ping(&kafka, Duration::from_secs(5)).await {
            Ok(()) => break,
            Err(error) => {
                tracing::warn!(%error, "kafka not reachable yet");
                health.set_waiting(format!("kafka at {}: {error}", kafka.bootstrap_servers));
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    while let Some(cause) = core.idempotency_not_ready() {
        health.set_waiting(cause);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    health.set_ready(true);
    reporter
        .set_serving::<PublisherServer<PublisherService>>()
        .await;
    tracing::info!("herald-ingest ready");
}
