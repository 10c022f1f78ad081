//! `POST /v1/topics/{team}/{topic}/events`: plain JSON events and the CloudEvents 1.0 HTTP
//! binding (binary, structured and batched content modes), with the same semantics as gRPC.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use flate2::read::MultiGzDecoder;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::metrics::Transport;
use crate::publish::{Core, Draft, Receipt};
use herald_core::envelope::{SPEC_VERSION, TRACEPARENT_HEADER};

use crate::IngestError;

/// The path of the publish route.
pub const EVENTS_PATH: &str = "/v1/topics/{team}/{topic}/events";

pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route(EVENTS_PATH, post(publish))
        .with_state(core)
}

/// Reads a request body up to `max_request_bytes`, counting a refusal.
pub(crate) async fn read_body(core: &Core, body: Body) -> Result<axum::body::Bytes, IngestError> {
    let limit = core.limits().max_request_bytes;
    Limited::new(body, limit)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| {
            let e = if e.downcast_ref::<LengthLimitError>().is_some() {
                IngestError::TooLarge(format!("the request body exceeds {limit} bytes"))
            } else {
                IngestError::Invalid(format!("cannot read the request body: {e}"))
            };
            core.reject(Transport::Http, &e, 1);
            e
        })
}

pub(crate) fn error_response(core: &Core, e: &IngestError) -> Response {
    let mut response = herald_runtime::error_response(e.http_status(), &e.to_string());
    if matches!(e, IngestError::Unavailable(_)) {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(core.retry_after_secs),
        );
    }
    response
}

/// One event's outcome in a batch's answer.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Outcome<'a> {
    Accepted(&'a Receipt),
    Refused {
        status: u16,
        code: &'static str,
        message: String,
    },
}

