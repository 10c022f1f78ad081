//! What the web console calls besides the resources: `GET /v1/whoami`, portal tokens, a
//! subscription's health and test events.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use herald_proto::v1::control_server::Control;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::history::Attempt;
use super::keys::{ApiKey, Scope};
use super::{ApiError, ApiResult, OptionalBody, Params, Segments, Svc, created, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route("/v1/whoami", get(who_am_i))
        .route("/v1/teams/{team}/portal-tokens", post(create_portal_token))
        .route(
            "/v1/teams/{team}/subscriptions/{id}/health",
            get(subscription_health),
        )
        .route(
            "/v1/teams/{team}/subscriptions/{id}/test",
            post(send_test_event),
        )
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(who_am_i, create_portal_token, subscription_health, send_test_event))]
struct Doc;

/// The kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum PrincipalKind {
    /// The configured root key.
    Root,
    /// Herald's internal service token.
    Internal,
    /// A team's API key (a portal token too).
    Key,
}

/// Who the caller is and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct WhoAmI {
    principal: PrincipalKind,
    /// The key's team; null for root and internal.
    team: Option<String>,
    /// The key's id; null for root and internal.
    key_id: Option<String>,
    /// The key's name; null for root and internal.
    name: Option<String>,
    /// The key's scopes; empty for root and internal (which are not scoped).
    scopes: Vec<Scope>,
    /// The key's topic restriction; empty = every topic of the team.
    topics: Vec<String>,
    /// When the key stops working (unix ms); 0 = never.
    expires_at_ms: i64,
    /// A portal token (manages the team's subscriptions, reads its deliveries).
    portal: bool,
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

impl From<pb::WhoAmIResponse> for WhoAmI {
    fn from(r: pb::WhoAmIResponse) -> Self {
        let principal = match r.principal() {
            pb::PrincipalKind::Root => PrincipalKind::Root,
            pb::PrincipalKind::Internal => PrincipalKind::Internal,
            pb::PrincipalKind::Key | pb::PrincipalKind::Unspecified => PrincipalKind::Key,
        };
        Self {
            principal,
            scopes: r.scopes.iter().filter_map(|s| Scope::of(*s)).collect(),
            team: non_empty(r.team),
            key_id: non_empty(r.key_id),
            name: non_empty(r.name),
            topics: r.topics,
            expires_at_ms: r.expires_at_ms,
            portal: r.portal,
        }
    }
}

/// A portal token to mint.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreatePortalToken {
    /// Lifetime in ms: default 3600000 (1 h), at least 60000, at most 86400000 (24 h).
    ttl_ms: Option<i64>,
    /// A name for people; default "portal".
    name: Option<String>,
}

/// A new portal token: the token itself is shown only in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct PortalToken {
    /// The token (`hk_...`), for `Authorization: Bearer`. Shown once.
    token: String,
    /// The key behind it, as the keys API lists it; revoke it there to end the token early.
    key: ApiKey,
    /// When the token stops working (unix ms).
    expires_at_ms: i64,
    /// Where the web console opens the team's portal with this token.
    console_path: String,
}

/// The window of `GET .../health`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct HealthQuery {
    /// The window ending now, in ms: default 3600000 (1 h), at least 60000, at most 604800000
    /// (7 days).
    window_ms: Option<i64>,
}

/// The endpoint's circuit breaker, as the attempt log shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum Circuit {
    /// Attempts are sent.
    Closed,
    /// The newest attempt was short-circuited: attempts are not sent for now.
    Open,
}

/// One twelfth of the window.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Bucket {
    /// The bucket's start (unix ms).
    start_ms: i64,
    succeeded: u64,
    failed: u64,
    /// Median response time of the bucket's sent attempts; null when there were none.
    latency_p50_ms: Option<i64>,
}

/// A subscription's delivery health over a window ending now, from its attempt log.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Health {
    window_ms: i64,
    /// The window's start (unix ms).
    since_ms: i64,
    /// Attempts in the window, short-circuited ones included.
    attempts: u64,
    succeeded: u64,
    /// Sent and not delivered (retrying, dead-lettered, disabled).
    failed: u64,
    /// Not sent: the circuit was open.
    short_circuited: u64,
    /// succeeded / (succeeded + failed), 0 to 1; null when nothing was sent.
    success_rate: Option<f64>,
    latency_p50_ms: Option<i64>,
    latency_p99_ms: Option<i64>,
    /// Inferred from the attempt log: open when the newest attempt was short-circuited.
    circuit: Circuit,
    /// Since when the circuit is in that state as far as the log shows (unix ms); 0 without
    /// attempts.
    circuit_since_ms: i64,
    /// Up to 5 newest failed attempts, newest first.
    last_errors: Vec<Attempt>,
    /// 12 equal buckets covering the window, oldest first.
    buckets: Vec<Bucket>,
    /// True when the scan's bound stopped before the window's start (older attempts of the
    /// window were not counted).
    truncated: bool,
}

