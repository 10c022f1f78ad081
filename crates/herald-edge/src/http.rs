//! HTTP routes: `GET /v1/streams/{team}/{topic}` (SSE, or a WebSocket upgrade) and
//! `POST /v1/streams/{team}/{topic}/token`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::BytesMut;
use herald_watch::{Action, AuthError, Authenticator, ConfigHandle, Principal, View, check_expiry};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::consumers::Consumers;
use crate::cursor::{Cursor, TopicTag, encode_positions};
use crate::guard::Guard;
use crate::hub::{Client, ConnKill, Filter, Hub, TopicReader};
use crate::limits::Limits;
use crate::stream::{Admission, EventStream};
use crate::token::{self, Claims};
use crate::wire::Wire;
use crate::{EdgeConfig, EdgeError, pull, sse, ws};

/// Most `?types=` filters per stream.
const MAX_FILTERS: usize = 64;

pub(crate) struct AppState {
    pub hub: Arc<Hub>,
    pub view: ConfigHandle,
    pub auth: Authenticator,
    pub limits: Limits,
    pub token_secret: Vec<u8>,
    pub token_ttl: Duration,
    pub retry_ms: u64,
    pub cors: Cors,
    /// The bounds of the hyper path's WebSockets: a peer silent for two heartbeats and a bit
    /// is closed, and connections may take the drain grace to close after shutdown.
    pub ws: ws::Limits,
    /// Upgraded WebSocket connections of the hyper path, waited for on shutdown.
    pub upgraded: tokio_util::task::TaskTracker,
    /// Named consumers' members on this node.
    pub consumers: Arc<Consumers>,
}

/// The routes, with CORS as configured.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let cors = state.cors.layer();
    let router = Router::new()
        .route("/v1/streams/{team}/{topic}", get(stream))
        .route("/v1/streams/{team}/{topic}/token", post(mint))
        .route("/v1/topics/{team}/{topic}/events", get(pull::pull))
        .route("/v1/teams/{team}/consumers", post(pull::create_consumer))
        .route(
            "/v1/teams/{team}/consumers/{name}/commit",
            post(pull::commit),
        )
        .route(
            "/v1/teams/{team}/consumers/{name}/members/{member}",
            axum::routing::delete(pull::leave),
        )
        .with_state(state);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// The response headers of a stream (besides CORS and framing), on both HTTP paths.
pub(crate) const STREAM_HEADERS: [(header::HeaderName, &str); 3] = [
    (header::CONTENT_TYPE, "text/event-stream"),
    (header::CACHE_CONTROL, "no-cache"),
    (header::HeaderName::from_static("x-accel-buffering"), "no"),
];

/// The configured CORS origins: a `tower_http` layer for the routes, and the same headers for
/// the lean HTTP/1 stream path, which does not go through the layer.
pub(crate) enum Cors {
    Off,
    Any,
    List(Vec<HeaderValue>),
}

impl Cors {
    fn new(origins: &[String]) -> Self {
        if origins.is_empty() {
            Self::Off
        } else if origins.iter().any(|o| o == "*") {
            Self::Any
        } else {
            Self::List(
                origins
                    .iter()
                    .filter_map(|o| HeaderValue::from_str(o).ok())
                    .collect(),
            )
        }
    }

    fn layer(&self) -> Option<CorsLayer> {
        let origins = match self {
            Self::Off => return None,
            Self::Any => AllowOrigin::from(Any),
            Self::List(list) => AllowOrigin::list(list.iter().cloned()),
        };
        Some(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::HeaderName::from_static("last-event-id"),
                ])
                .max_age(Duration::from_secs(600)),
        )
    }

    /// What the layer adds to the answer of a non-preflight request from `origin`.
    pub fn headers(&self, origin: Option<&HeaderValue>) -> Vec<(header::HeaderName, HeaderValue)> {
        let allow = match self {
            Self::Off => return Vec::new(),
            Self::Any => Some(HeaderValue::from_static("*")),
            Self::List(list) => origin.filter(|o| list.contains(o)).cloned(),
        };
        let mut out = vec![(
            header::VARY,
            HeaderValue::from_static(
                "origin, access-control-request-method, access-control-request-headers",
            ),
        )];
        out.extend(allow.map(|v| (header::ACCESS_CONTROL_ALLOW_ORIGIN, v)));
        out
    }
}

