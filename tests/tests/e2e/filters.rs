//! End-to-end tests of payload filters: a subscription's `filter` selects exactly the matching
//! webhooks, a stream's `?filter=` exactly the matching SSE events (the cursor still passes the
//! skipped ones), and invalid expressions are refused at creation over gRPC, HTTP and the edge.

use std::collections::BTreeSet;
use std::time::Duration;

use herald_core::Event;
use herald_proto::v1::{CreateSubscriptionRequest, UpdateSubscriptionRequest};
use herald_tests::control::{TestControl, team_with_topic, test_config as control_config};
use herald_tests::delivery::{
    Receiver, TestWorker, event_topic, publish, secret, subscription, test_config,
};
use herald_tests::edge::{Fixture, RunningEdge, SseItem, open};
use herald_tests::rest::Rest;
use herald_tests::{kafka_config, unique};
use reqwest::Method;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(60);

/// The filter both tests use: attributes, a nested data field, a number and `in`.
const FILTER: &str = "type.startsWith('order.') && data.amount >= 100 && data.customer.tier in ['gold', 'platinum'] && !has(data.test)";

/// Event `n` of the mix: types, amounts, tiers and a `test` flag vary with `n`.
fn mixed(n: usize) -> (String, String) {
    let ty = ["order.created", "order.paid", "user.created"][n % 3];
    let tier = ["gold", "silver", "platinum", "bronze"][n % 4];
    let amount = (n * 37) % 250;
    let test = if n.is_multiple_of(5) {
        ",\"test\":true"
    } else {
        ""
    };
    let data =
        format!("{{\"n\":{n},\"amount\":{amount},\"customer\":{{\"tier\":\"{tier}\"}}{test}}}");
    (ty.to_owned(), data)
}

