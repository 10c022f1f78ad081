//! `GET /v1/replies/{reply_id}?wait=`: the reply to an async request (ingest's request-reply),
//! long-polling up to 30 s. One reader per edge node follows `herald.replies` (every partition,
//! from the earliest retained offset, so a restarted node still answers) into a bounded
//! in-memory index keyed by team and request id; waiters are woken when their reply arrives.
//! The first reply of a request is the reply: later ones are ignored. The edge needs no reply
//! secret: it reads the team and expiry from the reply id unverified, only to refuse a caller
//! of another team or an expired id early, and answers only with a reply whose record (written
//! by ingest after verifying the id) names that team.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use herald_core::reply::{self, CORRELATION_ATTRIBUTE, TEAM_HEADER};
use herald_kafka::{KafkaConfig, RecordRef, TailConsumer};
use herald_watch::{Action, Authenticator, ConfigHandle};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::{EdgeConfig, EdgeError};

/// Most replies held in memory; the oldest are forgotten first (Kafka's retention is the real
/// bound, this one only protects the node).
const MAX_ENTRIES: usize = 100_000;
/// Most payload bytes held in memory.
const MAX_BYTES: usize = 64 << 20;
const KAFKA_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause before the reader tries again after the topic was missing or Kafka failed.
const RETRY: Duration = Duration::from_secs(5);

/// One reply as the requester reads it.
#[derive(Debug)]
struct Reply {
    team: String,
    body: Value,
    size: usize,
}

#[derive(Default)]
struct Index {
    replies: HashMap<String, Arc<Reply>>,
    order: VecDeque<String>,
    bytes: usize,
    waiters: HashMap<String, Arc<Notify>>,
    /// `None` once the reader caught up with the topic's end at start, else why not.
    loading: Option<String>,
}

/// The replies of this node, shared by the reader and the route.
pub(crate) struct Replies {
    /// `<deployment>.replies`.
    topic: String,
    index: Mutex<Index>,
    view: ConfigHandle,
    auth: Authenticator,
}

fn key(team: &str, request_id: &str) -> String {
    format!("{team}\u{0}{request_id}")
}

impl Replies {
    fn lock(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_loading(&self, why: Option<String>) {
        self.lock().loading = why;
    }

    /// Keeps the first reply of a request and wakes its waiters.
    fn insert(&self, key: String, reply: Reply) {
        let mut index = self.lock();
        if index.replies.contains_key(&key) {
            return;
        }
        index.bytes += reply.size;
        index.order.push_back(key.clone());
        index.replies.insert(key.clone(), Arc::new(reply));
        while index.order.len() > MAX_ENTRIES || index.bytes > MAX_BYTES {
            let Some(old) = index.order.pop_front() else {
                break;
            };
            if let Some(r) = index.replies.remove(&old) {
                index.bytes -= r.size;
            }
        }
        if let Some(notify) = index.waiters.remove(&key) {
            notify.notify_waiters();
        }
    }

    /// The reply of `key`, waiting up to `wait` for it to arrive.
    async fn wait_for(&self, key: &str, wait: Duration) -> Result<Option<Arc<Reply>>, EdgeError> {
        let notify = {
            let mut index = self.lock();
            if let Some(why) = &index.loading {
                return Err(EdgeError::Unavailable(format!(
                    "replies index loading: {why}; retry shortly"
                )));
            }
            if let Some(r) = index.replies.get(key) {
                return Ok(Some(r.clone()));
            }
            if wait.is_zero() {
                return Ok(None);
            }
            index
                .waiters
                .entry(key.to_owned())
                .or_insert_with(|| Arc::new(Notify::new()))
                .clone()
        };
        let notified = notify.notified();
        tokio::pin!(notified);
        // Registered before looking again, so an insert in between is not missed.
        notified.as_mut().enable();
        if let Some(r) = self.lock().replies.get(key) {
            return Ok(Some(r.clone()));
        }
        let _ = tokio::time::timeout(wait, notified).await;
        let mut index = self.lock();
        let found = index.replies.get(key).cloned();
        // The last waiter of a key that got no reply takes its entry away.
        if found.is_none()
            && index
                .waiters
                .get(key)
                .is_some_and(|n| Arc::ptr_eq(n, &notify) && Arc::strong_count(n) == 2)
        {
            index.waiters.remove(key);
        }
        Ok(found)
    }
}

/// A reply record as the route answers it; `None` for records that are not replies.
fn parse(message: &RecordRef<'_>) -> Option<(String, Reply)> {
    let text = |name: &str| {
        message
            .header(name)
            .and_then(|v| std::str::from_utf8(v).ok())
            .filter(|v| !v.is_empty())
    };
    let team = text(TEAM_HEADER)?;
    let correlation = text(&format!("ce_{CORRELATION_ATTRIBUTE}"))?;
    let payload = message.payload().unwrap_or_default();
    let data = serde_json::from_slice::<Value>(payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()));
    let body = json!({
        "id": text("ce_id"),
        "type": text("ce_type"),
        "source": text("ce_source"),
        "time": text("ce_time"),
        "datacontenttype": text("content-type"),
        "correlationid": correlation,
        "data": data,
    });
    let size = payload.len() + correlation.len() + team.len() + 256;
    Some((
        key(team, correlation),
        Reply {
            team: team.to_owned(),
            body,
            size,
        },
    ))
}