/// The query of a stream request.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct StreamQuery {
    pub types: Option<String>,
    /// Payload filter expression (docs/catalog.md).
    pub filter: Option<String>,
    pub since: Option<String>,
    pub start: Option<String>,
    pub last_event_id: Option<String>,
    pub access_token: Option<String>,
    /// Most events to send (a pull's `limit`); not a query parameter of streams.
    #[serde(skip)]
    pub limit: Option<usize>,
    /// A named consumer's member: its partitions and where each starts (the others are not
    /// sent); not a query parameter of streams.
    #[serde(skip)]
    pub member: Option<BTreeMap<i32, i64>>,
}

fn auth_error(e: AuthError) -> EdgeError {
    EdgeError::Unauthorized(e.to_string())
}

fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Authenticates the caller of a stream by bearer header or `?access_token=`, returning the
/// principal and the label its limits are counted under.
fn authenticate(
    state: &AppState,
    view: &View,
    headers: &HeaderMap,
    access_token: Option<&str>,
    team: &str,
    topic: &str,
) -> Result<(Principal, String), EdgeError> {
    if let Some(token) = access_token.filter(|t| !t.is_empty()) {
        if state.token_secret.is_empty() {
            return Err(EdgeError::Unauthorized(
                "access tokens are disabled on this edge (no token_secret configured)".into(),
            ));
        }
        let claims = token::verify(&state.token_secret, token, now_secs())
            .map_err(|e| EdgeError::Unauthorized(e.to_string()))?;
        if claims.team != team || claims.topic != topic {
            return Err(EdgeError::Forbidden(format!(
                "permission denied: the access token is for {}/{}, not {team}/{topic}",
                claims.team, claims.topic
            )));
        }
        let principal = match claims.kid.as_str() {
            "root" => Principal::Root,
            "internal" => Principal::Internal,
            kid => {
                let key = view.keys.get(kid).ok_or_else(|| {
                    EdgeError::Unauthorized("the key behind this access token was revoked".into())
                })?;
                // A token never outlives the key it was minted for.
                check_expiry(key, herald_watch::now_ms()).map_err(auth_error)?;
                Principal::Key(key.clone())
            }
        };
        return Ok((principal, claims.kid));
    }
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let principal = state.auth.authenticate(view, header).map_err(auth_error)?;
    let label = key_label(&principal);
    Ok((principal, label))
}

fn key_label(principal: &Principal) -> String {
    match principal {
        Principal::Root => "root".into(),
        Principal::Internal => "internal".into(),
        Principal::Key(k) => k.id.clone(),
    }
}

/// The Kafka topic of `team/topic` and its identity.
fn kafka_topic(view: &View, team: &str, topic: &str) -> Result<(String, TopicTag), EdgeError> {
    let t = view
        .topic(team, topic)
        .ok_or_else(|| EdgeError::NotFound(format!("topic {team}/{topic} does not exist")))?;
    let name = if t.kafka_topic.is_empty() {
        format!("{team}.{topic}")
    } else {
        t.kafka_topic.clone()
    };
    let tag = TopicTag::of(&name, t.created_at_ms);
    Ok((name, tag))
}

/// A stream's filter from its `types` and `filter` parameters.
pub(crate) fn parse_filter(types: Option<&str>, expr: Option<&str>) -> Result<Filter, EdgeError> {
    let expr = crate::payload_filter::parse(expr).map_err(EdgeError::BadRequest)?;
    Ok(parse_types(types)?.with_expr(expr.map(Arc::new)))
}

