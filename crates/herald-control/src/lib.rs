//! Herald's control plane: teams, topics, API keys, grants and webhook subscriptions behind the
//! gRPC service `herald.v1.Control`, plus the `Watch` stream the data plane configures itself
//! from.
//!
//! The state lives only in Kafka: the compacted, single-partition topic `herald.control` (key =
//! entity id, value = latest state, tombstone = deleted). Every replica reads it from the start,
//! then follows it; a write answers once this replica has applied it (read-your-writes), and
//! replicas converge in offset order (last writer wins). API keys are stored as SHA-256 hashes,
//! signing secrets encrypted with AES-256-GCM under the master key.
//!
//! The same operations are served over HTTP/JSON (`/v1/teams/...`, documented by OpenAPI 3.1 at
//! `/v1/openapi.json`) by calling the gRPC service's methods, so both transports share every
//! rule.
//!
//! [`build`] gives the tonic service and the HTTP routes and starts the background work, so
//! `herald dev` can mount them on shared routers; [`run`] serves them standalone with health,
//! reflection and the admin endpoints.

mod config;
mod crypto;
mod error;
mod health;
mod history;
mod rest;
mod schema;
mod service;
mod store;
mod validate;
mod verify;

use std::sync::Arc;
use std::time::Duration;

use herald_kafka::{KafkaAdmin, TopicAdmin};
use herald_proto::v1::control_server::ControlServer;
use herald_runtime::prometheus_client::registry::Registry;
use herald_runtime::{BindError, Health, Shutdown};
use herald_watch::{Authenticator, ConfigHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::ControlConfig;
pub use crypto::{API_KEY_PREFIX, MasterKey};
pub use error::ControlError;
pub use rest::openapi;
pub use service::ControlService;

use crate::history::History;
use crate::service::Limits;
use crate::store::Store;
use crate::verify::Verifier;

/// Largest gRPC message the service accepts or sends (a Watch snapshot of a big installation).
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// The control plane, built but not yet served.
pub struct ControlParts {
    /// The gRPC service to add to a tonic router.
    pub service: ControlServer<ControlService>,
    store: Arc<Store>,
    rest: Arc<ControlService>,
}

impl std::fmt::Debug for ControlParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlParts")
            .field("ready", &self.store.is_ready())
            .finish_non_exhaustive()
    }
}

impl ControlParts {
    /// Whether the state has been loaded from Kafka (the service answers UNAVAILABLE before).
    pub fn is_ready(&self) -> bool {
        self.store.is_ready()
    }

    /// Waits up to `timeout` for the state to be loaded; returns whether it was.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        self.store.wait_ready(timeout).await
    }

    /// The configuration as the data plane sees it (secrets and key hashes included), kept
    /// current in process: what `herald dev` hands to ingest, delivery and edge instead of a
    /// Watch stream. Empty until the state is loaded.
    pub fn config_handle(&self) -> ConfigHandle {
        self.store.config_handle()
    }

    /// The HTTP/JSON routes (`/v1/teams/...`), calling the same service as [`Self::service`];
    /// without a fallback or the OpenAPI route, so they can be merged with other routers.
    pub fn router(&self) -> axum::Router {
        rest::router(self.rest.clone())
    }
}

/// Builds the service and starts following the state topic (creating it, and the delivery
/// topics the history RPCs read, through `admin`). Metrics go into `registry`; background
/// work stops with `shutdown`. Fails only on configuration errors (e.g. no valid master key).
pub fn build(
    config: &ControlConfig,
    admin: Arc<dyn TopicAdmin>,
    registry: &mut Registry,
    shutdown: CancellationToken,
) -> Result<ControlParts, ControlError> {
    let master = match config.master_key.expose() {
        k if !k.trim().is_empty() => MasterKey::parse(k)?,
        _ => {
            return Err(ControlError::Config(
                "master_key (HERALD_MASTER_KEY) is required: base64 of 32 random bytes, e.g. `head -c 32 /dev/urandom | base64`"
                    .into(),
            ));
        }
    };
    if config.root_key.is_empty() {
        tracing::warn!("no root key (HERALD_ROOT_KEY) configured: teams cannot be created");
    }
    let store = Store::new(config, master, registry)?;
    let producer = herald_kafka::Producer::new(&config.kafka, config.write_timeout())?;
    let service = Arc::new(ControlService {
        store: store.clone(),
        auth: Authenticator::new(
            Some(config.root_key.expose()),
            Some(config.internal_token.expose()),
        ),
        admin: admin.clone(),
        history: History::new(config, producer),
        limits: Limits {
            default_partitions: config.default_partitions.max(1),
            max_partitions: config.max_partitions.max(1),
            default_retention_ms: config
                .default_retention
                .map_or(-1, |d| d.as_millis().try_into().unwrap_or(i64::MAX)),
            secret_overlap_ms: config
                .secret_overlap
                .as_millis()
                .try_into()
                .unwrap_or(i64::MAX),
        },
        verifier: Verifier::new(&config.webhook_origin, config.allow_private_targets)
            .map_err(ControlError::Config)?,
        shutdown: shutdown.clone(),
    });
    tokio::spawn(store::follow_state(
        store.clone(),
        config.clone(),
        admin,
        shutdown,
    ));
    Ok(ControlParts {
        service: ControlServer::from_arc(service.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES),
        store,
        rest: service,
    })
}

