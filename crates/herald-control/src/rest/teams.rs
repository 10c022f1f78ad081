//! `/v1/teams`: create, list, read and delete teams.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use herald_proto::v1::control_server::Control;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, Body, Segments, Svc, created, no_content, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route("/v1/teams", get(list_teams).post(create_team))
        .route("/v1/teams/{team}", get(get_team).delete(delete_team))
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(create_team, list_teams, get_team, delete_team))]
struct Doc;

/// A team: the owner of topics, keys, grants and subscriptions.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Team {
    /// The team's name, as in paths.
    name: String,
    /// A name for people.
    display_name: String,
    /// When the team was created (unix ms).
    created_at_ms: i64,
}

impl From<pb::Team> for Team {
    fn from(t: pb::Team) -> Self {
        Self {
            name: t.name,
            display_name: t.display_name,
            created_at_ms: t.created_at_ms,
        }
    }
}

/// A new team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateTeam {
    /// Lowercase letters, digits and `-`, starting with a letter; `herald` is reserved.
    name: String,
    /// A name for people.
    #[serde(default)]
    display_name: String,
}

/// The teams the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TeamList {
    teams: Vec<Team>,
}

/// Creates a team (root key only).
#[utoipa::path(post, path = "/v1/teams", tag = "teams", request_body = CreateTeam,
    responses(
        (status = 201, description = "The team", body = Team),
        (status = 400, description = "Invalid name", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not the root key", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ))]
async fn create_team(
    svc: Svc,
    headers: HeaderMap,
    Body(body): Body<CreateTeam>,
) -> ApiResult<Response> {
    let team = svc
        .create_team(rpc(
            &headers,
            pb::CreateTeamRequest {
                name: body.name,
                display_name: body.display_name,
            },
        )?)
        .await?
        .into_inner();
    Ok(created(
        format!("/v1/teams/{}", team.name),
        Team::from(team),
    ))
}

/// Lists teams: every team for the root key, a key's own team otherwise.
#[utoipa::path(get, path = "/v1/teams", tag = "teams",
    responses(
        (status = 200, description = "The teams", body = TeamList),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
    ))]
async fn list_teams(svc: Svc, headers: HeaderMap) -> ApiResult<Response> {
    let r = svc
        .list_teams(rpc(&headers, pb::ListTeamsRequest {})?)
        .await?
        .into_inner();
    Ok(axum::Json(TeamList {
        teams: r.teams.into_iter().map(Team::from).collect(),
    })
    .into_response())
}

/// Reads a team.
#[utoipa::path(get, path = "/v1/teams/{team}", tag = "teams",
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 200, description = "The team", body = Team),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not a key of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ))]
async fn get_team(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
) -> ApiResult<Response> {
    let t = svc
        .get_team(rpc(&headers, pb::GetTeamRequest { name: team })?)
        .await?
        .into_inner();
    Ok(axum::Json(Team::from(t)).into_response())
}

/// Deletes a team with its keys and grants (root key only; 409 while it owns topics or
/// subscriptions).
#[utoipa::path(delete, path = "/v1/teams/{team}", tag = "teams",
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not the root key", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
        (status = 409, description = "The team still owns topics or subscriptions", body = ErrorBody),
    ))]
async fn delete_team(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
) -> ApiResult<Response> {
    svc.delete_team(rpc(&headers, pb::DeleteTeamRequest { name: team })?)
        .await?;
    Ok(no_content())
}
