//! Pull: `GET /v1/topics/{team}/{topic}/events` answers with the events after a cursor (the
//! stream's JSON frames, see `wire`), long-polling when nothing is new; and the named consumers
//! whose position the server keeps (`consumers`): create, pull as a member, commit, leave.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use serde::Deserialize;

use crate::EdgeError;
use crate::consumers::check_name;
use crate::cursor::Cursor;
use crate::http::{AppState, StreamQuery, admit, open_stream};
use crate::wire::Wire;

/// Most events in one pull answer.
const MAX_PULL: usize = 1000;
/// Longest long-poll.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// How long a pull whose position is behind the topic's end may take to read the first events,
/// whatever its `wait`: there is something to answer with.
const BEHIND_WAIT: Duration = Duration::from_secs(10);

/// The query of a pull request.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PullQuery {
    cursor: Option<String>,
    limit: Option<usize>,
    wait: Option<String>,
    types: Option<String>,
    filter: Option<String>,
    since: Option<String>,
    start: Option<String>,
    access_token: Option<String>,
    consumer: Option<String>,
    member: Option<String>,
}

/// `wait`: humantime (`500ms`, `10s`) or whole seconds, at most [`MAX_WAIT`].
pub(crate) fn parse_wait(wait: Option<&str>) -> Result<Duration, EdgeError> {
    let Some(text) = wait.map(str::trim).filter(|w| !w.is_empty()) else {
        return Ok(Duration::ZERO);
    };
    let wait = match text.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => herald_runtime::duration::parse(text).map_err(|e| {
            EdgeError::BadRequest(format!(
                "invalid wait {text:?}: {e} (use 10s, 500ms or seconds)"
            ))
        })?,
    };
    if wait > MAX_WAIT {
        return Err(EdgeError::BadRequest(format!(
            "wait {text:?} is longer than {}s",
            MAX_WAIT.as_secs()
        )));
    }
    Ok(wait)
}

/// Reads a topic's events from a cursor: up to `limit`, long-polling up to `wait` when nothing is
/// new. The events are the WebSocket frames' JSON objects; `next_cursor` resumes after them on
/// any transport.
#[utoipa::path(get, path = "/v1/topics/{team}/{topic}/events", tag = "edge",
    params(
        ("team" = String, Path, description = "The topic's team"),
        ("topic" = String, Path, description = "The topic"),
        ("cursor" = Option<String>, Query, description = "Continue after this cursor (a next_cursor, or any stream's id)"),
        ("limit" = Option<usize>, Query, description = "Most events in the answer (default 100, at most 1000)"),
        ("wait" = Option<String>, Query, description = "Long-poll this long when nothing is new (10s, 500ms; at most 30s; default 0)"),
        ("types" = Option<String>, Query, description = "Comma-separated event types or prefixes (order.*)"),
        ("filter" = Option<String>, Query, description = "Payload filter expression over the event's attributes and data (docs/catalog.md)"),
        ("since" = Option<String>, Query, description = "Without a cursor: start at this time (RFC 3339 or unix ms)"),
        ("start" = Option<String>, Query, description = "Without a cursor: earliest (default) or now"),
        ("access_token" = Option<String>, Query, description = "A token from the stream token route"),
        ("consumer" = Option<String>, Query, description = "A named consumer: read from its committed position, only its member's partitions"),
        ("member" = Option<String>, Query, description = "This puller's member of the named consumer (default `default`)"),
    ),
    responses(
        (status = 200, description = "Events and the cursor after them", body = ref("#/components/schemas/PullAnswer")),
        (status = 400, description = "Invalid query or cursor", body = herald_runtime::ErrorBody),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not subscribe to the topic", body = herald_runtime::ErrorBody),
        (status = 404, description = "No such topic, or no such named consumer", body = herald_runtime::ErrorBody),
        (status = 409, description = "The member reads another topic", body = herald_runtime::ErrorBody),
        (status = 429, description = "Too many streams for this key", body = herald_runtime::ErrorBody),
        (status = 503, description = "Not ready, or too many streams on this node", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = []), ()))]
