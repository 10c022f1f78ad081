//! The OpenAPI 3.1 document of the edge's HTTP routes (the stream is `text/event-stream`, the
//! token answer is built by hand, so their schemas are written here).

use utoipa::OpenApi as _;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ComponentsBuilder, OpenApi};

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::http::stream,
    crate::http::mint,
    crate::pull::pull,
    crate::pull::create_consumer,
    crate::pull::commit,
    crate::pull::leave,
    crate::replies::get_reply
))]
struct Doc;

/// The document of `GET /v1/streams/{team}/{topic}`, its token route and the pull route.
pub fn openapi() -> OpenApi {
    let mut doc = Doc::openapi();
    let integer = |d: &str| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some(d))
    };
    let token = ObjectBuilder::new()
        .property(
            "token",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("Pass as ?access_token= to the stream")),
        )
        .property("expires_at", integer("Unix seconds"))
        .property("expires_in", integer("Seconds"))
        .required("token")
        .required("expires_at")
        .required("expires_in");
    let components = ComponentsBuilder::from(doc.components.take().unwrap_or_default())
        .schema("StreamToken", token)
        .schema(
            "EventStream",
            ObjectBuilder::new().schema_type(Type::String).description(Some(
                "Server-sent events: `id:` is the resume cursor, `event:` the event type, `data:` the payload",
            )),
        );
    let components = components.schema(
        "PullAnswer",
        ObjectBuilder::new()
            .property(
                "events",
                utoipa::openapi::schema::ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .description(Some(
                            "An event: id (the cursor after it), type, time, data (JSON, or a string)",
                        ))
                        .property("id", ObjectBuilder::new().schema_type(Type::String))
                        .property("type", ObjectBuilder::new().schema_type(Type::String))
                        .property("time", ObjectBuilder::new().schema_type(Type::String))
                        .property("data", ObjectBuilder::new())
                        .required("type"),
                ),
            )
            .property(
                "next_cursor",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("Pass as ?cursor= to continue (or as any stream's Last-Event-ID)")),
            )
            .property(
                "partitions",
                utoipa::openapi::schema::ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("With ?consumer=: the partitions this member owns now")),
            )
            .required("events")
            .required("next_cursor"),
    );
    let string = |d: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(d))
    };
    let offsets = |d: &str| {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(d))
            .additional_properties(Some(ObjectBuilder::new().schema_type(Type::Integer)))
    };
    let components = components
        .schema(
            "NewConsumer",
            ObjectBuilder::new()
                .property("name", string("1 to 64 of A-Z a-z 0-9 . _ -"))
                .property("topic", string("The team's topic it reads"))
                .property("start", string("earliest (default) or now"))
                .required("name")
                .required("topic"),
        )
        .schema(
            "ConsumerPosition",
            ObjectBuilder::new()
                .property("name", string("The consumer"))
                .property("topic", string("Its topic"))
                .property("group_id", string("Its Kafka consumer group"))
                .property("created", ObjectBuilder::new().schema_type(Type::Boolean))
                .property("positions", offsets("Next offset per partition")),
        )
        .schema(
            "Commit",
            ObjectBuilder::new()
                .property(
                    "cursor",
                    string("A pull answer's next_cursor (or an event's id)"),
                )
                .property("member", string("The member (default `default`)"))
                .required("cursor"),
        )
        .schema(
            "Committed",
            ObjectBuilder::new()
                .property("committed", offsets("Committed next offset per partition"))
                .property(
                    "not_owned",
                    utoipa::openapi::schema::ArrayBuilder::new()
                        .items(ObjectBuilder::new().schema_type(Type::Integer))
                        .description(Some(
                            "Partitions of the cursor this member does not own (not committed)",
                        )),
                ),
        );
    let components = components.schema(
        "Reply",
        ObjectBuilder::new()
            .description(Some("The reply to a request (async request-reply)"))
            .property("id", string("The reply's event id"))
            .property("type", string("The reply's event type"))
            .property("source", string("The reply's source"))
            .property("time", string("RFC 3339"))
            .property("datacontenttype", string("The payload's media type"))
            .property("correlationid", string("The request's event id"))
            .property("reply_id", string("The reply id asked for"))
            .property(
                "data",
                ObjectBuilder::new().description(Some("The payload: JSON, or a string")),
            )
            .required("id")
            .required("type")
            .required("correlationid"),
    );
    doc.components = Some(components.build());
    herald_runtime::openapi::document(doc, "Herald edge")
}
