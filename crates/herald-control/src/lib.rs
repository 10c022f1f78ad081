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
//! [`build`] gives the tonic service and starts the background work, so `herald dev` can mount
//! it on a shared router; [`run`] serves it standalone with health, reflection and the admin
//! endpoints.

mod config;
mod crypto;
mod error;
mod history;
mod service;
mod store;
mod validate;

use std::sync::Arc;
use std::time::Duration;

use herald_kafka::{KafkaAdmin, TopicAdmin};
use herald_proto::v1::control_server::ControlServer;
use herald_runtime::prometheus_client::registry::Registry;
use herald_runtime::{Health, Shutdown};
use herald_watch::{Authenticator, ConfigHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::ControlConfig;
pub use crypto::{API_KEY_PREFIX, MasterKey};
pub use error::ControlError;
pub use service::ControlService;

use crate::history::History;
use crate::service::Limits;
use crate::store::Store;

/// Largest gRPC message the service accepts or sends (a Watch snapshot of a big installation).
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// The control plane, built but not yet served.
pub struct ControlParts {
    /// The gRPC service to add to a tonic router.
    pub service: ControlServer<ControlService>,
    store: Arc<Store>,
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
    let service = ControlService {
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
            default_retention_ms: config.default_retention_ms,
            secret_overlap_ms: config.secret_overlap_ms.max(0),
        },
        shutdown: shutdown.clone(),
    };
    tokio::spawn(store::follow_state(
        store.clone(),
        config.clone(),
        admin,
        shutdown,
    ));
    Ok(ControlParts {
        service: ControlServer::new(service)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES),
        store,
    })
}

/// Serves the control plane on `grpc` (Control, grpc.health.v1, reflection) and the admin
/// endpoints on `admin_listener` until `shutdown`, against the cluster in `config.kafka`.
pub async fn run(
    config: ControlConfig,
    grpc: TcpListener,
    admin_listener: TcpListener,
    shutdown: Shutdown,
) -> Result<(), ControlError> {
    let admin: Arc<dyn TopicAdmin> = Arc::new(KafkaAdmin::new(
        &config.kafka,
        config.replication_factor.max(1),
    )?);
    run_with_admin(config, admin, grpc, admin_listener, shutdown).await
}

/// [`run`] with a given topic administration (e.g. an embedded cluster's).
pub async fn run_with_admin(
    config: ControlConfig,
    admin: Arc<dyn TopicAdmin>,
    grpc: TcpListener,
    admin_listener: TcpListener,
    shutdown: Shutdown,
) -> Result<(), ControlError> {
    let token = shutdown.token();
    let mut registry = Registry::default();
    let parts = build(&config, admin, &mut registry, token.clone())?;
    let health = Health::default();
    let (reporter, health_service) = tonic_health::server::health_reporter();
    reporter
        .set_not_serving::<ControlServer<ControlService>>()
        .await;
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(herald_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection()
        .build_v1()
        .map_err(|e| ControlError::Config(format!("reflection: {e}")))?;
    // Older grpcurl and client libraries only speak v1alpha.
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .map_err(|e| ControlError::Config(format!("reflection: {e}")))?;
    tracing::info!(grpc = %grpc.local_addr()?, admin = %admin_listener.local_addr()?, state_topic = %config.state_topic, "herald-control listening");

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
    let grpc_token = token.clone();
    let served = tonic::transport::Server::builder()
        // Watch streams are long-lived: keepalives find dead peers so their tasks end.
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(parts.service)
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(grpc),
            async move {
                grpc_token.cancelled().await;
            },
        )
        .await;
    token.cancel();
    match tokio::time::timeout(shutdown.grace(), admin_server).await {
        Ok(Ok(Err(e))) => tracing::warn!(error = %e, "admin server failed"),
        Ok(_) => {}
        Err(_) => tracing::warn!("admin server did not stop within the grace period"),
    }
    served?;
    Ok(())
}
