//! Delivery history and recovery: a subscription's attempts and dead letters (pages with an
//! opaque `next_cursor`), replays of dead letters and of a topic.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use herald_proto::v1::control_server::Control;
use herald_proto::v1::replay_topic_request::From as ReplayFrom;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiResult, Body, Params, Segments, Svc, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route(
            "/v1/teams/{team}/subscriptions/{id}/attempts",
            get(list_attempts),
        )
        .route(
            "/v1/teams/{team}/subscriptions/{id}/dead-letters",
            get(list_dead_letters),
        )
        .route(
            "/v1/teams/{team}/subscriptions/{id}/dead-letters/replay",
            post(replay_dead_letters),
        )
        .route("/v1/teams/{team}/topics/{topic}/replay", post(replay_topic))
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
// Query parameter types are not collected from the paths, so the filter is listed here.
#[openapi(
    paths(list_attempts, list_dead_letters, replay_dead_letters, replay_topic),
    components(schemas(OutcomeFilter))
)]
struct Doc;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum Outcome {
    /// The endpoint answered 2xx.
    Succeeded,
    /// Failed; handed to a retry tier.
    Retrying,
    /// Failed; parked as a dead letter.
    DeadLettered,
    /// Failed with 410 Gone: the subscription was disabled.
    Disabled,
    /// Not sent: the endpoint's circuit was open.
    ShortCircuited,
    /// Recorded by a version that did not say.
    Unknown,
}

impl Outcome {
    fn of(o: pb::AttemptOutcome) -> Self {
        match o {
            pb::AttemptOutcome::Succeeded => Self::Succeeded,
            pb::AttemptOutcome::Retrying => Self::Retrying,
            pb::AttemptOutcome::DeadLettered => Self::DeadLettered,
            pb::AttemptOutcome::Disabled => Self::Disabled,
            pb::AttemptOutcome::ShortCircuited => Self::ShortCircuited,
            pb::AttemptOutcome::Unspecified => Self::Unknown,
        }
    }
}

/// The outcomes `?status=` filters by (an outcome the record did not say cannot be asked for).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum OutcomeFilter {
    Succeeded,
    Retrying,
    DeadLettered,
    Disabled,
    ShortCircuited,
}

impl OutcomeFilter {
    fn proto(self) -> pb::AttemptOutcome {
        match self {
            Self::Succeeded => pb::AttemptOutcome::Succeeded,
            Self::Retrying => pb::AttemptOutcome::Retrying,
            Self::DeadLettered => pb::AttemptOutcome::DeadLettered,
            Self::Disabled => pb::AttemptOutcome::Disabled,
            Self::ShortCircuited => pb::AttemptOutcome::ShortCircuited,
        }
    }
}

/// One HTTP attempt to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Attempt {
    event_id: String,
    /// Where the event is: Kafka topic, partition and offset.
    source_topic: String,
    source_partition: i32,
    source_offset: i64,
    /// 1 for the first attempt.
    attempt: u32,
    outcome: Outcome,
    /// The endpoint's HTTP status; 0 when no response was received.
    response_status: i32,
    latency_ms: i64,
    /// Why it failed, when it did.
    error: String,
    /// The first bytes of the response body (at most 1 KiB).
    response_excerpt: String,
    /// The first bytes of the request body sent (at most 1 KiB); empty when nothing was sent.
    request_excerpt: String,
    /// When the attempt was made (unix ms).
    at_ms: i64,
    /// The endpoint, without credentials.
    url: String,
}

impl From<pb::AttemptRecord> for Attempt {
    fn from(a: pb::AttemptRecord) -> Self {
        Self {
            outcome: Outcome::of(a.outcome()),
            event_id: a.event_id,
            source_topic: a.source_topic,
            source_partition: a.source_partition,
            source_offset: a.source_offset,
            attempt: a.attempt,
            response_status: a.status,
            latency_ms: a.latency_ms,
            error: a.error,
            response_excerpt: a.response_excerpt,
            request_excerpt: a.request_excerpt,
            at_ms: a.at_ms,
            url: a.url,
        }
    }
}

/// Filters and page of `GET .../attempts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct AttemptQuery {
    /// Only attempts with this outcome.
    status: Option<OutcomeFilter>,
    /// Only attempts to deliver this event.
    event_id: Option<String>,
    /// Page size: default 50, at most 1000.
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of attempts, most recent first.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct AttemptPage {
    attempts: Vec<Attempt>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    next_cursor: Option<String>,
    /// True when more attempts exist than this page holds (a next page, or history older than
    /// the read reached).
    truncated: bool,
}