/// Publishes one event or a batch; answers once Kafka acknowledged.
#[utoipa::path(post, path = "/v1/topics/{team}/{topic}/events", tag = "ingest",
    params(("team" = String, Path, description = "The team"), ("topic" = String, Path, description = "The topic")),
    request_body(description = "Herald's JSON form (one event or an array), a structured or batched CloudEvent, or any body with ce-* headers (binary mode)",
        content(
            (ref("#/components/schemas/PublishBody") = "application/json"),
            (ref("#/components/schemas/CloudEvent") = "application/cloudevents+json"),
            (ref("#/components/schemas/CloudEventBatch") = "application/cloudevents-batch+json"),
        )),
    responses(
        (status = 202, description = "Acknowledged by Kafka", body = ref("#/components/schemas/PublishAnswer")),
        (status = 400, description = "Invalid event", body = herald_runtime::ErrorBody),
        (status = 401, description = "No or unknown credentials", body = herald_runtime::ErrorBody),
        (status = 403, description = "May not publish to the topic", body = herald_runtime::ErrorBody),
        (status = 404, description = "No such topic", body = herald_runtime::ErrorBody),
        (status = 413, description = "Body too large", body = herald_runtime::ErrorBody),
        (status = 422, description = "The topic enforces the event-type catalog: unknown type or data failing its schema (the message has the JSON pointer)", body = herald_runtime::ErrorBody),
        (status = 415, description = "Unsupported content type or encoding", body = herald_runtime::ErrorBody),
        (status = 503, description = "Kafka is unavailable; retry after Retry-After", body = herald_runtime::ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn publish(
    State(core): State<Arc<Core>>,
    Path((team, topic)): Path<(String, String)>,
    request: Request,
) -> Response {
    // Taken apart rather than extracted: axum's `HeaderMap` extractor clones every header.
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let authorization = text(header::AUTHORIZATION.as_str());
    let kafka_topic = match core.authorize(Transport::Http, authorization, &team, &topic, 1) {
        Ok(t) => t,
        Err(e) => return error_response(&core, &e),
    };
    let limit = core.limits().max_request_bytes;
    let bytes = match read_body(&core, body).await {
        Ok(b) => b,
        Err(e) => return error_response(&core, &e),
    };
    let (drafts, batch) = match parse_request(&headers, &bytes, limit) {
        Ok(d) => d,
        Err(e) => {
            core.reject(Transport::Http, &e, 1);
            return error_response(&core, &e);
        }
    };
    let results = match core
        .publish_to(
            Transport::Http,
            &kafka_topic,
            text(TRACEPARENT_HEADER),
            &team,
            &topic,
            drafts,
            batch,
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return error_response(&core, &e),
    };
    if !batch {
        return match results.into_iter().next() {
            Some(Ok(r)) => (StatusCode::ACCEPTED, axum::Json(r)).into_response(),
            Some(Err(e)) => error_response(&core, &e),
            None => error_response(&core, &IngestError::Internal("no outcome".into())),
        };
    }
    let failed = results.iter().filter(|r| r.is_err()).count();
    let total = results.len();
    let json_results: Vec<Outcome<'_>> = results
        .iter()
        .map(|r| match r {
            Ok(r) => Outcome::Accepted(r),
            Err(e) => Outcome::Refused {
                status: e.http_status().as_u16(),
                code: herald_runtime::error_code(e.http_status()),
                message: e.to_string(),
            },
        })
        .collect();
    if failed == 0 {
        return (
            StatusCode::ACCEPTED,
            axum::Json(json!({ "results": json_results })),
        )
            .into_response();
    }
    // Some events failed: answer with the most retry-worthy failure (503 when any event was
    // unavailable) and every per-event outcome, so a client can resend just the failed ones.
    let errors = || results.iter().filter_map(|r| r.as_ref().err());
    let worst = errors()
        .find(|e| matches!(e, IngestError::Unavailable(_)))
        .or_else(|| errors().next());
    let status = worst.map_or(StatusCode::INTERNAL_SERVER_ERROR, IngestError::http_status);
    let mut response = (
        status,
        axum::Json(json!({
            "code": herald_runtime::error_code(status),
            "message": format!("{failed} of {total} events were not accepted; see results"),
            "results": json_results,
        })),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(core.retry_after_secs),
        );
    }
    response
}

/// Parses a whole request into drafts; `true` when it was a batch. The body is first decoded
/// per `Content-Encoding` (its decoded size bounded by `limit`); a media type naming a
/// CloudEvents format selects structured or batched mode, else any `ce-*` header selects binary
/// mode, else the body is read by [`parse_body`].
pub(crate) fn parse_request(
    headers: &HeaderMap,
    body: &[u8],
    limit: usize,
) -> Result<(Vec<Draft>, bool), IngestError> {
    let body = if is_gzipped(headers)? {
        Cow::Owned(gunzip(body, limit)?)
    } else {
        Cow::Borrowed(body)
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    // A CloudEvents media type wins over `ce-*` headers: structured mode may repeat attributes
    // as headers, and the body is then the only authority (HTTP binding 3.2.3).
    let cloudevents_format = media_type(content_type).starts_with("application/cloudevents");
    if !cloudevents_format && headers.keys().any(|k| k.as_str().starts_with(CE_HEADER)) {
        return Ok((vec![binary(headers, &body)?], false));
    }
    parse_body(content_type, &body)
}

/// Whether `Content-Encoding` says the body is gzip-compressed. Only `gzip` (once) and
/// `identity` are accepted, so a body is decompressed at most one time.
fn is_gzipped(headers: &HeaderMap) -> Result<bool, IngestError> {
    let mut gzip = false;
    for value in headers.get_all(header::CONTENT_ENCODING) {
        let value = value.to_str().map_err(|_| {
            IngestError::UnsupportedMediaType("content-encoding is not ASCII".to_owned())
        })?;
        for coding in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            match coding.to_ascii_lowercase().as_str() {
                "identity" => {}
                // RFC 9110 8.4.1.3: recipients treat x-gzip as gzip.
                "gzip" | "x-gzip" if !gzip => gzip = true,
                "gzip" | "x-gzip" => {
                    return Err(IngestError::UnsupportedMediaType(
                        "content-encoding: gzip applied more than once is not supported".to_owned(),
                    ));
                }
                other => {
                    return Err(IngestError::UnsupportedMediaType(format!(
                        "content-encoding {other:?} is not supported; send gzip or identity"
                    )));
                }
            }
        }
    }
    Ok(gzip)
}

/// Decompresses a gzip body, refusing it as soon as its output passes `limit` bytes so a
/// decompression bomb costs at most `limit` bytes of memory.
fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, IngestError> {
    let mut out = Vec::new();
    MultiGzDecoder::new(body)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| IngestError::Invalid(format!("cannot decode the gzip body: {e}")))?;
    if out.len() > limit {
        return Err(IngestError::TooLarge(format!(
            "the decoded request body exceeds {limit} bytes"
        )));
    }
    Ok(out)
}