/// What [`FILTER`] selects, computed independently of Herald's evaluator.
fn expected(n: usize) -> bool {
    n % 3 != 2 && (n * 37) % 250 >= 100 && matches!(n % 4, 0 | 2) && !n.is_multiple_of(5)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_filters_select_exactly_the_matching_webhooks() {
    let topic = event_topic("acme", 2).await;
    let rx = Receiver::ok().await;
    let mut sub = subscription(&unique("sub"), "acme", &[&topic], &rx.url(), &[&secret()]);
    sub.filter = FILTER.into();
    sub.event_types = vec!["order.*".into(), "user.*".into()];
    let worker = TestWorker::start(test_config(&["1s"]), std::slice::from_ref(&sub)).await;
    let producer = herald_kafka::Producer::new(&kafka_config(), Duration::from_secs(30)).unwrap();
    let mut want = BTreeSet::new();
    for n in 0..120 {
        let (ty, data) = mixed(n);
        let mut e = Event::new(format!("ev-{n}"), "/tests/filters", ty, data.into_bytes());
        e.content_type = Some("application/json".into());
        publish(&producer, &topic, &e).await;
        if expected(n) {
            want.insert(e.id.clone());
        }
    }
    assert!(
        want.len() > 10 && want.len() < 60,
        "the mix has both kinds: {}",
        want.len()
    );
    rx.wait_for(want.len(), WAIT).await;
    // The worker reads partitions in any order: give stragglers time to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got: Vec<String> = rx
        .requests()
        .iter()
        .filter_map(|r| r.header("webhook-id").map(str::to_owned))
        .collect();
    let got_set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got_set, want, "exactly the matching events");
    assert_eq!(got.len(), want.len(), "each once");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_filters_select_exactly_the_matching_events_and_resume_past_skipped_ones() {
    let fx = Fixture::new(2, &[]).await;
    let edge = RunningEdge::start(fx.config(), fx.handle.clone(), None).await;
    let c = reqwest::Client::new();
    let mut want = BTreeSet::new();
    for n in 0..60 {
        let (ty, data) = mixed(n);
        fx.publish(&ty, &format!("ev-{n}"), &data).await;
        if expected(n) {
            want.insert(n);
        }
    }
    let url = reqwest::Url::parse_with_params(
        &edge.url(&fx.path()),
        &[("start", "earliest"), ("filter", FILTER)],
    )
    .unwrap();
    let mut sse = open(&c, url.as_str(), Some(&fx.sub_key), None)
        .await
        .expect("open");
    let mut got = BTreeSet::new();
    while got.len() < want.len() {
        match sse.next_event(WAIT).await {
            Some(SseItem::Event { data, .. }) => {
                let v: serde_json::Value = serde_json::from_str(&data).unwrap();
                assert!(
                    got.insert(v["n"].as_u64().unwrap() as usize),
                    "duplicate {v}"
                );
            }
            other => panic!("stream ended early: {other:?} after {got:?}"),
        }
    }
    assert_eq!(got, want);
    assert!(sse.next_event(Duration::from_secs(2)).await.is_none());
    // The cursor passed the skipped events: resuming sends only what comes next.
    let last = sse.last_id.clone().expect("a cursor");
    drop(sse);
    let (ty, data) = mixed(60);
    fx.publish(&ty, "ev-60", &data).await;
    let (ty, data) = mixed(64);
    fx.publish(&ty, "ev-64", &data).await;
    assert!(expected(64) && !expected(60));
    let mut resumed = open(&c, url.as_str(), Some(&fx.sub_key), Some(&last))
        .await
        .expect("resume");
    match resumed.next_event(WAIT).await {
        Some(SseItem::Event { data, .. }) => assert!(data.contains("\"n\":64"), "{data}"),
        other => panic!("no event after resuming: {other:?}"),
    }
    assert!(resumed.next_event(Duration::from_secs(2)).await.is_none());

    // An invalid expression is a 400 that says where.
    let bad =
        reqwest::Url::parse_with_params(&edge.url(&fx.path()), &[("filter", "data.a ==")]).unwrap();
    let (status, body) = open(&c, bad.as_str(), Some(&fx.sub_key), None)
        .await
        .err()
        .expect("refused");
    assert_eq!(status, 400);
    assert!(body.contains("unexpected end"), "{body}");
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_subscription_filters_are_refused_over_grpc_and_http() {
    let control = TestControl::start(control_config()).await;
    let mut root = control.root().await;
    let team = team_with_topic(&mut root, "filters", "orders").await;
    let create = |filter: &str| CreateSubscriptionRequest {
        team: team.clone(),
        topics: vec!["orders".into()],
        url: "https://example.com/hook".into(),
        filter: filter.into(),
        ..Default::default()
    };
    let err = root
        .create_subscription(create("data.amount > 'x' &&"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().contains("at byte"), "{}", err.message());
    let err = root
        .create_subscription(create("colour == 'red'"))
        .await
        .unwrap_err();
    assert!(
        err.message().contains("unknown name 'colour'"),
        "{}",
        err.message()
    );

    let sub = root
        .create_subscription(create("  data.amount > 100 "))
        .await
        .expect("valid filter")
        .into_inner()
        .subscription
        .unwrap();
    assert_eq!(sub.filter, "data.amount > 100");
    let update = |filter: &str| UpdateSubscriptionRequest {
        team: team.clone(),
        id: sub.id.clone(),
        filter: filter.into(),
        update_mask: vec!["filter".into()],
        ..Default::default()
    };
    let err = root.update_subscription(update("(")).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    let cleared = root
        .update_subscription(update(""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cleared.filter, "");

    let rest = Rest::new(&control.http_url);
    let path = format!("/v1/teams/{team}/subscriptions");
    let a = rest
        .call(
            Method::POST,
            &path,
            Some(control.root_key()),
            Some(
                json!({"url": "https://example.com/h", "topics": ["orders"], "filter": "type =="}),
            ),
        )
        .await;
    assert_eq!(a.status, 400);
    assert!(a.message().contains("unexpected end"), "{a:?}");
    let a = rest
        .call(
            Method::POST,
            &path,
            Some(control.root_key()),
            Some(json!({"url": "https://example.com/h", "topics": ["orders"], "filter": "subject.endsWith('/eu')"})),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(a.body["subscription"]["filter"], "subject.endsWith('/eu')");
    let id = a.body["subscription"]["id"].as_str().unwrap().to_owned();
    let a = rest
        .call(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(control.root_key()),
            Some(json!({"filter": "has(data.x) &&"})),
        )
        .await;
    assert_eq!(a.status, 400, "{a:?}");
    control.stop().await;
}
