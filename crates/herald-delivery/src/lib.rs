//! herald-delivery: the webhook worker group.
//!
//! One consumer group reads the event topics that subscriptions name, the retry tiers
//! (`herald.retry.<delay>`) and `herald.replay`. Each event is matched against the
//! subscriptions of the current view and POSTed, signed (Standard Webhooks), to every match as an
//! independent delivery (queued at the subscription's endpoint, whose runner tasks send up to its
//! in-flight bound at a time); failures become `DeliveryTask`s in the next retry tier, whose
//! partitions stay paused until their head task is due; exhausted or permanent failures go to
//! `herald.dlq`. Every attempt is logged to `herald.attempts`. Offsets are committed only up to
//! the lowest record not yet delivered or durably handed off, so a crash loses nothing and one
//! slow endpoint never holds up the others (which have their own in-flight bound, rate limit and
//! circuit breaker).
//!
//! Subscriptions with `ordering: key` deliver each record key in publish order instead: their
//! deliveries go through per-key lanes (`ordering`, `worker::lanes`) and a failing head retries
//! in process with its record uncommitted. Every webhook is a CloudEvent (binary or structured
//! HTTP mode, `cloudevent`) with sequence headers (docs/ordering.md).
//!
//! When spans are exported, every HTTP attempt is a `webhook.attempt` span, a child of the
//! record's `traceparent` (retries too: a task carries the record's headers), and the request's
//! `traceparent` names that span; otherwise the record's `traceparent` is sent as is.

mod attempts;
pub mod cloudevent;
mod config;
mod control;
mod endpoint;
mod http;
mod metrics;
mod ordering;
mod saved;
mod settle;
mod share;
mod tracker;
mod worker;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use herald_core::{Classify, ErrorClass};
use herald_kafka::{KafkaAdmin, KafkaError, Producer, TopicAdmin, TopicSpec};
use herald_proto::v1::{Entity, SigningSecret, Subscription, SubscriptionState, entity};
use herald_runtime::prometheus_client::registry::Registry;
use herald_runtime::{BindError, Health, Shutdown};
use herald_watch::{ConfigHandle, ConfigPublisher, View};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::{CircuitConfig, DeliveryConfig, OrderedConfig, RetryConfig, StaticSubscription};
pub use control::{GrpcControl, LocalControl, SubscriptionControl};
pub use http::{EXCERPT_LIMIT, parse_retry_after};

use herald_core::names::internal;

/// What can stop the worker.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Invalid configuration.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Kafka failed.
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    /// The control plane refused or could not be reached.
    #[error("control plane: {0}")]
    Control(String),
    /// The admin listener failed.
    #[error("admin server: {0}")]
    Io(#[from] std::io::Error),
    /// The worker task itself failed (panicked or was cancelled): a bug, not a setting.
    #[error("the delivery worker task failed: {0}")]
    Task(String),
}

impl Classify for DeliveryError {
    fn class(&self) -> ErrorClass {
        match self {
            Self::Config(_) => ErrorClass::Permanent,
            Self::Kafka(e) => e.class(),
            Self::Control(_) | Self::Io(_) | Self::Task(_) => ErrorClass::Retryable,
        }
    }
}

/// What the worker needs besides its configuration; `herald dev` and tests pass in-process
/// implementations, [`run`] builds the production ones.
#[derive(Clone)]
pub struct DeliveryDeps {
    /// The subscriptions (from `herald_watch::follow`, or a `ConfigPublisher`).
    pub view: ConfigHandle,
    /// Creates the internal topics and `<team>.herald`.
    pub admin: Arc<dyn TopicAdmin>,
    /// Disables subscriptions (410 Gone, auto-disable).
    pub control: Arc<dyn SubscriptionControl>,
}

impl std::fmt::Debug for DeliveryDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryDeps").finish_non_exhaustive()
    }
}

/// A started worker.
#[derive(Debug)]
pub struct DeliveryWorker {
    task: JoinHandle<Result<(), DeliveryError>>,
}

impl DeliveryWorker {
    /// Waits until the worker stopped (after `shutdown` it drains, commits and leaves the group).
    pub async fn wait(self) -> Result<(), DeliveryError> {
        self.task
            .await
            .map_err(|e| DeliveryError::Task(e.to_string()))?
    }
}

/// The internal topics: every retry tier, the DLQ, the attempt log, the replay topic and the
/// endpoint state.
pub fn internal_topics(config: &DeliveryConfig) -> Result<Vec<TopicSpec>, DeliveryError> {
    let settings = config::Settings::from_config(config)?;
    let p = settings.internal_partitions;
    let mut specs: Vec<TopicSpec> = settings
        .schedule
        .tiers()
        .iter()
        .zip(&settings.topics.tiers)
        .map(|(t, topic)| {
            let delay_ms = i64::try_from(t.delay.as_millis()).unwrap_or(i64::MAX);
            TopicSpec::new(topic, p).config(
                "retention.ms",
                internal::retry_retention_ms(delay_ms).to_string(),
            )
        })
        .collect();
    let topics = &settings.topics;
    for (topic, retention) in [
        (&topics.dlq, internal::DLQ_RETENTION_MS),
        (&topics.attempts, internal::ATTEMPTS_RETENTION_MS),
        (&topics.replay, internal::REPLAY_RETENTION_MS),
    ] {
        specs.push(TopicSpec::new(topic, p).config("retention.ms", retention.to_string()));
    }
    specs.push(TopicSpec::new(&topics.endpoint_state, p).config("cleanup.policy", "compact"));
    Ok(specs)
}