/// Reads `<deployment>.replies` from its start into the index until shutdown, retrying when the
/// topic is missing or Kafka fails.
async fn follow(replies: Arc<Replies>, kafka: KafkaConfig, shutdown: CancellationToken) {
    let mut last_error = String::new();
    loop {
        let ended = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = read(&replies, &kafka) => r,
        };
        if let Err(error) = ended {
            // An edge whose Herald does not use request-reply would say the same every time.
            let text = error.to_string();
            if text != last_error {
                tracing::warn!(%error, topic = %replies.topic, "replies reader stopped, retrying");
            } else {
                tracing::debug!(%error, topic = %replies.topic, "replies reader stopped, retrying");
            }
            last_error = text;
            let mut index = replies.lock();
            if index.loading.is_some() {
                index.loading = Some(error.to_string());
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

async fn read(replies: &Replies, kafka: &KafkaConfig) -> Result<(), EdgeError> {
    // librdkafka's fetch wait (500 ms) is kept: a broker answers a fetch as soon as a reply
    // arrives (the embedded one too, through its relay), so the wait only bounds how often an
    // idle reader asks.
    let consumer = TailConsumer::new(kafka.client(), "herald-edge-replies", true)?;
    let topic = replies.topic.as_str();
    let Some(partitions) = consumer.partitions(topic, KAFKA_TIMEOUT).await? else {
        return Err(EdgeError::Unavailable(format!(
            "the topic {topic} does not exist (ingest creates it when request-reply is on)"
        )));
    };
    let marks = consumer
        .watermarks(topic, partitions.clone(), KAFKA_TIMEOUT)
        .await?;
    // A restarted reader reads again from the start; the index keeps the first reply.
    let starts: Vec<(i32, i64)> = partitions
        .iter()
        .zip(&marks)
        .map(|(p, (low, _))| (*p, *low))
        .collect();
    let mut pending: HashMap<i32, i64> = partitions
        .iter()
        .zip(&marks)
        .filter(|(_, (low, high))| high > low)
        .map(|(p, (_, high))| (*p, *high))
        .collect();
    consumer.assign(topic, &starts)?;
    if pending.is_empty() {
        replies.set_loading(None);
    }
    loop {
        let message = match consumer.recv().await {
            Ok(m) => m,
            Err(e) => match e.end_of_partition() {
                Some(p) => {
                    if pending.remove(&p).is_some() && pending.is_empty() {
                        replies.set_loading(None);
                    }
                    continue;
                }
                None if e.is_unknown_topic() => return Err(e.into()),
                // librdkafka recovers from the others by itself.
                None => {
                    tracing::warn!(error = %e, topic, "reading replies");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        let (partition, offset) = (message.partition(), message.offset());
        if let Some((key, reply)) = parse(&message) {
            replies.insert(key, reply);
        }
        if pending
            .get(&partition)
            .is_some_and(|high| offset + 1 >= *high)
        {
            pending.remove(&partition);
            if pending.is_empty() {
                replies.set_loading(None);
            }
        }
    }
}

/// Starts the node's replies reader and returns the route.
pub(crate) fn start(
    config: &EdgeConfig,
    view: ConfigHandle,
    shutdown: CancellationToken,
    tasks: &TaskTracker,
) -> Router {
    let non_empty = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let topic = config.deployment.replies_topic();
    let replies = Arc::new(Replies {
        index: Mutex::new(Index {
            loading: Some(format!("reading {topic}")),
            ..Index::default()
        }),
        topic,
        view,
        auth: Authenticator::new(
            non_empty(config.root_key.expose()).as_deref(),
            non_empty(config.internal_token.expose()).as_deref(),
        ),
    });
    tasks.spawn(follow(replies.clone(), config.kafka.clone(), shutdown));
    Router::new()
        .route("/v1/replies/{reply_id}", get(get_reply))
        .with_state(replies)
}

/// The query of a reply request.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReplyQuery {
    wait: Option<String>,
}

/// The reply to a request, waiting up to `wait` for it.
#[utoipa::path(get, path = "/v1/replies/{reply_id}", tag = "edge",
    params(
        ("reply_id" = String, Path, description = "The reply id from the request's answer (its Location)"),
        ("wait" = Option<String>, Query, description = "Long-poll this long when there is no reply yet (10s, 500ms; at most 30s; default 0)"),
    ),
    responses(
        (status = 200, description = "The reply (the first one, if several were sent)", body = ref("#/components/schemas/Reply")),
        (status = 400, description = "Invalid wait", body = herald_runtime::ErrorBody),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "The key is not of the request's team", body = herald_runtime::ErrorBody),
        (status = 404, description = "No reply yet (after the wait), or not a reply id", body = herald_runtime::ErrorBody),
        (status = 410, description = "The reply id expired", body = herald_runtime::ErrorBody),
        (status = 503, description = "Not ready: the replies index is loading", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn get_reply(
    State(replies): State<Arc<Replies>>,
    Path(reply_id): Path<String>,
    query: Result<Query<ReplyQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, EdgeError> {
    let Query(q) = query.map_err(|e| EdgeError::BadRequest(format!("invalid query: {e}")))?;
    let wait = crate::pull::parse_wait(q.wait.as_deref())?;
    if !replies.view.is_synced() {
        return Err(EdgeError::Unavailable(
            "the edge has not received its configuration from the control plane yet".into(),
        ));
    }
    let view = replies.view.current();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let principal = replies
        .auth
        .authenticate(&view, authorization)
        .map_err(|e| EdgeError::Unauthorized(e.to_string()))?;
    let claims = reply::peek(&reply_id)
        .map_err(|_| EdgeError::NotFound("not a reply id: use the Location of a request".into()))?;
    principal
        .authorize(&view, Action::ReadTeam { team: &claims.team })
        .map_err(|e| {
            EdgeError::Forbidden(format!(
                "{e}: the reply belongs to a request of team {}",
                claims.team
            ))
        })?;
    drop(view);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if now > claims.expires_at {
        return Err(EdgeError::Gone(format!(
            "the reply id expired at {} (unix seconds)",
            claims.expires_at
        )));
    }
    let key = key(&claims.team, &claims.request_id);
    match replies.wait_for(&key, wait).await? {
        Some(r) if r.team == claims.team => {
            let mut body = r.body.clone();
            body["reply_id"] = reply_id.into();
            Ok(Json(body).into_response())
        }
        _ => Err(EdgeError::NotFound(format!(
            "no reply to request {} yet (waited {}s); ask again, with ?wait= up to 30s",
            claims.request_id,
            wait.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(n: usize) -> Reply {
        Reply {
            team: "acme".into(),
            body: json!({ "n": n }),
            size: 10,
        }
    }

    fn ready() -> Replies {
        Replies {
            topic: "herald.replies".into(),
            index: Mutex::new(Index::default()),
            view: herald_watch::ConfigPublisher::new().1,
            auth: Authenticator::new(None, None),
        }
    }

    #[tokio::test]
    async fn the_first_reply_wins_and_wakes_a_waiter() {
        let replies = Arc::new(ready());
        let k = key("acme", "req-1");
        let waiter = tokio::spawn({
            let (replies, k) = (replies.clone(), k.clone());
            async move { replies.wait_for(&k, Duration::from_secs(10)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        replies.insert(k.clone(), reply(1));
        replies.insert(k.clone(), reply(2));
        let got = waiter.await.unwrap().unwrap().unwrap();
        assert_eq!(got.body["n"], 1);
        assert!(replies.lock().waiters.is_empty());
        let again = replies.wait_for(&k, Duration::ZERO).await.unwrap().unwrap();
        assert_eq!(again.body["n"], 1);
    }

    #[tokio::test]
    async fn a_wait_without_a_reply_ends_empty_and_leaves_no_waiter() {
        let replies = ready();
        let got = replies
            .wait_for(&key("acme", "nope"), Duration::from_millis(20))
            .await
            .unwrap();
        assert!(got.is_none());
        assert!(replies.lock().waiters.is_empty());
    }

    #[tokio::test]
    async fn a_loading_index_answers_unavailable() {
        let replies = ready();
        replies.set_loading(Some("reading".into()));
        assert!(matches!(
            replies.wait_for("k", Duration::ZERO).await,
            Err(EdgeError::Unavailable(_))
        ));
    }

    #[test]
    fn the_oldest_replies_are_forgotten_beyond_the_cap() {
        let replies = ready();
        for i in 0..MAX_ENTRIES + 2 {
            replies.insert(key("acme", &i.to_string()), reply(i));
        }
        let index = replies.lock();
        assert_eq!(index.replies.len(), MAX_ENTRIES);
        assert!(!index.replies.contains_key(&key("acme", "0")));
        assert!(
            index
                .replies
                .contains_key(&key("acme", &(MAX_ENTRIES + 1).to_string()))
        );
        assert_eq!(index.bytes, MAX_ENTRIES * 10);
    }
}