/// A dead-lettered delivery.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct DeadLetter {
    event_id: String,
    event_type: String,
    /// Where the event is: Kafka topic, partition and offset.
    source_topic: String,
    source_partition: i32,
    source_offset: i64,
    /// Attempts made.
    attempt: u32,
    /// The last attempt's HTTP status (0 = no response).
    last_status: i32,
    last_error: String,
    first_attempt_at_ms: i64,
    /// When it was dead-lettered (unix ms).
    dead_lettered_at_ms: i64,
    dead_letter_reason: String,
    /// When it was last replayed (unix ms); null if never.
    redriven_at_ms: Option<i64>,
    /// The event's content type.
    content_type: Option<String>,
    /// The event's payload, base64.
    data_base64: String,
    /// Where it sits in the dead-letter topic.
    dlq_partition: i32,
    dlq_offset: i64,
}

impl From<pb::DeliveryTask> for DeadLetter {
    fn from(t: pb::DeliveryTask) -> Self {
        let content_type = t
            .headers
            .iter()
            .find(|h| h.key.eq_ignore_ascii_case("content-type"))
            .and_then(|h| String::from_utf8(h.value.clone()).ok());
        Self {
            event_id: t.event_id,
            event_type: t.event_type,
            source_topic: t.source_topic,
            source_partition: t.source_partition,
            source_offset: t.source_offset,
            attempt: t.attempt,
            last_status: t.last_status,
            last_error: t.last_error,
            first_attempt_at_ms: t.first_attempt_at_ms,
            dead_lettered_at_ms: t.dead_lettered_at_ms,
            dead_letter_reason: t.dead_letter_reason,
            redriven_at_ms: (t.redriven_at_ms > 0).then_some(t.redriven_at_ms),
            content_type,
            data_base64: STANDARD.encode(&t.data),
            dlq_partition: t.dlq_partition,
            dlq_offset: t.dlq_offset,
        }
    }
}

/// Range and page of `GET .../dead-letters`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DeadLetterQuery {
    /// Only letters dead-lettered at or after this time (unix ms).
    since_ms: Option<i64>,
    /// Only letters dead-lettered before this time (unix ms).
    until_ms: Option<i64>,
    /// Page size: default 50, at most 1000.
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of dead letters, most recent first.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct DeadLetterPage {
    dead_letters: Vec<DeadLetter>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    next_cursor: Option<String>,
    /// True when more dead letters exist than this page holds (a next page, or letters older
    /// than the read reached).
    truncated: bool,
}

/// Which dead letters to send again.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReplayDeadLetters {
    /// Only these events; left out = every dead letter in the range.
    #[serde(default)]
    event_ids: Vec<String>,
    /// Only letters dead-lettered at or after this time (unix ms).
    #[serde(default)]
    since_ms: i64,
    /// Only letters dead-lettered before this time (unix ms).
    #[serde(default)]
    until_ms: i64,
    /// At most this many; left out = the server's bound.
    #[serde(default)]
    limit: u32,
    /// Also send letters already replayed once.
    #[serde(default)]
    include_redriven: bool,
}

/// Where a topic replay starts and where it goes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReplayTopic {
    /// The subscription that receives the events (only those its event filter accepts); the
    /// topic must be one of its topics.
    subscription_id: String,
    /// Start at the first event at or after this time (unix ms).
    from_time_ms: Option<i64>,
    /// Or start at this offset in every partition (clamped to the retained range).
    from_offset: Option<i64>,
    /// At most this many events; left out = the server's bound.
    #[serde(default)]
    limit: u32,
}

/// What a replay sent.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Replayed {
    /// Deliveries queued.
    replayed: u64,
    /// Records examined.
    scanned: u64,
    /// True when it stopped at its bound before the end: replay again for the rest.
    truncated: bool,
}

impl From<pb::ReplayResponse> for Replayed {
    fn from(r: pb::ReplayResponse) -> Self {
        Self {
            replayed: r.replayed,
            scanned: r.scanned,
            truncated: r.truncated,
        }
    }
}

fn cursor_of(token: String) -> Option<String> {
    (!token.is_empty()).then_some(token)
}

