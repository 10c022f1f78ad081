use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The root of a process's shutdown: cancelling it asks every task to finish; `grace` bounds
/// how long they may take.
#[derive(Debug, Clone)]
pub struct Shutdown {
    token: CancellationToken,
    grace: Duration,
}

impl Shutdown {
    /// A fresh, not yet cancelled shutdown with the given grace period.
    pub fn new(grace: Duration) -> Self {
        Self {
            token: CancellationToken::new(),
            grace,
        }
    }

    /// The token tasks watch.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Starts shutting down.
    pub fn trigger(&self) {
        self.token.cancel();
    }

    /// Resolves once shutdown has started.
    pub async fn cancelled(&self) {
        self.token.cancelled().await;
    }

    /// How long tasks may take to drain.
    pub fn grace(&self) -> Duration {
        self.grace
    }
}

/// Cancels `shutdown` on the first SIGINT or SIGTERM; a second signal exits at once.
pub fn spawn_signal_handler(shutdown: Shutdown) {
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!(
            grace_secs = shutdown.grace.as_secs(),
            "shutdown requested, draining"
        );
        shutdown.trigger();
        wait_for_signal().await;
        tracing::warn!("second signal, exiting now");
        std::process::exit(130);
    });
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM, only Ctrl-C stops this process");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