pub(crate) async fn pull(
    State(state): State<Arc<AppState>>,
    Path((team, topic)): Path<(String, String)>,
    query: Result<Query<PullQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, EdgeError> {
    let Query(q) = query.map_err(|e| EdgeError::BadRequest(format!("invalid query: {e}")))?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_PULL).contains(&limit) {
        return Err(EdgeError::BadRequest(format!(
            "limit must be between 1 and {MAX_PULL}"
        )));
    }
    let wait = parse_wait(q.wait.as_deref())?;
    let member = match q.consumer.as_deref() {
        Some(name) => {
            let member = q.member.as_deref().unwrap_or("default");
            Some(member_start(&state, &headers, &q, (&team, name, member), &topic).await?)
        }
        None => None,
    };
    let partitions: Option<Vec<i32>> = member.as_ref().map(|m| m.keys().copied().collect());
    let stream_query = StreamQuery {
        types: q.types,
        filter: q.filter,
        since: q.since,
        // A puller without a cursor wants what the topic holds.
        start: q.start.or_else(|| Some("earliest".into())),
        last_event_id: if member.is_some() { None } else { q.cursor },
        access_token: q.access_token,
        limit: Some(limit),
        member,
    };
    let mut stream = open_stream(
        &state,
        Wire::Pull,
        &team,
        &topic,
        stream_query,
        &headers,
        None,
    )
    .await?;
    state.hub.metrics.pulls.inc();
    let start = tokio::time::Instant::now();
    let mut events = BytesMut::new();
    loop {
        // Wait for the first events (longer when the position is known to be behind the end),
        // then take only what is ready at once.
        let deadline = if stream.delivered() > 0 {
            tokio::time::Instant::now()
        } else if stream.behind() {
            start + wait.max(BEHIND_WAIT)
        } else {
            start + wait
        };
        // A timeout polls the chunk before its deadline: what is ready is always taken.
        match tokio::time::timeout_at(deadline, stream.next_chunk()).await {
            Ok(Some(chunk)) => events.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    let mut body = BytesMut::with_capacity(events.len() + 64);
    body.extend_from_slice(b"{\"events\":[");
    body.extend_from_slice(events.strip_prefix(b",").unwrap_or(&events));
    body.extend_from_slice(b"],\"next_cursor\":\"");
    body.extend_from_slice(stream.cursor().as_bytes());
    body.extend_from_slice(b"\"");
    if let Some(partitions) = partitions {
        body.extend_from_slice(b",\"partitions\":");
        body.extend_from_slice(
            serde_json::to_string(&partitions)
                .unwrap_or_default()
                .as_bytes(),
        );
    }
    body.extend_from_slice(b"}");
    Ok(([(header::CONTENT_TYPE, "application/json")], body.freeze()).into_response())
}

/// Where a named consumer's member starts: its partitions, each at the puller's cursor or the
/// committed offset.
async fn member_start(
    state: &AppState,
    headers: &HeaderMap,
    q: &PullQuery,
    (team, name, member): (&str, &str, &str),
    topic: &str,
) -> Result<BTreeMap<i32, i64>, EdgeError> {
    check_name("consumer", name)?;
    check_name("member", member)?;
    let admitted = admit(state, headers, q.access_token.as_deref(), team, topic)?;
    let cursor = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| own_cursor(c, admitted.tag))
        .transpose()?;
    let m = state
        .consumers
        .member((team, name, member), topic, &admitted.kafka_topic)?;
    let owned = m.partitions().await?;
    let committed = m.committed(&owned).await?;
    if !owned.is_empty() && committed.iter().all(|(_, o)| o.is_none()) {
        state.consumers.leave(team, name, member);
        return Err(EdgeError::NotFound(format!(
            "consumer {name} has no position on {team}/{topic}: create it with POST \
             /v1/teams/{team}/consumers"
        )));
    }
    Ok(committed
        .into_iter()
        .map(|(p, o)| {
            let from_cursor = cursor.as_ref().and_then(|c| c.offsets.get(&p).copied());
            (p, from_cursor.or(o).unwrap_or(0))
        })
        .collect())
}

/// A cursor of the topic tagged `tag`.
fn own_cursor(text: &str, tag: crate::TopicTag) -> Result<Cursor, EdgeError> {
    let cursor = Cursor::decode(text).map_err(|e| EdgeError::BadRequest(e.to_string()))?;
    if cursor.topic.is_some_and(|t| t != tag) {
        return Err(EdgeError::BadRequest(
            "invalid cursor: it belongs to another topic, or to an earlier topic of this name"
                .into(),
        ));
    }
    Ok(cursor)
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, EdgeError> {
    body.map(|Json(b)| b)
        .map_err(|e| EdgeError::BadRequest(format!("invalid body: {}", e.body_text())))
}

/// `POST /v1/teams/{team}/consumers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewConsumer {
    name: String,
    topic: String,
    #[serde(default)]
    start: Option<String>,
}

/// Creates a named consumer of one of the team's topics (idempotent: an existing consumer keeps
/// its position).
#[utoipa::path(post, path = "/v1/teams/{team}/consumers", tag = "edge",
    params(("team" = String, Path, description = "The team")),
    request_body(content = ref("#/components/schemas/NewConsumer"), content_type = "application/json"),
    responses(
        (status = 201, description = "Created at its start", body = ref("#/components/schemas/ConsumerPosition")),
        (status = 200, description = "It existed: its position", body = ref("#/components/schemas/ConsumerPosition")),
        (status = 400, description = "Invalid name or start", body = herald_runtime::ErrorBody),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not read the topic", body = herald_runtime::ErrorBody),
        (status = 404, description = "No such topic", body = herald_runtime::ErrorBody),
        (status = 409, description = "Its group has active members", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn create_consumer(
    State(state): State<Arc<AppState>>,
    Path(team): Path<String>,
    headers: HeaderMap,
    body: Result<Json<NewConsumer>, JsonRejection>,
) -> Result<Response, EdgeError> {
    let new = json_body(body)?;
    check_name("consumer", &new.name)?;
    let earliest = match new.start.as_deref().unwrap_or("earliest") {
        "earliest" => true,
        "now" => false,
        other => {
            return Err(EdgeError::BadRequest(format!(
                "invalid start {other:?}: use earliest or now"
            )));
        }
    };
    let admitted = admit(&state, &headers, None, &team, &new.topic)?;
    let (positions, created) = state
        .consumers
        .create(&team, &new.name, &admitted.kafka_topic, earliest)
        .await?;
    let positions: BTreeMap<String, Option<i64>> = positions
        .into_iter()
        .map(|(p, o)| (p.to_string(), o))
        .collect();
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(serde_json::json!({
            "name": new.name,
            "topic": new.topic,
            "group_id": state.consumers.group_id(&team, &new.name),
            "created": created,
            "positions": positions,
        })),
    )
        .into_response())
}

/// `POST /v1/teams/{team}/consumers/{name}/commit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Commit {
    cursor: String,
    #[serde(default)]
    member: Option<String>,
}

