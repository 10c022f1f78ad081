//! End-to-end tests of herald-ingest against the real broker: records read back with a plain
//! consumer carry exactly the specified headers and payload; every error has its status; a
//! private broker stopped mid-test makes publishes fail fast and recover with nothing lost.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::{Event as ProtoEvent, PublishBatchRequest, PublishRequest};
use herald_runtime::trace::is_valid_traceparent;
use herald_tests::ingest::{Fixture, ROOT_KEY, Record, read_records, start, test_config};
use herald_tests::{kafka_config, unique};
use serde_json::{Value, json};
use tonic::Code;
use tonic::transport::Channel;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const READ_WAIT: Duration = Duration::from_secs(30);

async fn client(url: String) -> PublisherClient<Channel> {
    PublisherClient::connect(url).await.expect("grpc connect")
}

fn authed<T>(msg: T, key: Option<&str>) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    key.map_or_else(herald_watch::Bearer::none, |k| {
        herald_watch::Bearer::new(k).expect("ascii key")
    })
    .apply(&mut r);
    r
}

fn event(ty: &str, data: &[u8]) -> ProtoEvent {
    ProtoEvent {
        r#type: ty.into(),
        data: data.to_vec(),
        ..Default::default()
    }
}

/// The response body as JSON (Null when it is not JSON).
async fn json_of(resp: reqwest::Response) -> Value {
    let bytes = resp.bytes().await.expect("response body");
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn by_id(records: Vec<Record>) -> BTreeMap<String, Record> {
    records
        .into_iter()
        .map(|r| (r.header("ce_id").expect("ce_id"), r))
        .collect()
}

fn header_names(r: &Record) -> Vec<&str> {
    r.headers.iter().map(|(k, _)| k.as_str()).collect()
}

fn assert_recent_rfc3339(t: &str) {
    let parsed = herald_core::envelope::parse_time(t).expect("time is RFC 3339");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!(
        (now - parsed.unix_timestamp()).abs() < 300,
        "default time {t} is now"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_publish_and_batch_land_in_kafka_exactly() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let ingest = start(test_config(kafka.clone()), Some(f.view())).await;
    let mut c = client(ingest.grpc_url()).await;

    // One event with every attribute set, and the caller's trace context in metadata.
    let mut full = event("order.created", br#"{"n":1}"#);
    full.id = "evt-full".into();
    full.source = "/shop/eu".into();
    full.subject = "order/42".into();
    full.time = "2026-11-23T10:00:00Z".into();
    full.data_content_type = "application/vnd.shop+json".into();
    full.key = "customer-7".into();
    full.extensions.insert("tenant".into(), "t1".into());
    let mut req = authed(
        PublishRequest {
            team: f.team.clone(),
            topic: f.topic.clone(),
            event: Some(full),
        },
        Some(&f.publish_key),
    );
    req.metadata_mut()
        .insert("traceparent", TRACEPARENT.parse().expect("header"));
    let full_receipt = c
        .publish(req)
        .await
        .expect("publish")
        .into_inner()
        .receipt
        .expect("receipt");
    assert_eq!(full_receipt.id, "evt-full");
    assert!(!full_receipt.duplicate);

    // A batch of minimal events (every default applies), published with the root key.
    let batch = (0..5)
        .map(|i| event("order.paid", format!("{{\"i\":{i}}}").as_bytes()))
        .collect();
    let results = c
        .publish_batch(authed(
            PublishBatchRequest {
                team: f.team.clone(),
                topic: f.topic.clone(),
                events: batch,
            },
            Some(ROOT_KEY),
        ))
        .await
        .expect("batch")
        .into_inner()
        .results;
    assert_eq!(results.len(), 5);
    let mut receipts = BTreeMap::new();
    for r in &results {
        assert_eq!(r.code, 0, "{}", r.error);
        let receipt = r.receipt.clone().expect("receipt");
        uuid::Uuid::parse_str(&receipt.id).expect("generated id is a UUID");
        receipts.insert(receipt.id.clone(), receipt);
    }
    receipts.insert(full_receipt.id.clone(), full_receipt);

    let records = by_id(read_records(&kafka, &f.kafka_topic(), 6, READ_WAIT).await);
    assert_eq!(records.len(), 6, "every acknowledged event is in kafka");
    for (id, receipt) in &receipts {
        let r = &records[id];
        assert_eq!(
            (r.partition, r.offset),
            (receipt.partition, receipt.offset),
            "receipt names the record"
        );
    }

    let r = &records["evt-full"];
    assert_eq!(
        header_names(r),
        [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_time",
            "ce_subject",
            "content-type",
            "traceparent",
            "ce_tenant"
        ]
    );
    let h = r.header_map();
    assert_eq!(h["ce_specversion"], "1.0");
    assert_eq!(h["ce_source"], "/shop/eu");
    assert_eq!(h["ce_type"], "order.created");
    assert_eq!(h["ce_time"], "2026-11-23T10:00:00Z");
    assert_eq!(h["ce_subject"], "order/42");
    assert_eq!(h["content-type"], "application/vnd.shop+json");
    assert_eq!(
        h["traceparent"], TRACEPARENT,
        "the caller's trace context is kept"
    );
    assert_eq!(h["ce_tenant"], "t1");
    assert_eq!(r.key, b"customer-7");
    assert_eq!(r.value, br#"{"n":1}"#);

    let mut traces = BTreeSet::new();
    for (id, r) in records.iter().filter(|(id, _)| *id != "evt-full") {
        assert_eq!(
            header_names(r),
            [
                "ce_specversion",
                "ce_id",
                "ce_source",
                "ce_type",
                "ce_time",
                "content-type",
                "traceparent"
            ]
        );
        let h = r.header_map();
        assert_eq!(h["ce_source"], format!("/herald/{}/{}", f.team, f.topic));
        assert_eq!(h["content-type"], "application/json");
        assert_recent_rfc3339(&h["ce_time"]);
        assert!(
            is_valid_traceparent(&h["traceparent"]),
            "{}",
            h["traceparent"]
        );
        traces.insert(h["traceparent"].clone());
        assert_eq!(r.key, id.as_bytes(), "the key defaults to the id");
        assert!(r.value.starts_with(b"{\"i\":"));
    }
    assert_eq!(traces.len(), 1, "one request, one new trace");

    // The admin port reports readiness and the accepted events.
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = http
            .get(format!("http://{}/readyz", ingest.admin))
            .send()
            .await
            .expect("readyz");
        if ready.status().is_success() {
            break;
        }
        assert!(Instant::now() < deadline, "ingest becomes ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let metrics = http
        .get(format!("http://{}/metrics", ingest.admin))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("herald_ingest_events_accepted_total{transport=\"grpc\"} 6"),
        "{metrics}"
    );
    assert!(
        metrics.contains("herald_ingest_produce_latency_seconds_count 6"),
        "{metrics}"
    );
    assert!(
        metrics.contains("herald_ingest_events_in_flight 0"),
        "{metrics}"
    );
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_plain_structured_and_batches_land_in_kafka_exactly() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let ingest = start(test_config(kafka.clone()), Some(f.view())).await;
    let http = reqwest::Client::new();
    let url = ingest.events_url(&f.team, &f.topic);
    let post = |body: String, content_type: &'static str| {
        http.post(&url)
            .bearer_auth(&f.publish_key)
            .header("content-type", content_type)
            .header("traceparent", TRACEPARENT)
            .body(body)
            .send()
    };

    // Plain JSON: data is stored as the exact JSON bytes sent.
    let plain = r#"{"type":"user.signed_up","id":"plain-1","key":"u-9","subject":"users/9","data":{"z": 1, "a": [true, null]}}"#;
    let resp = post(plain.to_owned(), "application/json")
        .await
        .expect("post");
    assert_eq!(resp.status(), 202);
    let receipt: Value = json_of(resp).await;
    assert_eq!(receipt["id"], "plain-1");
    assert_eq!(receipt["duplicate"], false);

    // CloudEvents structured mode, binary payload via data_base64.
    let structured = json!({
        "specversion": "1.0", "id": "ce-1", "type": "blob.stored", "source": "urn:store",
        "datacontenttype": "application/octet-stream", "data_base64": "AAECA/8=",
        "partitionkey": "pk-1", "region": "eu"
    });
    let resp = post(structured.to_string(), "application/cloudevents+json")
        .await
        .expect("post");
    assert_eq!(resp.status(), 202);
    let ce_receipt: Value = json_of(resp).await;

    // CloudEvents batch (text payload as a JSON string) and a plain JSON array.
    let ce_batch = json!([
        {"specversion": "1.0", "id": "ceb-1", "type": "note", "source": "/n", "datacontenttype": "text/plain", "data": "hello"},
        {"specversion": "1.0", "id": "ceb-2", "type": "note", "source": "/n", "data": {"x": 1}}
    ]);
    let resp = post(ce_batch.to_string(), "application/cloudevents-batch+json")
        .await
        .expect("post");
    assert_eq!(resp.status(), 202);
    let batch_receipts: Value = json_of(resp).await;
    assert_eq!(batch_receipts["results"].as_array().map(Vec::len), Some(2));
    let resp = post(
        r#"[{"type":"a","id":"arr-1","data":1},{"type":"b","id":"arr-2","data":"two"}]"#.to_owned(),
        "application/json",
    )
    .await
    .expect("post");
    assert_eq!(resp.status(), 202);
    let arr: Value = json_of(resp).await;
    assert_eq!(arr["results"][1]["id"], "arr-2");

    let records = by_id(read_records(&kafka, &f.kafka_topic(), 6, READ_WAIT).await);
    assert_eq!(records.len(), 6);

    let r = &records["plain-1"];
    assert_eq!(r.value, br#"{"z": 1, "a": [true, null]}"#);
    assert_eq!(r.key, b"u-9");
    assert_eq!(
        (r.partition as i64, r.offset),
        (
            receipt["partition"].as_i64().expect("p"),
            receipt["offset"].as_i64().expect("o")
        )
    );
    let h = r.header_map();
    assert_eq!(h["ce_type"], "user.signed_up");
    assert_eq!(h["ce_subject"], "users/9");
    assert_eq!(h["ce_source"], format!("/herald/{}/{}", f.team, f.topic));
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["traceparent"], TRACEPARENT);
    assert_recent_rfc3339(&h["ce_time"]);

    let r = &records["ce-1"];
    assert_eq!(r.value, [0, 1, 2, 3, 255]);
    assert_eq!(r.key, b"pk-1");
    assert_eq!(r.offset, ce_receipt["offset"].as_i64().expect("offset"));
    let h = r.header_map();
    assert_eq!(h["ce_source"], "urn:store");
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["ce_region"], "eu");
    assert_eq!(h["ce_partitionkey"], "pk-1");

    assert_eq!(records["ceb-1"].value, b"hello");
    assert_eq!(
        records["ceb-1"].header("content-type").as_deref(),
        Some("text/plain")
    );
    assert_eq!(records["ceb-2"].value, br#"{"x":1}"#);
    assert_eq!(records["arr-1"].value, b"1");
    assert_eq!(records["arr-2"].value, br#""two""#);
    assert_eq!(records["arr-2"].key, b"arr-2");
    ingest.stop().await;
}

/// (name, key, url, content-type, body, expected status, text the error must contain)
type HttpCase<'a> = (
    &'a str,
    Option<&'a str>,
    String,
    &'a str,
    String,
    u16,
    &'a str,
);

async fn http_status(
    http: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    content_type: &str,
    body: String,
) -> (u16, Value) {
    let mut req = http
        .post(url)
        .header("content-type", content_type)
        .body(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = req.send().await.expect("post");
    let status = resp.status().as_u16();
    (status, json_of(resp).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_has_its_status_over_http_and_grpc() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let mut config = test_config(kafka.clone());
    config.limits.max_event_bytes = 2_000;
    config.limits.max_batch_events = 3;
    config.limits.max_request_bytes = 64 * 1024;
    let ingest = start(config, Some(f.view())).await;
    let http = reqwest::Client::new();
    let url = ingest.events_url(&f.team, &f.topic);
    let ok = r#"{"type":"t","data":1}"#.to_owned();
    let json = "application/json";

    let cases: Vec<HttpCase> = vec![
        (
            "no key",
            None,
            url.clone(),
            json,
            ok.clone(),
            401,
            "missing credentials",
        ),
        (
            "unknown key",
            Some("nope"),
            url.clone(),
            json,
            ok.clone(),
            401,
            "unknown",
        ),
        (
            "other team's key",
            Some(&f.foreign_key),
            url.clone(),
            json,
            ok.clone(),
            403,
            "another team",
        ),
        (
            "subscribe-only key",
            Some(&f.subscribe_key),
            url.clone(),
            json,
            ok.clone(),
            403,
            "publish scope",
        ),
        (
            "key restricted to another topic",
            Some(&f.restricted_key),
            url.clone(),
            json,
            ok.clone(),
            403,
            "restricted",
        ),
        (
            "unknown topic",
            Some(&f.publish_key),
            ingest.events_url(&f.team, "nope"),
            json,
            ok.clone(),
            404,
            "does not exist",
        ),
        (
            "invalid json",
            Some(&f.publish_key),
            url.clone(),
            json,
            "{\"type\":".into(),
            400,
            "invalid JSON",
        ),
        (
            "missing type",
            Some(&f.publish_key),
            url.clone(),
            json,
            r#"{"data":1}"#.into(),
            400,
            "'type'",
        ),
        (
            "bad time",
            Some(&f.publish_key),
            url.clone(),
            json,
            r#"{"type":"t","time":"yesterday"}"#.into(),
            400,
            "'time'",
        ),
        (
            "type not a string",
            Some(&f.publish_key),
            url.clone(),
            json,
            r#"{"type":5}"#.into(),
            400,
            "'type'",
        ),
        (
            "unknown field",
            Some(&f.publish_key),
            url.clone(),
            json,
            r#"{"type":"t","colour":"red"}"#.into(),
            400,
            "'colour'",
        ),
        (
            "bad specversion",
            Some(&f.publish_key),
            url.clone(),
            "application/cloudevents+json",
            r#"{"specversion":"0.3","type":"t"}"#.into(),
            400,
            "'specversion'",
        ),
        (
            "bad data_base64",
            Some(&f.publish_key),
            url.clone(),
            "application/cloudevents+json",
            r#"{"specversion":"1.0","type":"t","data_base64":"***"}"#.into(),
            400,
            "'data_base64'",
        ),
        (
            "bad event in batch",
            Some(&f.publish_key),
            url.clone(),
            json,
            r#"[{"type":"t"},{"type":"t","time":"x"}]"#.into(),
            400,
            "events[1]",
        ),
        (
            "event too large",
            Some(&f.publish_key),
            url.clone(),
            json,
            format!(r#"{{"type":"t","data":"{}"}}"#, "x".repeat(3_000)),
            413,
            "limit",
        ),
        (
            "batch too many",
            Some(&f.publish_key),
            url.clone(),
            json,
            r#"[{"type":"t"},{"type":"t"},{"type":"t"},{"type":"t"}]"#.into(),
            413,
            "limit is 3",
        ),
        (
            "body too large",
            Some(&f.publish_key),
            url.clone(),
            json,
            format!(r#"{{"type":"t","data":"{}"}}"#, "x".repeat(70_000)),
            413,
            "exceeds",
        ),
        (
            "unsupported media type",
            Some(&f.publish_key),
            url.clone(),
            "text/plain",
            "hi".into(),
            415,
            "not supported",
        ),
    ];
    for (name, key, url, ct, body, status, needle) in cases {
        let (got, body) = http_status(&http, &url, key, ct, body).await;
        assert_eq!(got, status, "{name}: {body}");
        let msg = body["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(needle),
            "{name}: {msg:?} should mention {needle:?}"
        );
    }

    let mut c = client(ingest.grpc_url()).await;
    let one = |topic: &str, e: ProtoEvent| PublishRequest {
        team: f.team.clone(),
        topic: topic.into(),
        event: Some(e),
    };
    let mut bad_time = event("t", b"1");
    bad_time.time = "yesterday".into();
    let mut bad_ext = event("t", b"1");
    bad_ext.extensions.insert("Not_Valid".into(), "x".into());
    let grpc_cases: Vec<(&str, Option<&str>, PublishRequest, Code, &str)> = vec![
        (
            "no key",
            None,
            one(&f.topic, event("t", b"1")),
            Code::Unauthenticated,
            "missing",
        ),
        (
            "unknown key",
            Some("nope"),
            one(&f.topic, event("t", b"1")),
            Code::Unauthenticated,
            "unknown",
        ),
        (
            "other team's key",
            Some(&f.foreign_key),
            one(&f.topic, event("t", b"1")),
            Code::PermissionDenied,
            "another team",
        ),
        (
            "restricted key",
            Some(&f.restricted_key),
            one(&f.topic, event("t", b"1")),
            Code::PermissionDenied,
            "restricted",
        ),
        (
            "unknown topic",
            Some(&f.publish_key),
            one("nope", event("t", b"1")),
            Code::NotFound,
            "does not exist",
        ),
        (
            "missing type",
            Some(&f.publish_key),
            one(&f.topic, event("", b"1")),
            Code::InvalidArgument,
            "'type'",
        ),
        (
            "bad time",
            Some(&f.publish_key),
            one(&f.topic, bad_time),
            Code::InvalidArgument,
            "'time'",
        ),
        (
            "bad extension",
            Some(&f.publish_key),
            one(&f.topic, bad_ext),
            Code::InvalidArgument,
            "Not_Valid",
        ),
        (
            "event too large",
            Some(&f.publish_key),
            one(&f.topic, event("t", &[b'x'; 3_000])),
            Code::ResourceExhausted,
            "limit",
        ),
    ];
    for (name, key, req, code, needle) in grpc_cases {
        let status = c.publish(authed(req, key)).await.expect_err(name);
        assert_eq!(status.code(), code, "{name}: {status:?}");
        assert!(
            status.message().contains(needle),
            "{name}: {:?} should mention {needle:?}",
            status.message()
        );
    }
    let status = c
        .publish_batch(authed(
            PublishBatchRequest {
                team: f.team.clone(),
                topic: f.topic.clone(),
                events: (0..4).map(|_| event("t", b"1")).collect(),
            },
            Some(&f.publish_key),
        ))
        .await
        .expect_err("batch too many");
    assert_eq!(status.code(), Code::ResourceExhausted);
    let status = c
        .publish_batch(authed(
            PublishBatchRequest {
                team: f.team.clone(),
                topic: f.topic.clone(),
                events: vec![event("t", b"1"), event("", b"1")],
            },
            Some(&f.publish_key),
        ))
        .await
        .expect_err("invalid event refuses the batch");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("events[1]"),
        "{}",
        status.message()
    );

    // A topic in the view whose Kafka topic is missing is NOT_FOUND, not a hang.
    let missing = unique("ghost");
    let mut view = f.view();
    view.upsert(herald_proto::v1::Entity {
        kind: Some(herald_proto::v1::entity::Kind::Topic(
            herald_proto::v1::Topic {
                team: f.team.clone(),
                name: missing.clone(),
                kafka_topic: format!("{}.{missing}", f.team),
                ..Default::default()
            },
        )),
    });
    ingest.config.publish(view);
    let started = Instant::now();
    let status = c
        .publish(authed(
            one(&missing, event("t", b"1")),
            Some(&f.publish_key),
        ))
        .await
        .expect_err("missing kafka topic");
    assert!(
        matches!(status.code(), Code::NotFound | Code::Unavailable),
        "{status:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded by the delivery timeout"
    );

    // Nothing of the refused requests reached Kafka.
    let leaked = read_records(&kafka, &f.kafka_topic(), 1, Duration::from_secs(5)).await;
    assert!(
        leaked.is_empty(),
        "refused requests wrote {} records",
        leaked.len()
    );
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_not_loaded_is_unavailable() {
    let ingest = start(test_config(kafka_config()), None).await;
    let resp = reqwest::Client::new()
        .post(ingest.events_url("acme", "orders"))
        .bearer_auth(ROOT_KEY)
        .header("content-type", "application/json")
        .body(json!({"type": "t"}).to_string())
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    let ready = reqwest::get(format!("http://{}/readyz", ingest.admin))
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503, "not ready without config");
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_producer_id_is_acknowledged_once() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let ingest = start(test_config(kafka.clone()), Some(f.view())).await;
    let http = reqwest::Client::new();
    let url = ingest.events_url(&f.team, &f.topic);
    let body = json!({"type": "pay", "id": "pay-1", "data": {"amount": 5}});
    let mut receipts = Vec::new();
    for _ in 0..3 {
        let resp = http
            .post(&url)
            .bearer_auth(&f.publish_key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), 202);
        receipts.push(json_of(resp).await);
    }
    // The same id over gRPC, and twice within one batch.
    let mut c = client(ingest.grpc_url()).await;
    let mut e = event("pay", b"{}");
    e.id = "pay-1".into();
    let mut other = event("pay", b"{}");
    other.id = "pay-2".into();
    let results = c
        .publish_batch(authed(
            PublishBatchRequest {
                team: f.team.clone(),
                topic: f.topic.clone(),
                events: vec![e, other.clone(), other],
            },
            Some(&f.publish_key),
        ))
        .await
        .expect("batch")
        .into_inner()
        .results;
    assert_eq!(receipts[0]["duplicate"], false);
    for r in &receipts[1..] {
        assert_eq!(r["duplicate"], true);
        assert_eq!(r["offset"], receipts[0]["offset"]);
        assert_eq!(r["partition"], receipts[0]["partition"]);
    }
    let first = results[0].receipt.clone().expect("receipt");
    assert!(first.duplicate);
    assert_eq!(
        first.offset,
        receipts[0]["offset"].as_i64().expect("offset")
    );
    let dup: Vec<bool> = results[1..]
        .iter()
        .map(|r| r.receipt.as_ref().expect("receipt").duplicate)
        .collect();
    assert_eq!(
        dup.iter().filter(|d| **d).count(),
        1,
        "pay-2 written once: {dup:?}"
    );

    let records = read_records(&kafka, &f.kafka_topic(), 3, Duration::from_secs(10)).await;
    let ids: Vec<String> = records.iter().filter_map(|r| r.header("ce_id")).collect();
    assert_eq!(ids.len(), 2, "one record per id: {ids:?}");

    // Generated ids are never deduplicated.
    for _ in 0..2 {
        let resp = http
            .post(&url)
            .bearer_auth(&f.publish_key)
            .header("content-type", "application/json")
            .body(json!({"type": "pay"}).to_string())
            .send()
            .await
            .expect("post");
        assert_eq!(json_of(resp).await["duplicate"], false);
    }
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_id_is_written_once_across_replicas_and_restarts() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let config = herald_ingest::IngestConfig {
        deployment: herald_tests::unique_deployment(),
        ..test_config(kafka.clone())
    };
    let a = start(config.clone(), Some(f.view())).await;
    let b = start(config.clone(), Some(f.view())).await;
    let http = reqwest::Client::new();
    let publish = |url: String, id: String| {
        let http = http.clone();
        let key = f.publish_key.clone();
        async move {
            let resp = http
                .post(url)
                .bearer_auth(key)
                .header("content-type", "application/json")
                .body(json!({"type": "pay", "id": id, "data": {}}).to_string())
                .send()
                .await
                .expect("post");
            assert_eq!(resp.status(), 202, "{id}");
            json_of(resp).await
        }
    };
    // Each id goes to both replicas at the same moment: one writes it, the other answers with
    // its receipt.
    const IDS: usize = 20;
    let mut first = BTreeMap::new();
    for round in 0..IDS {
        let id = format!("pay-{round}");
        let (ra, rb) = tokio::join!(
            publish(a.events_url(&f.team, &f.topic), id.clone()),
            publish(b.events_url(&f.team, &f.topic), id.clone())
        );
        let written = [&ra, &rb]
            .iter()
            .filter(|r| r["duplicate"] == false)
            .count();
        assert_eq!(written, 1, "{id}: {ra} / {rb}");
        assert_eq!(
            (&ra["partition"], &ra["offset"]),
            (&rb["partition"], &rb["offset"])
        );
        first.insert(id, ra);
    }
    // A replica started later, and one restarted, know every id from the log.
    a.stop().await;
    let c = start(config.clone(), Some(f.view())).await;
    for (id, receipt) in &first {
        let again = publish(c.events_url(&f.team, &f.topic), id.clone()).await;
        assert_eq!(again["duplicate"], true, "{id}");
        assert_eq!(again["offset"], receipt["offset"], "{id}");
    }
    // Asking for one more than was written waits out any second copy.
    let records = read_records(&kafka, &f.kafka_topic(), IDS + 1, Duration::from_secs(5)).await;
    let ids: BTreeSet<String> = records.iter().filter_map(|r| r.header("ce_id")).collect();
    assert_eq!((records.len(), ids.len()), (IDS, IDS), "one record per id");
    b.stop().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_sharing_ids_in_opposite_order_each_write_every_id_once() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let ingest = start(test_config(kafka.clone()), Some(f.view())).await;
    const IDS: usize = 30;
    let batch = |ids: Vec<usize>| {
        let events = ids
            .into_iter()
            .map(|n| {
                let mut e = event("pay", b"{}");
                e.id = format!("pay-{n}");
                e
            })
            .collect();
        authed(
            PublishBatchRequest {
                team: f.team.clone(),
                topic: f.topic.clone(),
                events,
            },
            Some(&f.publish_key),
        )
    };
    // Each batch claims its ids together; an id the other batch holds waits for it alone, so
    // neither waits on the other as a whole (which would fail both once the wait times out).
    let (mut one, mut two) = (
        client(ingest.grpc_url()).await,
        client(ingest.grpc_url()).await,
    );
    let (a, b) = tokio::join!(
        one.publish_batch(batch((0..IDS).collect())),
        two.publish_batch(batch((0..IDS).rev().chain([0]).collect()))
    );
    let results: Vec<_> = [a, b]
        .into_iter()
        .flat_map(|r| r.expect("batch").into_inner().results)
        .collect();
    assert_eq!(results.len(), 2 * IDS + 1);
    let mut written = BTreeMap::new();
    for r in &results {
        assert_eq!(r.code, 0, "every copy is answered: {}", r.error);
        let receipt = r.receipt.as_ref().expect("receipt");
        let entry = written
            .entry(receipt.id.clone())
            .or_insert((0, receipt.offset));
        assert_eq!(
            entry.1, receipt.offset,
            "{}: one offset for every copy",
            receipt.id
        );
        if !receipt.duplicate {
            entry.0 += 1;
        }
    }
    assert_eq!(written.len(), IDS);
    assert!(written.values().all(|(n, _)| *n == 1), "{written:?}");
    let records = read_records(&kafka, &f.kafka_topic(), IDS + 1, Duration::from_secs(5)).await;
    assert_eq!(records.len(), IDS, "one record per id");
    ingest.stop().await;
}

/// `{"n":2}` gzip-compressed.
const GZIP_N2: &[u8] = &[
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0xca, 0x53, 0xb2, 0x32,
    0xaa, 0x05, 0x00, 0xbd, 0x68, 0x66, 0xff, 0x07, 0x00, 0x00, 0x00,
];

/// A CloudEvents binary-mode request: the attributes as `ce-*` headers, `body` as the data.
fn binary_mode(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    attributes: &[(&str, &[u8])],
    body: &'static [u8],
) -> reqwest::RequestBuilder {
    let mut req = http.post(url).bearer_auth(key).body(body);
    for (name, value) in attributes {
        req = req.header(
            *name,
            reqwest::header::HeaderValue::from_bytes(value).expect("header value"),
        );
    }
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_binary_mode_ce_id_is_the_event_id_and_the_idempotency_key() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let ingest = start(test_config(kafka.clone()), Some(f.view())).await;
    let http = reqwest::Client::new();
    let url = ingest.events_url(&f.team, &f.topic);
    let attributes: &[(&str, &[u8])] = &[
        ("ce-specversion", b"1.0"),
        ("ce-id", b"X"),
        ("ce-source", b"/shop"),
        ("ce-type", b"order.created"),
        ("ce-subject", b"order%2042"),
        ("ce-tenant", b"t1"),
        ("content-type", b"application/json"),
    ];
    let mut receipts = Vec::new();
    for _ in 0..2 {
        let resp = binary_mode(&http, &url, &f.publish_key, attributes, br#"{"n":1}"#)
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), 202);
        receipts.push(json_of(resp).await);
    }
    assert_eq!(receipts[0]["id"], "X", "ce-id is the event id");
    assert_eq!(receipts[0]["duplicate"], false);
    assert_eq!(receipts[1]["id"], "X");
    assert_eq!(receipts[1]["duplicate"], true, "the repeat is deduplicated");
    assert_eq!(receipts[1]["partition"], receipts[0]["partition"]);
    assert_eq!(receipts[1]["offset"], receipts[0]["offset"]);

    // A gzip-encoded body is stored decoded.
    let gzipped: &[(&str, &[u8])] = &[
        ("ce-specversion", b"1.0"),
        ("ce-id", b"Y"),
        ("ce-source", b"/shop"),
        ("ce-type", b"order.paid"),
        ("content-type", b"application/json"),
        ("content-encoding", b"gzip"),
    ];
    let resp = binary_mode(&http, &url, &f.publish_key, gzipped, GZIP_N2)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), 202);
    assert_eq!(json_of(resp).await["id"], "Y");

    let records = read_records(&kafka, &f.kafka_topic(), 3, Duration::from_secs(10)).await;
    let ids: Vec<String> = records.iter().filter_map(|r| r.header("ce_id")).collect();
    assert_eq!(ids.len(), 2, "one record per id: {ids:?}");
    let records = by_id(records);
    let r = &records["X"];
    assert_eq!(
        header_names(r),
        [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_time",
            "ce_subject",
            "content-type",
            "traceparent",
            "ce_tenant"
        ]
    );
    let h = r.header_map();
    assert_eq!(h["ce_source"], "/shop");
    assert_eq!(h["ce_type"], "order.created");
    assert_eq!(
        h["ce_subject"], "order 42",
        "header values are percent-decoded"
    );
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["ce_tenant"], "t1");
    assert_eq!(r.key, b"X");
    assert_eq!(r.value, br#"{"n":1}"#);
    assert_eq!(
        r.offset,
        receipts[0]["offset"].as_i64().expect("offset"),
        "the receipt names the record"
    );
    assert_eq!(records["Y"].value, br#"{"n":2}"#);
    ingest.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_cloudevents_that_break_the_binding_are_refused() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let ingest = start(test_config(kafka.clone()), Some(f.view())).await;
    let http = reqwest::Client::new();
    let url = ingest.events_url(&f.team, &f.topic);
    let with = |changes: &[(&'static str, &'static [u8])]| {
        let mut attributes: Vec<(&str, &[u8])> = vec![
            ("ce-specversion", b"1.0"),
            ("ce-id", b"bad"),
            ("ce-source", b"/shop"),
            ("ce-type", b"t"),
            ("content-type", b"application/json"),
        ];
        for (name, value) in changes {
            attributes.retain(|(n, _)| n != name);
            if !value.is_empty() {
                attributes.push((name, value));
            }
        }
        binary_mode(&http, &url, &f.publish_key, &attributes, br#"{"n":1}"#)
    };
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "binary specversion 9.9",
            with(&[("ce-specversion", b"9.9")]),
            400,
            "'specversion'",
        ),
        (
            "binary without ce-source",
            with(&[("ce-source", b"")]),
            400,
            "missing required attribute 'source'",
        ),
        (
            "binary without ce-specversion",
            with(&[("ce-specversion", b"")]),
            400,
            "missing required attribute 'specversion'",
        ),
        (
            "binary bad ce-time",
            with(&[("ce-time", b"yesterday")]),
            400,
            "'time'",
        ),
        (
            "binary non-UTF-8 ce-type",
            with(&[("ce-type", b"%FF")]),
            400,
            "'type'",
        ),
        (
            "binary non-ASCII ce-type",
            with(&[("ce-type", b"caf\xe9")]),
            400,
            "'type'",
        ),
        (
            "binary ce-datacontenttype",
            with(&[("ce-datacontenttype", b"text/plain")]),
            400,
            "ce-datacontenttype",
        ),
        (
            "brotli body",
            with(&[("content-encoding", b"br")]),
            415,
            "content-encoding",
        ),
        (
            "corrupt gzip body",
            with(&[("content-encoding", b"gzip")]),
            400,
            "gzip",
        ),
        (
            "structured specversion 9.9",
            http.post(&url)
                .bearer_auth(&f.publish_key)
                .header("content-type", "application/cloudevents+json")
                .body(r#"{"specversion":"9.9","id":"bad","source":"/s","type":"t"}"#),
            400,
            "'specversion'",
        ),
        (
            "structured without id",
            http.post(&url)
                .bearer_auth(&f.publish_key)
                .header("content-type", "application/cloudevents+json")
                .body(r#"{"specversion":"1.0","source":"/s","type":"t"}"#),
            400,
            "missing required attribute 'id'",
        ),
        (
            "batch specversion 9.9",
            http.post(&url)
                .bearer_auth(&f.publish_key)
                .header("content-type", "application/cloudevents-batch+json")
                .body(r#"[{"specversion":"9.9","id":"bad","source":"/s","type":"t"}]"#),
            400,
            "events[0]: invalid attribute 'specversion'",
        ),
        (
            "batch without source",
            http.post(&url)
                .bearer_auth(&f.publish_key)
                .header("content-type", "application/cloudevents-batch+json")
                .body(r#"[{"specversion":"1.0","id":"bad","type":"t"}]"#),
            400,
            "events[0]: missing required attribute 'source'",
        ),
    ];
    for (name, req, status, needle) in cases {
        let resp = req.send().await.expect(name);
        let got = resp.status().as_u16();
        let body = json_of(resp).await;
        assert_eq!(got, status, "{name}: {body}");
        let msg = body["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(needle),
            "{name}: {msg:?} should mention {needle:?}"
        );
    }
    let leaked = read_records(&kafka, &f.kafka_topic(), 1, Duration::from_secs(5)).await;
    assert!(
        leaked.is_empty(),
        "refused requests wrote {} records",
        leaked.len()
    );
    ingest.stop().await;
}

/// Publishes `id` over gRPC (even n) or HTTP (odd n); Ok on acknowledgement, Err(retryable?)
/// otherwise, plus how long the call took.
async fn publish_one(
    c: &mut PublisherClient<Channel>,
    http: &reqwest::Client,
    url: &str,
    f: &Fixture,
    n: usize,
    id: &str,
) -> (Result<(), bool>, Duration) {
    let started = Instant::now();
    let outcome = if n.is_multiple_of(2) {
        let mut e = event("tick", b"{}");
        e.id = id.into();
        match c
            .publish(authed(
                PublishRequest {
                    team: f.team.clone(),
                    topic: f.topic.clone(),
                    event: Some(e),
                },
                Some(&f.publish_key),
            ))
            .await
        {
            Ok(_) => Ok(()),
            Err(s) => Err(s.code() == Code::Unavailable),
        }
    } else {
        match http
            .post(url)
            .bearer_auth(&f.publish_key)
            .header("content-type", "application/json")
            .body(json!({"type": "tick", "id": id, "data": {}}).to_string())
            .send()
            .await
        {
            Ok(r) if r.status() == 202 => Ok(()),
            Ok(r) => Err(r.status() == 503 && r.headers().contains_key("retry-after")),
            Err(_) => Err(false),
        }
    };
    (outcome, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_broker_fails_publishes_fast_and_loses_no_acknowledged_event() {
    let broker = herald_tests::ingest::PrivateBroker::start_new().await;
    let kafka = herald_kafka::KafkaConfig::new(broker.bootstrap());
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let mut config = test_config(kafka.clone());
    config.delivery_timeout = Duration::from_secs(3);
    let ingest = start(config, Some(f.view())).await;
    let mut c = client(ingest.grpc_url()).await;
    let http = reqwest::Client::new();
    let url = ingest.events_url(&f.team, &f.topic);
    let bound = Duration::from_secs(3 + 10);

    let mut acked = BTreeSet::new();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        (n, format!("tick-{n}"))
    };
    for _ in 0..10 {
        let (i, id) = next_id();
        let (r, _) = publish_one(&mut c, &http, &url, &f, i, &id).await;
        r.unwrap_or_else(|_| panic!("publish {id} before the outage"));
        acked.insert(id);
    }

    // A second publisher sends batches the whole time, across the stop and the restart.
    let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let background = {
        let (running, mut c, f) = (running.clone(), c.clone(), f.clone());
        tokio::spawn(async move {
            let (mut acked, mut failed, mut round) = (BTreeSet::new(), 0usize, 0usize);
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                round += 1;
                let events: Vec<ProtoEvent> = (0..5)
                    .map(|i| {
                        let mut e = event("bg", b"{}");
                        e.id = format!("bg-{round}-{i}");
                        e
                    })
                    .collect();
                let started = Instant::now();
                let outcome = c
                    .publish_batch(authed(
                        PublishBatchRequest {
                            team: f.team.clone(),
                            topic: f.topic.clone(),
                            events,
                        },
                        Some(&f.publish_key),
                    ))
                    .await;
                assert!(
                    started.elapsed() < bound,
                    "a batch took {:?}",
                    started.elapsed()
                );
                match outcome {
                    Ok(r) => {
                        for r in r.into_inner().results {
                            match r.receipt {
                                Some(receipt) if r.code == 0 => {
                                    acked.insert(receipt.id);
                                }
                                _ => failed += 1,
                            }
                        }
                    }
                    Err(status) => {
                        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                        failed += 5;
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (acked, failed)
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;

    broker.stop().await;
    // Both transports fail with UNAVAILABLE / 503 + Retry-After, each within the bound.
    let mut failures = [0, 0];
    for _ in 0..4 {
        let (i, id) = next_id();
        let (r, took) = publish_one(&mut c, &http, &url, &f, i, &id).await;
        assert!(
            took < bound,
            "publish {id} took {took:?} while the broker was down"
        );
        match r {
            Ok(()) => panic!("publish {id} acknowledged while the broker was down"),
            Err(retryable) => {
                assert!(retryable, "publish {id} failed as unavailable");
                failures[i % 2] += 1;
            }
        }
    }
    assert_eq!(failures, [2, 2]);

    broker.restart().await;
    // Publishing recovers once the producer reconnects.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut recovered = 0;
    while recovered < 10 {
        assert!(
            Instant::now() < deadline,
            "publishing recovers after the broker is back"
        );
        let (i, id) = next_id();
        let (r, took) = publish_one(&mut c, &http, &url, &f, i, &id).await;
        assert!(took < bound, "publish {id} took {took:?}");
        match r {
            Ok(()) => {
                acked.insert(id);
                recovered += 1;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }

    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let (bg_acked, bg_failed) = background.await.expect("background publisher");
    assert!(
        !bg_acked.is_empty() && bg_failed > 0,
        "the background publisher saw both: {} acked, {bg_failed} failed",
        bg_acked.len()
    );
    acked.extend(bg_acked);

    let found: BTreeSet<String> = read_records(
        &kafka,
        &f.kafka_topic(),
        usize::MAX,
        Duration::from_secs(10),
    )
    .await
    .iter()
    .filter_map(|r| r.header("ce_id"))
    .collect();
    let missing: Vec<&String> = acked.difference(&found).collect();
    assert!(missing.is_empty(), "acknowledged but missing: {missing:?}");
    ingest.stop().await;
    drop(broker);
}