fn parse_types(types: Option<&str>) -> Result<Filter, EdgeError> {
    let filters: Vec<String> = types
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if filters.len() > MAX_FILTERS {
        return Err(EdgeError::BadRequest(format!(
            "at most {MAX_FILTERS} types per stream"
        )));
    }
    if let Some(bad) = filters
        .iter()
        .find(|f| f.len() > 256 || f.trim_end_matches('*').contains('*'))
    {
        return Err(EdgeError::BadRequest(format!(
            "invalid type filter {bad:?}: use exact types or a trailing '*' (order.*)"
        )));
    }
    Ok(Filter::types(filters))
}

/// `since`: RFC 3339 or unix milliseconds.
fn parse_since(since: &str) -> Result<i64, EdgeError> {
    if let Ok(ms) = since.parse::<i64>() {
        return Ok(ms);
    }
    OffsetDateTime::parse(since, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            EdgeError::BadRequest(format!(
                "invalid since {since:?}: use RFC 3339 or unix milliseconds"
            ))
        })
}

enum Start {
    Cursor(Cursor),
    Since(i64),
    Earliest,
    Now,
    /// A named consumer's member: these partitions at these offsets, the others at the end.
    Member(BTreeMap<i32, i64>),
}

fn parse_start(headers: &HeaderMap, q: &StreamQuery) -> Result<Start, EdgeError> {
    if let Some(member) = &q.member {
        return Ok(Start::Member(member.clone()));
    }
    // The header wins: a browser reconnecting keeps the page's original URL (and its query).
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| q.last_event_id.clone())
        .filter(|s| !s.trim().is_empty());
    if let Some(text) = last_id {
        return Cursor::decode(&text)
            .map(Start::Cursor)
            .map_err(|e| EdgeError::BadRequest(e.to_string()));
    }
    if let Some(since) = q.since.as_deref().filter(|s| !s.is_empty()) {
        return parse_since(since).map(Start::Since);
    }
    match q.start.as_deref().unwrap_or("now") {
        "now" | "" => Ok(Start::Now),
        "earliest" => Ok(Start::Earliest),
        other => Err(EdgeError::BadRequest(format!(
            "invalid start {other:?}: use now or earliest"
        ))),
    }
}

/// Start positions of a stream and the ranges a cursor asked for that Kafka no longer has.
async fn resolve(
    reader: &TopicReader,
    start: &Start,
) -> Result<(Vec<i64>, Vec<(usize, i64, i64)>), EdgeError> {
    let mut gaps = Vec::new();
    let pos = match start {
        Start::Now => reader.now_positions(),
        Start::Earliest => reader
            .watermarks()
            .await?
            .into_iter()
            .map(|(low, _)| low)
            .collect(),
        Start::Since(ms) => reader.offsets_for_time(*ms).await?,
        Start::Member(starts) => {
            let marks = reader.watermarks().await?;
            let mut pos = Vec::with_capacity(marks.len());
            for (p, (low, high)) in marks.into_iter().enumerate() {
                pos.push(match starts.get(&(p as i32)).copied() {
                    None => high,
                    Some(o) if o < low => {
                        gaps.push((p, o, low));
                        low
                    }
                    Some(o) => o.min(high),
                });
            }
            pos
        }
        Start::Cursor(cursor) => {
            if let Some((&p, _)) = cursor
                .offsets
                .iter()
                .find(|(p, _)| **p as usize >= reader.partitions)
            {
                return Err(EdgeError::BadRequest(format!(
                    "invalid cursor (Last-Event-ID): partition {p} does not exist in this topic ({} partitions)",
                    reader.partitions
                )));
            }
            let marks = reader.watermarks().await?;
            let mut pos = Vec::with_capacity(marks.len());
            for (p, (low, high)) in marks.into_iter().enumerate() {
                let want = cursor.offsets.get(&(p as i32)).copied();
                pos.push(match want {
                    // A partition the cursor never saw (added later): all of it is new.
                    None => low,
                    Some(o) if o < low => {
                        gaps.push((p, o, low));
                        low
                    }
                    Some(o) if o > high => {
                        return Err(EdgeError::BadRequest(format!(
                            "invalid cursor (Last-Event-ID): partition {p} offset {o} is beyond the end of the topic ({high}); was the topic recreated?"
                        )));
                    }
                    Some(o) => o,
                });
            }
            pos
        }
    };
    Ok((pos, gaps))
}

