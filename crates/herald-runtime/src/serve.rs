//! What every service does the same way around its servers: binding its listen addresses, the
//! gRPC health and reflection services, and draining within the shutdown grace.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use herald_core::{Classify, ErrorClass};
use tokio::net::TcpListener;
use tonic::transport::server::Router;
use tonic_health::server::HealthReporter;

use crate::Shutdown;

/// A listen address could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {setting} {addr}: {source}")]
pub struct BindError {
    /// The setting that names the address, e.g. `admin_listen`.
    pub setting: &'static str,
    /// The address.
    pub addr: SocketAddr,
    /// Why (address in use, permission denied, ...).
    pub source: std::io::Error,
}

impl Classify for BindError {
    fn class(&self) -> ErrorClass {
        // Another process holds the port, or the address is not this host's: a restart of
        // this process alone does not fix either.
        ErrorClass::Permanent
    }
}

/// Why a service stopped with an error, and whether starting it again can help (its exit code
/// says so: see [`Failure::exit_code`]).
#[derive(Debug)]
pub struct Failure {
    class: ErrorClass,
    error: Box<dyn std::error::Error + Send + Sync>,
}

impl Failure {
    /// 2 when repeating cannot help (configuration, refused input), 1 when a restart may.
    pub fn exit_code(&self) -> u8 {
        match self.class {
            ErrorClass::Permanent => 2,
            ErrorClass::Retryable => 1,
        }
    }

    /// Whether a restart may help.
    pub fn class(&self) -> ErrorClass {
        self.class
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)?;
        let mut source = self.error.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl<E> From<E> for Failure
where
    E: Classify + std::error::Error + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        Self {
            class: error.class(),
            error: Box::new(error),
        }
    }
}

/// Binds the address of the setting `setting`; the error names both.
pub async fn bind(setting: &'static str, addr: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr).await.map_err(|source| BindError {
        setting,
        addr,
        source,
    })
}

/// Runs `work` to its end, but once `shutdown` has started gives it at most the grace period;
/// `None` (and a warning naming `what`) when the grace ran out first.
pub async fn drain<F: Future>(
    shutdown: &Shutdown,
    what: &'static str,
    work: F,
) -> Option<F::Output> {
    let grace_over = async {
        shutdown.cancelled().await;
        tokio::time::sleep(shutdown.grace()).await;
    };
    tokio::select! {
        out = work => Some(out),
        () = grace_over => {
            tracing::warn!(
                what,
                grace_ms = shutdown.grace().as_millis() as u64,
                "shutdown grace over, abandoning work still in flight"
            );
            None
        }
    }
}

/// The reflection index could not be built from the descriptor set.
#[derive(Debug, thiserror::Error)]
#[error("cannot build grpc reflection: {0}")]
pub struct ReflectionError(#[from] tonic_reflection::server::Error);

/// A gRPC server that already serves what every Herald gRPC port serves beside its own
/// services: `grpc.health.v1.Health` (statuses set through the returned reporter) and server
/// reflection, v1 and v1alpha (older grpcurl and client libraries), listing only `services`
/// and health out of `descriptor_set`. Keepalives find dead peers of long-lived streams.
pub fn grpc_server(
    descriptor_set: &'static [u8],
    services: &[&'static str],
) -> Result<(Router, HealthReporter), ReflectionError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    let reflection = || {
        let builder = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(descriptor_set)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .with_service_name("grpc.health.v1.Health");
        services
            .iter()
            .fold(builder, |b, service| b.with_service_name(*service))
    };
    let router = tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)))
        .initial_stream_window_size(Some(1 << 20))
        .initial_connection_window_size(Some(8 << 20))
        .max_frame_size(Some(256 << 10))
        .add_service(health)
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?);
    Ok((router, reporter))
}