/// The sockets the control plane serves on, bound before [`run`] so a caller may bind port 0.
#[derive(Debug)]
pub struct Listeners {
    /// gRPC: Control, health, reflection.
    pub grpc: TcpListener,
    /// HTTP/JSON: the control API and its OpenAPI document.
    pub http: TcpListener,
    /// `/livez`, `/readyz`, `/metrics`.
    pub admin: TcpListener,
}

impl Listeners {
    /// Binds `grpc_listen`, `http_listen` and `admin_listen`.
    pub async fn bind(config: &ControlConfig) -> Result<Self, BindError> {
        Ok(Self {
            grpc: herald_runtime::bind("grpc_listen", config.grpc_listen).await?,
            http: herald_runtime::bind("http_listen", config.http_listen).await?,
            admin: herald_runtime::bind("admin_listen", config.admin_listen).await?,
        })
    }
}

/// Serves the control plane on `listeners` until `shutdown`, against the cluster in
/// `config.kafka`.
pub async fn run(
    config: ControlConfig,
    listeners: Listeners,
    shutdown: Shutdown,
) -> Result<(), ControlError> {
    let admin: Arc<dyn TopicAdmin> = Arc::new(KafkaAdmin::new(
        &config.kafka,
        config.replication_factor.max(1),
    )?);
    run_with(config, admin, listeners, shutdown).await
}

/// [`run`] with a given topic administration (e.g. an embedded cluster's).
pub async fn run_with(
    config: ControlConfig,
    admin: Arc<dyn TopicAdmin>,
    listeners: Listeners,
    shutdown: Shutdown,
) -> Result<(), ControlError> {
    let Listeners {
        grpc,
        http,
        admin: admin_listener,
    } = listeners;
    config
        .console
        .validate()
        .map_err(|e| ControlError::Config(e.to_string()))?;
    let token = shutdown.token();
    let mut registry = Registry::default();
    let parts = build(&config, admin, &mut registry, token.clone())?;
    let health = Health::default();
    let (grpc_router, reporter) =
        herald_runtime::grpc_server(herald_proto::FILE_DESCRIPTOR_SET, &["herald.v1.Control"])
            .map_err(|e| ControlError::Config(e.to_string()))?;
    reporter
        .set_not_serving::<ControlServer<ControlService>>()
        .await;
    tracing::info!(grpc = %grpc.local_addr()?, http = %http.local_addr()?, admin = %admin_listener.local_addr()?, state_topic = %config.deployment.control_topic(), "herald-control listening");

    health.set_waiting(format!(
        "the state topic {} to load",
        config.deployment.control_topic()
    ));
    let store = parts.store.clone();
    let ready_health = health.clone();
    let ready_token = token.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = ready_token.cancelled() => {}
            _ = store.wait_ready(Duration::MAX) => {
                ready_health.set_ready(true);
                reporter.set_serving::<ControlServer<ControlService>>().await;
            }
        }
    });
    let admin_server = tokio::spawn(herald_runtime::serve_admin(
        admin_listener,
        health,
        Arc::new(registry),
        token.clone(),
    ));
    let http_router = parts
        .router()
        .merge(herald_runtime::openapi::router(openapi()))
        .merge(herald_console::router(config.console.clone()))
        .fallback(herald_runtime::route_not_found)
        .method_not_allowed_fallback(herald_runtime::method_not_allowed);
    let http_token = token.clone();
    let http_server = axum::serve(http, http_router)
        .with_graceful_shutdown(async move { http_token.cancelled().await })
        .into_future();
    let grpc_token = token.clone();
    let grpc_server = grpc_router
        .add_service(parts.service)
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(grpc),
            async move {
                grpc_token.cancelled().await;
            },
        );
    // Watch streams end with the token; unary RPCs and HTTP requests in flight get the grace to
    // finish.
    let (served, http_served) = herald_runtime::drain(&shutdown, "control rpcs", async {
        tokio::join!(grpc_server, http_server)
    })
    .await
    .unwrap_or((Ok(()), Ok(())));
    token.cancel();
    let admin_result = herald_runtime::drain(&shutdown, "control admin server", admin_server).await;
    if let Some(Ok(Err(e))) = admin_result {
        tracing::warn!(error = %e, "admin server failed");
    }
    served?;
    http_served?;
    Ok(())
}