impl From<pb::SubscriptionHealth> for Health {
    fn from(h: pb::SubscriptionHealth) -> Self {
        Self {
            window_ms: h.window_ms,
            since_ms: h.since_ms,
            attempts: h.attempts,
            succeeded: h.succeeded,
            failed: h.failed,
            short_circuited: h.short_circuited,
            success_rate: h.success_rate,
            latency_p50_ms: h.latency_p50_ms,
            latency_p99_ms: h.latency_p99_ms,
            circuit: if h.circuit_open {
                Circuit::Open
            } else {
                Circuit::Closed
            },
            circuit_since_ms: h.circuit_since_ms,
            last_errors: h.last_errors.into_iter().map(Attempt::from).collect(),
            buckets: h
                .buckets
                .into_iter()
                .map(|b| Bucket {
                    start_ms: b.start_ms,
                    succeeded: b.succeeded,
                    failed: b.failed,
                    latency_p50_ms: b.latency_p50_ms,
                })
                .collect(),
            truncated: h.truncated,
        }
    }
}

/// A test event to send.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TestEvent {
    /// The event type; default `herald.test`.
    event_type: Option<String>,
    /// Any JSON value, the event's data; default
    /// `{"message": "test event from Herald", "sent_at_ms": <now>}`.
    data: Option<serde_json::Value>,
}

/// The test event, queued for delivery.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TestEventSent {
    /// Its id: find its attempts with `GET .../attempts?event_id=`.
    event_id: String,
}

/// Says who the caller is: the kind of credential, and for a key its team, scopes and expiry.
#[utoipa::path(get, path = "/v1/whoami", tag = "console",
    responses(
        (status = 200, description = "The caller", body = WhoAmI),
        (status = 401, description = "No, unknown or expired credentials", body = ErrorBody),
        (status = 503, description = "The control plane is loading its state", body = ErrorBody),
    ))]
async fn who_am_i(svc: Svc, headers: HeaderMap) -> ApiResult<Response> {
    let r = svc
        .who_am_i(rpc(&headers, pb::WhoAmIRequest {})?)
        .await?
        .into_inner();
    Ok(axum::Json(WhoAmI::from(r)).into_response())
}

/// Mints a short-lived portal token for the team (admin): it manages the team's subscriptions
/// and reads their deliveries, and nothing else. The token is returned once.
#[utoipa::path(post, path = "/v1/teams/{team}/portal-tokens", tag = "console", request_body(content = Option<CreatePortalToken>, description = "Optional"),
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 201, description = "The token, shown once", body = PortalToken),
        (status = 400, description = "Invalid ttl_ms or name", body = ErrorBody),
        (status = 401, description = "No, unknown or expired credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
        (status = 503, description = "The control plane is loading its state", body = ErrorBody),
    ))]
async fn create_portal_token(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
    OptionalBody(body): OptionalBody<CreatePortalToken>,
) -> ApiResult<Response> {
    let r = svc
        .create_portal_token(rpc(
            &headers,
            pb::CreatePortalTokenRequest {
                team,
                ttl_ms: body.ttl_ms.unwrap_or_default(),
                name: body.name.unwrap_or_default(),
            },
        )?)
        .await?
        .into_inner();
    let key = r.key.ok_or_else(|| {
        ApiError::from(tonic::Status::internal(
            "the key is missing from the answer",
        ))
    })?;
    Ok(created(
        format!("/v1/teams/{}/keys/{}", key.team, key.id),
        PortalToken {
            token: r.token,
            key: key.into(),
            expires_at_ms: r.expires_at_ms,
            console_path: r.console_path,
        },
    ))
}

/// A subscription's delivery health over a window ending now: counts, success rate, latency
/// percentiles, the circuit, the latest failures and 12 buckets. Computed from the attempt log.
#[utoipa::path(get, path = "/v1/teams/{team}/subscriptions/{id}/health", tag = "console",
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription"), HealthQuery),
    responses(
        (status = 200, description = "The subscription's health", body = Health),
        (status = 400, description = "Invalid window_ms", body = ErrorBody),
        (status = 401, description = "No, unknown or expired credentials", body = ErrorBody),
        (status = 403, description = "May not read its deliveries", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn subscription_health(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
    Params(q): Params<HealthQuery>,
) -> ApiResult<Response> {
    let r = svc
        .get_subscription_health(rpc(
            &headers,
            pb::GetSubscriptionHealthRequest {
                team,
                subscription_id: id,
                window_ms: q.window_ms.unwrap_or_default(),
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(Health::from(r)).into_response())
}

/// Sends a test event to this subscription only (admin or portal): delivery signs and POSTs
/// it like any event and records the attempt under the returned event id.
#[utoipa::path(post, path = "/v1/teams/{team}/subscriptions/{id}/test", tag = "console", request_body(content = Option<TestEvent>, description = "Optional"),
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 202, description = "Queued for delivery", body = TestEventSent),
        (status = 400, description = "Invalid event type or data", body = ErrorBody),
        (status = 401, description = "No, unknown or expired credentials", body = ErrorBody),
        (status = 403, description = "May not manage the team's subscriptions", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 409, description = "The subscription is paused or disabled", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn send_test_event(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
    OptionalBody(body): OptionalBody<TestEvent>,
) -> ApiResult<Response> {
    let r = svc
        .send_test_event(rpc(
            &headers,
            pb::SendTestEventRequest {
                team,
                subscription_id: id,
                event_type: body.event_type.unwrap_or_default(),
                data_json: body.data.map(|d| d.to_string()).unwrap_or_default(),
            },
        )?)
        .await?
        .into_inner();
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(TestEventSent {
            event_id: r.event_id,
        }),
    )
        .into_response())
}