/// The lowercase media type of a `Content-Type` value, without parameters.
fn media_type(content_type: Option<&str>) -> String {
    content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Parses a request body into drafts by its content type; `true` when it was a batch.
pub(crate) fn parse_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(Vec<Draft>, bool), IngestError> {
    match media_type(content_type).as_str() {
        "application/cloudevents+json" => {
            let fields = parse_json::<Fields>(body)?;
            Ok((vec![structured(fields)?], false))
        }
        "application/cloudevents-batch+json" => {
            let items = parse_json::<Vec<Fields>>(body)?;
            let drafts = items
                .into_iter()
                .enumerate()
                .map(|(i, f)| structured(f).map_err(|e| at(i, e)))
                .collect::<Result<_, _>>()?;
            Ok((drafts, true))
        }
        "" | "application/json" => {
            let first = body.iter().find(|b| !b.is_ascii_whitespace());
            if first == Some(&b'[') {
                let items = parse_json::<Vec<Fields>>(body)?;
                let drafts = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| auto(f).map_err(|e| at(i, e)))
                    .collect::<Result<_, _>>()?;
                Ok((drafts, true))
            } else {
                Ok((vec![auto(parse_json::<Fields>(body)?)?], false))
            }
        }
        other => Err(IngestError::UnsupportedMediaType(format!(
            "content-type {other:?} is not supported; send application/json, \
             application/cloudevents+json, application/cloudevents-batch+json, or a \
             CloudEvent in binary mode (ce-* headers)"
        ))),
    }
}

/// A JSON object's members, borrowed from the body: a name is copied only when it has escapes,
/// and a value never here (the plain form's `data` is copied once, into the event).
type Fields<'a> = HashMap<Name<'a>, &'a RawValue>;

/// A member's name, borrowed from the body unless it has escapes.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Name<'a>(Cow<'a, str>);

impl std::borrow::Borrow<str> for Name<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Name<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visitor)
    }
}

fn parse_json<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, IngestError> {
    serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_data() {
            "expected a JSON object (or an array of them for a batch)"
        } else {
            "invalid JSON"
        };
        IngestError::Invalid(format!("{what}: {e}"))
    })
}

fn at(i: usize, e: IngestError) -> IngestError {
    match e {
        IngestError::Invalid(m) => IngestError::Invalid(format!("events[{i}]: {m}")),
        other => other,
    }
}

/// Plain or structured, decided by the presence of `specversion`.
fn auto(fields: Fields) -> Result<Draft, IngestError> {
    if fields.contains_key("specversion") {
        structured(fields)
    } else {
        plain(fields)
    }
}

fn string_field(fields: &mut Fields, name: &str) -> Result<Option<String>, IngestError> {
    match fields.remove(name) {
        None => Ok(None),
        Some(raw) => serde_json::from_str::<Option<String>>(raw.get()).map_err(|_| {
            IngestError::Invalid(format!("invalid attribute '{name}': must be a string"))
        }),
    }
}

const PLAIN_FIELDS: &str = "type, data, id, source, key, time, subject";

/// `{"type","data","id"?,"source"?,"key"?,"time"?,"subject"?}`; `data` is stored as its JSON.
fn plain(mut fields: Fields) -> Result<Draft, IngestError> {
    let mut d = Draft {
        ty: string_field(&mut fields, "type")?,
        id: string_field(&mut fields, "id")?,
        source: string_field(&mut fields, "source")?,
        key: string_field(&mut fields, "key")?,
        time: string_field(&mut fields, "time")?,
        subject: string_field(&mut fields, "subject")?,
        ..Draft::default()
    };
    if let Some(data) = fields.remove("data") {
        d.data = data.get().as_bytes().to_vec();
    }
    if let Some(unknown) = fields.keys().min() {
        return Err(IngestError::Invalid(format!(
            "unknown field '{unknown}': a plain event has {PLAIN_FIELDS}; send \
             application/cloudevents+json for other attributes"
        )));
    }
    Ok(d)
}