/// `?...` of a stream request; the same parser (and messages) on both HTTP paths.
pub(crate) fn stream_query(
    query: Result<Query<StreamQuery>, QueryRejection>,
) -> Result<StreamQuery, EdgeError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| EdgeError::BadRequest(format!("invalid query: {e}")))
}

/// Streams a topic as server-sent events, resuming from `Last-Event-ID`; with `Upgrade:
/// websocket`, the same stream as WebSocket JSON text frames (module `ws`).
#[utoipa::path(get, path = "/v1/streams/{team}/{topic}", tag = "edge",
    params(
        ("team" = String, Path, description = "The topic's team"),
        ("topic" = String, Path, description = "The topic"),
        ("types" = Option<String>, Query, description = "Comma-separated event types or prefixes (order.*)"),
        ("filter" = Option<String>, Query, description = "Payload filter expression over the event's attributes and data (docs/catalog.md); skipped events still advance the cursor"),
        ("since" = Option<String>, Query, description = "Start at this time: RFC 3339 or unix ms"),
        ("start" = Option<String>, Query, description = "now (default) or earliest"),
        ("last_event_id" = Option<String>, Query, description = "Resume after this cursor (as the Last-Event-ID header)"),
        ("access_token" = Option<String>, Query, description = "A token from the token route, for clients without headers"),
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this cursor"),
    ),
    responses(
        (status = 200, description = "The stream", body = ref("#/components/schemas/EventStream"), content_type = "text/event-stream"),
        (status = 101, description = "Switched to a WebSocket (with `Upgrade: websocket`): JSON text frames `{id, type, time, data}`; see docs/streams.md"),
        (status = 400, description = "Invalid query or cursor", body = herald_runtime::ErrorBody),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not subscribe to the topic", body = herald_runtime::ErrorBody),
        (status = 404, description = "No such topic", body = herald_runtime::ErrorBody),
        (status = 429, description = "Too many streams for this key", body = herald_runtime::ErrorBody),
        (status = 503, description = "Not ready, or too many streams on this node", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = []), ()))]
pub(crate) async fn stream(
    State(state): State<Arc<AppState>>,
    Path((team, topic)): Path<(String, String)>,
    query: Result<Query<StreamQuery>, QueryRejection>,
    mut request: axum::extract::Request,
) -> Result<Response, EdgeError> {
    let q = stream_query(query)?;
    let kill = request.extensions().get::<ConnKill>().cloned();
    if ws::is_upgrade(request.headers()) {
        let accept = ws::handshake(request.headers())?;
        let on_upgrade = request
            .extensions_mut()
            .remove::<hyper::upgrade::OnUpgrade>()
            .ok_or_else(|| {
                EdgeError::BadRequest("a WebSocket needs an HTTP/1.1 connection".into())
            })?;
        let stream = open_stream(
            &state,
            Wire::Ws,
            &team,
            &topic,
            q,
            request.headers(),
            kill.clone(),
        )
        .await?;
        let served = state.clone();
        state.upgraded.spawn(async move {
            let Ok(upgraded) = on_upgrade.await else {
                return;
            };
            ws::serve(TokioIo::new(upgraded), stream, &served.ws).await;
        });
        return Ok(ws_accepted(&accept));
    }
    let sse = open_stream(&state, Wire::Sse, &team, &topic, q, request.headers(), kill).await?;
    let body = futures::stream::unfold(sse, |mut s| async move {
        s.next_chunk()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), s))
    });
    Ok((STREAM_HEADERS, axum::body::Body::from_stream(body)).into_response())
}

/// The `101 Switching Protocols` answer to a WebSocket handshake.
fn ws_accepted(accept: &str) -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = axum::http::StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    if let Ok(value) = HeaderValue::from_str(accept) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, value);
    }
    response
}

/// A caller allowed to read a topic.
pub(crate) struct Admitted {
    pub principal: Principal,
    /// What its limits are counted under.
    pub label: String,
    pub kafka_topic: String,
    pub tag: TopicTag,
}

