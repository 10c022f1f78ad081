//! End-to-end tests of the event-type catalog against a real control plane and an ingest that
//! follows it: invalid schemas refused at creation, `enforce` refusing unknown types and
//! invalid data with the JSON pointer over HTTP (422) and gRPC (INVALID_ARGUMENT), `count`
//! accepting and counting, `dataschema` on accepted events (the URL serves the schema), and
//! subscribers of a granted team reading the catalog.

use std::time::{Duration, Instant};

use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::*;
use herald_runtime::Shutdown;
use herald_tests::control::{TestControl, team_with_topic, test_config};
use herald_tests::delivery::{now_ms, scan_events};
use herald_tests::kafka_config;
use herald_tests::rest::Rest;
use herald_watch::Bearer;
use reqwest::Method;
use serde_json::json;
use tokio::net::TcpListener;
use tonic::Code;

/// A typical schema of about 1 KB: required fields, formats, nested objects, an array.
pub const ORDER_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "order.created",
  "type": "object",
  "required": ["order_id", "amount", "currency", "customer", "items"],
  "additionalProperties": false,
  "properties": {
    "order_id": {"type": "string", "pattern": "^ord_[A-Za-z0-9]{4,32}$"},
    "amount": {"type": "number", "minimum": 0, "maximum": 1000000},
    "currency": {"enum": ["EUR", "USD", "GBP", "CHF"]},
    "created_at": {"type": "string", "minLength": 20, "maxLength": 40},
    "channel": {"enum": ["web", "app", "store"]},
    "customer": {
      "type": "object",
      "required": ["id", "tier"],
      "properties": {
        "id": {"type": "string", "minLength": 1, "maxLength": 64},
        "tier": {"enum": ["bronze", "silver", "gold", "platinum"]},
        "country": {"type": "string", "minLength": 2, "maxLength": 2}
      }
    },
    "items": {
      "type": "array",
      "minItems": 1,
      "maxItems": 100,
      "items": {
        "type": "object",
        "required": ["sku", "qty"],
        "properties": {
          "sku": {"type": "string", "minLength": 1},
          "qty": {"type": "integer", "minimum": 1},
          "price": {"type": "number", "minimum": 0}
        }
      }
    },
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
  }
}"#;

fn order(amount: f64, sku: &str) -> serde_json::Value {
    json!({
        "order_id": "ord_01HZX3", "amount": amount, "currency": "EUR",
        "customer": {"id": "cus_42", "tier": "gold", "country": "FR"},
        "items": [{"sku": "sku-1", "qty": 2}, {"sku": sku, "qty": 1}],
        "tags": ["vip"]
    })
}

/// A control plane and an ingest that follows it.
struct World {
    control: TestControl,
    ingest_grpc: String,
    ingest_http: String,
    ingest_admin: String,
    shutdown: Shutdown,
    http: reqwest::Client,
}

impl World {
    async fn start() -> Self {
        let control = TestControl::start(test_config()).await;
        let shutdown = Shutdown::new(Duration::from_secs(5));
        let bind = || async { TcpListener::bind("127.0.0.1:0").await.expect("bind") };
        let (grpc, http, admin) = (bind().await, bind().await, bind().await);
        let url = |l: &TcpListener| format!("http://{}", l.local_addr().expect("addr"));
        let (ingest_grpc, ingest_http, ingest_admin) = (url(&grpc), url(&http), url(&admin));
        let mut config = herald_tests::ingest::test_config(kafka_config());
        config.root_key = control.root_key().into();
        config.internal_token = control.internal_token().into();
        config.schema_base_url = control.http_url.clone();
        let view = herald_watch::follow(
            control.endpoint.clone(),
            control.internal_token().to_owned(),
            shutdown.token(),
        );
        tokio::spawn(herald_ingest::run_with(
            config,
            view,
            herald_ingest::Listeners { grpc, http, admin },
            shutdown.clone(),
        ));
        Self {
            control,
            ingest_grpc,
            ingest_http,
            ingest_admin,
            shutdown,
            http: reqwest::Client::new(),
        }
    }

