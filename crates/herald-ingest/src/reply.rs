//! Async request-reply: `POST /v1/topics/{team}/{topic}/requests` publishes a request event
//! carrying a `replyto` extension attribute (`/v1/replies/{reply_id}`), and `POST
//! /v1/replies/{reply_id}` takes its reply. The reply id is a stateless capability
//! (`herald_core::reply`, signed with `reply_secret`), so whoever handled the request (a webhook
//! receiver without a Herald key, a stream or pull client) can answer it, until it expires. A
//! reply is written to `herald.replies` (key = reply id, extension `correlationid` = the
//! request's event id, header `herald_team`), where the edge serves it to the requester, and,
//! when the request named a `reply_topic`, also as an ordinary event of that topic so the
//! requester's streams and webhook subscriptions get it. Nothing else is stored.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use herald_core::envelope::TRACEPARENT_HEADER;
use herald_core::reply::{
    self, CORRELATION_ATTRIBUTE, REPLIES_PATH_PREFIX, REPLY_TO_ATTRIBUTE, ReplyClaims,
    ReplyIdError, TEAM_HEADER,
};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::http::{error_response, parse_request, read_body};
use crate::metrics::Transport;
use crate::publish::{Core, Draft};
use crate::{IngestConfig, IngestError};

/// The path of the request route.
pub const REQUESTS_PATH: &str = "/v1/topics/{team}/{topic}/requests";
/// The path of the reply route.
pub const REPLIES_PATH: &str = "/v1/replies/{reply_id}";

pub(crate) struct Replies {
    core: Arc<Core>,
    /// `<deployment>.replies`, interned once.
    topic: Arc<str>,
    secret: Vec<u8>,
    ttl: Duration,
}

pub(crate) fn router(core: Arc<Core>, config: &IngestConfig) -> Router {
    let state = Arc::new(Replies {
        core,
        topic: Arc::from(config.deployment.replies_topic()),
        secret: config.reply_secret.expose().as_bytes().to_vec(),
        ttl: config.reply_ttl.max(Duration::from_secs(1)),
    });
    Router::new()
        .route(REQUESTS_PATH, post(request))
        .route(REPLIES_PATH, post(reply))
        .with_state(state)
}

impl Replies {
    fn secret(&self) -> Result<&[u8], IngestError> {
        if self.secret.is_empty() {
            return Err(IngestError::Disabled(
                "request-reply is off on this ingest: set reply_secret (HERALD_REPLY_SECRET) to \
                 at least 32 random characters"
                    .to_owned(),
            ));
        }
        Ok(&self.secret)
    }
}

/// The query of a request.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RequestQuery {
    /// A topic of the same team the reply is also published to.
    reply_topic: Option<String>,
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Reads the one event of a request or reply body.
async fn one_event(core: &Core, headers: &HeaderMap, body: Body) -> Result<Draft, IngestError> {
    let bytes = read_body(core, body).await?;
    let (mut drafts, batch) = parse_request(headers, &bytes, core.limits().max_request_bytes)
        .inspect_err(|e| core.reject(Transport::Http, e, 1))?;
    if batch || drafts.len() != 1 {
        let e = IngestError::Invalid(
            "a request or reply is one event, not a batch: send a JSON object or one CloudEvent"
                .to_owned(),
        );
        core.reject(Transport::Http, &e, 1);
        return Err(e);
    }
    Ok(drafts.remove(0))
}

/// The event's own id, or a fresh UUIDv7 set on it, so the id is known before it is produced.
fn ensure_id(draft: &mut Draft) -> String {
    match draft.id.as_deref().filter(|i| !i.is_empty()) {
        Some(id) => id.to_owned(),
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            draft.id = Some(id.clone());
            id
        }
    }
}

fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Publishes a request: an event with `replyto` set, answered `202` with the reply id once
/// Kafka acknowledged it.
#[utoipa::path(post, path = "/v1/topics/{team}/{topic}/requests", tag = "ingest",
    params(
        ("team" = String, Path, description = "The team"),
        ("topic" = String, Path, description = "The topic the request is published to"),
        ("reply_topic" = Option<String>, Query, description = "A topic of the same team the caller may publish to: the reply is also published there, for streams and webhook subscriptions"),
    ),
    request_body(description = "One event: Herald's JSON form, a structured CloudEvent, or any body with ce-* headers (binary mode); no batches, no 'replyto' attribute",
        content(
            (ref("#/components/schemas/Event") = "application/json"),
            (ref("#/components/schemas/CloudEvent") = "application/cloudevents+json"),
        )),
    responses(
        (status = 202, description = "Published; the reply will be at Location", body = ref("#/components/schemas/RequestAnswer"),
            headers(("Location" = String, description = "/v1/replies/{reply_id}"))),
        (status = 400, description = "Invalid event, a batch, or a 'replyto' attribute", body = herald_runtime::ErrorBody),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not publish to the topic or to the reply topic", body = herald_runtime::ErrorBody),
        (status = 404, description = "No such topic or reply topic", body = herald_runtime::ErrorBody),
        (status = 413, description = "Body too large", body = herald_runtime::ErrorBody),
        (status = 422, description = "The topic enforces the event-type catalog: unknown type or data failing its schema", body = herald_runtime::ErrorBody),
        (status = 415, description = "Unsupported content type or encoding", body = herald_runtime::ErrorBody),
        (status = 503, description = "Request-reply is off (no reply_secret), or Kafka is unavailable", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn request(
    State(state): State<Arc<Replies>>,
    Path((team, topic)): Path<(String, String)>,
    query: Result<Query<RequestQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let core = &state.core;
    match publish_request(&state, &team, &topic, query, &headers, body).await {
        Ok(answer) => answer,
        Err(e) => error_response(core, &e),
    }
}

async fn publish_request(
    state: &Replies,
    team: &str,
    topic: &str,
    query: Result<Query<RequestQuery>, QueryRejection>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, IngestError> {
    let core = &state.core;
    let secret = state.secret()?;
    let Query(query) = query.map_err(|e| IngestError::Invalid(format!("invalid query: {e}")))?;
    let authorization = header_text(headers, header::AUTHORIZATION.as_str());
    let kafka_topic = core.authorize(Transport::Http, authorization, team, topic, 1)?;
    let reply_topic = query.reply_topic.filter(|t| !t.is_empty());
    if let Some(reply_topic) = &reply_topic {
        // The reply is published there later on the strength of the reply id alone, so the
        // requester must be allowed to publish there now.
        core.authorize(Transport::Http, authorization, team, reply_topic, 1)
            .map_err(|e| match e {
                IngestError::NotFound(m) => IngestError::NotFound(format!("reply_topic: {m}")),
                other => other,
            })?;
    }
    let mut draft = one_event(core, headers, body).await?;
    if draft.extensions.contains_key(REPLY_TO_ATTRIBUTE) {
        return Err(IngestError::Invalid(format!(
            "invalid attribute '{REPLY_TO_ATTRIBUTE}': Herald sets it on requests; leave it out"
        )));
    }
    let request_id = ensure_id(&mut draft);
    let expires_at = now_secs().saturating_add(state.ttl.as_secs() as i64);
    let claims = ReplyClaims {
        team: team.to_owned(),
        request_id: request_id.clone(),
        reply_topic,
        expires_at,
    };
    let reply_id = reply::mint(secret, uuid::Uuid::new_v4().into_bytes(), &claims)
        .map_err(|e| IngestError::Invalid(format!("cannot make a reply id: {e}")))?;
    let location = format!("{REPLIES_PATH_PREFIX}{reply_id}");
    draft
        .extensions
        .insert(REPLY_TO_ATTRIBUTE.to_owned(), location.clone());
    let results = core
        .publish_to(
            Transport::Http,
            &kafka_topic,
            header_text(headers, TRACEPARENT_HEADER),
            team,
            topic,
            vec![draft],
            false,
        )
        .await?;
    let receipt = results
        .into_iter()
        .next()
        .ok_or_else(|| IngestError::Internal("no outcome".into()))??;
    let mut response = (
        StatusCode::ACCEPTED,
        axum::Json(json!({
            "id": receipt.id,
            "reply_id": reply_id,
            "location": location,
            "expires_at": expires_at,
            "partition": receipt.partition,
            "offset": receipt.offset,
            "duplicate": receipt.duplicate,
        })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Takes the reply to a request. The reply id is the credential: no API key.
#[utoipa::path(post, path = "/v1/replies/{reply_id}", tag = "ingest",
    params(("reply_id" = String, Path, description = "The reply id from the request's replyto attribute")),
    request_body(description = "One event: Herald's JSON form, a structured CloudEvent, or any body with ce-* headers (binary mode)",
        content(
            (ref("#/components/schemas/Event") = "application/json"),
            (ref("#/components/schemas/CloudEvent") = "application/cloudevents+json"),
        )),
    responses(
        (status = 202, description = "The reply is stored (and published to the reply topic, if the request named one)", body = ref("#/components/schemas/ReplyAnswer")),
        (status = 400, description = "Invalid event, or a batch", body = herald_runtime::ErrorBody),
        (status = 403, description = "Not a reply id of this Herald, or altered", body = herald_runtime::ErrorBody),
        (status = 404, description = "The reply topic no longer exists", body = herald_runtime::ErrorBody),
        (status = 410, description = "The reply id expired", body = herald_runtime::ErrorBody),
        (status = 413, description = "Body too large", body = herald_runtime::ErrorBody),
        (status = 415, description = "Unsupported content type or encoding", body = herald_runtime::ErrorBody),
        (status = 503, description = "Request-reply is off (no reply_secret), or Kafka is unavailable", body = herald_runtime::ErrorBody),
    ),
    security(()))]
pub(crate) async fn reply(
    State(state): State<Arc<Replies>>,
    Path(reply_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match publish_reply(&state, &reply_id, &headers, body).await {
        Ok(answer) => answer,
        Err(e) => error_response(&state.core, &e),
    }
}

async fn publish_reply(
    state: &Replies,
    reply_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, IngestError> {
    let core = &state.core;
    let secret = state.secret()?;
    let claims = reply::verify(secret, reply_id, now_secs())
        .map_err(|e| match e {
            ReplyIdError::Expired(_) => IngestError::Gone(e.to_string()),
            ReplyIdError::Invalid | ReplyIdError::TooLong(_) => {
                IngestError::BadReplyId(e.to_string())
            }
        })
        .inspect_err(|e| core.reject(Transport::Http, e, 1))?;
    let mut draft = one_event(core, headers, body).await?;
    match draft.extensions.get(CORRELATION_ATTRIBUTE) {
        Some(given) if *given != claims.request_id => {
            return Err(IngestError::Invalid(format!(
                "invalid attribute '{CORRELATION_ATTRIBUTE}': {given:?} is not the request's id \
                 {:?}; leave it out and Herald sets it",
                claims.request_id
            )));
        }
        _ => {}
    }
    draft
        .extensions
        .insert(CORRELATION_ATTRIBUTE.to_owned(), claims.request_id.clone());
    let id = ensure_id(&mut draft);
    let team = claims.team.as_str();
    let source_topic = claims.reply_topic.as_deref().unwrap_or("replies");
    let traceparent = header_text(headers, TRACEPARENT_HEADER);
    // Resolved before anything is written, so a vanished reply topic refuses the reply whole.
    let reply_topic = claims
        .reply_topic
        .as_deref()
        .map(|t| core.existing_topic(team, t).map(|k| (t, k)))
        .transpose()?;
    let replies = state.topic.clone();
    let stored = core
        .publish_one(
            &replies,
            traceparent,
            (team, source_topic),
            Draft {
                key: Some(reply_id.to_owned()),
                ..draft.clone()
            },
            &[(TEAM_HEADER, team)],
        )
        .await?;
    let mut answer = json!({
        "id": id,
        "correlationid": claims.request_id,
        "duplicate": stored.duplicate,
    });
    if let Some((topic, kafka_topic)) = reply_topic {
        let published = core
            .publish_one(&kafka_topic, traceparent, (team, topic), draft, &[])
            .await?;
        answer["reply_topic"] = json!({
            "topic": topic,
            "partition": published.partition,
            "offset": published.offset,
        });
    }
    Ok((StatusCode::ACCEPTED, axum::Json(answer)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_runtime::prometheus_client::registry::Registry;

    fn replies(secret: &str) -> Arc<Replies> {
        let config = IngestConfig::default();
        let (_publisher, view) = herald_watch::ConfigPublisher::new();
        let metrics = crate::metrics::Metrics::new(&mut Registry::default());
        Arc::new(Replies {
            core: Arc::new(Core::new(&config, view, metrics).unwrap()),
            topic: Arc::from(config.deployment.replies_topic()),
            secret: secret.as_bytes().to_vec(),
            ttl: Duration::from_secs(60),
        })
    }

    async fn message(response: Response) -> (StatusCode, String) {
        use http_body_util::BodyExt as _;
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        (
            status,
            body["message"].as_str().unwrap_or_default().to_owned(),
        )
    }

    fn event() -> Body {
        Body::from(r#"{"type":"t","data":1}"#)
    }

    #[tokio::test]
    async fn without_a_reply_secret_both_routes_say_request_reply_is_off() {
        let off = replies("");
        let path = Path(("demo".to_owned(), "events".to_owned()));
        let answer = request(
            State(off.clone()),
            path,
            Ok(Query(RequestQuery::default())),
            HeaderMap::new(),
            event(),
        )
        .await;
        let (status, m) = message(answer).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(m.contains("HERALD_REPLY_SECRET"), "{m}");
        let answer = reply(State(off), Path("x".into()), HeaderMap::new(), event()).await;
        assert_eq!(message(answer).await.0, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn forged_and_expired_reply_ids_are_refused_before_anything_is_written() {
        const SECRET: &str = "a reply secret of at least 32 characters";
        let on = replies(SECRET);
        let claims = ReplyClaims {
            team: "demo".into(),
            request_id: "r1".into(),
            reply_topic: None,
            expires_at: now_secs() - 1,
        };
        let expired = reply::mint(SECRET.as_bytes(), [1; 16], &claims).unwrap();
        let answer = reply(State(on.clone()), Path(expired), HeaderMap::new(), event()).await;
        let (status, m) = message(answer).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(m.contains("expired"), "{m}");

        let forged = reply::mint(
            b"guessed",
            [1; 16],
            &ReplyClaims {
                expires_at: now_secs() + 60,
                ..claims
            },
        )
        .unwrap();
        let answer = reply(State(on), Path(forged), HeaderMap::new(), event()).await;
        let (status, m) = message(answer).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(m.contains("invalid reply id"), "{m}");
    }
}