/// Checks that the caller (bearer key or access token) may read `team/topic`.
pub(crate) fn admit(
    state: &AppState,
    headers: &HeaderMap,
    access_token: Option<&str>,
    team: &str,
    topic: &str,
) -> Result<Admitted, EdgeError> {
    if !state.view.is_synced() {
        return Err(EdgeError::Unavailable(
            "the edge has not received its configuration from the control plane yet".into(),
        ));
    }
    let view = state.view.current();
    let (principal, label) = authenticate(state, &view, headers, access_token, team, topic)?;
    principal
        .authorize(&view, Action::Subscribe { team, topic })
        .map_err(|e| EdgeError::Forbidden(e.to_string()))?;
    let (kafka_topic, tag) = kafka_topic(&view, team, topic)?;
    Ok(Admitted {
        principal,
        label,
        kafka_topic,
        tag,
    })
}

/// Everything of a stream request before the response starts: auth, limits, the start
/// position, the reader; shared by the hyper route and the lean HTTP/1 path.
pub(crate) async fn open_stream(
    state: &Arc<AppState>,
    wire: Wire,
    team: &str,
    topic: &str,
    q: StreamQuery,
    headers: &HeaderMap,
    kill: Option<ConnKill>,
) -> Result<EventStream, EdgeError> {
    let Admitted {
        principal,
        label,
        kafka_topic,
        tag,
    } = admit(state, headers, q.access_token.as_deref(), team, topic)?;
    let guard = Guard::new(state.view.clone(), &principal, team, topic);
    if let Some(reason) = guard.revoked() {
        return Err(EdgeError::Forbidden(format!("permission denied: {reason}")));
    }
    let mut filter = parse_filter(q.types.as_deref(), q.filter.as_deref())?;
    if let Some(member) = &q.member {
        filter = filter.only_partitions(&member.keys().copied().collect::<Vec<_>>());
    }
    // Most streams take every event: they share one filter rather than allocate one each.
    let filter = if filter.is_all() {
        state.hub.all.clone()
    } else {
        Arc::new(filter)
    };
    let start = parse_start(headers, &q)?;
    let fresh = !matches!(start, Start::Cursor(_));
    let slot = state.limits.acquire(&label)?;
    let hint = match &start {
        Start::Cursor(c) if c.topic.is_some_and(|t| t != tag) => {
            return Err(EdgeError::BadRequest(
                "invalid cursor (Last-Event-ID): it belongs to another topic, or to an earlier \
                 topic of this name that was deleted; its offsets mean nothing here, so start \
                 again with ?start=earliest, ?start=now or ?since="
                    .into(),
            ));
        }
        Start::Cursor(c) => Some(c.clone()),
        _ => None,
    };
    // A lingering reader may close (no stream for `reader_linger`) while this request waits
    // on Kafka: take a fresh one rather than end the new stream at once.
    let mut attempts = 0;
    let (reader, (pos, gaps)) = loop {
        let reader = state.hub.reader(&kafka_topic, tag, hint.as_ref()).await?;
        let resolved = resolve(&reader, &start).await?;
        attempts += 1;
        if !reader.is_closed() || attempts == 3 {
            break (reader, resolved);
        }
    };

    let mut preamble = BytesMut::with_capacity(256);
    wire.preamble(&mut preamble, state.retry_ms);
    // An access token names one client; a key may serve several, which then share the notice.
    let who: Arc<str> = match q.access_token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => {
            let digest = Sha256::digest(token.as_bytes());
            format!("token:{}", URL_SAFE_NO_PAD.encode(&digest[..12])).into()
        }
        None => slot.who().clone(),
    };
    // A pull answer has no room for the notice; the client's next stream gets it.
    let cut = (wire != Wire::Pull)
        .then(|| state.hub.cuts.take(&who, &kafka_topic))
        .flatten();
    if let Some(ago) = cut {
        let data = serde_json::json!({
            "reason": "slow_consumer",
            "previous": true,
            "seconds_ago": ago.as_secs(),
            "message": format!(
                "your previous stream of this topic was cut {}s ago for falling more than {} \
                 events behind; this stream resumes from the cursor you sent",
                ago.as_secs(),
                state.hub.settings.client_buffer
            ),
        });
        wire.notice(&mut preamble, sse::CUT, None, &data);
    }
    if !gaps.is_empty() {
        let ranges: Vec<_> = gaps
            .iter()
            .map(|(p, from, to)| serde_json::json!({ "partition": p, "from": from, "to": to, "count": to - from }))
            .collect();
        let data = serde_json::json!({
            "message": "the cursor points before what Kafka still retains; these offsets were skipped",
            "ranges": ranges,
        });
        let cursor = encode_positions(tag, &pos);
        wire.notice(&mut preamble, "herald.gap", Some(&cursor), &data);
    } else if fresh {
        // Give a fresh client a cursor at once so even a drop before its first event resumes
        // exactly where it started.
        wire.cursor(&mut preamble, &encode_positions(tag, &pos));
    }
    if wire == Wire::Ws {
        state.hub.metrics.ws_streams.inc();
    }
    Ok(EventStream::new(
        wire,
        state.hub.clone(),
        reader,
        filter,
        (pos, q.limit),
        preamble,
        Client { who, kill },
        Admission { slot, guard },
    ))
}

