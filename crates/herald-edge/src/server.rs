//! The HTTP server: HTTP/1.1 and HTTP/2 without TLS (h2c, prior knowledge) on one listener,
//! TCP_NODELAY, a per-connection kill switch for cut slow clients, and a graceful drain.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::Service;

use crate::hub::ConnKill;

/// Serves `router` on `listener` until `shutdown`, then lets open connections finish for up to
/// `drain_grace` (streams end themselves on shutdown after telling clients to reconnect).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    drain_grace: Duration,
) -> std::io::Result<()> {
    let connections = TaskTracker::new();
    loop {
        let (socket, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = socket.set_nodelay(true);
        let router = router.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let kill = CancellationToken::new();
            let handle = ConnKill(kill.clone());
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(handle.clone());
                    let mut router = router.clone();
                    async move {
                        let response = router.call(request.map(Body::new)).await;
                        Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
                    }
                });
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(socket), service);
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                    return;
                }
                _ = kill.cancelled() => {
                    tracing::debug!(%peer, "closing the connection of a cut client");
                    return;
                }
                _ = shutdown.cancelled() => {}
            }
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = tokio::time::sleep(drain_grace) => {}
                _ = kill.cancelled() => {}
            }
        });
    }
    connections.close();
    connections.wait().await;
    Ok(())
}
