//! Async request-reply at the Kafka level, with standalone ingest: the request is a CloudEvents
//! record carrying `ce_replyto`; the reply lands in `<deployment>.replies` keyed by the reply id with
//! `ce_correlationid` and the team, and in the request's reply topic as an ordinary event.
//! The round trips through the edge and delivery run in `tests/python/test_request_reply.py`.

use std::time::Duration;

use herald_core::reply;
use herald_kafka::TopicAdmin as _;
use herald_tests::ingest::{Fixture, read_records, start, test_config};
use herald_tests::kafka_config;
use serde_json::{Value, json};

const SECRET: &str = "hrs_test_6d1f0b8a2c4e9f3a7b5d1c8e0f2a4b6c";
/// The response body as JSON.
async fn json_of(resp: reqwest::Response) -> Value {
    serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json")
}

const READ_WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_and_its_reply_are_records_with_their_attributes() {
    let kafka = kafka_config();
    let f = Fixture::new();
    f.create_topics(&kafka).await;
    let mut config = test_config(kafka.clone());
    config.reply_secret = SECRET.into();
    herald_kafka::KafkaAdmin::new(&kafka, 1)
        .expect("admin")
        .ensure_topic(&herald_ingest::replies_topic(&config))
        .await
        .expect("replies topic");
    let replies_topic = config.deployment.replies_topic();
    let ingest = start(config, Some(f.view())).await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", ingest.http);

    let resp = http
        .post(format!(
            "{base}/v1/topics/{}/{}/requests?reply_topic={}",
            f.team, f.topic, f.other_topic
        ))
        .bearer_auth(&f.publish_key)
        .header("content-type", "application/json")
        .body(json!({"type": "rpc.ask", "id": "req-1", "data": {"q": 1}}).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 202);
    let location = resp.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let answer: Value = json_of(resp).await;
    let reply_id = answer["reply_id"].as_str().expect("reply_id").to_owned();
    assert_eq!(location, format!("/v1/replies/{reply_id}"));
    assert_eq!(answer["id"], "req-1");
    let claims = reply::verify(SECRET.as_bytes(), &reply_id, 0).expect("a valid reply id");
    assert_eq!(
        (claims.team.as_str(), claims.request_id.as_str()),
        (f.team.as_str(), "req-1")
    );
    assert_eq!(claims.reply_topic.as_deref(), Some(f.other_topic.as_str()));

    let requests = read_records(&kafka, &f.kafka_topic(), 1, READ_WAIT).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("ce_id").as_deref(), Some("req-1"));
    assert_eq!(requests[0].header("ce_replyto"), Some(location.clone()));
    assert_eq!(requests[0].value, br#"{"q":1}"#);

    // The reply needs no key; a key of another team cannot ask this team's topics.
    let resp = http
        .post(format!("{base}{location}"))
        .header("content-type", "application/json")
        .body(json!({"type": "rpc.answer", "data": {"a": 2}}).to_string())
        .send()
        .await
        .expect("reply");
    assert_eq!(resp.status(), 202);
    let stored: Value = json_of(resp).await;
    assert_eq!(stored["correlationid"], "req-1");
    let reply_event = stored["id"].as_str().expect("id").to_owned();
    let refused = http
        .post(format!("{base}/v1/topics/{}/{}/requests", f.team, f.topic))
        .bearer_auth(&f.foreign_key)
        .header("content-type", "application/json")
        .body(json!({"type": "rpc.ask"}).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 403);

    // The test's deployment has a replies topic of its own; find this reply by its key.
    let replies = read_records(&kafka, &replies_topic, usize::MAX, Duration::from_secs(12)).await;
    let record = replies
        .iter()
        .find(|r| r.key == reply_id.as_bytes())
        .expect("the reply in the replies topic, keyed by the reply id");
    let headers = record.header_map();
    assert_eq!(headers["ce_id"], reply_event);
    assert_eq!(headers["ce_type"], "rpc.answer");
    assert_eq!(headers["ce_correlationid"], "req-1");
    assert_eq!(headers["herald_team"], f.team);
    assert_eq!(record.value, br#"{"a":2}"#);

    let on_topic = read_records(&kafka, &f.other_kafka_topic(), 1, READ_WAIT).await;
    assert_eq!(on_topic.len(), 1);
    let headers = on_topic[0].header_map();
    assert_eq!(headers["ce_id"], reply_event);
    assert_eq!(headers["ce_correlationid"], "req-1");
    assert!(!headers.contains_key("herald_team"), "{headers:?}");
    ingest.stop().await;
}