/// Lists a subscription's delivery attempts, most recent first, a page at a time.
#[utoipa::path(get, path = "/v1/teams/{team}/subscriptions/{id}/attempts", tag = "history",
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription"), AttemptQuery),
    responses(
        (status = 200, description = "A page of attempts", body = AttemptPage),
        (status = 400, description = "Invalid filter or cursor", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "May not read its deliveries", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn list_attempts(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
    Params(q): Params<AttemptQuery>,
) -> ApiResult<Response> {
    let r = svc
        .list_attempts(rpc(
            &headers,
            pb::ListAttemptsRequest {
                team,
                subscription_id: id,
                limit: q.limit.unwrap_or_default(),
                outcome: q.status.map_or(0, |s| s.proto() as i32),
                event_id: q.event_id.unwrap_or_default(),
                page_token: q.cursor.unwrap_or_default(),
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(AttemptPage {
        attempts: r.attempts.into_iter().map(Attempt::from).collect(),
        next_cursor: cursor_of(r.next_page_token),
        truncated: r.truncated,
    })
    .into_response())
}

/// Lists a subscription's dead letters, most recent first, a page at a time.
#[utoipa::path(get, path = "/v1/teams/{team}/subscriptions/{id}/dead-letters", tag = "history",
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription"), DeadLetterQuery),
    responses(
        (status = 200, description = "A page of dead letters", body = DeadLetterPage),
        (status = 400, description = "Invalid range or cursor", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "May not read its deliveries", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn list_dead_letters(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
    Params(q): Params<DeadLetterQuery>,
) -> ApiResult<Response> {
    let r = svc
        .list_dead_letters(rpc(
            &headers,
            pb::ListDeadLettersRequest {
                team,
                subscription_id: id,
                limit: q.limit.unwrap_or_default(),
                since_ms: q.since_ms.unwrap_or_default(),
                until_ms: q.until_ms.unwrap_or_default(),
                page_token: q.cursor.unwrap_or_default(),
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(DeadLetterPage {
        dead_letters: r.tasks.into_iter().map(DeadLetter::from).collect(),
        next_cursor: cursor_of(r.next_page_token),
        truncated: r.truncated,
    })
    .into_response())
}

/// Sends dead letters (by event id, or a time range) to the endpoint again (admin or portal).
#[utoipa::path(post, path = "/v1/teams/{team}/subscriptions/{id}/dead-letters/replay", tag = "history", request_body = ReplayDeadLetters,
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "What was replayed", body = Replayed),
        (status = 400, description = "Invalid range", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin or portal token of the team", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn replay_dead_letters(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
    Body(body): Body<ReplayDeadLetters>,
) -> ApiResult<Response> {
    let r = svc
        .replay_dead_letters(rpc(
            &headers,
            pb::ReplayDeadLettersRequest {
                team,
                subscription_id: id,
                since_ms: body.since_ms,
                until_ms: body.until_ms,
                limit: body.limit,
                include_redriven: body.include_redriven,
                event_ids: body.event_ids,
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(Replayed::from(r)).into_response())
}

/// Delivers a topic again to one subscription, from a time or an offset (admin).
#[utoipa::path(post, path = "/v1/teams/{team}/topics/{topic}/replay", tag = "history", request_body = ReplayTopic,
    params(("team" = String, Path, description = "The subscription's team"), ("topic" = String, Path, description = "A topic of the team, or `<team>.<topic>` for a granted one")),
    responses(
        (status = 200, description = "What was replayed", body = Replayed),
        (status = 400, description = "Neither or both of from_time_ms and from_offset", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 409, description = "The subscription does not receive the topic", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn replay_topic(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, topic)): Segments<(String, String)>,
    Body(body): Body<ReplayTopic>,
) -> ApiResult<Response> {
    let from = match (body.from_time_ms, body.from_offset) {
        (Some(t), None) => Some(ReplayFrom::FromTimeMs(t)),
        (None, Some(o)) => Some(ReplayFrom::FromOffset(o)),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "give either from_time_ms or from_offset, not both",
            ));
        }
    };
    let r = svc
        .replay_topic(rpc(
            &headers,
            pb::ReplayTopicRequest {
                team,
                subscription_id: body.subscription_id,
                topic,
                from,
                limit: body.limit,
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(Replayed::from(r)).into_response())
}
