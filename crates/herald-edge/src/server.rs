//! The HTTP server: HTTP/1.1 and HTTP/2 on one listener (h2c by prior knowledge, or TLS with
//! ALPN), TCP_NODELAY, the lean HTTP/1 stream path in front of hyper, a per-connection kill
//! switch for cut slow clients, and a graceful drain.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::Service;

use crate::hub::ConnKill;
use crate::lean::{self, Accepted, Lean, Rewind};

/// Serves `router` on `listener` until `shutdown`, then lets open connections finish for up to
/// `drain_grace` (streams end themselves on shutdown after telling clients to reconnect).
/// Plain HTTP through hyper only; [`crate::Edge::serve`] adds the lean stream path and TLS.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    drain_grace: Duration,
) -> std::io::Result<()> {
    serve_with(
        listener,
        Serving {
            router,
            lean: None,
            tls: None,
            shutdown,
            drain_grace,
            handshake_timeout: Duration::from_secs(10),
        },
    )
    .await
}

/// How connections are served.
pub(crate) struct Serving {
    pub router: Router,
    /// The lean HTTP/1 stream path, if enabled.
    pub lean: Option<Lean>,
    /// HTTPS, if configured.
    pub tls: Option<TlsAcceptor>,
    pub shutdown: CancellationToken,
    pub drain_grace: Duration,
    /// Bound of a TLS handshake.
    pub handshake_timeout: Duration,
}

/// Accepts connections until shutdown, then waits for them to drain.
pub(crate) async fn serve_with(listener: TcpListener, serving: Serving) -> std::io::Result<()> {
    let serving = Arc::new(serving);
    let connections = TaskTracker::new();
    loop {
        let (socket, peer) = tokio::select! {
            _ = serving.shutdown.cancelled() => break,
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
        // Separate task types so a plain connection's task is not sized for TLS state.
        let serving = serving.clone();
        if let Some(acceptor) = serving.tls.clone() {
            connections.spawn(tls_connection(socket, peer, acceptor, serving));
        } else {
            connections.spawn(http(socket, false, peer, serving));
        }
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

async fn tls_connection(
    socket: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    serving: Arc<Serving>,
) {
    let handshake = tokio::time::timeout(serving.handshake_timeout, acceptor.accept(socket));
    let tls = tokio::select! {
        _ = serving.shutdown.cancelled() => return,
        tls = handshake => match tls {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => {
                tracing::debug!(%peer, %error, "tls handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "tls handshake timed out");
                return;
            }
        },
    };
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    http(tls, h2, peer, serving).await;
}

/// Serves one connection: a stream request over HTTP/1 on the lean path, the rest with hyper.
///
/// A function returning an `async move` block rather than an `async fn`, which would keep its
/// by-value arguments twice in the connection's task (it lives as long as the stream).
// Not an async fn on purpose (see above), whatever the lint prefers.
#[allow(clippy::manual_async_fn)]
pub(crate) fn http<IO>(
    io: IO,
    h2: bool,
    peer: SocketAddr,
    serving: Arc<Serving>,
) -> impl Future<Output = ()> + Send
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async move {
        let io = match &serving.lean {
            // ALPN said HTTP/2: no HTTP/1 head to look at.
            Some(lean) if !h2 => {
                // Boxed in a block of its own: the head-reading and opening state is gone (not
                // kept by this task) while the stream's writer runs.
                let accepted = {
                    let accepting = Box::pin(lean::accept(
                        io,
                        lean,
                        &serving.shutdown,
                        serving.drain_grace,
                    ));
                    accepting.await
                };
                match accepted {
                    Accepted::Done => return,
                    Accepted::Stream(writer) => return writer.await,
                    Accepted::Hyper(io) => io,
                }
            }
            _ => Rewind::new(Bytes::new(), io),
        };
        // Boxed: a lean stream's task, which lives as long as the stream, is then not sized
        // for hyper's connection state. In a statement of its own, so this future keeps no
        // room for the one it boxes.
        // The kill switch of a cut client's connection (lean streams stop their own writers).
        let kill = CancellationToken::new();
        let handle = ConnKill(kill.clone());
        let serving = Box::pin(hyper_connection(io, handle, kill, peer, &serving));
        serving.await;
    }
}

async fn hyper_connection<IO>(
    io: Rewind<IO>,
    handle: ConnKill,
    kill: CancellationToken,
    peer: SocketAddr,
    serving: &Serving,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let router = serving.router.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        let mut router = router.clone();
        async move {
            let response = router.call(request.map(Body::new)).await;
            Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    // With upgrades: a WebSocket handshake on the hyper path hands the connection to `ws`.
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
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
        _ = serving.shutdown.cancelled() => {}
    }
    connection.as_mut().graceful_shutdown();
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = tokio::time::sleep(serving.drain_grace) => {}
        _ = kill.cancelled() => {}
    }
}