fn is_json_media(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media == "text/json" || media.ends_with("+json")
}

/// Names an attribute in messages, with the header that carries it in binary mode.
fn label(name: &str, binary: bool) -> String {
    if binary {
        format!("'{name}' (header {CE_HEADER}{name})")
    } else {
        format!("'{name}'")
    }
}

/// Accepts `specversion` 1.0 only, the one version whose attributes Herald knows.
fn check_specversion(value: Option<&str>, binary: bool) -> Result<(), IngestError> {
    match value {
        Some(SPEC_VERSION) => Ok(()),
        None | Some("") => Err(IngestError::Invalid(format!(
            "missing required attribute {}",
            label("specversion", binary)
        ))),
        Some(other) => Err(IngestError::Invalid(format!(
            "invalid attribute {}: {other:?}, only \"{SPEC_VERSION}\" is supported",
            label("specversion", binary)
        ))),
    }
}

/// Refuses a CloudEvent without its required attributes: unlike Herald's own JSON form, a
/// CloudEvent gets no generated id or default source, so its id stays the producer's
/// idempotency key.
fn check_required(d: &Draft, binary: bool) -> Result<(), IngestError> {
    for (name, value) in [("id", &d.id), ("source", &d.source), ("type", &d.ty)] {
        if value.as_deref().is_none_or(str::is_empty) {
            return Err(IngestError::Invalid(format!(
                "missing required attribute {}",
                label(name, binary)
            )));
        }
    }
    Ok(())
}

/// Moves the remaining attributes into extensions; the CloudEvents partitioning extension
/// names the Kafka record key.
fn set_extensions(d: &mut Draft, extensions: BTreeMap<String, String>) {
    d.key = extensions.get("partitionkey").cloned();
    d.extensions = extensions;
}

/// Prefix of CloudEvents attribute headers in the HTTP binding.
const CE_HEADER: &str = "ce-";

/// A CloudEvents 1.0 event in binary content mode: attributes from `ce-*` headers,
/// `datacontenttype` from `Content-Type`, the body as data.
fn binary(headers: &HeaderMap, body: &[u8]) -> Result<Draft, IngestError> {
    let mut attributes = BTreeMap::new();
    for name in headers.keys() {
        let Some(attribute) = name.as_str().strip_prefix(CE_HEADER) else {
            continue;
        };
        // Two values for one attribute would leave it to chance which one is the event's.
        let mut values = headers.get_all(name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(IngestError::Invalid(format!(
                "invalid attribute {}: the header is sent more than once",
                label(attribute, true)
            )));
        };
        attributes.insert(attribute.to_owned(), header_attribute(attribute, value)?);
    }
    check_specversion(attributes.remove("specversion").as_deref(), true)?;
    if attributes.contains_key("datacontenttype") {
        return Err(IngestError::Invalid(
            "invalid header 'ce-datacontenttype': in binary mode datacontenttype is the \
             content-type header"
                .to_owned(),
        ));
    }
    let content_type = match headers.get(header::CONTENT_TYPE) {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            IngestError::Invalid(
                "invalid attribute 'datacontenttype' (header content-type): not ASCII".to_owned(),
            )
        })?),
    };
    let mut d = Draft {
        id: attributes.remove("id"),
        ty: attributes.remove("type"),
        source: attributes.remove("source"),
        subject: attributes.remove("subject"),
        time: attributes.remove("time"),
        // Without a content-type the payload is opaque bytes (RFC 9110 8.3), not JSON.
        content_type: Some(
            content_type
                .unwrap_or("application/octet-stream")
                .to_owned(),
        ),
        data_schema: attributes.remove("dataschema"),
        traceparent: attributes.remove("traceparent"),
        data: body.to_vec(),
        ..Draft::default()
    };
    check_required(&d, true)?;
    set_extensions(&mut d, attributes);
    Ok(d)
}

