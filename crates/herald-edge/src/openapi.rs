//! The OpenAPI 3.1 document of the edge's HTTP routes (the stream is `text/event-stream`, the
//! token answer is built by hand, so their schemas are written here).

use utoipa::OpenApi as _;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ComponentsBuilder, OpenApi};

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    crate::http::stream,
    crate::http::mint,
    crate::http::pull,
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
            .required("events")
            .required("next_cursor"),
    );
    let text = |d: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(d))
    };
    let components = components.schema(
        "Reply",
        ObjectBuilder::new()
            .description(Some("The reply to a request (async request-reply)"))
            .property("id", text("The reply's event id"))
            .property("type", text("The reply's event type"))
            .property("source", text("The reply's source"))
            .property("time", text("RFC 3339"))
            .property("datacontenttype", text("The payload's media type"))
            .property("correlationid", text("The request's event id"))
            .property("reply_id", text("The reply id asked for"))
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
