//! `/v1/teams/{team}/topics`: create, list, describe and delete a team's topics.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use herald_proto::v1::control_server::Control;
use herald_proto::v1::{self as pb};
use herald_runtime::ErrorBody;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::catalog::SchemaPolicy;
use super::{ApiResult, Body, Segments, Svc, created, no_content, rpc};

pub(super) fn routes() -> Router<std::sync::Arc<crate::ControlService>> {
    Router::new()
        .route(
            "/v1/teams/{team}/topics",
            get(list_topics).post(create_topic),
        )
        .route(
            "/v1/teams/{team}/topics/{topic}",
            get(describe_topic).delete(delete_topic),
        )
}

pub(super) fn openapi() -> utoipa::openapi::OpenApi {
    Doc::openapi()
}

#[derive(OpenApi)]
#[openapi(paths(create_topic, list_topics, describe_topic, delete_topic))]
struct Doc;

/// A topic of a team, backed by the Kafka topic `<team>.<name>`.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Topic {
    team: String,
    name: String,
    partitions: i32,
    /// Retention in milliseconds; -1 keeps events forever.
    retention_ms: i64,
    /// When the topic was created (unix ms).
    created_at_ms: i64,
    /// The Kafka topic, `<team>.<name>`.
    kafka_topic: String,
    /// What ingest does with events outside the team's event-type catalog.
    schema_policy: SchemaPolicy,
}

impl From<pb::Topic> for Topic {
    fn from(t: pb::Topic) -> Self {
        Self {
            team: t.team,
            name: t.name,
            partitions: t.partitions,
            retention_ms: t.retention_ms,
            created_at_ms: t.created_at_ms,
            kafka_topic: t.kafka_topic,
            schema_policy: SchemaPolicy::from_pb(t.schema_policy),
        }
    }
}

/// A new topic.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateTopic {
    /// Lowercase letters, digits, `-` and `_`; `herald` is reserved.
    name: String,
    /// Partitions; left out = the server's default.
    #[serde(default)]
    partitions: i32,
    /// Retention in milliseconds: -1 = forever, at least 60000; left out = the server's default.
    #[serde(default)]
    retention_ms: i64,
    /// What ingest does with events outside the team's catalog; left out = `off`.
    #[serde(default)]
    schema_policy: SchemaPolicy,
}

/// A team's topics.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TopicList {
    topics: Vec<Topic>,
}

/// One partition's retained offsets.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct Partition {
    partition: i32,
    /// The oldest retained offset.
    low_offset: i64,
    /// The offset the next event will get.
    high_offset: i64,
    /// The offset delivery's consumer group committed; -1 when it has none.
    committed_offset: i64,
    /// Events delivery has not committed yet: high - committed, or high - low without a
    /// commit.
    lag: i64,
}

/// A topic with its partitions.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct TopicDescription {
    topic: Option<Topic>,
    partitions: Vec<Partition>,
}

/// Creates a topic (admin); an existing Kafka topic of that name is adopted.
#[utoipa::path(post, path = "/v1/teams/{team}/topics", tag = "topics", request_body = CreateTopic,
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 201, description = "The topic", body = Topic),
        (status = 400, description = "Invalid name, partitions or retention", body = ErrorBody),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
        (status = 409, description = "The topic exists", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn create_topic(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
    Body(body): Body<CreateTopic>,
) -> ApiResult<Response> {
    let t = svc
        .create_topic(rpc(
            &headers,
            pb::CreateTopicRequest {
                team,
                name: body.name,
                partitions: body.partitions,
                retention_ms: body.retention_ms,
                schema_policy: body.schema_policy.to_pb() as i32,
            },
        )?)
        .await?
        .into_inner();
    Ok(created(
        format!("/v1/teams/{}/topics/{}", t.team, t.name),
        Topic::from(t),
    ))
}

/// Lists a team's topics.
#[utoipa::path(get, path = "/v1/teams/{team}/topics", tag = "topics",
    params(("team" = String, Path, description = "The team")),
    responses(
        (status = 200, description = "The topics", body = TopicList),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not a key of the team", body = ErrorBody),
        (status = 404, description = "No such team", body = ErrorBody),
    ))]
async fn list_topics(
    svc: Svc,
    headers: HeaderMap,
    Segments(team): Segments<String>,
) -> ApiResult<Response> {
    let r = svc
        .list_topics(rpc(&headers, pb::ListTopicsRequest { team })?)
        .await?
        .into_inner();
    Ok(axum::Json(TopicList {
        topics: r.topics.into_iter().map(Topic::from).collect(),
    })
    .into_response())
}

/// Describes a topic with its partitions' offsets.
#[utoipa::path(get, path = "/v1/teams/{team}/topics/{topic}", tag = "topics",
    params(("team" = String, Path, description = "The team"), ("topic" = String, Path, description = "The topic")),
    responses(
        (status = 200, description = "The topic", body = TopicDescription),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not a key of the team", body = ErrorBody),
        (status = 404, description = "No such topic", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn describe_topic(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, name)): Segments<(String, String)>,
) -> ApiResult<Response> {
    let d = svc
        .describe_topic(rpc(&headers, pb::DescribeTopicRequest { team, name })?)
        .await?
        .into_inner();
    Ok(axum::Json(TopicDescription {
        topic: d.topic.map(Topic::from),
        partitions: d
            .partitions
            .into_iter()
            .map(|p| Partition {
                partition: p.partition,
                low_offset: p.low_offset,
                high_offset: p.high_offset,
                committed_offset: p.committed_offset,
                lag: p.lag,
            })
            .collect(),
    })
    .into_response())
}

/// Deletes a topic and its grants (admin; 409 while subscriptions use it).
#[utoipa::path(delete, path = "/v1/teams/{team}/topics/{topic}", tag = "topics",
    params(("team" = String, Path, description = "The team"), ("topic" = String, Path, description = "The topic")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or unknown credentials", body = ErrorBody),
        (status = 403, description = "Not an admin of the team", body = ErrorBody),
        (status = 404, description = "No such topic", body = ErrorBody),
        (status = 409, description = "Subscriptions use the topic", body = ErrorBody),
        (status = 503, description = "Kafka is unavailable", body = ErrorBody),
    ))]
async fn delete_topic(
    svc: Svc,
    headers: HeaderMap,
    Segments((team, name)): Segments<(String, String)>,
) -> ApiResult<Response> {
    svc.delete_topic(rpc(&headers, pb::DeleteTopicRequest { team, name })?)
        .await?;
    Ok(no_content())
}
