//! `/v1/teams/{team}/keys`: create (the key is shown once), list and revoke API keys.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use herald_proto::v1::control_server::Control;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{ApiError, ApiResult, Body, Segments, Svc, created, no_content, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route("/v1/teams/{team}/keys", get(list_keys).post(create_key))
        .route("/v1/teams/{team}/keys/{key_id}", delete(revoke_key))
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(create_key, list_keys, revoke_key))]
struct Doc;

/// What a key may do; `admin` includes `publish` and `subscribe` on its team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum Scope {
    Publish,
    Subscribe,
    Admin,
}

impl Scope {
    /// The JSON scope of a proto scope; `None` for an unspecified one.
    pub(super) fn of(s: i32) -> Option<Self> {
        match pb::Scope::try_from(s).ok()? {
            pb::Scope::Publish => Some(Self::Publish),
            pb::Scope::Subscribe => Some(Self::Subscribe),
            pb::Scope::Admin => Some(Self::Admin),
            pb::Scope::Unspecified => None,
        }
    }

    fn proto(self) -> pb::Scope {
        match self {
            Self::Publish => pb::Scope::Publish,
            Self::Subscribe => pb::Scope::Subscribe,
            Self::Admin => pb::Scope::Admin,
        }
    }
}

/// An API key, without the key itself (only its hash is stored).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ApiKey {
    id: String,
    team: String,
    name: String,
    scopes: Vec<Scope>,
    /// The topics the key is restricted to; empty = every topic of the team.
    topics: Vec<String>,
    /// When the key was created (unix ms).
    created_at_ms: i64,
    /// When the key stops working (unix ms); 0 = never.
    expires_at_ms: i64,
    /// A portal token (see `POST /v1/teams/{team}/portal-tokens`).
    portal: bool,
}

impl From<pb::ApiKey> for ApiKey {
    fn from(k: pb::ApiKey) -> Self {
        Self {
            scopes: k.scopes.iter().filter_map(|s| Scope::of(*s)).collect(),
            id: k.id,
            team: k.team,
            name: k.name,
            topics: k.topics,
            created_at_ms: k.created_at_ms,
            expires_at_ms: k.expires_at_ms,
            portal: k.portal,
        }
    }
}

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateKey {
    /// A name for people.
    name: String,
    /// At least one scope.
    scopes: Vec<Scope>,
    /// Restrict the key to these topics (`orders` or `<team>.<topic>`); left out = every topic.
    #[serde(default)]
    topics: Vec<String>,
}

/// A new key: the key itself is in `secret`, shown only in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct CreatedKey {
    key: ApiKey,
    /// The key (`hk_...`), for `Authorization: Bearer`. Shown once.
    secret: String,
}

/// A team's keys.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct KeyList {
    keys: Vec<ApiKey>,
}

/// Creates an API key (admin). The key is returned once.
#[utoipa::path(post, path = "/v1/teams/{team}/keys", tag = "keys", request_body = CreateKey,
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 201, description = "The key, with the secret shown once", body = CreatedKey),
        (status = 400, description = "Invalid scopes or topics", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ))]
async fn create_key(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
    Body(body): Body<CreateKey>,
) -> ApiResult<Response> {
    let r = svc
        .create_api_key(rpc(
            &headers,
            pb::CreateApiKeyRequest {
                team,
                name: body.name,
                scopes: body.scopes.iter().map(|s| s.proto() as i32).collect(),
                topics: body.topics,
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
        CreatedKey {
            key: key.into(),
            secret: r.secret,
        },
    ))
}

/// Lists a team's keys (admin); keys and hashes are never returned.
#[utoipa::path(get, path = "/v1/teams/{team}/keys", tag = "keys",
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 200, description = "The keys", body = KeyList),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ))]
async fn list_keys(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
) -> ApiResult<Response> {
    let r = svc
        .list_api_keys(rpc(&headers, pb::ListApiKeysRequest { team })?)
        .await?
        .into_inner();
    Ok(axum::Json(KeyList {
        keys: r.keys.into_iter().map(ApiKey::from).collect(),
    })
    .into_response())
}

/// Revokes a key at once, everywhere (admin).
#[utoipa::path(delete, path = "/v1/teams/{team}/keys/{key_id}", tag = "keys",
    params(("team" = String, Path, description = "The team"), ("key_id" = String, Path, description = "The key's id (key_...)")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such key", body = ErrorBody),
    ))]
async fn revoke_key(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, id)): Segments<(String, String)>,
) -> ApiResult<Response> {
    svc.revoke_api_key(rpc(&headers, pb::RevokeApiKeyRequest { team, id })?)
        .await?;
    Ok(no_content())
}