/// A `ce-*` header's attribute value per the HTTP binding (3.1.3.2): a quoted-string is
/// unescaped, then one round of percent-decoding must yield UTF-8.
fn header_attribute(attribute: &str, value: &HeaderValue) -> Result<String, IngestError> {
    let invalid = |why: &str| {
        IngestError::Invalid(format!(
            "invalid attribute {}: {why}",
            label(attribute, true)
        ))
    };
    let raw = value.as_bytes();
    if raw.iter().any(|b| !(0x20..=0x7e).contains(b)) {
        return Err(invalid(
            "the header value is not printable ASCII; percent-encode other characters",
        ));
    }
    let unquoted = match raw {
        [b'"', inner @ .., b'"'] => {
            let mut out = Vec::with_capacity(inner.len());
            let mut bytes = inner.iter();
            while let Some(&b) = bytes.next() {
                match b {
                    b'\\' => out.push(
                        *bytes
                            .next()
                            .ok_or_else(|| invalid("unterminated quoted string"))?,
                    ),
                    b'"' => return Err(invalid("unescaped '\"' in a quoted string")),
                    _ => out.push(b),
                }
            }
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(raw),
    };
    let hex = |b: Option<&u8>| {
        b.and_then(|b| char::from(*b).to_digit(16))
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut decoded = Vec::with_capacity(unquoted.len());
    let mut i = 0;
    while i < unquoted.len() {
        if unquoted[i] == b'%' {
            let (Some(hi), Some(lo)) = (hex(unquoted.get(i + 1)), hex(unquoted.get(i + 2))) else {
                return Err(invalid("'%' is not followed by two hex digits"));
            };
            decoded.push(hi << 4 | lo);
            i += 3;
        } else {
            decoded.push(unquoted[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| invalid("not UTF-8 after percent-decoding"))
}

/// A CloudEvents 1.0 event in structured JSON mode (`data` or `data_base64`).
fn structured(mut fields: Fields) -> Result<Draft, IngestError> {
    check_specversion(string_field(&mut fields, "specversion")?.as_deref(), false)?;
    let mut d = Draft {
        id: string_field(&mut fields, "id")?,
        ty: string_field(&mut fields, "type")?,
        source: string_field(&mut fields, "source")?,
        subject: string_field(&mut fields, "subject")?,
        time: string_field(&mut fields, "time")?,
        content_type: string_field(&mut fields, "datacontenttype")?,
        data_schema: string_field(&mut fields, "dataschema")?,
        traceparent: string_field(&mut fields, "traceparent")?,
        ..Draft::default()
    };
    let data = fields.remove("data");
    let data_base64 = string_field(&mut fields, "data_base64")?;
    d.data = match (data, data_base64) {
        (Some(_), Some(_)) => {
            return Err(IngestError::Invalid(
                "attributes 'data' and 'data_base64' are mutually exclusive".to_owned(),
            ));
        }
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| IngestError::Invalid(format!("invalid attribute 'data_base64': {e}")))?,
        (Some(raw), None) => {
            let json_payload = d.content_type.as_deref().is_none_or(is_json_media);
            match serde_json::from_str::<String>(raw.get()) {
                // Non-JSON media carried as a JSON string (e.g. text/plain, application/xml).
                Ok(s) if !json_payload => s.into_bytes(),
                _ => raw.get().as_bytes().to_vec(),
            }
        }
        (None, None) => Vec::new(),
    };
    let mut extensions = BTreeMap::new();
    for (name, raw) in fields {
        let value: Value = serde_json::from_str(raw.get())
            .map_err(|e| IngestError::Invalid(format!("invalid attribute '{name}': {e}")))?;
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return Err(IngestError::Invalid(format!(
                    "invalid attribute '{name}': extension values are strings, numbers or booleans"
                )));
            }
        };
        extensions.insert(name.0.into_owned(), text);
    }
    check_required(&d, false)?;
    set_extensions(&mut d, extensions);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(r: Result<(Vec<Draft>, bool), IngestError>) -> String {
        match r {
            Err(IngestError::Invalid(m)) => m,
            other => panic!(
                "expected invalid, got {:?}",
                other.map(|(d, b)| (d.len(), b))
            ),
        }
    }

    #[test]
    fn plain_single_and_array() {
        let (d, batch) = parse_body(
            Some("application/json; charset=utf-8"),
            br#"{"type":"a.b","data":{"z":1, "a":[1,2]},"key":"k"}"#,
        )
        .unwrap();
        assert!(!batch);
        assert_eq!(d[0].ty.as_deref(), Some("a.b"));
        assert_eq!(d[0].data, br#"{"z":1, "a":[1,2]}"#);
        assert_eq!(d[0].key.as_deref(), Some("k"));
        let (d, batch) =
            parse_body(None, br#" [{"type":"x","data":1},{"type":"y","data":"s"}]"#).unwrap();
        assert!(batch);
        assert_eq!(d[1].data, br#""s""#);
        let m = invalid(parse_body(None, br#"{"type":"x","colour":1}"#));
        assert!(m.contains("'colour'"), "{m}");
        let m = invalid(parse_body(None, br#"[{"type":"x"},{"type":5}]"#));
        assert!(m.starts_with("events[1]: ") && m.contains("'type'"), "{m}");
        let m = invalid(parse_body(None, b"{nope"));
        assert!(m.contains("invalid JSON"), "{m}");
        // Member names are read in place unless escaped; escaped ones mean the same.
        let (d, _) = parse_body(None, br#"{"t\u0079pe":"x","data":1}"#).unwrap();
        assert_eq!(d[0].ty.as_deref(), Some("x"));
        let m = invalid(parse_body(None, br#"{"type":"x","col\u006fur":1}"#));
        assert!(m.contains("'colour'"), "{m}");
        let (d, _) = parse_body(
            Some("application/cloudevents+json"),
            br#"{"specversion":"1.0","id":"e","source":"/s","type":"t","t\u0065nant":"a"}"#,
        )
        .unwrap();
        assert_eq!(d[0].extensions.get("tenant").map(String::as_str), Some("a"));
    }

    #[test]
    fn structured_modes() {
        let body = br#"{"specversion":"1.0","id":"e1","type":"t","source":"/s","datacontenttype":"text/plain","data":"hello","partitionkey":"pk","tenant":7}"#;
        let (d, _) = parse_body(Some("application/cloudevents+json"), body).unwrap();
        assert_eq!(d[0].data, b"hello");
        assert_eq!(d[0].key.as_deref(), Some("pk"));
        assert_eq!(d[0].extensions.get("tenant").map(String::as_str), Some("7"));
        let body =
            br#"[{"specversion":"1.0","id":"e2","source":"/s","type":"t","data_base64":"AAEC"}]"#;
        let (d, batch) = parse_body(Some("application/cloudevents-batch+json"), body).unwrap();
        assert!(batch);
        assert_eq!(d[0].data, [0, 1, 2]);
        let m = invalid(parse_body(
            Some("application/cloudevents+json"),
            br#"{"specversion":"1.0","type":"t","data":1,"data_base64":"AA=="}"#,
        ));
        assert!(m.contains("data_base64"), "{m}");
        let m = invalid(parse_body(
            Some("application/cloudevents+json"),
            br#"{"type":"t"}"#,
        ));
        assert!(m.contains("specversion"), "{m}");
        assert!(matches!(
            parse_body(Some("text/plain"), b"x"),
            Err(IngestError::UnsupportedMediaType(_))
        ));
    }

    const LIMIT: usize = 64 * 1024;

    fn request(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        headers
    }

    fn one(r: Result<(Vec<Draft>, bool), IngestError>) -> Draft {
        let (mut drafts, batch) = r.unwrap();
        assert!(!batch && drafts.len() == 1);
        drafts.remove(0)
    }

    fn binary_event(extra: &[(&'static str, &'static [u8])]) -> HeaderMap {
        let mut pairs: Vec<(&str, &[u8])> = vec![
            ("ce-specversion", b"1.0"),
            ("ce-id", b"X"),
            ("ce-source", b"/shop"),
            ("ce-type", b"order.created"),
        ];
        for (name, value) in extra {
            pairs.retain(|(n, _)| n != name);
            pairs.push((name, value));
        }
        request(&pairs)
    }

    #[test]
    fn binary_mode_takes_attributes_from_headers_and_the_body_as_data() {
        let headers = binary_event(&[
            ("content-type", b"text/plain; charset=utf-8"),
            ("ce-time", b"2026-11-23T10:00:00Z"),
            ("ce-subject", b"caf%C3%a9%20au%20lait"),
            ("ce-dataschema", br#""urn:schema:\"v1\"""#),
            (
                "ce-traceparent",
                b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            ("CE-PartitionKey", b"pk-1"),
            ("ce-tenant", b"t1"),
        ]);
        let d = one(parse_request(&headers, b"hello", LIMIT));
        assert_eq!(d.id.as_deref(), Some("X"));
        assert_eq!(d.source.as_deref(), Some("/shop"));
        assert_eq!(d.ty.as_deref(), Some("order.created"));
        assert_eq!(d.time.as_deref(), Some("2026-11-23T10:00:00Z"));
        assert_eq!(d.subject.as_deref(), Some("café au lait"));
        assert_eq!(d.data_schema.as_deref(), Some(r#"urn:schema:"v1""#));
        assert_eq!(d.content_type.as_deref(), Some("text/plain; charset=utf-8"));
        assert!(d.traceparent.is_some());
        assert_eq!(d.key.as_deref(), Some("pk-1"));
        assert_eq!(
            d.extensions.keys().collect::<Vec<_>>(),
            ["partitionkey", "tenant"]
        );
        assert_eq!(d.data, b"hello");

        // No content-type: the payload is opaque bytes, not JSON.
        let d = one(parse_request(&binary_event(&[]), &[0, 255], LIMIT));
        assert_eq!(d.content_type.as_deref(), Some("application/octet-stream"));
        assert_eq!(d.data, [0, 255]);

        // A CloudEvents media type is structured mode: the body, not the headers, is the event.
        let headers = binary_event(&[("content-type", b"application/cloudevents+json")]);
        let body = br#"{"specversion":"1.0","id":"from-body","source":"/b","type":"t"}"#;
        let d = one(parse_request(&headers, body, LIMIT));
        assert_eq!(d.id.as_deref(), Some("from-body"));
    }

    #[test]
    fn binary_mode_refuses_what_the_binding_forbids() {
        let refused = |extra: &[(&'static str, &'static [u8])], body: &[u8]| {
            invalid(parse_request(&binary_event(extra), body, LIMIT))
        };
        let m = refused(&[("ce-specversion", b"9.9")], br#"{"a":1}"#);
        assert!(m.contains("'specversion'") && m.contains("9.9"), "{m}");
        let m = invalid(parse_request(
            &request(&[("ce-id", b"X"), ("content-type", b"application/json")]),
            b"{}",
            LIMIT,
        ));
        assert!(
            m.contains("missing required attribute 'specversion'"),
            "{m}"
        );
        for name in ["ce-id", "ce-source", "ce-type"] {
            let m = refused(&[(name, b"")], b"");
            assert!(
                m.starts_with("missing required attribute") && m.contains(name),
                "{m}"
            );
        }
        let m = refused(&[("ce-type", b"\xff")], b"");
        assert!(m.contains("'type'") && m.contains("ASCII"), "{m}");
        let m = refused(&[("ce-type", b"%C0%A0")], b"");
        assert!(m.contains("'type'") && m.contains("UTF-8"), "{m}");
        let m = refused(&[("ce-subject", b"100%")], b"");
        assert!(m.contains("'subject'") && m.contains("hex"), "{m}");
        let m = refused(&[("ce-subject", br#""open\""#)], b"");
        assert!(m.contains("quoted"), "{m}");
        let m = refused(&[("ce-datacontenttype", b"text/plain")], b"");
        assert!(m.contains("ce-datacontenttype"), "{m}");
        let mut twice = binary_event(&[]);
        twice.append("ce-id", HeaderValue::from_static("Y"));
        let m = invalid(parse_request(&twice, b"", LIMIT));
        assert!(m.contains("'id'") && m.contains("more than once"), "{m}");
    }

    #[test]
    fn cloudevents_need_their_required_attributes_and_specversion_1_0() {
        let ce = Some("application/cloudevents+json");
        let batch = Some("application/cloudevents-batch+json");
        let m = invalid(parse_body(
            ce,
            br#"{"specversion":"9.9","id":"e","source":"/s","type":"t"}"#,
        ));
        assert!(m.contains("'specversion'") && m.contains("9.9"), "{m}");
        let m = invalid(parse_body(
            batch,
            br#"[{"specversion":"1.0","id":"e","source":"/s","type":"t"},{"specversion":"9.9","id":"f","source":"/s","type":"t"}]"#,
        ));
        assert!(
            m.starts_with("events[1]: ") && m.contains("'specversion'"),
            "{m}"
        );
        let m = invalid(parse_body(
            ce,
            br#"{"specversion":"1.0","source":"/s","type":"t"}"#,
        ));
        assert_eq!(m, "missing required attribute 'id'");
        let m = invalid(parse_body(
            ce,
            br#"{"specversion":"1.0","id":"e","type":"t"}"#,
        ));
        assert_eq!(m, "missing required attribute 'source'");
        let m = invalid(parse_body(
            ce,
            br#"{"specversion":"1.0","id":"","source":"/s","type":"t"}"#,
        ));
        assert_eq!(m, "missing required attribute 'id'");
        let m = invalid(parse_body(
            batch,
            br#"[{"specversion":"1.0","id":"e","source":"/s"}]"#,
        ));
        assert_eq!(m, "events[0]: missing required attribute 'type'");
        let m = invalid(parse_body(
            Some("application/json"),
            br#"{"specversion":"1.0","type":"t"}"#,
        ));
        assert!(
            m.contains("'id'"),
            "an object with specversion is a CloudEvent: {m}"
        );
        // Herald's own JSON form keeps its defaults.
        let d = one(parse_body(Some("application/json"), br#"{"type":"t"}"#));
        assert!(d.id.is_none() && d.source.is_none());
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn content_encoding_gzip_is_decoded_within_the_limit() {
        let body = br#"{"type":"t","data":{"n":1}}"#;
        for coding in ["gzip", "x-gzip", "GZIP, identity", "identity,gzip"] {
            let headers = request(&[
                ("content-type", b"application/json"),
                ("content-encoding", coding.as_bytes()),
            ]);
            let d = one(parse_request(&headers, &gzip(body), LIMIT));
            assert_eq!(d.data, br#"{"n":1}"#, "{coding}");
        }
        let headers = request(&[("content-encoding", b"identity")]);
        assert_eq!(
            one(parse_request(&headers, body, LIMIT)).ty.as_deref(),
            Some("t")
        );

        // Binary mode data is the decoded body.
        let mut headers = binary_event(&[]);
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(
            one(parse_request(&headers, &gzip(b"raw"), LIMIT)).data,
            b"raw"
        );

        let headers = request(&[("content-encoding", b"gzip")]);
        let m = invalid(parse_request(&headers, b"not gzip", LIMIT));
        assert!(m.contains("gzip"), "{m}");

        // A bomb: 16 KiB on the wire, 16 MiB decoded, refused once it passes the limit.
        let bomb = gzip(&vec![b' '; 16 << 20]);
        assert!(bomb.len() < LIMIT);
        match parse_request(&headers, &bomb, LIMIT) {
            Err(e @ IngestError::TooLarge(_)) => {
                assert_eq!(e.http_status(), StatusCode::PAYLOAD_TOO_LARGE);
                assert!(e.to_string().contains("decoded"), "{e}");
            }
            other => panic!("expected too large, got {:?}", other.map(|(d, _)| d.len())),
        }
    }

    #[test]
    fn content_encodings_other_than_gzip_and_identity_are_unsupported() {
        for coding in ["br", "deflate", "gzip, br", "gzip, gzip", "zstd"] {
            let headers = request(&[("content-encoding", coding.as_bytes())]);
            match parse_request(&headers, b"{}", LIMIT) {
                Err(e @ IngestError::UnsupportedMediaType(_)) => {
                    assert_eq!(e.http_status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
                    assert!(e.to_string().contains("content-encoding"), "{e}");
                }
                other => panic!(
                    "{coding}: expected 415, got {:?}",
                    other.map(|(d, _)| d.len())
                ),
            }
        }
    }
}
