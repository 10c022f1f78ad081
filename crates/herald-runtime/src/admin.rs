use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Readiness of a service: ready only once its dependencies answer; until then, what it is
/// waiting for, which `/readyz` tells.
#[derive(Debug, Clone)]
pub struct Health {
    waiting_for: Arc<Mutex<Option<String>>>,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            waiting_for: Arc::new(Mutex::new(Some("starting".to_owned()))),
        }
    }
}

impl Health {
    /// Marks the service ready, or not ready without saying why.
    pub fn set_ready(&self, ready: bool) {
        *self.lock() = (!ready).then(|| "stopping".to_owned());
    }

    /// Marks the service not ready because of `cause`, e.g. "kafka at host:9092: timed out".
    pub fn set_waiting(&self, cause: impl Into<String>) {
        *self.lock() = Some(cause.into());
    }

    /// Whether the service is ready.
    pub fn is_ready(&self) -> bool {
        self.lock().is_none()
    }

    /// What the service waits for, when it is not ready.
    pub fn waiting_for(&self) -> Option<String> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A panic while holding this lock cannot leave the value half-written.
        self.waiting_for
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Clone)]
struct AdminState {
    health: Health,
    registry: Arc<Registry>,
}

/// Serves `/livez`, `/readyz` and `/metrics` (Prometheus text format) until `shutdown`.
pub async fn serve_admin(
    listener: TcpListener,
    health: Health,
    registry: Arc<Registry>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/livez", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(AdminState { health, registry });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
}

async fn readyz(State(s): State<AdminState>) -> impl IntoResponse {
    match s.health.waiting_for() {
        None => (StatusCode::OK, "ready\n".to_owned()),
        Some(cause) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: waiting for {cause}\n"),
        ),
    }
}

async fn metrics(State(s): State<AdminState>) -> impl IntoResponse {
    let mut body = String::new();
    match prometheus_client::encoding::text::encode(&mut body, &s.registry) {
        Ok(()) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        ),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "metrics encoding failed\n".to_owned(),
        ),
    }
}
