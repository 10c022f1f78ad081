//! `POST /v1/topics/{team}/{topic}/events`: plain JSON events, CloudEvents structured mode and
//! batches, with the same semantics as gRPC.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::metrics::Transport;
use crate::publish::{Core, Draft, Receipt};
use herald_core::envelope::TRACEPARENT_HEADER;

use crate::IngestError;

/// The path of the publish route.
pub const EVENTS_PATH: &str = "/v1/topics/{team}/{topic}/events";

pub(crate) fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route(EVENTS_PATH, post(publish))
        .with_state(core)
}

fn error_response(core: &Core, e: &IngestError) -> Response {
    let body = json!({ "error": e.to_string() });
    let mut response = (e.http_status(), axum::Json(body)).into_response();
    if matches!(e, IngestError::Unavailable(_)) {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(core.retry_after_secs),
        );
    }
    response
}

fn receipt_json(r: &Receipt) -> Value {
    json!({ "id": r.id, "partition": r.partition, "offset": r.offset, "duplicate": r.duplicate })
}

async fn publish(
    State(core): State<Arc<Core>>,
    Path((team, topic)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
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
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let e = if e.downcast_ref::<LengthLimitError>().is_some() {
                IngestError::TooLarge(format!("the request body exceeds {limit} bytes"))
            } else {
                IngestError::Invalid(format!("cannot read the request body: {e}"))
            };
            core.reject(Transport::Http, &e, 1);
            return error_response(&core, &e);
        }
    };
    let (drafts, batch) = match parse_body(text(header::CONTENT_TYPE.as_str()), &bytes) {
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
            Some(Ok(r)) => (StatusCode::ACCEPTED, axum::Json(receipt_json(&r))).into_response(),
            Some(Err(e)) => error_response(&core, &e),
            None => error_response(&core, &IngestError::Internal("no outcome".into())),
        };
    }
    let failed = results.iter().filter(|r| r.is_err()).count();
    let total = results.len();
    let json_results: Vec<Value> = results
        .iter()
        .map(|r| match r {
            Ok(r) => receipt_json(r),
            Err(e) => json!({ "status": e.http_status().as_u16(), "error": e.to_string() }),
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
            "error": format!("{failed} of {total} events were not accepted; see results"),
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

/// Parses a request body into drafts; `true` when it was a batch.
pub(crate) fn parse_body(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(Vec<Draft>, bool), IngestError> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media.as_str() {
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
             application/cloudevents+json or application/cloudevents-batch+json"
        ))),
    }
}

type Fields = HashMap<String, Box<RawValue>>;

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

/// A CloudEvents 1.0 event in structured JSON mode (`data` or `data_base64`).
fn structured(mut fields: Fields) -> Result<Draft, IngestError> {
    match string_field(&mut fields, "specversion")?.as_deref() {
        Some("1.0") => {}
        Some(other) => {
            return Err(IngestError::Invalid(format!(
                "invalid attribute 'specversion': {other:?}, only \"1.0\" is supported"
            )));
        }
        None => {
            return Err(IngestError::Invalid(
                "missing required attribute 'specversion'".to_owned(),
            ));
        }
    }
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
        extensions.insert(name, text);
    }
    // The CloudEvents partitioning extension names the Kafka record key.
    d.key = extensions.get("partitionkey").cloned();
    d.extensions = extensions;
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
    }

    #[test]
    fn structured_modes() {
        let body = br#"{"specversion":"1.0","id":"e1","type":"t","source":"/s","datacontenttype":"text/plain","data":"hello","partitionkey":"pk","tenant":7}"#;
        let (d, _) = parse_body(Some("application/cloudevents+json"), body).unwrap();
        assert_eq!(d[0].data, b"hello");
        assert_eq!(d[0].key.as_deref(), Some("pk"));
        assert_eq!(d[0].extensions.get("tenant").map(String::as_str), Some("7"));
        let body = br#"[{"specversion":"1.0","type":"t","data_base64":"AAEC"}]"#;
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
}
