//! `/v1/teams/{team}/subscriptions`: webhook subscriptions, their settings, pause and resume,
//! and secret rotation.

use std::collections::HashMap;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use herald_proto::v1::control_server::Control;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{ApiError, ApiResult, Body, OptionalBody, Segments, Svc, created, no_content, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route(
            "/v1/teams/{team}/subscriptions",
            get(list_subscriptions).post(create_subscription),
        )
        .route(
            "/v1/teams/{team}/subscriptions/{id}",
            get(get_subscription)
                .patch(update_subscription)
                .delete(delete_subscription),
        )
        .route("/v1/teams/{team}/subscriptions/{id}/pause", post(pause))
        .route("/v1/teams/{team}/subscriptions/{id}/resume", post(resume))
        .route(
            "/v1/teams/{team}/subscriptions/{id}/rotate-secret",
            post(rotate_secret),
        )
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(
    create_subscription,
    list_subscriptions,
    get_subscription,
    update_subscription,
    delete_subscription,
    pause,
    resume,
    rotate_secret
))]
struct Doc;

/// Whether a subscription delivers.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum State {
    /// Delivering.
    Active,
    /// Deliveries wait in Kafka until it is resumed.
    Paused,
    /// Stopped by Herald (410 Gone, persistent failure, a revoked grant); resume re-enables it.
    Disabled,
}

/// A webhook subscription. Custom header values read `<redacted>`; the signing secret is never
/// returned here.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Subscription {
    id: String,
    team: String,
    /// Kafka topics `<team>.<topic>` delivered.
    topics: Vec<String>,
    /// The endpoint.
    url: String,
    /// Event types: exact (`order.created`) or prefix (`order.*`); empty = all.
    events: Vec<String>,
    /// Custom headers sent with every webhook; values read `<redacted>`.
    headers: HashMap<String, String>,
    /// Deliveries per second; 0 = unlimited.
    rate_limit: u32,
    /// Concurrent deliveries; 0 = the default.
    max_in_flight: u32,
    /// `unordered` or `key` (one record key's webhooks go out in publish order).
    ordering: String,
    /// With `ordering: key`, what follows a dead-lettered key's event: `skip` (its later events
    /// go on) or `hold` (they follow it into the DLQ).
    on_dead_letter: String,
    /// CloudEvents HTTP content mode: `binary` (`ce-*` headers) or `structured`
    /// (`application/cloudevents+json` body).
    content_mode: String,
    state: State,
    /// Why it was disabled, when it is.
    disabled_reason: String,
    description: String,
    /// Payload filter expression (docs/catalog.md); empty = every event.
    filter: String,
    /// When it was created (unix ms).
    created_at_ms: i64,
    /// When it last changed (unix ms).
    updated_at_ms: i64,
}

impl From<pb::Subscription> for Subscription {
    fn from(s: pb::Subscription) -> Self {
        let state = match s.state() {
            pb::SubscriptionState::Paused => State::Paused,
            pb::SubscriptionState::Disabled => State::Disabled,
            pb::SubscriptionState::Active | pb::SubscriptionState::Unspecified => State::Active,
        };
        Self {
            id: s.id,
            team: s.team,
            topics: s.topics,
            url: s.url,
            events: s.event_types,
            headers: s.headers,
            rate_limit: s.rate_limit,
            max_in_flight: s.max_in_flight,
            // Subscriptions stored before these fields existed have them empty: the defaults.
            ordering: or_default(s.ordering, "unordered"),
            on_dead_letter: or_default(s.on_dead_letter, "skip"),
            content_mode: or_default(s.content_mode, "binary"),
            state,
            disabled_reason: s.disabled_reason,
            description: s.description,
            filter: s.filter,
            created_at_ms: s.created_at_ms,
            updated_at_ms: s.updated_at_ms,
        }
    }
}

fn or_default(value: String, default: &str) -> String {
    if value.is_empty() {
        default.to_owned()
    } else {
        value
    }
}

fn subscription(s: Option<pb::Subscription>) -> ApiResult<Subscription> {
    s.map(Subscription::from).ok_or_else(|| {
        ApiError::from(tonic::Status::internal(
            "the subscription is missing from the answer",
        ))
    })
}

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateSubscription {
    /// The endpoint: absolute http(s), no credentials or fragment.
    url: String,
    /// Topics: the team's own (`orders`) or granted ones (`<team>.<topic>`).
    topics: Vec<String>,
    /// Event types: exact or `prefix.*`; left out = all.
    #[serde(default)]
    events: Vec<String>,
    /// The signing secret, `whsec_` + base64 of 24 to 64 bytes; left out = Herald generates one.
    #[serde(default)]
    secret: Option<String>,
    /// Custom headers sent with every webhook (endpoint credentials belong here).
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    description: String,
    /// Payload filter expression over the event's attributes and data (docs/catalog.md), e.g.
    /// `data.amount > 100`; left out = every event.
    #[serde(default)]
    filter: String,
    /// Deliveries per second; left out or 0 = unlimited.
    #[serde(default)]
    rate_limit: u32,
    /// Concurrent deliveries; left out or 0 = the default.
    #[serde(default)]
    max_in_flight: u32,
    /// Run the CloudEvents webhook validation handshake first: the endpoint must answer
    /// `OPTIONS` with `WebHook-Allowed-Origin`, else 409 says what it answered.
    #[serde(default)]
    verify_endpoint: bool,
    /// `unordered` (left out) or `key`: one record key's webhooks in publish order.
    #[serde(default)]
    ordering: String,
    /// With `ordering: key`: `skip` (left out) or `hold`.
    #[serde(default)]
    on_dead_letter: String,
    /// `binary` (left out) or `structured`.
    #[serde(default)]
    content_mode: String,
}

