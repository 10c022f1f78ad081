use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald_proto::v1::WatchRequest;
use herald_proto::v1::control_client::ControlClient;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::{Bearer, View};

/// A cheap, clonable read handle on the latest view.
#[derive(Debug, Clone)]
pub struct ConfigHandle {
    rx: watch::Receiver<Option<Arc<View>>>,
    problem: Problem,
}

/// Why the source of a view cannot deliver it now, shared by the publisher and its handles.
type Problem = Arc<Mutex<Option<String>>>;

impl ConfigHandle {
    /// The latest view (empty until the first snapshot arrived).
    pub fn current(&self) -> Arc<View> {
        self.rx.borrow().clone().unwrap_or_default()
    }

    /// Whether a snapshot has been received, i.e. the view is authoritative.
    pub fn is_synced(&self) -> bool {
        self.rx.borrow().is_some()
    }

    /// Why the source cannot deliver the view now (e.g. the control plane refuses the
    /// connection or the credential); `None` while it follows.
    pub fn problem(&self) -> Option<String> {
        lock(&self.problem).clone()
    }

    /// Waits until a snapshot has been received, up to `timeout`; returns whether it was.
    pub async fn wait_synced(&mut self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.rx.wait_for(Option::is_some))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Marks the latest view as seen: [`ConfigHandle::changed`] then waits for a later one.
    pub fn mark_seen(&mut self) {
        self.rx.borrow_and_update();
    }

    /// Waits for the next change; `false` once the source has gone away for good.
    pub async fn changed(&mut self) -> bool {
        self.rx.changed().await.is_ok()
    }

    /// Waits until the view has reached `revision`, up to `timeout`; returns whether it did.
    pub async fn wait_revision(&mut self, revision: i64, timeout: Duration) -> bool {
        let reached = self
            .rx
            .wait_for(|v| v.as_ref().is_some_and(|v| v.revision >= revision));
        tokio::time::timeout(timeout, reached)
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// The writing side of a view: what [`follow`] drives, and what tests or an in-process control
/// plane can drive directly.
#[derive(Debug, Clone)]
pub struct ConfigPublisher {
    tx: Arc<watch::Sender<Option<Arc<View>>>>,
    problem: Problem,
}

impl ConfigPublisher {
    /// A publisher with no view yet, and a handle on it.
    pub fn new() -> (Self, ConfigHandle) {
        let (tx, rx) = watch::channel(None);
        let problem = Problem::default();
        (
            Self {
                tx: Arc::new(tx),
                problem: problem.clone(),
            },
            ConfigHandle { rx, problem },
        )
    }

    /// Replaces the view; the source works again.
    pub fn publish(&self, view: View) {
        *lock(&self.problem) = None;
        self.tx.send_replace(Some(Arc::new(view)));
    }

    /// Says why the source cannot deliver the view now (see [`ConfigHandle::problem`]).
    pub fn report(&self, problem: String) {
        *lock(&self.problem) = Some(problem);
    }

    /// Another handle on the same view.
    pub fn subscribe(&self) -> ConfigHandle {
        ConfigHandle {
            rx: self.tx.subscribe(),
            problem: self.problem.clone(),
        }
    }
}

fn lock(problem: &Problem) -> std::sync::MutexGuard<'_, Option<String>> {
    // Whatever panicked while holding it, the value is a whole string or none.
    problem
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Follows `Control.Watch` at `endpoint` (e.g. `http://127.0.0.1:50051`) with `token` (the
/// internal service credential, to receive secrets and key hashes), until `shutdown`.
/// Reconnects with backoff; the last view stays in force while disconnected.
pub fn follow(endpoint: String, token: String, shutdown: CancellationToken) -> ConfigHandle {
    let (publisher, handle) = ConfigPublisher::new();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(200);
        loop {
            let result = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = watch_once(&endpoint, &token, &publisher) => r,
            };
            match result {
                Ok(()) => {
                    tracing::info!(%endpoint, "control watch stream ended, reconnecting");
                    backoff = Duration::from_millis(200);
                }
                Err(error) => {
                    tracing::warn!(%endpoint, %error, retry_in_ms = backoff.as_millis() as u64, "control watch failed");
                    publisher.report(format!(
                        "the control plane at {endpoint}: {} ({:?})",
                        error.message(),
                        error.code()
                    ));
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    });
    handle
}

async fn watch_once(
    endpoint: &str,
    token: &str,
    publisher: &ConfigPublisher,
) -> Result<(), tonic::Status> {
    let channel = tonic::transport::Endpoint::from_shared(endpoint.to_owned())
        .map_err(|e| tonic::Status::invalid_argument(format!("bad control endpoint: {e}")))?
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| tonic::Status::unavailable(format!("connect: {}", chain(&e))))?;
    let mut client = ControlClient::new(channel).max_decoding_message_size(256 << 20);
    let mut request = tonic::Request::new(WatchRequest {});
    Bearer::new(token)
        .map_err(|e| tonic::Status::invalid_argument(e.to_string()))?
        .apply(&mut request);
    let mut stream = client.watch(request).await?.into_inner();
    let mut view: Option<View> = None;
    while let Some(event) = stream.message().await? {
        let mut next = view.take().unwrap_or_default();
        next.apply(event);
        publisher.publish(next.clone());
        view = Some(next);
    }
    Ok(())
}

/// An error and its sources on one line: tonic's transport error alone says only "transport
/// error", its source says "Connection refused".
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
