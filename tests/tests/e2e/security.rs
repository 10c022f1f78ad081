//! Tenancy end to end: the scope of every RPC and HTTP route for every kind of caller, and
//! revocations that end open streams, against a real control plane, ingest and edge.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use herald_core::Event as CoreEvent;
use herald_edge::EdgeConfig;
use herald_kafka::Producer;
use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::*;
use herald_runtime::Shutdown;
use herald_tests::control::{Client, TestControl, team_with_topic, test_config};
use herald_tests::edge::{RunningEdge, SseClient, SseItem, open};
use herald_tests::{kafka_config, unique};
use herald_watch::{Bearer, ConfigHandle};
use prost::Message as _;
use tokio::net::TcpListener;
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// Callers, in the column order of the table: root, internal, keys of the target team (admin,
/// publish, subscribe, a portal token) and an admin key of another team.
const CALLERS: [&str; 7] = [
    "root",
    "internal",
    "admin",
    "publish",
    "subscribe",
    "portal",
    "other-admin",
];

/// Every RPC and route, and whether each caller of [`CALLERS`] may call it (1) or is refused
/// (0). The same table is in docs/security.md.
const TABLE: [(&str, [u8; 7]); 51] = [
    ("herald.v1.Control/CreateTeam", [1, 0, 0, 0, 0, 0, 0]),
    ("herald.v1.Control/GetTeam", [1, 1, 1, 1, 1, 1, 0]),
    ("herald.v1.Control/ListTeams", [1, 1, 1, 1, 1, 1, 1]),
    ("herald.v1.Control/DeleteTeam", [1, 0, 0, 0, 0, 0, 0]),
    ("herald.v1.Control/CreateTopic", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Control/ListTopics", [1, 1, 1, 1, 1, 1, 0]),
    ("herald.v1.Control/DescribeTopic", [1, 1, 1, 1, 1, 1, 0]),
    ("herald.v1.Control/DeleteTopic", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Control/CreateApiKey", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Control/ListApiKeys", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Control/RevokeApiKey", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Control/CreateGrant", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Control/ListGrants", [1, 1, 1, 1, 1, 1, 0]),
    ("herald.v1.Control/RevokeGrant", [1, 0, 1, 0, 0, 0, 0]),
    (
        "herald.v1.Control/CreateSubscription",
        [1, 0, 1, 0, 0, 1, 0],
    ),
    ("herald.v1.Control/GetSubscription", [1, 1, 1, 0, 1, 1, 0]),
    ("herald.v1.Control/ListSubscriptions", [1, 1, 1, 0, 1, 1, 0]),
    (
        "herald.v1.Control/UpdateSubscription",
        [1, 0, 1, 0, 0, 1, 0],
    ),
    ("herald.v1.Control/PauseSubscription", [1, 0, 1, 0, 0, 1, 0]),
    (
        "herald.v1.Control/ResumeSubscription",
        [1, 0, 1, 0, 0, 1, 0],
    ),
    (
        "herald.v1.Control/DisableSubscription",
        [1, 1, 1, 0, 0, 0, 0],
    ),
    ("herald.v1.Control/RotateSecret", [1, 0, 1, 0, 0, 1, 0]),
    (
        "herald.v1.Control/DeleteSubscription",
        [1, 0, 1, 0, 0, 1, 0],
    ),
    ("herald.v1.Control/Watch", [1, 1, 0, 0, 0, 0, 0]),
    ("herald.v1.Control/ListAttempts", [1, 1, 1, 0, 1, 1, 0]),
    ("herald.v1.Control/ListDeadLetters", [1, 1, 1, 0, 1, 1, 0]),
    ("herald.v1.Control/ReplayDeadLetters", [1, 0, 1, 0, 0, 1, 0]),
    ("herald.v1.Control/ReplayTopic", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Publisher/Publish", [1, 0, 1, 1, 0, 0, 0]),
    ("herald.v1.Publisher/PublishBatch", [1, 0, 1, 1, 0, 0, 0]),
    (
        "POST /v1/topics/{team}/{topic}/events",
        [1, 0, 1, 1, 0, 0, 0],
    ),
    ("GET /v1/streams/{team}/{topic}", [1, 1, 1, 0, 1, 1, 0]),
    (
        "POST /v1/streams/{team}/{topic}/token",
        [1, 1, 1, 0, 1, 1, 0],
    ),
    ("herald.v1.Control/WhoAmI", [1, 1, 1, 1, 1, 1, 1]),
    ("herald.v1.Control/CreatePortalToken", [1, 0, 1, 0, 0, 0, 0]),
    (
        "herald.v1.Control/GetSubscriptionHealth",
        [1, 1, 1, 0, 1, 1, 0],
    ),
    ("herald.v1.Control/SendTestEvent", [1, 0, 1, 0, 0, 1, 0]),
    ("GET /v1/whoami", [1, 1, 1, 1, 1, 1, 1]),
    ("POST /v1/teams/{team}/portal-tokens", [1, 0, 1, 0, 0, 0, 0]),
    (
        "GET /v1/teams/{team}/subscriptions/{id}/health",
        [1, 1, 1, 0, 1, 1, 0],
    ),
    (
        "POST /v1/teams/{team}/subscriptions/{id}/test",
        [1, 0, 1, 0, 0, 1, 0],
    ),
    ("herald.v1.Control/SetSchemaPolicy", [1, 0, 1, 0, 0, 0, 0]),
    ("herald.v1.Control/CreateEventType", [1, 0, 1, 0, 0, 0, 0]),
    (
        "herald.v1.Control/AddEventTypeVersion",
        [1, 0, 1, 0, 0, 0, 0],
    ),
    ("herald.v1.Control/GetEventType", [1, 1, 1, 1, 1, 1, 0]),
    ("herald.v1.Control/ListEventTypes", [1, 1, 1, 1, 1, 1, 0]),
    ("herald.v1.Control/DeleteEventType", [1, 0, 1, 0, 0, 0, 0]),
    ("GET /v1/teams/{team}/event-types", [1, 1, 1, 1, 1, 1, 0]),
    ("POST /v1/teams/{team}/event-types", [1, 0, 1, 0, 0, 0, 0]),
    (
        "GET /v1/teams/{team}/event-types/{name}/versions/{version}/schema",
        [1, 1, 1, 1, 1, 1, 0],
    ),
    (
        "PUT /v1/teams/{team}/topics/{topic}/schema-policy",
        [1, 0, 1, 0, 0, 0, 0],
    ),
];

/// Every method of Herald's gRPC services, read from the compiled descriptors.
fn every_rpc() -> BTreeSet<String> {
    let set = prost_types::FileDescriptorSet::decode(herald_proto::FILE_DESCRIPTOR_SET)
        .expect("descriptor set");
    let mut out = BTreeSet::new();
    for file in set.file {
        for service in &file.service {
            for method in &service.method {
                out.insert(format!(
                    "{}.{}/{}",
                    file.package(),
                    service.name(),
                    method.name()
                ));
            }
        }
    }
    out
}

/// A Publisher client that sends `key`.
type Publisher = PublisherClient<InterceptedService<Channel, Bearer>>;

async fn publisher(url: &str, key: &str) -> Publisher {
    let channel = Channel::from_shared(url.to_owned())
        .expect("url")
        .connect()
        .await
        .expect("connect to ingest");
    PublisherClient::with_interceptor(channel, Bearer::new(key).expect("ascii key"))
}

/// A control plane with an ingest and an edge that follow it, in this process.
struct World {
    control: TestControl,
    ingest_grpc: String,
    ingest_http: String,
    edge: RunningEdge,
    ingest_shutdown: Shutdown,
    http: reqwest::Client,
}

impl World {
    async fn start() -> Self {
        let control = TestControl::start(test_config()).await;
        let follow = |shutdown: &Shutdown| -> ConfigHandle {
            herald_watch::follow(
                control.endpoint.clone(),
                control.internal_token().to_owned(),
                shutdown.token(),
            )
        };
        let ingest_shutdown = Shutdown::new(Duration::from_secs(5));
        let bind = || async { TcpListener::bind("127.0.0.1:0").await.expect("bind") };
        let (grpc, http, admin) = (bind().await, bind().await, bind().await);
        let ingest_grpc = format!("http://{}", grpc.local_addr().expect("addr"));
        let ingest_http = format!("http://{}", http.local_addr().expect("addr"));
        let mut ingest_config = herald_tests::ingest::test_config(kafka_config());
        ingest_config.root_key = control.root_key().into();
        ingest_config.internal_token = control.internal_token().into();
        tokio::spawn(herald_ingest::run_with(
            ingest_config,
            follow(&ingest_shutdown),
            herald_ingest::Listeners { grpc, http, admin },
            ingest_shutdown.clone(),
        ));
        let edge_config = EdgeConfig {
            kafka: kafka_config(),
            root_key: control.root_key().into(),
            internal_token: control.internal_token().into(),
            token_secret: unique("token-secret").into(),
            heartbeat: Duration::from_millis(300),
            ..EdgeConfig::default()
        };
        let mut handle = follow(&ingest_shutdown);
        assert!(handle.wait_synced(Duration::from_secs(30)).await);
        let edge = RunningEdge::start(edge_config, handle, None).await;
        Self {
            control,
            ingest_grpc,
            ingest_http,
            edge,
            ingest_shutdown,
            http: reqwest::Client::new(),
        }
    }

    async fn stop(self) {
        self.edge.stop().await;
        self.ingest_shutdown.trigger();
        self.control.stop().await;
    }

    /// Polls `f` until it is true, for up to 30 s (the data plane follows the control plane).
    async fn eventually(&self, what: &str, mut f: impl AsyncFnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !f().await {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Creates a key of `team` with one scope; returns its id and secret.
async fn key(c: &mut Client, team: &str, scope: Scope) -> (String, String) {
    let r = c
        .create_api_key(CreateApiKeyRequest {
            team: team.into(),
            name: "k".into(),
            scopes: vec![scope as i32],
            topics: vec![],
        })
        .await
        .expect("create key")
        .into_inner();
    (r.key.expect("key").id, r.secret)
}

/// Mints a portal token of `team` living `ttl_ms`; returns its key id and the token.
async fn portal_token(c: &mut Client, team: &str, ttl_ms: i64) -> (String, String) {
    let r = c
        .create_portal_token(CreatePortalTokenRequest {
            team: team.into(),
            ttl_ms,
            name: "portal".into(),
        })
        .await
        .expect("create portal token")
        .into_inner();
    (r.key.expect("key").id, r.token)
}

async fn subscription(c: &mut Client, team: &str) -> String {
    c.create_subscription(CreateSubscriptionRequest {
        team: team.into(),
        topics: vec!["orders".into()],
        url: "https://example.com/hooks".into(),
        ..Default::default()
    })
    .await
    .expect("create subscription")
    .into_inner()
    .subscription
    .expect("subscription")
    .id
}

fn event(ty: &str) -> Event {
    Event {
        r#type: ty.into(),
        data: b"{}".to_vec(),
        ..Default::default()
    }
}

/// What one call answered: refused by authentication or authorization, or let through (any
/// other outcome, errors of the request itself included).
fn refused(code: Option<Code>) -> bool {
    matches!(code, Some(Code::PermissionDenied | Code::Unauthenticated))
}

fn http_refused(status: u16) -> bool {
    status == 401 || status == 403
}

struct Target {
    team: String,
    /// A third team, the grantee of CreateGrant (so the grant changes no caller's rights).
    grantee: String,
    sub: String,
    /// An event type of the team's catalog.
    event_type: String,
}

/// Calls `op` as `key` against `t`; whether it was let through.
async fn call(w: &World, root: &mut Client, op: &str, key: &str, t: &Target) -> bool {
    let mut c = w.control.client(Some(key)).await;
    let team = t.team.clone();
    let id = t.sub.clone();
    let method = match op.strip_prefix("herald.v1.") {
        Some(rpc) => rpc.rsplit_once('/').map_or(rpc, |(_, m)| m),
        None => op,
    };
    let outcome = match method {
        "CreateTeam" => ok(c
            .create_team(CreateTeamRequest {
                name: unique("new"),
                display_name: String::new(),
            })
            .await),
        "GetTeam" => ok(c.get_team(GetTeamRequest { name: team }).await),
        "ListTeams" => ok(c.list_teams(ListTeamsRequest {}).await),
        "DeleteTeam" => ok(c
            .delete_team(DeleteTeamRequest {
                name: unique("gone"),
            })
            .await),
        "CreateTopic" => ok(c
            .create_topic(CreateTopicRequest {
                team,
                name: unique("t"),
                partitions: 1,
                retention_ms: 3_600_000,
                ..Default::default()
            })
            .await),
        "ListTopics" => ok(c.list_topics(ListTopicsRequest { team }).await),
        "DescribeTopic" => ok(c
            .describe_topic(DescribeTopicRequest {
                team,
                name: "orders".into(),
            })
            .await),
        "DeleteTopic" => ok(c
            .delete_topic(DeleteTopicRequest {
                team,
                name: "missing".into(),
            })
            .await),
        "CreateApiKey" => ok(c
            .create_api_key(CreateApiKeyRequest {
                team,
                name: "k".into(),
                scopes: vec![Scope::Publish as i32],
                topics: vec![],
            })
            .await),
        "ListApiKeys" => ok(c.list_api_keys(ListApiKeysRequest { team }).await),
        "RevokeApiKey" => ok(c
            .revoke_api_key(RevokeApiKeyRequest {
                team,
                id: "missing".into(),
            })
            .await),
        "CreateGrant" => ok(c
            .create_grant(CreateGrantRequest {
                team,
                topic: "orders".into(),
                grantee: t.grantee.clone(),
            })
            .await),
        "ListGrants" => ok(c.list_grants(ListGrantsRequest { team }).await),
        "RevokeGrant" => ok(c
            .revoke_grant(RevokeGrantRequest {
                team,
                id: "missing".into(),
            })
            .await),
        "CreateSubscription" => ok(c
            .create_subscription(CreateSubscriptionRequest {
                team,
                topics: vec!["orders".into()],
                url: "https://example.com/hooks".into(),
                ..Default::default()
            })
            .await),
        "GetSubscription" => ok(c
            .get_subscription(GetSubscriptionRequest { team, id })
            .await),
        "ListSubscriptions" => ok(c
            .list_subscriptions(ListSubscriptionsRequest { team })
            .await),
        "UpdateSubscription" => ok(c
            .update_subscription(UpdateSubscriptionRequest {
                team,
                id,
                event_types: vec!["order.*".into()],
                ..Default::default()
            })
            .await),
        "PauseSubscription" => ok(c
            .pause_subscription(PauseSubscriptionRequest { team, id })
            .await),
        "ResumeSubscription" => ok(c
            .resume_subscription(ResumeSubscriptionRequest { team, id })
            .await),
        "DisableSubscription" => ok(c
            .disable_subscription(DisableSubscriptionRequest {
                team,
                id,
                reason: "test".into(),
            })
            .await),
        "RotateSecret" => ok(c
            .rotate_secret(RotateSecretRequest {
                team,
                id,
                ..Default::default()
            })
            .await),
        "DeleteSubscription" => {
            // A fresh subscription each time, so an allowed call does not remove the shared one.
            let id = subscription(root, &team).await;
            ok(
                c.delete_subscription(DeleteSubscriptionRequest { team, id })
                    .await,
            )
        }
        "Watch" => ok(c.watch(WatchRequest {}).await),
        "ListAttempts" => ok(c
            .list_attempts(ListAttemptsRequest {
                team,
                subscription_id: id,
                ..Default::default()
            })
            .await),
        "ListDeadLetters" => ok(c
            .list_dead_letters(ListDeadLettersRequest {
                team,
                subscription_id: id,
                ..Default::default()
            })
            .await),
        "ReplayDeadLetters" => ok(c
            .replay_dead_letters(ReplayDeadLettersRequest {
                team,
                subscription_id: id,
                ..Default::default()
            })
            .await),
        "ReplayTopic" => ok(c
            .replay_topic(ReplayTopicRequest {
                team,
                subscription_id: id,
                topic: "orders".into(),
                from: Some(replay_topic_request::From::FromTimeMs(
                    herald_tests::delivery::now_ms(),
                )),
                limit: 1,
            })
            .await),
        "WhoAmI" => ok(c.who_am_i(WhoAmIRequest {}).await),
        "CreatePortalToken" => ok(c
            .create_portal_token(CreatePortalTokenRequest {
                team,
                ..Default::default()
            })
            .await),
        "GetSubscriptionHealth" => ok(c
            .get_subscription_health(GetSubscriptionHealthRequest {
                team,
                subscription_id: id,
                window_ms: 60_000,
            })
            .await),
        "SendTestEvent" => ok(c
            .send_test_event(SendTestEventRequest {
                team,
                subscription_id: id,
                ..Default::default()
            })
            .await),
        "SetSchemaPolicy" => ok(c
            .set_schema_policy(SetSchemaPolicyRequest {
                team,
                topic: "orders".into(),
                schema_policy: SchemaPolicy::Off as i32,
            })
            .await),
        "CreateEventType" => ok(c
            .create_event_type(CreateEventTypeRequest {
                team,
                name: unique("scope.created"),
                schema: "true".into(),
                ..Default::default()
            })
            .await),
        "AddEventTypeVersion" => ok(c
            .add_event_type_version(AddEventTypeVersionRequest {
                team,
                name: t.event_type.clone(),
                schema: "true".into(),
            })
            .await),
        "GetEventType" => ok(c
            .get_event_type(GetEventTypeRequest {
                team,
                name: t.event_type.clone(),
            })
            .await),
        "ListEventTypes" => ok(c.list_event_types(ListEventTypesRequest { team }).await),
        "DeleteEventType" => ok(c
            .delete_event_type(DeleteEventTypeRequest {
                team,
                name: "missing".into(),
            })
            .await),
        "GET /v1/teams/{team}/event-types"
        | "POST /v1/teams/{team}/event-types"
        | "GET /v1/teams/{team}/event-types/{name}/versions/{version}/schema"
        | "PUT /v1/teams/{team}/topics/{topic}/schema-policy" => {
            let (method, path) = op.split_once(' ').expect("method and path");
            let path = path
                .replace("{team}", &team)
                .replace("{name}", &t.event_type)
                .replace("{version}", "1")
                .replace("{topic}", "orders");
            let body = match method {
                "POST" => format!(
                    r#"{{"name":"{}","schema":{{"type":"object"}}}}"#,
                    unique("scope.rest")
                ),
                "PUT" => r#"{"schema_policy":"off"}"#.to_owned(),
                _ => String::new(),
            };
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let mut request = w
                .http
                .request(method, format!("{}{path}", w.control.http_url))
                .bearer_auth(key);
            if !body.is_empty() {
                request = request
                    .header("content-type", "application/json")
                    .body(body);
            }
            let status = request
                .send()
                .await
                .expect("control http")
                .status()
                .as_u16();
            return !http_refused(status);
        }
        "GET /v1/whoami"
        | "POST /v1/teams/{team}/portal-tokens"
        | "GET /v1/teams/{team}/subscriptions/{id}/health"
        | "POST /v1/teams/{team}/subscriptions/{id}/test" => {
            let (method, path) = op.split_once(' ').expect("method and path");
            let path = path.replace("{team}", &team).replace("{id}", &id);
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let status = w
                .http
                .request(method, format!("{}{path}", w.control.http_url))
                .bearer_auth(key)
                .send()
                .await
                .expect("control http")
                .status()
                .as_u16();
            return !http_refused(status);
        }
        "Publish" => ok(publisher(&w.ingest_grpc, key)
            .await
            .publish(PublishRequest {
                team,
                topic: "orders".into(),
                event: Some(event("scope.test")),
            })
            .await),
        "PublishBatch" => ok(publisher(&w.ingest_grpc, key)
            .await
            .publish_batch(PublishBatchRequest {
                team,
                topic: "orders".into(),
                events: vec![event("scope.test")],
            })
            .await),
        "POST /v1/topics/{team}/{topic}/events" => {
            let status = w
                .http
                .post(format!("{}/v1/topics/{team}/orders/events", w.ingest_http))
                .bearer_auth(key)
                .header("content-type", "application/json")
                .body(r#"{"type":"scope.test","data":{}}"#)
                .send()
                .await
                .expect("post event")
                .status()
                .as_u16();
            return !http_refused(status);
        }
        "GET /v1/streams/{team}/{topic}" => {
            let url = w.edge.url(&format!("/v1/streams/{team}/orders"));
            return match open(&w.http, &url, Some(key), None).await {
                Ok(_) => true,
                Err((status, body)) => {
                    assert!(http_refused(status), "{status} {body}");
                    false
                }
            };
        }
        "POST /v1/streams/{team}/{topic}/token" => {
            let status = w
                .http
                .post(w.edge.url(&format!("/v1/streams/{team}/orders/token")))
                .bearer_auth(key)
                .send()
                .await
                .expect("mint token")
                .status()
                .as_u16();
            return !http_refused(status);
        }
        other => panic!("no call for {other}"),
    };
    !refused(outcome.err().map(|s| s.code()))
}

fn ok<T>(r: Result<tonic::Response<T>, tonic::Status>) -> Result<(), tonic::Status> {
    r.map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_and_route_for_every_scope() {
    let rpcs = every_rpc();
    let covered: BTreeSet<String> = TABLE
        .iter()
        .map(|(op, _)| op.to_string())
        .filter(|op| op.starts_with("herald.v1."))
        .collect();
    assert_eq!(covered, rpcs, "the table must name every RPC exactly once");

    let w = World::start().await;
    let mut root = w.control.root().await;
    let team = team_with_topic(&mut root, "scope", "orders").await;
    let other = team_with_topic(&mut root, "other", "misc").await;
    let sub = subscription(&mut root, &team).await;
    let keys = [
        w.control.root_key().to_owned(),
        w.control.internal_token().to_owned(),
        key(&mut root, &team, Scope::Admin).await.1,
        key(&mut root, &team, Scope::Publish).await.1,
        key(&mut root, &team, Scope::Subscribe).await.1,
        portal_token(&mut root, &team, 3_600_000).await.1,
        key(&mut root, &other, Scope::Admin).await.1,
    ];
    let last = keys[6].clone();
    w.eventually("the data plane to see the keys", async || {
        w.http
            .post(w.edge.url(&format!("/v1/streams/{other}/misc/token")))
            .bearer_auth(&last)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    let grantee = team_with_topic(&mut root, "grantee", "misc").await;
    let event_type = root
        .create_event_type(CreateEventTypeRequest {
            team: team.clone(),
            name: "scope.type".into(),
            schema: "true".into(),
            ..Default::default()
        })
        .await
        .expect("create event type")
        .into_inner()
        .name;
    let target = Target {
        team,
        grantee,
        sub,
        event_type,
    };

    let mut wrong = Vec::new();
    for (op, expected) in TABLE {
        for ((who, key), want) in CALLERS.iter().zip(&keys).zip(expected) {
            let allowed = call(&w, &mut root, op, key, &target).await;
            if allowed != (want == 1) {
                wrong.push(format!(
                    "{op} as {who}: {} but the table says {}",
                    if allowed { "allowed" } else { "refused" },
                    if want == 1 { "allowed" } else { "refused" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "scope violations:\n{}", wrong.join("\n"));
    w.stop().await;
}

/// Reads until the stream's final `herald.revoked` event, failing on any other event first.
async fn expect_revoked(sse: &mut SseClient, who: &str, since: Instant) -> String {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(5), sse.next())
            .await
            .unwrap_or_else(|_| panic!("{who}: the stream was not ended within 5 s"));
        match item {
            Some(SseItem::Event { ty, data, .. }) if ty == "herald.revoked" => {
                let elapsed = since.elapsed();
                assert!(
                    elapsed < Duration::from_secs(1),
                    "{who}: ended {elapsed:?} after the revocation"
                );
                assert!(
                    tokio::time::timeout(Duration::from_secs(2), sse.next())
                        .await
                        .expect("the response ends after the final event")
                        .is_none(),
                    "{who}: something came after the final event"
                );
                return data;
            }
            Some(SseItem::Event { ty, .. }) => panic!("{who}: unexpected event {ty}"),
            Some(SseItem::Comment(_)) => {}
            None => panic!("{who}: the stream ended without saying why"),
        }
    }
}

async fn expect_event(sse: &mut SseClient, who: &str, want: &str) {
    match sse.next_event(Duration::from_secs(15)).await {
        Some(SseItem::Event { ty, .. }) if ty == want => {}
        other => panic!("{who}: expected {want}, got {other:?}"),
    }
}

async fn publish(producer: &Producer, kafka_topic: &str, ty: &str) {
    let id = unique("ev");
    let event = CoreEvent::new(&id, "/tests/security", ty, b"{}".to_vec());
    producer
        .send(kafka_topic, Some(id.as_bytes()), &event.to_headers(), b"{}")
        .await
        .expect("publish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_grant_or_a_key_or_deleting_the_topic_ends_open_streams_within_a_second() {
    let w = World::start().await;
    let mut root = w.control.root().await;
    let owner = team_with_topic(&mut root, "owner", "secret").await;
    let reader = team_with_topic(&mut root, "reader", "misc").await;
    let grant = root
        .create_grant(CreateGrantRequest {
            team: owner.clone(),
            topic: "secret".into(),
            grantee: reader.clone(),
        })
        .await
        .expect("grant")
        .into_inner();
    let (_, owner_admin) = key(&mut root, &owner, Scope::Admin).await;
    let (_, reader_key) = key(&mut root, &reader, Scope::Subscribe).await;
    let (key_id, owner_key) = key(&mut root, &owner, Scope::Subscribe).await;
    let (_, owner_key2) = key(&mut root, &owner, Scope::Subscribe).await;
    let (publisher_id, publisher_key) = key(&mut root, &owner, Scope::Publish).await;
    let kafka_topic = format!("{owner}.secret");
    let url = w.edge.url(&format!("/v1/streams/{owner}/secret"));

    let probe = owner_key2.clone();
    w.eventually("the edge to see the keys", async || {
        open(&w.http, &url, Some(&probe), None).await.is_ok()
    })
    .await;
    let mut granted = open(&w.http, &url, Some(&reader_key), None)
        .await
        .expect("the grantee opens the stream");
    let minted = w
        .http
        .post(format!("{url}/token"))
        .bearer_auth(&owner_key)
        .send()
        .await
        .expect("mint")
        .text()
        .await
        .expect("token body");
    let token: serde_json::Value = serde_json::from_str(&minted).expect("token json");
    let token = token["token"].as_str().expect("token").to_owned();
    let by_token = format!("{url}?access_token={token}");
    let mut tokened = open(&w.http, &by_token, None, None)
        .await
        .expect("stream by access token");
    let mut bearer = open(&w.http, &url, Some(&owner_key), None)
        .await
        .expect("stream by bearer");
    let mut survivor = open(&w.http, &url, Some(&owner_key2), None)
        .await
        .expect("stream of another key");

    let producer = Producer::new(&kafka_config(), Duration::from_secs(30)).expect("producer");
    publish(&producer, &kafka_topic, "before.revocation").await;
    for (who, sse) in [
        ("grantee", &mut granted),
        ("token", &mut tokened),
        ("bearer", &mut bearer),
        ("survivor", &mut survivor),
    ] {
        expect_event(sse, who, "before.revocation").await;
    }

    // Defect 1: the owner revokes the grant; the grantee's open stream ends at once.
    let mut admin = w.control.client(Some(&owner_admin)).await;
    admin
        .revoke_grant(RevokeGrantRequest {
            team: owner.clone(),
            id: grant.id.clone(),
        })
        .await
        .expect("revoke grant");
    let revoked_at = Instant::now();
    let why = expect_revoked(&mut granted, "grantee", revoked_at).await;
    assert!(why.contains("no grant"), "{why}");
    publish(&producer, &kafka_topic, "after.grant.revocation").await;
    expect_event(&mut tokened, "token", "after.grant.revocation").await;
    expect_event(&mut bearer, "bearer", "after.grant.revocation").await;
    let (status, body) = open(&w.http, &url, Some(&reader_key), None)
        .await
        .err()
        .expect("the grantee's reconnect is refused");
    assert_eq!(status, 403, "{body}");

    // Defect 2: a revoked key loses its streams, by bearer and by access token alike.
    admin
        .revoke_api_key(RevokeApiKeyRequest {
            team: owner.clone(),
            id: key_id,
        })
        .await
        .expect("revoke key");
    let revoked_at = Instant::now();
    let why = expect_revoked(&mut bearer, "bearer", revoked_at).await;
    assert!(why.contains("revoked"), "{why}");
    let why = expect_revoked(&mut tokened, "token", revoked_at).await;
    assert!(why.contains("revoked"), "{why}");
    publish(&producer, &kafka_topic, "after.key.revocation").await;
    expect_event(&mut survivor, "survivor", "after.grant.revocation").await;
    expect_event(&mut survivor, "survivor", "after.key.revocation").await;
    for (who, url, bearer) in [
        ("bearer", &url, Some(owner_key.as_str())),
        ("token", &by_token, None),
    ] {
        let (status, body) = open(&w.http, url, bearer, None)
            .await
            .err()
            .unwrap_or_else(|| panic!("{who}: the reconnect is refused"));
        assert_eq!(status, 401, "{who}: {body}");
    }
    // The data plane's own view of keys follows as fast: ingest refuses a revoked publish key
    // within a second.
    let publish = async |key: &str| {
        w.http
            .post(format!("{}/v1/topics/{owner}/secret/events", w.ingest_http))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(r#"{"type":"ingest.check","data":{}}"#)
            .send()
            .await
            .expect("publish over http")
            .status()
            .as_u16()
    };
    assert_eq!(publish(&publisher_key).await, 202);
    admin
        .revoke_api_key(RevokeApiKeyRequest {
            team: owner.clone(),
            id: publisher_id,
        })
        .await
        .expect("revoke publish key");
    let revoked_at = Instant::now();
    while publish(&publisher_key).await != 401 {
        assert!(
            revoked_at.elapsed() < Duration::from_secs(1),
            "ingest still accepts a key revoked {:?} ago",
            revoked_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    expect_event(&mut survivor, "survivor", "ingest.check").await;

    // Deleting the topic ends the streams still open on it.
    admin
        .delete_topic(DeleteTopicRequest {
            team: owner.clone(),
            name: "secret".into(),
        })
        .await
        .expect("delete topic");
    let deleted_at = Instant::now();
    let why = expect_revoked(&mut survivor, "survivor", deleted_at).await;
    assert!(why.contains("was deleted"), "{why}");
    let metrics = w.edge.metrics().await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("herald_edge_streams_revoked_total 4")),
        "{metrics}"
    );
    w.stop().await;
}

/// A portal token of team A manages A's subscriptions and reads A's deliveries, and nothing of
/// team B (subscriptions, attempts, dead letters, health, test events, topics, streams) nor A's
/// keys, grants or topics; it is refused everywhere once it expires, and its open stream ends
/// at that instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_token_stays_in_its_team_and_stops_at_its_expiry() {
    use herald_tests::rest::Rest;
    use reqwest::Method;
    use serde_json::json;

    const TTL_MS: i64 = 60_000;
    let w = World::start().await;
    let rest = Rest::new(&w.control.http_url);
    let mut root = w.control.root().await;
    let a = team_with_topic(&mut root, "porta", "orders").await;
    let b = team_with_topic(&mut root, "portb", "orders").await;
    let sub_a = subscription(&mut root, &a).await;
    let sub_b = subscription(&mut root, &b).await;
    let root_key = w.control.root_key().to_owned();
    let minted = rest
        .call(
            Method::POST,
            &format!("/v1/teams/{a}/portal-tokens"),
            Some(&root_key),
            Some(json!({"ttl_ms": TTL_MS, "name": "console"})),
        )
        .await;
    assert_eq!(minted.status, 201, "{:?}", minted.body);
    let token = minted.body["token"].as_str().expect("token").to_owned();
    let expires_at_ms = minted.body["expires_at_ms"].as_i64().expect("expiry");
    assert_eq!(minted.body["key"]["portal"], true);
    assert_eq!(minted.body["key"]["scopes"], json!(["subscribe"]));
    assert_eq!(minted.body["key"]["expires_at_ms"], expires_at_ms);
    assert_eq!(
        minted.body["console_path"],
        format!("/console/#portal={token}")
    );
    // Out of bounds lifetimes are refused with the field named.
    for ttl in [59_999, 86_400_001, -1] {
        let r = rest
            .call(
                Method::POST,
                &format!("/v1/teams/{a}/portal-tokens"),
                Some(&root_key),
                Some(json!({ "ttl_ms": ttl })),
            )
            .await;
        assert_eq!(r.status, 400, "{ttl}: {:?}", r.body);
        assert!(r.message().contains("ttl_ms"), "{}", r.message());
    }

    let me = rest
        .call(Method::GET, "/v1/whoami", Some(&token), None)
        .await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["principal"], "key");
    assert_eq!(me.body["team"], a.as_str());
    assert_eq!(me.body["portal"], true);
    assert_eq!(me.body["scopes"], json!(["subscribe"]));
    assert_eq!(me.body["expires_at_ms"], expires_at_ms);
    let root_me = rest
        .call(Method::GET, "/v1/whoami", Some(&root_key), None)
        .await;
    assert_eq!(
        root_me.body,
        json!({"principal": "root", "team": null, "key_id": null, "name": null,
               "scopes": [], "topics": [], "expires_at_ms": 0, "portal": false})
    );

    // Team B: nothing, read or write.
    let sb = format!("/v1/teams/{b}/subscriptions/{sub_b}");
    let new_sub = json!({"url": "https://example.com/hooks", "topics": ["orders"]});
    for (method, path, body) in [
        (Method::GET, format!("/v1/teams/{b}/subscriptions"), None),
        (Method::GET, sb.clone(), None),
        (Method::GET, format!("{sb}/attempts"), None),
        (Method::GET, format!("{sb}/dead-letters"), None),
        (Method::GET, format!("{sb}/health"), None),
        (Method::POST, format!("{sb}/test"), None),
        (Method::POST, format!("{sb}/pause"), None),
        (
            Method::PATCH,
            sb.clone(),
            Some(json!({"events": ["order.*"]})),
        ),
        (Method::DELETE, sb.clone(), None),
        (
            Method::POST,
            format!("{sb}/dead-letters/replay"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/v1/teams/{b}/subscriptions"),
            Some(new_sub.clone()),
        ),
        (Method::GET, format!("/v1/teams/{b}/topics"), None),
        (Method::GET, format!("/v1/teams/{b}/topics/orders"), None),
        (Method::GET, format!("/v1/teams/{b}"), None),
        // A's own team, but B's topic (no grant), or A's admin resources.
        (
            Method::POST,
            format!("/v1/teams/{a}/subscriptions"),
            Some(json!({"url": "https://example.com/hooks", "topics": [format!("{b}.orders")]})),
        ),
        (Method::GET, format!("/v1/teams/{a}/keys"), None),
        (
            Method::POST,
            format!("/v1/teams/{a}/keys"),
            Some(json!({"name": "x", "scopes": ["admin"]})),
        ),
        (Method::POST, format!("/v1/teams/{a}/portal-tokens"), None),
        (
            Method::POST,
            format!("/v1/teams/{a}/grants"),
            Some(json!({"topic": "orders", "grantee": b})),
        ),
        (
            Method::POST,
            format!("/v1/teams/{a}/topics"),
            Some(json!({"name": "more"})),
        ),
        (Method::DELETE, format!("/v1/teams/{a}/topics/orders"), None),
    ] {
        let r = rest.call(method.clone(), &path, Some(&token), body).await;
        assert_eq!(r.status, 403, "{method} {path}: {:?}", r.body);
    }
    // B's subscription under A's name is not found, not leaked.
    let r = rest
        .call(
            Method::GET,
            &format!("/v1/teams/{a}/subscriptions/{sub_b}/attempts"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let r = w
        .http
        .post(format!("{}/v1/topics/{a}/orders/events", w.ingest_http))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"type":"portal.publish","data":{}}"#)
        .send()
        .await
        .expect("publish");
    assert_eq!(r.status(), 403, "a portal token does not publish");

    // Team A: its endpoints and deliveries.
    let sa = format!("/v1/teams/{a}/subscriptions/{sub_a}");
    for (method, path, body, want) in [
        (
            Method::GET,
            format!("/v1/teams/{a}/subscriptions"),
            None,
            200,
        ),
        (
            Method::POST,
            format!("/v1/teams/{a}/subscriptions"),
            Some(new_sub.clone()),
            201,
        ),
        (
            Method::PATCH,
            sa.clone(),
            Some(json!({"description": "from the portal"})),
            200,
        ),
        (Method::POST, format!("{sa}/pause"), None, 200),
        (Method::POST, format!("{sa}/test"), None, 409),
        (Method::POST, format!("{sa}/resume"), None, 200),
        (Method::POST, format!("{sa}/test"), None, 202),
        (Method::GET, format!("{sa}/attempts"), None, 200),
        (Method::GET, format!("{sa}/dead-letters"), None, 200),
        (
            Method::GET,
            format!("{sa}/health?window_ms=60000"),
            None,
            200,
        ),
        (
            Method::POST,
            format!("{sa}/dead-letters/replay"),
            Some(json!({})),
            200,
        ),
        (
            Method::GET,
            format!("/v1/teams/{a}/topics/orders"),
            None,
            200,
        ),
    ] {
        let r = rest.call(method.clone(), &path, Some(&token), body).await;
        assert_eq!(r.status, want, "{method} {path}: {:?}", r.body);
    }

    // Streams: A's topic opens, B's is refused.
    w.eventually("the edge to see the portal token", async || {
        let url = w.edge.url(&format!("/v1/streams/{a}/orders"));
        open(&w.http, &url, Some(&token), None).await.is_ok()
    })
    .await;
    let (status, body) = open(
        &w.http,
        &w.edge.url(&format!("/v1/streams/{b}/orders")),
        Some(&token),
        None,
    )
    .await
    .err()
    .expect("B's stream is refused");
    assert_eq!(status, 403, "{body}");
    let url = w.edge.url(&format!("/v1/streams/{a}/orders"));
    let mut stream = open(&w.http, &url, Some(&token), None)
        .await
        .expect("A's stream opens");

    // Revoking a portal token is revoking its key.
    let (early_id, early) = portal_token(&mut root, &a, TTL_MS).await;
    assert_eq!(
        rest.call(Method::GET, "/v1/whoami", Some(&early), None)
            .await
            .status,
        200
    );
    let r = rest
        .call(
            Method::DELETE,
            &format!("/v1/teams/{a}/keys/{early_id}"),
            Some(&root_key),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = rest
        .call(Method::GET, "/v1/whoami", Some(&early), None)
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);

    // At the expiry: the open stream ends, and every service refuses the token.
    let now = herald_watch::now_ms();
    let wait = Duration::from_millis(u64::try_from(expires_at_ms - now).unwrap_or_default());
    let deadline = Instant::now() + wait;
    let why = loop {
        let left = deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(5);
        match tokio::time::timeout(left, stream.next())
            .await
            .expect("the stream ends within 5 s of the expiry")
        {
            Some(SseItem::Event { ty, data, .. }) if ty == "herald.revoked" => break data,
            Some(SseItem::Event { ty, .. }) => panic!("unexpected event {ty}"),
            Some(SseItem::Comment(_)) => {}
            None => panic!("the stream ended without saying why"),
        }
    };
    let ended_at = herald_watch::now_ms();
    assert!(
        ended_at >= expires_at_ms,
        "ended {} ms before the expiry",
        expires_at_ms - ended_at
    );
    assert!(why.contains("expired at"), "{why}");
    let r = rest
        .call(Method::GET, "/v1/whoami", Some(&token), None)
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert!(r.message().contains("expired at"), "{}", r.message());
    let r = rest
        .call(Method::GET, &format!("{sa}/attempts"), Some(&token), None)
        .await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    let (status, body) = open(&w.http, &url, Some(&token), None)
        .await
        .err()
        .expect("the expired token's reconnect is refused");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("expired at"), "{body}");
    w.stop().await;
}