/// Starts the worker with the given dependencies: creates the internal topics, registers
/// metrics into `registry`, and runs until `shutdown`. `health` turns ready once the worker has
/// its configuration and has joined the group.
pub async fn start(
    config: &DeliveryConfig,
    deps: DeliveryDeps,
    registry: &mut Registry,
    health: Health,
    shutdown: CancellationToken,
) -> Result<DeliveryWorker, DeliveryError> {
    let settings = config::Settings::from_config(config)?;
    // Concurrently: each creation waits for the controller, and a new deployment has several.
    let specs = internal_topics(config)?;
    futures::future::try_join_all(specs.iter().map(|spec| deps.admin.ensure_topic(spec))).await?;
    let producer = Producer::new(&config.kafka, Duration::from_secs(30))?;
    let client = http::WebhookClient::new(&settings.client)?;
    let metrics = metrics::Metrics::register(registry);
    let attempts = attempts::AttemptLog::new(
        &config.kafka,
        settings.topics.attempts.clone(),
        metrics.attempt_log_failed.clone(),
    )?;
    let ordered = settings.ordered;
    let shared = Arc::new(worker::Shared {
        settings,
        producer,
        attempts,
        client,
        routes: RwLock::new(Arc::default()),
        endpoints: Mutex::default(),
        disabled: Mutex::default(),
        tracker: Arc::default(),
        lanes: Arc::new(worker::Lanes::new(ordered)),
        shares: Arc::default(),
        saved: Mutex::default(),
        metrics,
        control: deps.control,
        admin: deps.admin,
        ops_topics: tokio::sync::Mutex::new(HashSet::new()),
        abort: CancellationToken::new(),
    });
    let w = worker::Worker {
        shared,
        kafka: config.kafka.clone(),
        group_id: config.deployment.delivery_group(),
        auto_offset_reset: config.auto_offset_reset.clone(),
        view: deps.view,
        shutdown,
        ready: health,
    };
    Ok(DeliveryWorker {
        task: tokio::spawn(w.run()),
    })
}

/// A view holding the configured static subscriptions (all active).
pub fn static_view(subs: &[StaticSubscription]) -> View {
    View::from_entities(
        1,
        subs.iter().map(|s| Entity {
            kind: Some(entity::Kind::Subscription(Subscription {
                id: s.id.clone(),
                team: s.team.clone(),
                topics: s.topics.clone(),
                url: s.url.clone(),
                event_types: s.event_types.clone(),
                headers: s.headers.clone().into_iter().collect(),
                rate_limit: s.rate_limit,
                max_in_flight: s.max_in_flight,
                ordering: s.ordering.clone(),
                on_dead_letter: s.on_dead_letter.clone(),
                content_mode: s.content_mode.clone(),
                state: SubscriptionState::Active as i32,
                secrets: s
                    .secrets
                    .iter()
                    .map(|secret| SigningSecret {
                        secret: secret.expose().to_owned(),
                        expires_at_ms: 0,
                    })
                    .collect(),
                ..Default::default()
            })),
        }),
    )
}

/// The socket the worker serves on, bound before [`run`] so a caller may bind port 0.
#[derive(Debug)]
pub struct Listeners {
    /// `/livez`, `/readyz`, `/metrics`.
    pub admin: TcpListener,
}

impl Listeners {
    /// Binds `admin_listen`.
    pub async fn bind(config: &DeliveryConfig) -> Result<Self, BindError> {
        Ok(Self {
            admin: herald_runtime::bind("admin_listen", config.admin_listen).await?,
        })
    }
}

/// Serves standalone: the worker plus `/livez`, `/readyz`, `/metrics` on `listeners.admin`.
/// Subscriptions come from the control plane's Watch, or from `static_subscriptions` when set.
pub async fn run(
    config: DeliveryConfig,
    listeners: Listeners,
    shutdown: Shutdown,
) -> Result<(), DeliveryError> {
    let token = shutdown.token();
    let (view, control): (ConfigHandle, Arc<dyn SubscriptionControl>) =
        if config.static_subscriptions.is_empty() {
            let view = herald_watch::follow(
                config.control_endpoint.clone(),
                config.internal_token.expose().to_owned(),
                token.clone(),
            );
            let control =
                GrpcControl::new(&config.control_endpoint, config.internal_token.expose())?;
            (view, Arc::new(control))
        } else {
            tracing::info!(
                subscriptions = config.static_subscriptions.len(),
                "using static subscriptions, not the control plane"
            );
            let (publisher, view) = ConfigPublisher::new();
            publisher.publish(static_view(&config.static_subscriptions));
            // The publisher must outlive the worker, or the view would read as closed.
            let keep = publisher.clone();
            let t = token.clone();
            tokio::spawn(async move {
                t.cancelled().await;
                drop(keep);
            });
            (view, Arc::new(LocalControl))
        };
    let admin: Arc<dyn TopicAdmin> =
        Arc::new(KafkaAdmin::new(&config.kafka, config.internal_replication)?);
    let mut registry = Registry::default();
    let health = Health::default();
    let worker = start(
        &config,
        DeliveryDeps {
            view,
            admin,
            control,
        },
        &mut registry,
        health.clone(),
        token.clone(),
    )
    .await?;
    tracing::info!(admin = ?listeners.admin.local_addr().ok(), "herald-delivery starting");
    let admin_server = tokio::spawn(herald_runtime::serve_admin(
        listeners.admin,
        health,
        Arc::new(registry),
        token.clone(),
    ));
    let result = worker.wait().await;
    token.cancel();
    let admin_result =
        herald_runtime::drain(&shutdown, "delivery admin server", admin_server).await;
    result?;
    match admin_result {
        Some(Ok(Err(e))) => Err(DeliveryError::Io(e)),
        _ => Ok(()),
    }
}
