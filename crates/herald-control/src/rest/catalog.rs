//! `/v1/teams/{team}/event-types`: the event-type catalog, and a topic's schema policy.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use herald_proto::v1::control_server::Control;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::topics::Topic;
use super::{ApiError, ApiResult, Body, Segments, Svc, created, no_content, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route(
            "/v1/teams/{team}/event-types",
            get(list_event_types).post(create_event_type),
        )
        .route(
            "/v1/teams/{team}/event-types/{name}",
            get(get_event_type).delete(delete_event_type),
        )
        .route(
            "/v1/teams/{team}/event-types/{name}/versions",
            post(add_version),
        )
        .route(
            "/v1/teams/{team}/event-types/{name}/versions/{version}/schema",
            get(get_schema),
        )
        .route(
            "/v1/teams/{team}/topics/{topic}/schema-policy",
            put(set_schema_policy),
        )
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(
    create_event_type,
    list_event_types,
    get_event_type,
    delete_event_type,
    add_version,
    get_schema,
    set_schema_policy
))]
struct Doc;

/// What ingest does with a topic's events against the team's catalog.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum SchemaPolicy {
    /// No check.
    #[default]
    Off,
    /// Refuse unknown types and data failing the schema (422 with the JSON pointer).
    Enforce,
    /// Accept and count violations.
    Count,
}

impl SchemaPolicy {
    pub(super) fn to_pb(self) -> pb::SchemaPolicy {
        match self {
            Self::Off => pb::SchemaPolicy::Off,
            Self::Enforce => pb::SchemaPolicy::Enforce,
            Self::Count => pb::SchemaPolicy::Count,
        }
    }

    pub(super) fn from_pb(p: i32) -> Self {
        match pb::SchemaPolicy::try_from(p) {
            Ok(pb::SchemaPolicy::Enforce) => Self::Enforce,
            Ok(pb::SchemaPolicy::Count) => Self::Count,
            _ => Self::Off,
        }
    }
}

/// One version of an event type's schema.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Version {
    /// 1, 2, ...
    version: u32,
    /// The JSON Schema (draft 2020-12).
    #[schema(value_type = Object)]
    schema: serde_json::Value,
    /// When it was added (unix ms).
    created_at_ms: i64,
}

/// An event type of a team's catalog, named as the CloudEvents type.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EventType {
    team: String,
    name: String,
    description: String,
    /// Oldest first; ingest validates against the last.
    versions: Vec<Version>,
    /// When it was created (unix ms).
    created_at_ms: i64,
    /// When it last changed (unix ms).
    updated_at_ms: i64,
}

impl From<pb::EventType> for EventType {
    fn from(t: pb::EventType) -> Self {
        Self {
            team: t.team,
            name: t.name,
            description: t.description,
            versions: t
                .versions
                .into_iter()
                .map(|v| Version {
                    version: v.version,
                    // Stored schemas were checked as JSON when added.
                    schema: serde_json::from_str(&v.schema).unwrap_or_default(),
                    created_at_ms: v.created_at_ms,
                })
                .collect(),
            created_at_ms: t.created_at_ms,
            updated_at_ms: t.updated_at_ms,
        }
    }
}

/// A new event type with its first schema.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateEventType {
    /// The CloudEvents type: letters, digits, `.`, `_`, `-`.
    name: String,
    #[serde(default)]
    description: String,
    /// A JSON Schema (draft 2020-12); remote references are not fetched.
    #[schema(value_type = Object)]
    schema: serde_json::Value,
}

/// A new version of an event type's schema.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AddVersion {
    /// A JSON Schema (draft 2020-12).
    #[schema(value_type = Object)]
    schema: serde_json::Value,
}

/// A team's event types.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct EventTypeList {
    event_types: Vec<EventType>,
}

/// A topic's schema policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SetPolicy {
    schema_policy: SchemaPolicy,
}

/// Creates an event type with its first schema version (admin).
#[utoipa::path(post, path = "/v1/teams/{team}/event-types", tag = "catalog", request_body = CreateEventType,
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 201, description = "The event type", body = EventType),
        (status = 400, description = "Invalid name, description or schema (with where the schema is wrong)", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
        (status = 409, description = "The event type exists", body = ErrorBody),
    ))]
async fn create_event_type(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
    Body(body): Body<CreateEventType>,
) -> ApiResult<Response> {
    let t = svc
        .create_event_type(rpc(
            &headers,
            pb::CreateEventTypeRequest {
                team,
                name: body.name,
                description: body.description,
                schema: body.schema.to_string(),
            },
        )?)
        .await?
        .into_inner();
    Ok(created(
        format!("/v1/teams/{}/event-types/{}", t.team, t.name),
        EventType::from(t),
    ))
}

/// Lists a team's event types (any key of the team, or a subscriber holding a grant).
#[utoipa::path(get, path = "/v1/teams/{team}/event-types", tag = "catalog",
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 200, description = "The event types", body = EventTypeList),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Neither a key of the team nor a subscriber with a grant", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ))]
async fn list_event_types(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
) -> ApiResult<Response> {
    let r = svc
        .list_event_types(rpc(&headers, pb::ListEventTypesRequest { team })?)
        .await?
        .into_inner();
    Ok(axum::Json(EventTypeList {
        event_types: r.event_types.into_iter().map(EventType::from).collect(),
    })
    .into_response())
}

