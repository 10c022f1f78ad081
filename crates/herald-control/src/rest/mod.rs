//! The control plane over HTTP/JSON (`/v1/teams/...`), for callers that do not speak gRPC.
//!
//! Every route calls the same [`Control`] method as gRPC, with the caller's `Authorization`
//! header as request metadata, so authentication, scopes, validation and semantics are the
//! RPC's own; this module only translates JSON to requests and answers (or a
//! [`tonic::Status`]) to JSON with Herald's `{"code", "message"}` error body.

mod catalog;
mod console;
mod grants;
mod history;
mod keys;
mod subscriptions;
mod teams;
mod topics;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use herald_runtime::ErrorBody;
use herald_runtime::openapi::BEARER;
use serde::de::DeserializeOwned;
use tonic::metadata::MetadataValue;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::SecurityRequirement;

use crate::ControlService;

/// Seconds a client is asked to wait after a 503 (the control plane loading its state, or
/// Kafka unavailable): short, since either usually passes within seconds.
const RETRY_AFTER_SECS: u32 = 1;

/// What the handlers share: the service every route calls.
type Svc = axum::extract::State<Arc<ControlService>>;

/// The routes of the control plane's HTTP API (without a fallback, so `herald dev` can merge
/// them with ingest's and edge's).
pub(crate) fn router(service: Arc<ControlService>) -> Router {
    Router::new()
        .merge(teams::routes())
        .merge(topics::routes())
        .merge(keys::routes())
        .merge(grants::routes())
        .merge(subscriptions::routes())
        .merge(history::routes())
        .merge(console::routes())
        .merge(catalog::routes())
        .with_state(service)
}

/// The OpenAPI 3.1 document of [`router`]'s routes.
pub fn openapi() -> OpenApi {
    let mut doc = OpenApi::default();
    for part in [
        teams::openapi(),
        topics::openapi(),
        keys::openapi(),
        grants::openapi(),
        subscriptions::openapi(),
        history::openapi(),
        console::openapi(),
        catalog::openapi(),
    ] {
        doc.merge(part);
    }
    doc.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    herald_runtime::openapi::document(doc, "Herald control plane")
}

/// An error answer: a gRPC status from the service, or a request this module could not read.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    /// A request that is not well-formed (400 `invalid_argument`).
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_argument",
            message: message.into(),
        }
    }
}

impl From<tonic::Status> for ApiError {
    fn from(s: tonic::Status) -> Self {
        use tonic::Code;
        let (status, code) = match s.code() {
            Code::InvalidArgument => (StatusCode::BAD_REQUEST, "invalid_argument"),
            Code::OutOfRange => (StatusCode::BAD_REQUEST, "out_of_range"),
            Code::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Code::PermissionDenied => (StatusCode::FORBIDDEN, "permission_denied"),
            Code::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Code::AlreadyExists => (StatusCode::CONFLICT, "already_exists"),
            // The resource is in a state that forbids the change (a team that still owns
            // topics, a subscription without its grant): the caller must change it first.
            Code::FailedPrecondition => (StatusCode::CONFLICT, "failed_precondition"),
            Code::Aborted => (StatusCode::CONFLICT, "aborted"),
            Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, "resource_exhausted"),
            Code::Unavailable | Code::Cancelled => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Code::DeadlineExceeded => (StatusCode::GATEWAY_TIMEOUT, "deadline_exceeded"),
            Code::Unimplemented => (StatusCode::NOT_IMPLEMENTED, "unimplemented"),
            Code::Ok | Code::Unknown | Code::Internal | Code::DataLoss => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        Self {
            status,
            code,
            message: s.message().to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = self.status.as_u16(), code = self.code, error = %self.message, "control http request failed");
        }
        let body = ErrorBody {
            code: self.code,
            message: &self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

/// A handler's answer.
type ApiResult<T> = Result<T, ApiError>;

/// A gRPC request carrying the HTTP caller's credentials, as a gRPC client would send them.
fn rpc<T>(headers: &HeaderMap, message: T) -> ApiResult<tonic::Request<T>> {
    let mut request = tonic::Request::new(message);
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = MetadataValue::try_from(value.as_bytes()).map_err(|_| ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthenticated",
            message: "malformed authorization header: expected 'Bearer <api key>'".into(),
        })?;
        request.metadata_mut().insert("authorization", value);
    }
    Ok(request)
}

