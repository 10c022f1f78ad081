//! `/v1/teams/{team}/grants`: let another team subscribe to one of the team's topics.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use herald_proto::v1::control_server::Control;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, Body, Segments, Svc, created, no_content, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route(
            "/v1/teams/{team}/grants",
            get(list_grants).post(create_grant),
        )
        .route("/v1/teams/{team}/grants/{grant_id}", delete(revoke_grant))
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(create_grant, list_grants, revoke_grant))]
struct Doc;

/// Lets `grantee` subscribe to `team`'s `topic`.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Grant {
    id: String,
    /// The owning team.
    team: String,
    topic: String,
    /// The team allowed to subscribe.
    grantee: String,
    /// When the grant was created (unix ms).
    created_at_ms: i64,
}

impl From<pb::Grant> for Grant {
    fn from(g: pb::Grant) -> Self {
        Self {
            id: g.id,
            team: g.team,
            topic: g.topic,
            grantee: g.grantee,
            created_at_ms: g.created_at_ms,
        }
    }
}

/// A new grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateGrant {
    /// A topic of the team.
    topic: String,
    /// The team allowed to subscribe to it.
    grantee: String,
}

/// The grants a team gave and received.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GrantList {
    grants: Vec<Grant>,
}

/// Grants another team the right to subscribe to a topic (admin of the owning team).
#[utoipa::path(post, path = "/v1/teams/{team}/grants", tag = "grants", request_body = CreateGrant,
    params(("team" = String, Path, description = "The owning team")),
    responses(
        (status = 201, description = "The grant", body = Grant),
        (status = 400, description = "Invalid topic or grantee", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such team or topic", body = ErrorBody),
        (status = 409, description = "The grant exists", body = ErrorBody),
    ))]
async fn create_grant(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
    Body(body): Body<CreateGrant>,
) -> ApiResult<Response> {
    let g = svc
        .create_grant(rpc(
            &headers,
            pb::CreateGrantRequest {
                team,
                topic: body.topic,
                grantee: body.grantee,
            },
        )?)
        .await?
        .into_inner();
    Ok(created(
        format!("/v1/teams/{}/grants/{}", g.team, g.id),
        Grant::from(g),
    ))
}

/// Lists the grants a team gave and received.
#[utoipa::path(get, path = "/v1/teams/{team}/grants", tag = "grants",
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 200, description = "The grants", body = GrantList),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not a key of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ))]
async fn list_grants(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
) -> ApiResult<Response> {
    let r = svc
        .list_grants(rpc(&headers, pb::ListGrantsRequest { team })?)
        .await?
        .into_inner();
    Ok(axum::Json(GrantList {
        grants: r.grants.into_iter().map(Grant::from).collect(),
    })
    .into_response())
}

/// Revokes a grant; the grantee's subscriptions to the topic are disabled (admin of the owning
/// team).
#[utoipa::path(delete, path = "/v1/teams/{team}/grants/{grant_id}", tag = "grants",
    params(("team" = String, Path, description = "The owning team"), ("grant_id" = String, Path, description = "The grant")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such grant", body = ErrorBody),
    ))]
async fn revoke_grant(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
) -> ApiResult<Response> {
    svc.revoke_grant(rpc(&headers, pb::RevokeGrantRequest { team, id })?)
        .await?;
    Ok(no_content())
}