/// Reads an event type with every schema version.
#[utoipa::path(get, path = "/v1/teams/{team}/event-types/{name}", tag = "catalog",
    params(("team" = String, Path, description = "The team"), ("name" = String, Path, description = "The event type")),
    responses(
        (status = 200, description = "The event type", body = EventType),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Neither a key of the team nor a subscriber with a grant", body = ErrorBody),
        (status = 404, description = "No such event type", body = ErrorBody),
    ))]
async fn get_event_type(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, name)): Segments<(String, String)>,
) -> ApiResult<Response> {
    let t = svc
        .get_event_type(rpc(&headers, pb::GetEventTypeRequest { team, name })?)
        .await?
        .into_inner();
    Ok(axum::Json(EventType::from(t)).into_response())
}

/// Deletes an event type (admin).
#[utoipa::path(delete, path = "/v1/teams/{team}/event-types/{name}", tag = "catalog",
    params(("team" = String, Path, description = "The team"), ("name" = String, Path, description = "The event type")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such event type", body = ErrorBody),
    ))]
async fn delete_event_type(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, name)): Segments<(String, String)>,
) -> ApiResult<Response> {
    svc.delete_event_type(rpc(&headers, pb::DeleteEventTypeRequest { team, name })?)
        .await?;
    Ok(no_content())
}

/// Adds the next schema version of an event type (admin).
#[utoipa::path(post, path = "/v1/teams/{team}/event-types/{name}/versions", tag = "catalog", request_body = AddVersion,
    params(("team" = String, Path, description = "The team"), ("name" = String, Path, description = "The event type")),
    responses(
        (status = 201, description = "The event type with its new version last", body = EventType),
        (status = 400, description = "Invalid schema", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such event type", body = ErrorBody),
        (status = 409, description = "The type has the most versions it keeps", body = ErrorBody),
    ))]
async fn add_version(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, name)): Segments<(String, String)>,
    Body(body): Body<AddVersion>,
) -> ApiResult<Response> {
    let t = svc
        .add_event_type_version(rpc(
            &headers,
            pb::AddEventTypeVersionRequest {
                team,
                name,
                schema: body.schema.to_string(),
            },
        )?)
        .await?
        .into_inner();
    let version = t.versions.last().map_or(1, |v| v.version);
    Ok(created(
        format!(
            "/v1/teams/{}/event-types/{}/versions/{version}/schema",
            t.team, t.name
        ),
        EventType::from(t),
    ))
}

/// One schema version as a JSON Schema document: the URL accepted events carry as
/// `dataschema`.
#[utoipa::path(get, path = "/v1/teams/{team}/event-types/{name}/versions/{version}/schema", tag = "catalog",
    params(
        ("team" = String, Path, description = "The team"),
        ("name" = String, Path, description = "The event type"),
        ("version" = u32, Path, description = "The version"),
    ),
    responses(
        (status = 200, description = "The JSON Schema", body = Object),
        (status = 400, description = "Invalid version", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Neither a key of the team nor a subscriber with a grant", body = ErrorBody),
        (status = 404, description = "No such event type or version", body = ErrorBody),
    ))]
async fn get_schema(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, name, version)): Segments<(String, String, String)>,
) -> ApiResult<Response> {
    let version: u32 = version.parse().map_err(|_| {
        ApiError::invalid(format!(
            "version must be a positive number, got {version:?}"
        ))
    })?;
    let t = svc
        .get_event_type(rpc(&headers, pb::GetEventTypeRequest { team, name })?)
        .await?
        .into_inner();
    let v = t
        .versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| {
            ApiError::from(tonic::Status::not_found(format!(
                "event type {} has no version {version}",
                t.name
            )))
        })?;
    let schema: serde_json::Value = serde_json::from_str(&v.schema).unwrap_or_default();
    Ok(axum::Json(schema).into_response())
}

/// Sets what ingest does with the topic's events against the catalog (admin).
#[utoipa::path(put, path = "/v1/teams/{team}/topics/{topic}/schema-policy", tag = "catalog", request_body = SetPolicy,
    params(("team" = String, Path, description = "The team"), ("topic" = String, Path, description = "The topic")),
    responses(
        (status = 200, description = "The topic", body = Topic),
        (status = 400, description = "Invalid policy", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such topic", body = ErrorBody),
    ))]
async fn set_schema_policy(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, topic)): Segments<(String, String)>,
    Body(body): Body<SetPolicy>,
) -> ApiResult<Response> {
    let t = svc
        .set_schema_policy(rpc(
            &headers,
            pb::SetSchemaPolicyRequest {
                team,
                topic,
                schema_policy: body.schema_policy.to_pb() as i32,
            },
        )?)
        .await?
        .into_inner();
    Ok(axum::Json(Topic::from(t)).into_response())
}