/// A subscription with its signing secret, shown only in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct WithSecret {
    subscription: Subscription,
    /// `whsec_...`: verify webhooks with it (Standard Webhooks). Shown once.
    secret: String,
}

/// The fields to change; the ones left out keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateSubscription {
    url: Option<String>,
    topics: Option<Vec<String>>,
    /// Event types; `[]` = all.
    events: Option<Vec<String>>,
    /// The whole header map; a value `<redacted>` keeps that header's stored value.
    headers: Option<HashMap<String, String>>,
    description: Option<String>,
    /// Payload filter expression; `""` removes it.
    filter: Option<String>,
    rate_limit: Option<u32>,
    max_in_flight: Option<u32>,
    /// Run the validation handshake against the resulting URL before storing the change.
    #[serde(default)]
    verify_endpoint: bool,
    /// `unordered` or `key`.
    ordering: Option<String>,
    /// `skip` or `hold` (needs `ordering: key`).
    on_dead_letter: Option<String>,
    /// `binary` or `structured`.
    content_mode: Option<String>,
}

/// How long the old secrets keep signing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Rotate {
    /// Milliseconds, as in gRPC: left out = the server's default (24 h), 0 = the old secrets
    /// stop at once (a leaked secret), at most 30 days.
    overlap_ms: Option<i64>,
}

/// A team's subscriptions the caller may read.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SubscriptionList {
    subscriptions: Vec<Subscription>,
}

/// Creates a subscription (admin or portal). The signing secret is returned once.
#[utoipa::path(post, path = "/v1/teams/{team}/subscriptions", tag = "subscriptions", request_body = CreateSubscription,
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 201, description = "The subscription, with its secret shown once", body = WithSecret),
        (status = 400, description = "Invalid url, topics, events, filter, headers, secret, limits, ordering, on_dead_letter or content_mode", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin or portal token of the team, or a topic not granted", body = ErrorBody),
        (status = 404, description = "No such team or topic", body = ErrorBody),
        (status = 409, description = "The endpoint did not pass the validation handshake", body = ErrorBody),
    ))]
async fn create_subscription(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
    Body(body): Body<CreateSubscription>,
) -> ApiResult<Response> {
    let r = svc
        .create_subscription(rpc(
            &headers,
            pb::CreateSubscriptionRequest {
                team,
                topics: body.topics,
                url: body.url,
                event_types: body.events,
                headers: body.headers,
                rate_limit: body.rate_limit,
                max_in_flight: body.max_in_flight,
                secret: body.secret.unwrap_or_default(),
                description: body.description,
                verify_endpoint: body.verify_endpoint,
                ordering: body.ordering,
                on_dead_letter: body.on_dead_letter,
                content_mode: body.content_mode,
                filter: body.filter,
            },
        )?)
        .await?
        .into_inner();
    let sub = subscription(r.subscription)?;
    Ok(created(
        format!("/v1/teams/{}/subscriptions/{}", sub.team, sub.id),
        WithSecret {
            subscription: sub,
            secret: r.secret,
        },
    ))
}

/// Lists the team's subscriptions the caller may read.
#[utoipa::path(get, path = "/v1/teams/{team}/subscriptions", tag = "subscriptions",
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 200, description = "The subscriptions", body = SubscriptionList),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Neither admin nor subscribe scope on the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ))]
async fn list_subscriptions(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
) -> ApiResult<Response> {
    let r = svc
        .list_subscriptions(rpc(&headers, pb::ListSubscriptionsRequest { team })?)
        .await?
        .into_inner();
    Ok(axum::Json(SubscriptionList {
        subscriptions: r
            .subscriptions
            .into_iter()
            .map(Subscription::from)
            .collect(),
    })
    .into_response())
}

/// Reads a subscription (never its secret).
#[utoipa::path(get, path = "/v1/teams/{team}/subscriptions/{id}", tag = "subscriptions",
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "The subscription", body = Subscription),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "May not read its deliveries", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
    ))]
async fn get_subscription(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
) -> ApiResult<Response> {
    let s = svc
        .get_subscription(rpc(&headers, pb::GetSubscriptionRequest { team, id })?)
        .await?
        .into_inner();
    Ok(axum::Json(Subscription::from(s)).into_response())
}