    async fn stop(self) {
        self.shutdown.trigger();
        self.control.stop().await;
    }

    /// Publishes one event over HTTP as root; the status and the body.
    async fn post(&self, team: &str, ty: &str, data: &serde_json::Value) -> (u16, String) {
        let r = self
            .http
            .post(format!(
                "{}/v1/topics/{team}/orders/events",
                self.ingest_http
            ))
            .bearer_auth(self.control.root_key())
            .header("content-type", "application/json")
            .body(json!({"type": ty, "data": data}).to_string())
            .send()
            .await
            .expect("publish");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// Publishes until the answer's status is `status` (ingest follows the control plane).
    async fn post_until(
        &self,
        team: &str,
        ty: &str,
        data: &serde_json::Value,
        status: u16,
    ) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (got, body) = self.post(team, ty, data).await;
            if got == status {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "wanted {status}, still {got}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The value of one series of ingest's `/metrics` (0 when absent).
    async fn metric(&self, series: &str) -> f64 {
        self.metrics()
            .await
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0.0)
    }

    async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.ingest_admin))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body")
    }
}

async fn set_policy(c: &mut herald_tests::control::Client, team: &str, policy: SchemaPolicy) {
    c.set_schema_policy(SetSchemaPolicyRequest {
        team: team.into(),
        topic: "orders".into(),
        schema_policy: policy as i32,
    })
    .await
    .expect("set schema policy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_refuses_with_the_pointer_and_sets_dataschema() {
    let w = World::start().await;
    let mut root = w.control.root().await;
    let team = team_with_topic(&mut root, "catalog", "orders").await;

    // Invalid schemas are refused at creation, saying where.
    let create = |schema: &str| CreateEventTypeRequest {
        team: team.clone(),
        name: "order.created".into(),
        schema: schema.into(),
        ..Default::default()
    };
    let err = root
        .create_event_type(create(
            r#"{"type": "object", "properties": {"n": {"minimum": "x"}}}"#,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("/properties/n/minimum"),
        "{}",
        err.message()
    );
    let rest = Rest::new(&w.control.http_url);
    let a = rest
        .call(
            Method::POST,
            &format!("/v1/teams/{team}/event-types"),
            Some(w.control.root_key()),
            Some(json!({"name": "order.created", "schema": {"type": "objekt"}})),
        )
        .await;
    assert_eq!(a.status, 400, "{a:?}");
    assert!(a.message().contains("/type"), "{a:?}");

    let t = root
        .create_event_type(create(ORDER_SCHEMA))
        .await
        .expect("valid schema")
        .into_inner();
    assert_eq!(t.versions.len(), 1);
    set_policy(&mut root, &team, SchemaPolicy::Enforce).await;

    // Unknown type: 422 once ingest sees the policy.
    let body = w.post_until(&team, "order.deleted", &json!({}), 422).await;
    assert!(body.contains("catalog"), "{body}");
    // Data failing the schema: 422 with the pointer of the first error.
    let (status, body) = w.post(&team, "order.created", &order(-5.0, "sku-2")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("at /amount"), "{body}");
    let (status, body) = w.post(&team, "order.created", &order(5.0, "")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("at /items/1/sku"), "{body}");

    // gRPC: INVALID_ARGUMENT with the pointer.
    let channel = tonic::transport::Channel::from_shared(w.ingest_grpc.clone())
        .unwrap()
        .connect()
        .await
        .expect("connect to ingest");
    let mut publisher = PublisherClient::with_interceptor(
        channel,
        Bearer::new(w.control.root_key()).expect("ascii key"),
    );
    let err = publisher
        .publish(PublishRequest {
            team: team.clone(),
            topic: "orders".into(),
            event: Some(Event {
                r#type: "order.created".into(),
                data: order(1.0, "sku-2")
                    .as_object()
                    .map(|o| {
                        let mut o = o.clone();
                        o.insert("currency".into(), json!("XYZ"));
                        serde_json::Value::Object(o).to_string().into_bytes()
                    })
                    .unwrap(),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("at /currency"), "{}", err.message());

    // Valid data is accepted and carries the schema's URL, which serves the schema.
    let since = now_ms();
    let (status, body) = w.post(&team, "order.created", &order(5.0, "sku-2")).await;
    assert_eq!(status, 202, "{body}");
    let events = scan_events(&format!("{team}.orders"), since, 1, Duration::from_secs(30)).await;
    let url = events[0].data_schema.clone().expect("dataschema");
    assert_eq!(
        url,
        format!(
            "{}/v1/teams/{team}/event-types/order.created/versions/1/schema",
            w.control.http_url
        )
    );
    let schema: serde_json::Value = w
        .http
        .get(&url)
        .bearer_auth(w.control.root_key())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).expect("a JSON schema"))
        .unwrap();
    assert_eq!(schema["title"], "order.created");

    assert_eq!(
        w.metric(r#"herald_ingest_schema_violations_total{policy="enforce",reason="invalid"}"#)
            .await,
        3.0
    );

    // A new version: later events are checked against it and point at it.
    root.add_event_type_version(AddEventTypeVersionRequest {
        team: team.clone(),
        name: "order.created".into(),
        schema: r#"{"type": "object"}"#.into(),
    })
    .await
    .expect("add version");
    let since = now_ms();
    w.post_until(&team, "order.created", &json!({"anything": true}), 202)
        .await;
    let events = scan_events(&format!("{team}.orders"), since, 1, Duration::from_secs(30)).await;
    assert!(
        events[0]
            .data_schema
            .as_deref()
            .is_some_and(|u| u.ends_with("/order.created/versions/2/schema")),
        "{:?}",
        events[0].data_schema
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_accepts_and_counts_and_subscribers_with_a_grant_read_the_catalog() {
    let w = World::start().await;
    let mut root = w.control.root().await;
    let team = team_with_topic(&mut root, "counted", "orders").await;
    root.create_event_type(CreateEventTypeRequest {
        team: team.clone(),
        name: "order.created".into(),
        schema: ORDER_SCHEMA.into(),
        description: "An order was placed".into(),
    })
    .await
    .expect("create event type");
    set_policy(&mut root, &team, SchemaPolicy::Count).await;

    // Accepted, but counted, once ingest sees the policy.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = w.post(&team, "order.created", &order(-1.0, "x")).await;
        assert_eq!(status, 202, "{body}");
        if w.metric(r#"herald_ingest_schema_violations_total{policy="count",reason="invalid"}"#)
            .await
            > 0.0
        {
            break;
        }
        assert!(Instant::now() < deadline, "no violation counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _) = w.post(&team, "order.unknown", &json!({})).await;
    assert_eq!(status, 202);
    assert_eq!(
        w.metric(r#"herald_ingest_schema_violations_total{policy="count",reason="unknown_type"}"#)
            .await,
        1.0
    );

    // A subscriber of a team holding a grant reads the catalog; one without a grant does not.
    let reader = team_with_topic(&mut root, "reader", "misc").await;
    let key = |team: String| CreateApiKeyRequest {
        team,
        name: "k".into(),
        scopes: vec![Scope::Subscribe as i32],
        topics: vec![],
    };
    let reader_key = root
        .create_api_key(key(reader.clone()))
        .await
        .unwrap()
        .into_inner()
        .secret;
    let mut c = w.control.client(Some(&reader_key)).await;
    let get = GetEventTypeRequest {
        team: team.clone(),
        name: "order.created".into(),
    };
    let err = c.get_event_type(get.clone()).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    root.create_grant(CreateGrantRequest {
        team: team.clone(),
        topic: "orders".into(),
        grantee: reader.clone(),
    })
    .await
    .expect("grant");
    let t = c
        .get_event_type(get)
        .await
        .expect("read with a grant")
        .into_inner();
    assert_eq!(t.description, "An order was placed");
    let list = Rest::new(&w.control.http_url)
        .call(
            Method::GET,
            &format!("/v1/teams/{team}/event-types"),
            Some(&reader_key),
            None,
        )
        .await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.body["event_types"][0]["name"], "order.created");
    assert_eq!(
        list.body["event_types"][0]["versions"][0]["schema"]["title"],
        "order.created"
    );
    w.stop().await;
}