/// Mints a short-lived access token for one stream (for `EventSource`).
#[utoipa::path(post, path = "/v1/streams/{team}/{topic}/token", tag = "edge",
    params(("team" = String, Path, description = "The topic's team"), ("topic" = String, Path, description = "The topic")),
    responses(
        (status = 200, description = "The token", body = ref("#/components/schemas/StreamToken")),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not subscribe to the topic", body = herald_runtime::ErrorBody),
        (status = 404, description = "No such topic", body = herald_runtime::ErrorBody),
        (status = 503, description = "Tokens disabled, or not ready", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn mint(
    State(state): State<Arc<AppState>>,
    Path((team, topic)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, EdgeError> {
    if state.token_secret.is_empty() {
        return Err(EdgeError::Unavailable(
            "access tokens are disabled on this edge (no token_secret configured)".into(),
        ));
    }
    if !state.view.is_synced() {
        return Err(EdgeError::Unavailable(
            "the edge has not received its configuration from the control plane yet".into(),
        ));
    }
    let view = state.view.current();
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let principal = state.auth.authenticate(&view, header).map_err(auth_error)?;
    principal
        .authorize(
            &view,
            Action::Subscribe {
                team: &team,
                topic: &topic,
            },
        )
        .map_err(|e| EdgeError::Forbidden(e.to_string()))?;
    kafka_topic(&view, &team, &topic)?;
    let exp = now_secs() + state.token_ttl.as_secs() as i64;
    let claims = Claims {
        kid: key_label(&principal),
        team,
        topic,
        exp,
    };
    let token = token::mint(&state.token_secret, &claims);
    Ok(Json(serde_json::json!({
        "token": token,
        "expires_at": exp,
        "expires_in": state.token_ttl.as_secs(),
    }))
    .into_response())
}

/// Builds the shared state from the config.
pub(crate) fn state(
    config: &EdgeConfig,
    hub: Arc<Hub>,
    view: ConfigHandle,
    limits: Limits,
    consumers: Arc<Consumers>,
) -> AppState {
    let non_empty = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let shutdown = hub.shutdown.clone();
    AppState {
        hub,
        view,
        auth: Authenticator::new(
            non_empty(config.root_key.expose()).as_deref(),
            non_empty(config.internal_token.expose()).as_deref(),
        ),
        limits,
        token_secret: config.token_secret.expose().as_bytes().to_vec(),
        token_ttl: config.token_ttl.max(Duration::from_secs(1)),
        retry_ms: config
            .client_retry
            .as_millis()
            .try_into()
            .unwrap_or(u64::MAX),
        cors: Cors::new(&config.cors_origins),
        ws: ws::Limits {
            dead_after: config.heartbeat() * 2 + Duration::from_secs(5),
            shutdown,
            drain_grace: config.shutdown_grace,
        },
        upgraded: tokio_util::task::TaskTracker::new(),
        consumers,
    }
}