/// Changes the given fields of a subscription (admin or portal).
#[utoipa::path(patch, path = "/v1/teams/{team}/subscriptions/{id}", tag = "subscriptions", request_body = UpdateSubscription,
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "The subscription", body = Subscription),
        (status = 400, description = "Nothing to change, or an invalid field", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin or portal token of the team", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 409, description = "The endpoint did not pass the validation handshake", body = ErrorBody),
    ))]
async fn update_subscription(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
    Body(body): Body<UpdateSubscription>,
) -> ApiResult<Response> {
    // The mask names exactly the fields given, so `[]`, `""` and `0` clear a field.
    let mut mask = Vec::new();
    let mut given = |name: &str, present: bool| {
        if present {
            mask.push(name.to_owned());
        }
    };
    given("url", body.url.is_some());
    given("topics", body.topics.is_some());
    given("event_types", body.events.is_some());
    given("headers", body.headers.is_some());
    given("description", body.description.is_some());
    given("filter", body.filter.is_some());
    given("rate_limit", body.rate_limit.is_some());
    given("max_in_flight", body.max_in_flight.is_some());
    given("ordering", body.ordering.is_some());
    given("on_dead_letter", body.on_dead_letter.is_some());
    given("content_mode", body.content_mode.is_some());
    if mask.is_empty() && !body.verify_endpoint {
        return Err(ApiError::invalid(
            "nothing to change: give at least one of url, topics, events, headers, description, filter, rate_limit, max_in_flight, ordering, on_dead_letter, content_mode, verify_endpoint",
        ));
    }
    let s = svc
        .update_subscription(rpc(
            &headers,
            pb::UpdateSubscriptionRequest {
                team,
                id,
                event_types: body.events.unwrap_or_default(),
                headers: body.headers.unwrap_or_default(),
                rate_limit: body.rate_limit.unwrap_or_default(),
                max_in_flight: body.max_in_flight.unwrap_or_default(),
                url: body.url.unwrap_or_default(),
                update_mask: mask,
                topics: body.topics.unwrap_or_default(),
                description: body.description.unwrap_or_default(),
                verify_endpoint: body.verify_endpoint,
                ordering: body.ordering.unwrap_or_default(),
                on_dead_letter: body.on_dead_letter.unwrap_or_default(),
                content_mode: body.content_mode.unwrap_or_default(),
                filter: body.filter.unwrap_or_default(),
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(Subscription::from(s)).into_response())
}

/// Deletes a subscription (admin or portal).
#[utoipa::path(delete, path = "/v1/teams/{team}/subscriptions/{id}", tag = "subscriptions",
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin or portal token of the team", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
    ))]
async fn delete_subscription(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
) -> ApiResult<Response> {
    svc.delete_subscription(rpc(&headers, pb::DeleteSubscriptionRequest { team, id })?)
        .await?;
    Ok(no_content())
}

/// Pauses deliveries; events wait in Kafka (admin or portal).
#[utoipa::path(post, path = "/v1/teams/{team}/subscriptions/{id}/pause", tag = "subscriptions",
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "The subscription", body = Subscription),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin or portal token of the team", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
    ))]
async fn pause(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
) -> ApiResult<Response> {
    let s = svc
        .pause_subscription(rpc(&headers, pb::PauseSubscriptionRequest { team, id })?)
        .await?
        .into_inner();
    Ok(axum::Json(Subscription::from(s)).into_response())
}

/// Resumes deliveries, also of a disabled subscription (admin or portal).
#[utoipa::path(post, path = "/v1/teams/{team}/subscriptions/{id}/resume", tag = "subscriptions",
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "The subscription", body = Subscription),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin or portal token of the team", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
        (status = 409, description = "A topic's grant was revoked", body = ErrorBody),
    ))]
async fn resume(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
) -> ApiResult<Response> {
    let s = svc
        .resume_subscription(rpc(&headers, pb::ResumeSubscriptionRequest { team, id })?)
        .await?
        .into_inner();
    Ok(axum::Json(Subscription::from(s)).into_response())
}

/// Issues a new signing secret, shown once; the old ones keep signing for the overlap (admin or portal).
#[utoipa::path(post, path = "/v1/teams/{team}/subscriptions/{id}/rotate-secret", tag = "subscriptions", request_body(content = Option<Rotate>, description = "Optional"),
    params(("team" = String, Path, description = "The team"), ("id" = String, Path, description = "The subscription")),
    responses(
        (status = 200, description = "The subscription, with the new secret shown once", body = WithSecret),
        (status = 400, description = "Invalid overlap", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin or portal token of the team", body = ErrorBody),
        (status = 404, description = "No such subscription in the team", body = ErrorBody),
    ))]
async fn rotate_secret(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
    OptionalBody(body): OptionalBody<Rotate>,
) -> ApiResult<Response> {
    let r = svc
        .rotate_secret(rpc(
            &headers,
            pb::RotateSecretRequest {
                team,
                id,
                overlap_ms: body.overlap_ms,
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(WithSecret {
        subscription: subscription(r.subscription)?,
        secret: r.secret,
    })
    .into_response())
}