/// Stores a member's progress: the cursor's offsets of the partitions the member owns.
#[utoipa::path(post, path = "/v1/teams/{team}/consumers/{name}/commit", tag = "edge",
    params(("team" = String, Path, description = "The team"), ("name" = String, Path, description = "The consumer")),
    request_body(content = ref("#/components/schemas/Commit"), content_type = "application/json"),
    responses(
        (status = 200, description = "Committed", body = ref("#/components/schemas/Committed")),
        (status = 400, description = "Invalid cursor or name", body = herald_runtime::ErrorBody),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not read the topic", body = herald_runtime::ErrorBody),
        (status = 409, description = "The member is not active on this node", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn commit(
    State(state): State<Arc<AppState>>,
    Path((team, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Json<Commit>, JsonRejection>,
) -> Result<Response, EdgeError> {
    let commit = json_body(body)?;
    let member = commit.member.as_deref().unwrap_or("default");
    check_name("consumer", &name)?;
    check_name("member", member)?;
    let m = state
        .consumers
        .active(&team, &name, member)
        .ok_or_else(|| {
            EdgeError::Conflict(format!(
                "member {member} of consumer {name} is not active on this edge node (members join \
             on a pull and leave after a while without one): pull, then commit"
            ))
        })?;
    let admitted = admit(&state, &headers, None, &team, &m.team_topic)?;
    let cursor = own_cursor(&commit.cursor, admitted.tag)?;
    let (committed, not_owned) = m.commit(&cursor.offsets).await?;
    let committed: BTreeMap<String, i64> = committed
        .into_iter()
        .map(|(p, o)| (p.to_string(), o))
        .collect();
    Ok(Json(serde_json::json!({ "committed": committed, "not_owned": not_owned })).into_response())
}

/// Makes a member leave its consumer's group now, so the others take its partitions at once.
#[utoipa::path(delete, path = "/v1/teams/{team}/consumers/{name}/members/{member}", tag = "edge",
    params(
        ("team" = String, Path, description = "The team"),
        ("name" = String, Path, description = "The consumer"),
        ("member" = String, Path, description = "The member"),
    ),
    responses(
        (status = 204, description = "Left"),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not read the topic", body = herald_runtime::ErrorBody),
        (status = 404, description = "Not active on this node", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn leave(
    State(state): State<Arc<AppState>>,
    Path((team, name, member)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, EdgeError> {
    let m = state
        .consumers
        .active(&team, &name, &member)
        .ok_or_else(|| {
            EdgeError::NotFound(format!(
                "member {member} of consumer {name} is not active on this edge node"
            ))
        })?;
    admit(&state, &headers, None, &team, &m.team_topic)?;
    state.consumers.leave(&team, &name, &member);
    Ok(StatusCode::NO_CONTENT.into_response())
}
