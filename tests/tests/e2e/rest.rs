//! The control plane's HTTP/JSON API against a real control plane and broker: round trips of
//! every resource, the secret shown once, caller-supplied secrets, scopes as in gRPC, pages of
//! history, and Herald's error body on every error.

use std::collections::HashSet;
use std::time::Duration;

use herald_kafka::Producer;
use herald_proto::v1::{
    AttemptOutcome, AttemptRecord, DeliveryTask, WatchRequest, entity, watch_event,
};
use herald_tests::control::{TestControl, test_config};
use herald_tests::kafka_config;
use herald_tests::rest::{Answer, Rest};
use herald_tests::unique;
use prost::Message as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn team() -> String {
    unique("rest").replace('-', "")[..20].to_owned()
}

/// A started control plane, its HTTP API and the root key.
async fn start() -> (TestControl, Rest, String) {
    let control = TestControl::start(test_config()).await;
    let rest = Rest::new(&control.http_url);
    let root = control.root_key().to_owned();
    (control, rest, root)
}

async fn expect(answer: Answer, status: StatusCode) -> Value {
    assert_eq!(answer.status, status, "{answer:?}");
    answer.body
}

/// A team with a topic `orders`, and an admin key's secret.
async fn team_with_admin(rest: &Rest, root: &str) -> (String, String) {
    let t = team();
    let created = rest
        .call(
            Method::POST,
            "/v1/teams",
            Some(root),
            Some(json!({"name": t})),
        )
        .await;
    assert_eq!(
        created.location.as_deref(),
        Some(format!("/v1/teams/{t}").as_str())
    );
    expect(created, StatusCode::CREATED).await;
    let path = format!("/v1/teams/{t}/topics");
    expect(
        rest.call(
            Method::POST,
            &path,
            Some(root),
            Some(json!({"name": "orders"})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let key = key(rest, root, &t, &["admin"]).await;
    (t, key)
}

async fn key(rest: &Rest, root: &str, team: &str, scopes: &[&str]) -> String {
    let body = expect(
        rest.call(
            Method::POST,
            &format!("/v1/teams/{team}/keys"),
            Some(root),
            Some(json!({"name": "k", "scopes": scopes})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    body["secret"].as_str().unwrap().to_owned()
}

fn subscription_body() -> Value {
    json!({
        "url": "https://example.com/hooks",
        "topics": ["orders"],
        "events": ["order.*"],
        "headers": {"Authorization": "Bearer partner"},
        "description": "orders to the partner",
        "rate_limit": 10,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_round_trips_and_secrets_are_shown_once() {
    let (control, rest, root) = start().await;
    let (t, admin) = team_with_admin(&rest, &root).await;
    let admin = Some(admin.as_str());

    // Teams.
    let got = expect(
        rest.call(Method::GET, &format!("/v1/teams/{t}"), admin, None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got["name"], t);
    let listed = expect(
        rest.call(Method::GET, "/v1/teams", admin, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed["teams"].as_array().unwrap().len(),
        1,
        "a key sees its own team"
    );
    let again = rest
        .call(
            Method::POST,
            "/v1/teams",
            Some(&root),
            Some(json!({"name": t})),
        )
        .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "already_exists")
    );

    // Topics.
    let topic = expect(
        rest.call(
            Method::GET,
            &format!("/v1/teams/{t}/topics/orders"),
            admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(topic["topic"]["kafka_topic"], format!("{t}.orders"));
    assert_eq!(topic["partitions"].as_array().unwrap().len(), 2);
    let topics = expect(
        rest.call(Method::GET, &format!("/v1/teams/{t}/topics"), admin, None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(topics["topics"][0]["name"], "orders");

    // Keys: the key is in the creation answer only.
    let created = rest
        .call(
            Method::POST,
            &format!("/v1/teams/{t}/keys"),
            admin,
            Some(json!({"name": "ci", "scopes": ["publish"], "topics": ["orders"]})),
        )
        .await;
    let location = created.location.clone().unwrap();
    let created = expect(created, StatusCode::CREATED).await;
    let key_id = created["key"]["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/teams/{t}/keys/{key_id}"));
    assert!(created["secret"].as_str().unwrap().starts_with("hk_"));
    assert_eq!(created["key"]["scopes"], json!(["publish"]));
    let keys = expect(
        rest.call(Method::GET, &format!("/v1/teams/{t}/keys"), admin, None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
    assert!(
        !keys
            .to_string()
            .contains(created["secret"].as_str().unwrap())
    );
    let bad_scope = rest
        .call(
            Method::POST,
            &format!("/v1/teams/{t}/keys"),
            admin,
            Some(json!({"name": "x", "scopes": ["root"]})),
        )
        .await;
    assert_eq!(
        (bad_scope.status, bad_scope.code()),
        (StatusCode::BAD_REQUEST, "invalid_argument")
    );
    expect(
        rest.call(Method::DELETE, &location, admin, None).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let gone = rest.call(Method::DELETE, &location, admin, None).await;
    assert_eq!(
        (gone.status, gone.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    // Grants.
    let (other, _) = team_with_admin(&rest, &root).await;
    let grant = expect(
        rest.call(
            Method::POST,
            &format!("/v1/teams/{t}/grants"),
            admin,
            Some(json!({"topic": "orders", "grantee": other})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let grants = expect(
        rest.call(Method::GET, &format!("/v1/teams/{t}/grants"), admin, None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(grants["grants"][0]["grantee"], other);
    let grant_path = format!("/v1/teams/{t}/grants/{}", grant["id"].as_str().unwrap());
    expect(
        rest.call(Method::DELETE, &grant_path, admin, None).await,
        StatusCode::NO_CONTENT,
    )
    .await;

    // Subscriptions: the secret in the creation answer only, header values redacted.
    let created = rest
        .call(
            Method::POST,
            &format!("/v1/teams/{t}/subscriptions"),
            admin,
            Some(subscription_body()),
        )
        .await;
    let sub_path = created.location.clone().unwrap();
    let created = expect(created, StatusCode::CREATED).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let sub = &created["subscription"];
    assert_eq!(
        sub_path,
        format!(
            "/v1/teams/{t}/subscriptions/{}",
            sub["id"].as_str().unwrap()
        )
    );
    assert_eq!(sub["topics"], json!([format!("{t}.orders")]));
    assert_eq!(sub["events"], json!(["order.*"]));
    assert_eq!(sub["state"], "active");
    assert_eq!(sub["description"], "orders to the partner");
    assert_eq!(sub["headers"], json!({"authorization": "<redacted>"}));
    let got = expect(
        rest.call(Method::GET, &sub_path, admin, None).await,
        StatusCode::OK,
    )
    .await;
    assert!(!got.to_string().contains(&secret) && !got.to_string().contains("Bearer partner"));
    assert_eq!(got["rate_limit"], 10);
    let listed = expect(
        rest.call(
            Method::GET,
            &format!("/v1/teams/{t}/subscriptions"),
            admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["subscriptions"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(&secret));

    // PATCH changes only what it names: [] clears the filter, 0 the rate limit.
    let patched = expect(
        rest.call(
            Method::PATCH,
            &sub_path,
            admin,
            Some(json!({"events": [], "rate_limit": 0, "description": "all orders"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (patched["events"].clone(), patched["rate_limit"].clone()),
        (json!([]), json!(0))
    );
    assert_eq!(patched["description"], "all orders");
    assert_eq!(patched["url"], "https://example.com/hooks");
    assert_eq!(
        patched["headers"],
        json!({"authorization": "<redacted>"}),
        "headers kept"
    );
    let empty = rest
        .call(Method::PATCH, &sub_path, admin, Some(json!({})))
        .await;
    assert_eq!(
        (empty.status, empty.code()),
        (StatusCode::BAD_REQUEST, "invalid_argument")
    );
    let bad_url = rest
        .call(
            Method::PATCH,
            &sub_path,
            admin,
            Some(json!({"url": "ftp://x"})),
        )
        .await;
    assert_eq!(bad_url.status, StatusCode::BAD_REQUEST);
    assert!(bad_url.message().contains("url"), "{}", bad_url.message());

    // Pause, resume, rotate.
    let paused = expect(
        rest.call(Method::POST, &format!("{sub_path}/pause"), admin, None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paused["state"], "paused");
    let resumed = expect(
        rest.call(Method::POST, &format!("{sub_path}/resume"), admin, None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(resumed["state"], "active");
    let rotated = expect(
        rest.call(
            Method::POST,
            &format!("{sub_path}/rotate-secret"),
            admin,
            Some(json!({"overlap_ms": 0})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    let view = internal_secrets(&control, rotated["subscription"]["id"].as_str().unwrap()).await;
    assert_eq!(
        view,
        [new_secret.to_owned()],
        "overlap 0 cuts the old secret at once"
    );
    expect(
        rest.call(
            Method::POST,
            &format!("{sub_path}/rotate-secret"),
            admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let too_long = rest
        .call(
            Method::POST,
            &format!("{sub_path}/rotate-secret"),
            admin,
            Some(json!({"overlap_ms": -1})),
        )
        .await;
    assert_eq!(
        (too_long.status, too_long.code()),
        (StatusCode::BAD_REQUEST, "invalid_argument")
    );

    // Deletes: a team still owning things is a conflict, then everything goes.
    let busy = rest
        .call(Method::DELETE, &format!("/v1/teams/{t}"), Some(&root), None)
        .await;
    assert_eq!(
        (busy.status, busy.code()),
        (StatusCode::CONFLICT, "failed_precondition")
    );
    expect(
        rest.call(Method::DELETE, &sub_path, admin, None).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let gone = rest.call(Method::GET, &sub_path, admin, None).await;
    assert_eq!(
        (gone.status, gone.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    expect(
        rest.call(
            Method::DELETE,
            &format!("/v1/teams/{t}/topics/orders"),
            admin,
            None,
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect(
        rest.call(Method::DELETE, &format!("/v1/teams/{t}"), Some(&root), None)
            .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    control.stop().await;
}

/// The signing secrets (newest first) the internal Watch stream carries for `id`.
async fn internal_secrets(control: &TestControl, id: &str) -> Vec<String> {
    let mut c = control.client(Some(control.internal_token())).await;
    let mut stream = c.watch(WatchRequest {}).await.unwrap().into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("snapshot within 10s")
        .unwrap()
        .unwrap();
    let Some(watch_event::Event::Snapshot(snapshot)) = first.event else {
        panic!("the first message is a snapshot");
    };
    snapshot
        .entities
        .into_iter()
        .find_map(|e| match e.kind {
            Some(entity::Kind::Subscription(s)) if s.id == id => {
                Some(s.secrets.into_iter().map(|s| s.secret).collect())
            }
            _ => None,
        })
        .expect("the subscription is in the snapshot")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_supplied_secret_signs_and_a_malformed_one_is_refused() {
    let (control, rest, root) = start().await;
    let (t, admin) = team_with_admin(&rest, &root).await;
    let path = format!("/v1/teams/{t}/subscriptions");
    let mine = herald_core::signing::Secret::from_bytes(vec![42u8; 32])
        .unwrap()
        .expose();
    let mut body = subscription_body();
    body["secret"] = json!(mine);
    let created = expect(
        rest.call(Method::POST, &path, Some(&admin), Some(body))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["secret"], mine.as_str());
    let id = created["subscription"]["id"].as_str().unwrap();
    assert_eq!(internal_secrets(&control, id).await, [mine.as_str()]);

    let short = herald_core::signing::Secret::from_bytes(vec![1u8; 24])
        .unwrap()
        .expose();
    for bad in [
        "whsec_not-base64!",
        &mine["whsec_".len()..],
        &format!("whsec_{}", &short["whsec_".len()..][..20]),
        "whsec_",
    ] {
        let mut body = subscription_body();
        body["secret"] = json!(bad);
        let refused = rest
            .call(Method::POST, &path, Some(&admin), Some(body))
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::BAD_REQUEST, "invalid_argument"),
            "{bad}"
        );
        assert!(
            refused.message().contains("whsec_"),
            "{}",
            refused.message()
        );
    }
    let listed = expect(
        rest.call(Method::GET, &path, Some(&admin), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed["subscriptions"].as_array().unwrap().len(),
        1,
        "nothing created by refused requests"
    );
    control.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_match_grpc_and_every_error_has_the_error_body() {
    let (control, rest, root) = start().await;
    let (t, admin) = team_with_admin(&rest, &root).await;
    let (_, other_admin) = team_with_admin(&rest, &root).await;
    let publisher = key(&rest, &root, &t, &["publish"]).await;
    let subscriber = key(&rest, &root, &t, &["subscribe"]).await;
    let subs = format!("/v1/teams/{t}/subscriptions");
    let created = expect(
        rest.call(Method::POST, &subs, Some(&admin), Some(subscription_body()))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let sub_path = format!("{subs}/{}", created["subscription"]["id"].as_str().unwrap());

    for (key, path, method, status, code) in [
        (
            Some(publisher.as_str()),
            subs.clone(),
            Method::GET,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            Some(publisher.as_str()),
            subs.clone(),
            Method::POST,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            Some(publisher.as_str()),
            format!("{sub_path}/attempts"),
            Method::GET,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            Some(subscriber.as_str()),
            subs.clone(),
            Method::POST,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            Some(subscriber.as_str()),
            format!("{sub_path}/pause"),
            Method::POST,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            Some(other_admin.as_str()),
            subs.clone(),
            Method::GET,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            Some(other_admin.as_str()),
            sub_path.clone(),
            Method::DELETE,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            Some(admin.as_str()),
            "/v1/teams".into(),
            Method::POST,
            StatusCode::FORBIDDEN,
            "permission_denied",
        ),
        (
            None,
            subs.clone(),
            Method::GET,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            Some("hk_unknown"),
            subs.clone(),
            Method::GET,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ] {
        let body = match (&method, path.as_str()) {
            (&Method::POST, "/v1/teams") => Some(json!({"name": "stolen"})),
            (&Method::POST, _) => Some(subscription_body()),
            _ => None,
        };
        let a = rest.call(method.clone(), &path, key, body).await;
        assert_eq!((a.status, a.code()), (status, code), "{method} {path}");
    }
    let ok = rest
        .call(Method::GET, &sub_path, Some(&subscriber), None)
        .await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "a subscribe key reads subscriptions"
    );
    assert!(
        rest.call(
            Method::GET,
            &format!("/v1/teams/{t}"),
            Some(&publisher),
            None
        )
        .await
        .status
        .is_success()
    );

    // Requests this adapter cannot read.
    let bad_json = rest
        .raw(
            Method::POST,
            &subs,
            &admin,
            "application/json",
            "{\"url\": ",
        )
        .await;
    assert_eq!(
        (bad_json.status, bad_json.code()),
        (StatusCode::BAD_REQUEST, "invalid_argument")
    );
    let wrong_type = rest
        .raw(
            Method::POST,
            &subs,
            &admin,
            "application/json",
            "{\"url\": 5, \"topics\": []}",
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong_type.message().contains("url"),
        "{}",
        wrong_type.message()
    );
    let unknown_field = rest
        .raw(
            Method::POST,
            &subs,
            &admin,
            "application/json",
            "{\"url\": \"https://a.example\", \"topics\": [\"orders\"], \"event_types\": []}",
        )
        .await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown_field.message().contains("event_types"),
        "{}",
        unknown_field.message()
    );
    let not_json = rest
        .raw(Method::POST, &subs, &admin, "text/plain", "url=x")
        .await;
    assert_eq!(
        (not_json.status, not_json.code()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let bad_query = rest
        .call(
            Method::GET,
            &format!("{sub_path}/attempts?limit=many"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (bad_query.status, bad_query.code()),
        (StatusCode::BAD_REQUEST, "invalid_argument")
    );
    let bad_status = rest
        .call(
            Method::GET,
            &format!("{sub_path}/attempts?status=fine"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(bad_status.status, StatusCode::BAD_REQUEST);
    let bad_cursor = rest
        .call(
            Method::GET,
            &format!("{sub_path}/attempts?cursor=abc"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (bad_cursor.status, bad_cursor.code()),
        (StatusCode::BAD_REQUEST, "invalid_argument")
    );
    assert!(
        bad_cursor.message().contains("next_page_token") || bad_cursor.message().contains("cursor")
    );
    let unknown = rest
        .call(Method::GET, "/v1/nothing/here", Some(&admin), None)
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let wrong_method = rest.call(Method::PUT, &sub_path, Some(&admin), None).await;
    assert_eq!(
        (wrong_method.status, wrong_method.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let no_team = rest
        .call(
            Method::GET,
            "/v1/teams/nope-nope/subscriptions",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(
        (no_team.status, no_team.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    control.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_with_cursors_filters_and_replays() {
    let config = test_config();
    let control = TestControl::start(config.clone()).await;
    let rest = Rest::new(&control.http_url);
    let root = control.root_key().to_owned();
    let (t, admin) = team_with_admin(&rest, &root).await;
    let admin = Some(admin.as_str());
    let subs = format!("/v1/teams/{t}/subscriptions");
    let created = expect(
        rest.call(Method::POST, &subs, admin, Some(subscription_body()))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["subscription"]["id"].as_str().unwrap().to_owned();
    let sub_path = format!("{subs}/{id}");

    // Seven attempts, three of them at the same millisecond, every third one succeeded.
    let producer = Producer::new(&kafka_config(), Duration::from_secs(30)).unwrap();
    for i in 0..7i64 {
        let outcome = if i % 3 == 0 {
            AttemptOutcome::Succeeded
        } else {
            AttemptOutcome::Retrying
        };
        let a = AttemptRecord {
            subscription_id: id.clone(),
            team: t.clone(),
            event_id: format!("evt-{}", i % 4),
            source_topic: format!("{t}.orders"),
            source_offset: i,
            attempt: 1,
            status: if i % 3 == 0 { 200 } else { 500 },
            at_ms: 1_000 + i.min(4),
            outcome: outcome as i32,
            ..Default::default()
        };
        producer
            .send(
                &config.deployment.attempts_topic(),
                Some(id.as_bytes()),
                &[],
                &a.encode_to_vec(),
            )
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("{sub_path}/attempts?limit=3&cursor={c}"),
            None => format!("{sub_path}/attempts?limit=3"),
        };
        let page = expect(
            rest.call(Method::GET, &path, admin, None).await,
            StatusCode::OK,
        )
        .await;
        pages += 1;
        let attempts = page["attempts"].as_array().unwrap();
        assert!(attempts.len() <= 3);
        seen.extend(attempts.iter().map(|a| {
            (
                a["at_ms"].as_i64().unwrap(),
                a["source_offset"].as_i64().unwrap(),
            )
        }));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10, "pages end");
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        7,
        "no attempt twice: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 >= w[1].0),
        "newest first: {seen:?}"
    );
    assert_eq!(pages, 3);
    let ok = expect(
        rest.call(
            Method::GET,
            &format!("{sub_path}/attempts?status=succeeded"),
            admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let ok = ok["attempts"].as_array().unwrap();
    assert_eq!(ok.len(), 3);
    assert!(
        ok.iter()
            .all(|a| a["outcome"] == "succeeded" && a["response_status"] == 200)
    );
    let one = expect(
        rest.call(
            Method::GET,
            &format!("{sub_path}/attempts?event_id=evt-1"),
            admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let offsets: Vec<i64> = one["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source_offset"].as_i64().unwrap())
        .collect();
    assert_eq!(offsets, [5, 1]);

    // Dead letters: pages, replay by event id, then shown as redriven.
    for n in 0..3i64 {
        let task = DeliveryTask {
            subscription_id: id.clone(),
            team: t.clone(),
            source_topic: format!("{t}.orders"),
            source_offset: n,
            event_id: format!("dead-{n}"),
            event_type: "order.created".into(),
            data: b"{\"n\":1}".to_vec(),
            attempt: 8,
            dead_lettered_at_ms: 5_000 + n,
            dead_letter_reason: "retries exhausted".into(),
            last_status: 500,
            ..Default::default()
        };
        producer
            .send(
                &config.deployment.dlq_topic(),
                Some(id.as_bytes()),
                &[],
                &task.encode_to_vec(),
            )
            .await
            .unwrap();
    }
    let letters = format!("{sub_path}/dead-letters");
    let first = expect(
        rest.call(Method::GET, &format!("{letters}?limit=2"), admin, None)
            .await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<&str> = first["dead_letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["dead-2", "dead-1"]);
    assert_eq!(first["dead_letters"][0]["redriven_at_ms"], Value::Null);
    assert_eq!(first["dead_letters"][0]["data_base64"], "eyJuIjoxfQ==");
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = expect(
        rest.call(
            Method::GET,
            &format!("{letters}?limit=2&cursor={cursor}"),
            admin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["dead_letters"][0]["event_id"], "dead-0");
    assert_eq!(second["next_cursor"], Value::Null);

    let replayed = expect(
        rest.call(
            Method::POST,
            &format!("{letters}/replay"),
            admin,
            Some(json!({"event_ids": ["dead-1"]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(replayed["replayed"], 1);
    let after = expect(
        rest.call(Method::GET, &letters, admin, None).await,
        StatusCode::OK,
    )
    .await;
    let redriven: Vec<&str> = after["dead_letters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["redriven_at_ms"].is_i64())
        .map(|d| d["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(redriven, ["dead-1"]);
    let again = expect(
        rest.call(
            Method::POST,
            &format!("{letters}/replay"),
            admin,
            Some(json!({"event_ids": ["dead-1"]})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["replayed"], 0, "already redriven");

    // Topic replay: from a time, to the subscription.
    let replay = format!("/v1/teams/{t}/topics/orders/replay");
    let r = expect(
        rest.call(
            Method::POST,
            &replay,
            admin,
            Some(json!({"subscription_id": id, "from_time_ms": 0})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["replayed"], 0, "the topic is empty");
    let both = rest
        .call(
            Method::POST,
            &replay,
            admin,
            Some(json!({"subscription_id": id, "from_time_ms": 0, "from_offset": 0})),
        )
        .await;
    assert_eq!(
        (both.status, both.code()),
        (StatusCode::BAD_REQUEST, "invalid_argument")
    );
    let neither = rest
        .call(
            Method::POST,
            &replay,
            admin,
            Some(json!({"subscription_id": id})),
        )
        .await;
    assert_eq!(neither.status, StatusCode::BAD_REQUEST);
    control.stop().await;
}

/// `GET /v1/openapi.json` at `url`: an OpenAPI 3.1 document with `paths`, and the error body.
async fn document(url: String) -> Value {
    let res = reqwest::get(url).await.expect("openapi request");
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = serde_json::from_str(&res.text().await.expect("body")).expect("json document");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_serves_its_openapi_document() {
    let (control, _, _) = start().await;
    let doc = document(format!("{}/v1/openapi.json", control.http_url)).await;
    assert!(doc["paths"]["/v1/teams/{team}/subscriptions/{id}"]["patch"].is_object());
    control.stop().await;

    let ingest =
        herald_tests::ingest::start(herald_tests::ingest::test_config(kafka_config()), None).await;
    let doc = document(format!("http://{}/v1/openapi.json", ingest.http)).await;
    assert!(doc["paths"]["/v1/topics/{team}/{topic}/events"]["post"].is_object());
    ingest.stop().await;

    let (_publisher, handle) = herald_watch::ConfigPublisher::new();
    let config = herald_edge::EdgeConfig {
        kafka: kafka_config(),
        ..herald_edge::EdgeConfig::default()
    };
    let edge = herald_tests::edge::RunningEdge::start(config, handle, None).await;
    let doc = document(edge.url("/v1/openapi.json")).await;
    assert!(doc["paths"]["/v1/streams/{team}/{topic}"]["get"].is_object());
    assert!(doc["paths"]["/v1/streams/{team}/{topic}/token"]["post"].is_object());
    edge.stop().await;
}

/// The web console is served on control's HTTP port; its CSP and config.json name the edge and
/// ingest origins the configuration gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_serves_the_console_with_the_configured_origins() {
    let mut config = test_config();
    config.console.edge_url = "https://stream.example.com/".into();
    let control = TestControl::start(config).await;
    let page = reqwest::get(format!("{}/console/", control.http_url))
        .await
        .expect("console request");
    assert_eq!(page.status(), StatusCode::OK);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let csp = header("content-security-policy");
    assert!(
        csp.contains("connect-src 'self' https://stream.example.com;"),
        "{csp}"
    );
    assert!(page.text().await.expect("body").contains("app.js"));
    let config = reqwest::get(format!("{}/console/config.json", control.http_url))
        .await
        .expect("config request")
        .text()
        .await
        .expect("config body");
    let config: Value = serde_json::from_str(&config).expect("config json");
    assert_eq!(
        config,
        json!({"edge_url": "https://stream.example.com", "ingest_url": ""})
    );
    control.stop().await;
}
