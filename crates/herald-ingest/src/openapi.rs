//! The OpenAPI 3.1 document of ingest's HTTP route. The bodies are parsed by hand (three
//! CloudEvents modes and Herald's own form), so their schemas are written here rather than
//! derived from types.

use serde_json::json;
use utoipa::OpenApi as _;
use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{ComponentsBuilder, OpenApi, Ref, RefOr};

#[derive(utoipa::OpenApi)]
#[openapi(paths(crate::http::publish, crate::reply::request, crate::reply::reply))]
struct Doc;

/// The document of `POST /v1/topics/{team}/{topic}/events` and of request-reply's routes.
pub fn openapi() -> OpenApi {
    let mut doc = Doc::openapi();
    let components = ComponentsBuilder::from(doc.components.take().unwrap_or_default())
        .schema("Event", event())
        .schema(
            "PublishBody",
            OneOfBuilder::new()
                .item(Ref::from_schema_name("Event"))
                .item(array(Ref::from_schema_name("Event")))
                .description(Some("One event, or a batch")),
        )
        .schema("CloudEvent", cloud_event())
        .schema(
            "CloudEventBatch",
            array(Ref::from_schema_name("CloudEvent")),
        )
        .schema("Receipt", receipt())
        .schema("RequestAnswer", request_answer())
        .schema("ReplyAnswer", reply_answer())
        .schema(
            "PublishAnswer",
            OneOfBuilder::new()
                .item(Ref::from_schema_name("Receipt"))
                .item(
                    ObjectBuilder::new()
                        .property(
                            "results",
                            array(Ref::from_schema_name("Receipt"))
                                .description(Some("One receipt per event, in request order")),
                        )
                        .required("results"),
                ),
        );
    doc.components = Some(components.build());
    herald_runtime::openapi::document(doc, "Herald ingest")
}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

fn array(item: impl Into<RefOr<Schema>>) -> ArrayBuilder {
    ArrayBuilder::new().items(item.into())
}

/// Herald's own JSON form of an event.
fn event() -> ObjectBuilder {
    ObjectBuilder::new()
        .description(Some("An event in Herald's own JSON form"))
        .property("type", string("The event type, e.g. order.created"))
        .required("type")
        .property(
            "data",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("Any JSON value, stored as the bytes sent")),
        )
        .property(
            "id",
            string("The event id (default: a UUIDv7); the idempotency key"),
        )
        .property("source", string("Default /herald/<team>/<topic>"))
        .property("key", string("The Kafka record key (default: the id)"))
        .property("time", string("RFC 3339 (default: now)"))
        .property("subject", string("CloudEvents subject"))
        .examples([json!({"type": "order.created", "data": {"order": 42}})])
}

/// A CloudEvent in structured mode.
fn cloud_event() -> ObjectBuilder {
    let mut event = ObjectBuilder::new().description(Some(
        "A CloudEvent 1.0 (structured mode); other attributes are extensions",
    ));
    for name in ["specversion", "id", "source", "type"] {
        event = event
            .property(name, string("Required, non-empty"))
            .required(name);
    }
    event
        .property(
            "data",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("The payload")),
        )
        .property("data_base64", string("A binary payload, base64"))
        .property("datacontenttype", string("The payload's content type"))
        .property("time", string("RFC 3339"))
        .property("subject", string("CloudEvents subject"))
}

/// What ingest answers for an accepted event.
fn receipt() -> ObjectBuilder {
    ObjectBuilder::new()
        .property("id", string("The event id"))
        .property("partition", ObjectBuilder::new().schema_type(Type::Integer))
        .property("offset", ObjectBuilder::new().schema_type(Type::Integer))
        .property(
            "duplicate",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some(
                    "True when the id was published within the idempotency window: the first receipt",
                )),
        )
        .required("id")
        .required("partition")
        .required("offset")
        .required("duplicate")
}

/// What ingest answers for a published request.
fn request_answer() -> ObjectBuilder {
    receipt()
        .description(Some("The request's receipt and where its reply will be"))
        .property(
            "reply_id",
            string("The capability to reply (and to ask for the reply)"),
        )
        .property(
            "location",
            string("/v1/replies/{reply_id}, also in Location"),
        )
        .property(
            "expires_at",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some("Unix seconds: no reply is accepted after it")),
        )
        .required("reply_id")
        .required("location")
        .required("expires_at")
}

/// What ingest answers for a stored reply.
fn reply_answer() -> ObjectBuilder {
    ObjectBuilder::new()
        .property("id", string("The reply's event id"))
        .property("correlationid", string("The request's event id"))
        .property(
            "duplicate",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .description(Some(
                    "The reply's id was sent within the idempotency window",
                )),
        )
        .property(
            "reply_topic",
            ObjectBuilder::new().description(Some(
                "Where the reply was also published: topic, partition, offset",
            )),
        )
        .required("id")
        .required("correlationid")
}