/// `201 Created` with `Location` and a JSON body.
fn created<T: serde::Serialize>(location: String, body: T) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::try_from(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A JSON request body; a body that is not JSON of the expected shape is a 400 (415 without a
/// JSON content type) with Herald's error body, naming what is wrong.
pub(crate) struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: "unsupported_media_type",
                message: "send the body as JSON with content-type: application/json".into(),
            }),
            Err(e) => Err(json_error(e.status(), e.body_text())),
        }
    }
}

/// A JSON body that may be left out entirely (an empty body reads as `T::default()`).
pub(crate) struct OptionalBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| json_error(e.status(), e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        serde_json::from_slice(&bytes).map(Self).map_err(|e| {
            ApiError::invalid(format!("the body is not valid JSON for this route: {e}"))
        })
    }
}

fn json_error(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError {
            status,
            code: "payload_too_large",
            message: text,
        }
    } else {
        ApiError::invalid(text)
    }
}

/// Query parameters; unreadable ones are a 400 with Herald's error body.
pub(crate) struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::invalid(e.body_text()))
    }
}

/// Path parameters; unreadable ones (bad percent-encoding) are a 400 with Herald's error body.
pub(crate) struct Segments<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e| ApiError::invalid(e.body_text()))
    }
}

/// An empty answer (`204 No Content`).
fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_http_with_stable_codes() {
        let cases = [
            (
                tonic::Status::invalid_argument("x"),
                400,
                "invalid_argument",
            ),
            (tonic::Status::unauthenticated("x"), 401, "unauthenticated"),
            (
                tonic::Status::permission_denied("x"),
                403,
                "permission_denied",
            ),
            (tonic::Status::not_found("x"), 404, "not_found"),
            (tonic::Status::already_exists("x"), 409, "already_exists"),
            (
                tonic::Status::failed_precondition("x"),
                409,
                "failed_precondition",
            ),
            (
                tonic::Status::resource_exhausted("x"),
                429,
                "resource_exhausted",
            ),
            (tonic::Status::unavailable("x"), 503, "unavailable"),
            (tonic::Status::internal("x"), 500, "internal"),
        ];
        for (status, http, code) in cases {
            let e = ApiError::from(status);
            assert_eq!((e.status.as_u16(), e.code), (http, code));
        }
        let r = ApiError::from(tonic::Status::unavailable("loading")).into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_route() {
        let doc = openapi();
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(json["openapi"], "3.1.0");
        for path in [
            "/v1/teams",
            "/v1/teams/{team}",
            "/v1/teams/{team}/topics/{topic}/replay",
            "/v1/teams/{team}/subscriptions/{id}/attempts",
            "/v1/teams/{team}/subscriptions/{id}/dead-letters/replay",
            "/v1/whoami",
            "/v1/teams/{team}/portal-tokens",
            "/v1/teams/{team}/subscriptions/{id}/health",
            "/v1/teams/{team}/subscriptions/{id}/test",
            "/v1/teams/{team}/event-types/{name}/versions/{version}/schema",
            "/v1/teams/{team}/topics/{topic}/schema-policy",
        ] {
            assert!(json["paths"][path].is_object(), "{path} missing");
        }
        assert!(json["components"]["schemas"]["ErrorBody"].is_object());
        assert_refs_resolve(&json, &json);
    }

    /// Every `$ref` in `value` names a schema of `doc`'s components.
    fn assert_refs_resolve(doc: &serde_json::Value, value: &serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                    let name = r.trim_start_matches("#/components/schemas/");
                    assert!(
                        doc["components"]["schemas"][name].is_object(),
                        "{r} points nowhere"
                    );
                }
                map.values().for_each(|v| assert_refs_resolve(doc, v));
            }
            serde_json::Value::Array(items) => {
                items.iter().for_each(|v| assert_refs_resolve(doc, v))
            }
            _ => {}
        }
    }
}
