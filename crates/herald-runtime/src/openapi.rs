//! What every service's OpenAPI 3.1 document shares: the error body, bearer authentication and
//! the route that serves the document at [`PATH`].

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi};
use utoipa::{PartialSchema, ToSchema};

use crate::ErrorBody;

/// Where every service serves its document.
pub const PATH: &str = "/v1/openapi.json";

/// The name of the bearer security scheme the routes refer to.
pub const BEARER: &str = "bearer";

/// `doc` completed with Herald's title and version, the `ErrorBody` schema and the bearer
/// scheme (an API key, the root key or an access token, as `Authorization: Bearer <key>`).
pub fn document(mut doc: OpenApi, title: &str) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title(title)
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Errors answer {\"code\", \"message\"} with a stable machine code; every route \
             authenticates with `Authorization: Bearer <key>`.",
        ))
        .build();
    let components = doc.components.take().unwrap_or_default();
    let builder = ComponentsBuilder::from(components)
        .schema(ErrorBody::name(), ErrorBody::schema())
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A Herald API key (hk_...), the root key or the internal token",
                    ))
                    .build(),
            ),
        );
    doc.components = Some(builder.build());
    doc
}

/// The route `GET /v1/openapi.json` answering `doc`, to merge into a service's router.
pub fn router(doc: OpenApi) -> Router {
    Router::new().route(PATH, get(move || std::future::ready(Json(doc.clone()))))
}
