//! herald-control against the real broker: every RPC with its auth and validation failures,
//! state rebuilt after a restart, two replicas converging, the Watch stream, secrets at rest,
//! history and replay.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use herald_core::{Event, Secret};
use herald_kafka::{KafkaAdmin, Producer, TopicAdmin};
use herald_proto::v1::control_client::ControlClient;
use herald_proto::v1::*;
use herald_tests::control::{Client, TestControl, read_topic, test_config};
use herald_tests::{kafka_config, unique};
use herald_watch::{View, hash_key};
use prost::Message as _;
use tokio_util::sync::CancellationToken;
use tonic::Code;

/// A team name no other test uses.
fn team(prefix: &str) -> String {
    unique(prefix)[..prefix.len() + 13].to_owned()
}

#[track_caller]
fn assert_status<T: std::fmt::Debug>(result: Result<T, tonic::Status>, code: Code, needle: &str) {
    match result {
        Ok(v) => panic!("expected {code:?} ({needle}), got {v:?}"),
        Err(s) => {
            assert_eq!(s.code(), code, "{}", s.message());
            assert!(
                s.message().to_lowercase().contains(&needle.to_lowercase()),
                "message {:?} should mention {needle:?}",
                s.message()
            );
        }
    }
}

async fn create_team(c: &mut Client, name: &str) -> Team {
    c.create_team(CreateTeamRequest {
        name: name.into(),
        display_name: format!("Team {name}"),
    })
    .await
    .expect("create team")
    .into_inner()
}

async fn create_topic(c: &mut Client, team: &str, name: &str) -> Topic {
    c.create_topic(CreateTopicRequest {
        team: team.into(),
        name: name.into(),
        partitions: 2,
        retention_ms: 3_600_000,
        ..Default::default()
    })
    .await
    .expect("create topic")
    .into_inner()
}

async fn create_key(c: &mut Client, team: &str, scopes: &[Scope]) -> (ApiKey, String) {
    let r = c
        .create_api_key(CreateApiKeyRequest {
            team: team.into(),
            name: "test".into(),
            scopes: scopes.iter().map(|s| *s as i32).collect(),
            topics: vec![],
        })
        .await
        .expect("create key")
        .into_inner();
    (r.key.unwrap(), r.secret)
}

fn sub_request(team: &str, topics: &[&str]) -> CreateSubscriptionRequest {
    CreateSubscriptionRequest {
        team: team.into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        url: "https://example.com/hooks".into(),
        event_types: vec!["order.*".into(), "user.created".into()],
        headers: HashMap::from([("X-Tenant".into(), "t1".into())]),
        rate_limit: 10,
        max_in_flight: 4,
        ..Default::default()
    }
}

async fn create_sub(c: &mut Client, team: &str, topics: &[&str]) -> (Subscription, String) {
    let r = c
        .create_subscription(sub_request(team, topics))
        .await
        .expect("create subscription")
        .into_inner();
    (r.subscription.unwrap(), r.secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_topics_keys_and_auth() {
    let control = TestControl::start(test_config()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    let other = team("other");

    // Authentication.
    let mut anon = control.client(None).await;
    assert_status(
        anon.list_teams(ListTeamsRequest {}).await,
        Code::Unauthenticated,
        "missing credentials",
    );
    let mut bogus = control.client(Some("hk_not-a-key")).await;
    assert_status(
        bogus.list_teams(ListTeamsRequest {}).await,
        Code::Unauthenticated,
        "unknown or revoked",
    );

    // Teams.
    let t = create_team(&mut root, &acme).await;
    assert_eq!(t.name, acme);
    assert!(t.created_at_ms > 0);
    create_team(&mut root, &other).await;
    assert_status(
        root.create_team(CreateTeamRequest {
            name: acme.clone(),
            display_name: String::new(),
        })
        .await,
        Code::AlreadyExists,
        "already exists",
    );
    assert_status(
        root.create_team(CreateTeamRequest {
            name: "Bad_Name".into(),
            display_name: String::new(),
        })
        .await,
        Code::InvalidArgument,
        "lowercase",
    );
    assert_status(
        root.create_team(CreateTeamRequest {
            name: "herald".into(),
            display_name: String::new(),
        })
        .await,
        Code::InvalidArgument,
        "reserved",
    );
    assert_eq!(
        root.get_team(GetTeamRequest { name: acme.clone() })
            .await
            .unwrap()
            .into_inner(),
        t
    );
    assert_status(
        root.get_team(GetTeamRequest {
            name: "nope-team".into(),
        })
        .await,
        Code::NotFound,
        "does not exist",
    );
    let names: BTreeSet<String> = root
        .list_teams(ListTeamsRequest {})
        .await
        .unwrap()
        .into_inner()
        .teams
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&acme) && names.contains(&other));

    // Topics.
    let topic = create_topic(&mut root, &acme, "orders").await;
    assert_eq!(topic.kafka_topic, format!("{acme}.orders"));
    assert_eq!((topic.partitions, topic.retention_ms), (2, 3_600_000));
    assert_status(
        root.create_topic(CreateTopicRequest {
            team: acme.clone(),
            name: "orders".into(),
            ..Default::default()
        })
        .await,
        Code::AlreadyExists,
        "already exists",
    );
    assert_status(
        root.create_topic(CreateTopicRequest {
            team: acme.clone(),
            name: "x".into(),
            partitions: 100_000,
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "partitions",
    );
    assert_status(
        root.create_topic(CreateTopicRequest {
            team: acme.clone(),
            name: "x".into(),
            retention_ms: 5,
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "retention_ms",
    );
    assert_status(
        root.create_topic(CreateTopicRequest {
            team: "no-such-team".into(),
            name: "x".into(),
            ..Default::default()
        })
        .await,
        Code::NotFound,
        "team no-such-team does not exist",
    );
    let defaulted = root
        .create_topic(CreateTopicRequest {
            team: acme.clone(),
            name: "users".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(defaulted.partitions, 2, "config default_partitions");
    let described = root
        .describe_topic(DescribeTopicRequest {
            team: acme.clone(),
            name: "orders".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(described.partitions.len(), 2);
    assert!(described.partitions.iter().all(|p| p.high_offset == 0));
    let listed = root
        .list_topics(ListTopicsRequest { team: acme.clone() })
        .await
        .unwrap()
        .into_inner()
        .topics;
    assert_eq!(
        listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["orders", "users"]
    );

    // Keys: an admin key manages its own team only; keys are shown once and stored hashed.
    let (admin_key, admin_secret) = create_key(&mut root, &acme, &[Scope::Admin]).await;
    assert!(admin_secret.starts_with("hk_"));
    assert!(admin_key.key_hash.is_empty(), "no hash in API answers");
    let mut admin = control.client(Some(&admin_secret)).await;
    create_topic(&mut admin, &acme, "payments").await;
    assert_status(
        admin
            .create_team(CreateTeamRequest {
                name: team("x"),
                display_name: String::new(),
            })
            .await,
        Code::PermissionDenied,
        "root",
    );
    assert_status(
        admin
            .create_topic(CreateTopicRequest {
                team: other.clone(),
                name: "x".into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "another team",
    );
    assert_status(
        admin
            .list_topics(ListTopicsRequest {
                team: other.clone(),
            })
            .await,
        Code::PermissionDenied,
        "does not belong",
    );
    let own: Vec<String> = admin
        .list_teams(ListTeamsRequest {})
        .await
        .unwrap()
        .into_inner()
        .teams
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        own,
        std::slice::from_ref(&acme),
        "a team key sees only its team"
    );
    assert_status(
        admin
            .create_api_key(CreateApiKeyRequest {
                team: acme.clone(),
                name: "n".into(),
                scopes: vec![],
                topics: vec![],
            })
            .await,
        Code::InvalidArgument,
        "scope",
    );
    assert_status(
        admin
            .create_api_key(CreateApiKeyRequest {
                team: acme.clone(),
                name: "n".into(),
                scopes: vec![42],
                topics: vec![],
            })
            .await,
        Code::InvalidArgument,
        "unknown scope",
    );
    let (pub_key, pub_secret) = create_key(&mut admin, &acme, &[Scope::Publish]).await;
    let mut publisher = control.client(Some(&pub_secret)).await;
    assert_status(
        publisher
            .create_topic(CreateTopicRequest {
                team: acme.clone(),
                name: "x".into(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "admin scope",
    );
    publisher
        .list_topics(ListTopicsRequest { team: acme.clone() })
        .await
        .expect("members may read");
    let keys = admin
        .list_api_keys(ListApiKeysRequest { team: acme.clone() })
        .await
        .unwrap()
        .into_inner()
        .keys;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.key_hash.is_empty()));
    assert_status(
        admin
            .revoke_api_key(RevokeApiKeyRequest {
                team: acme.clone(),
                id: "key_nope".into(),
            })
            .await,
        Code::NotFound,
        "does not exist",
    );
    admin
        .revoke_api_key(RevokeApiKeyRequest {
            team: acme.clone(),
            id: pub_key.id.clone(),
        })
        .await
        .unwrap();
    assert_status(
        publisher
            .list_topics(ListTopicsRequest { team: acme.clone() })
            .await,
        Code::Unauthenticated,
        "revoked",
    );

    // Deleting: a team that owns topics stays.
    assert_status(
        root.delete_team(DeleteTeamRequest { name: acme.clone() })
            .await,
        Code::FailedPrecondition,
        "still owns topics",
    );
    assert_status(
        admin
            .delete_team(DeleteTeamRequest { name: acme.clone() })
            .await,
        Code::PermissionDenied,
        "root",
    );
    for name in ["orders", "users", "payments"] {
        admin
            .delete_topic(DeleteTopicRequest {
                team: acme.clone(),
                name: name.into(),
            })
            .await
            .unwrap();
    }
    assert_status(
        root.describe_topic(DescribeTopicRequest {
            team: acme.clone(),
            name: "orders".into(),
        })
        .await,
        Code::NotFound,
        "does not exist",
    );
    root.delete_team(DeleteTeamRequest { name: acme.clone() })
        .await
        .unwrap();
    assert_status(
        root.get_team(GetTeamRequest { name: acme.clone() }).await,
        Code::NotFound,
        "does not exist",
    );
    assert_status(
        admin
            .list_topics(ListTopicsRequest { team: acme.clone() })
            .await,
        Code::Unauthenticated,
        "unknown",
    );
    // The Kafka topic is gone too.
    let kafka = KafkaAdmin::new(&kafka_config(), 1).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while kafka
        .describe_topic(&format!("{acme}.orders"))
        .await
        .is_ok()
    {
        assert!(Instant::now() < deadline, "kafka topic still exists");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    control.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_grants_and_validation() {
    let control = TestControl::start(test_config()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    let beta = team("beta");
    create_team(&mut root, &acme).await;
    create_team(&mut root, &beta).await;
    create_topic(&mut root, &acme, "orders").await;
    create_topic(&mut root, &beta, "events").await;
    let (_, beta_admin_secret) = create_key(&mut root, &beta, &[Scope::Admin]).await;
    let mut beta_admin = control.client(Some(&beta_admin_secret)).await;
    let orders = format!("{acme}.orders");

    // Own topic by short name; the secret is shown once and is a valid Standard Webhooks secret.
    let (sub, secret) = create_sub(&mut root, &acme, &["orders"]).await;
    assert_eq!(sub.topics, std::slice::from_ref(&orders));
    assert_eq!(sub.state, SubscriptionState::Active as i32);
    // Header names are shown, values are write-only.
    assert_eq!(
        sub.headers.get("x-tenant").map(String::as_str),
        Some("<redacted>")
    );
    let mut copy = sub_request(&acme, &["orders"]);
    copy.headers = sub.headers.clone();
    assert_status(
        root.create_subscription(copy).await,
        Code::InvalidArgument,
        "write-only",
    );
    assert!(sub.secrets.is_empty(), "secrets never in API answers");
    Secret::parse(&secret).expect("whsec secret");
    assert!(secret.starts_with("whsec_"));

    // Another team's topic needs a grant.
    assert_status(
        beta_admin
            .create_subscription(sub_request(&beta, &[&orders]))
            .await,
        Code::PermissionDenied,
        "has not granted",
    );
    assert_status(
        beta_admin
            .create_grant(CreateGrantRequest {
                team: acme.clone(),
                topic: "orders".into(),
                grantee: beta.clone(),
            })
            .await,
        Code::PermissionDenied,
        "another team",
    );
    let grant = root
        .create_grant(CreateGrantRequest {
            team: acme.clone(),
            topic: "orders".into(),
            grantee: beta.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_status(
        root.create_grant(CreateGrantRequest {
            team: acme.clone(),
            topic: "orders".into(),
            grantee: beta.clone(),
        })
        .await,
        Code::AlreadyExists,
        "already holds",
    );
    assert_status(
        root.create_grant(CreateGrantRequest {
            team: acme.clone(),
            topic: "nope".into(),
            grantee: beta.clone(),
        })
        .await,
        Code::NotFound,
        "does not exist",
    );
    assert_status(
        root.create_grant(CreateGrantRequest {
            team: acme.clone(),
            topic: "orders".into(),
            grantee: acme.clone(),
        })
        .await,
        Code::InvalidArgument,
        "itself",
    );
    let grants = beta_admin
        .list_grants(ListGrantsRequest { team: beta.clone() })
        .await
        .unwrap()
        .into_inner()
        .grants;
    assert_eq!(grants, std::slice::from_ref(&grant));
    let (beta_sub, _) = create_sub(&mut beta_admin, &beta, &[&orders, "events"]).await;
    let mut expected = vec![format!("{beta}.events"), orders.clone()];
    expected.sort();
    assert_eq!(beta_sub.topics, expected);

    // Validation, with messages that say what is wrong.
    let bad = |f: fn(&mut CreateSubscriptionRequest)| {
        let mut r = sub_request(&acme, &["orders"]);
        f(&mut r);
        r
    };
    assert_status(
        root.create_subscription(bad(|r| r.url = "ftp://x.example/".into()))
            .await,
        Code::InvalidArgument,
        "scheme",
    );
    assert_status(
        root.create_subscription(bad(|r| r.url = "not a url".into()))
            .await,
        Code::InvalidArgument,
        "not a valid",
    );
    assert_status(
        root.create_subscription(bad(|r| r.url = String::new()))
            .await,
        Code::InvalidArgument,
        "url is required",
    );
    assert_status(
        root.create_subscription(bad(|r| r.topics.clear())).await,
        Code::InvalidArgument,
        "topic is required",
    );
    assert_status(
        root.create_subscription(bad(|r| r.topics = vec!["missing".into()]))
            .await,
        Code::NotFound,
        "does not exist",
    );
    assert_status(
        root.create_subscription(bad(|r| r.event_types = vec!["or*der".into()]))
            .await,
        Code::InvalidArgument,
        "event type",
    );
    assert_status(
        root.create_subscription(bad(|r| {
            r.headers = HashMap::from([("Transfer-Encoding".into(), "x".into())])
        }))
        .await,
        Code::InvalidArgument,
        "cannot be set",
    );
    assert_status(
        root.create_subscription(bad(|r| {
            r.headers = HashMap::from([("Webhook-Signature".into(), "x".into())])
        }))
        .await,
        Code::InvalidArgument,
        "reserved",
    );
    assert_status(
        root.create_subscription(bad(|r| r.rate_limit = 10_000_000))
            .await,
        Code::InvalidArgument,
        "rate_limit",
    );
    assert_status(
        beta_admin
            .create_subscription(sub_request(&acme, &["orders"]))
            .await,
        Code::PermissionDenied,
        "another team",
    );

    // Get / list / update.
    let got = root
        .get_subscription(GetSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, sub);
    assert_status(
        beta_admin
            .get_subscription(GetSubscriptionRequest {
                team: beta.clone(),
                id: sub.id.clone(),
            })
            .await,
        Code::NotFound,
        "does not exist",
    );
    let subs = root
        .list_subscriptions(ListSubscriptionsRequest { team: acme.clone() })
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert_eq!(subs.iter().map(|s| &s.id).collect::<Vec<_>>(), [&sub.id]);
    let updated = root
        .update_subscription(UpdateSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            url: "https://example.org/v2".into(),
            rate_limit: 99,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (updated.url.as_str(), updated.rate_limit),
        ("https://example.org/v2", 99)
    );
    assert_eq!(
        updated.event_types, sub.event_types,
        "unset fields unchanged"
    );
    let cleared = root
        .update_subscription(UpdateSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            update_mask: vec!["event_types".into(), "rate_limit".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(cleared.event_types.is_empty());
    assert_eq!(cleared.rate_limit, 0);
    assert_status(
        root.update_subscription(UpdateSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            update_mask: vec!["secret".into()],
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "update_mask",
    );
    assert_status(
        root.update_subscription(UpdateSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            url: "gopher://x".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "scheme",
    );

    // State changes.
    let paused = root
        .pause_subscription(PauseSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paused.state, SubscriptionState::Paused as i32);
    let resumed = root
        .resume_subscription(ResumeSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resumed.state, SubscriptionState::Active as i32);
    assert_status(
        beta_admin
            .disable_subscription(DisableSubscriptionRequest {
                team: acme.clone(),
                id: sub.id.clone(),
                reason: "x".into(),
            })
            .await,
        Code::PermissionDenied,
        "another team",
    );
    let mut internal = control.client(Some(control.internal_token())).await;
    let disabled = internal
        .disable_subscription(DisableSubscriptionRequest {
            team: String::new(),
            id: sub.id.clone(),
            reason: "endpoint answered 410 Gone".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(disabled.state, SubscriptionState::Disabled as i32);
    assert_eq!(disabled.disabled_reason, "endpoint answered 410 Gone");
    assert_status(
        internal
            .create_team(CreateTeamRequest {
                name: team("x"),
                display_name: String::new(),
            })
            .await,
        Code::PermissionDenied,
        "root",
    );
    root.resume_subscription(ResumeSubscriptionRequest {
        team: acme.clone(),
        id: sub.id.clone(),
    })
    .await
    .unwrap();

    // Rotation: the new secret signs first, the old one keeps signing until the overlap ends.
    assert_status(
        root.rotate_secret(RotateSecretRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            overlap_ms: Some(-5),
        })
        .await,
        Code::InvalidArgument,
        "overlap_ms",
    );
    let rotated = root
        .rotate_secret(RotateSecretRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            overlap_ms: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(rotated.secret, secret);
    let before = herald_control_now();
    let view = internal_view(&control).await;
    let secrets = &view.subscriptions[&sub.id].secrets;
    assert_eq!(secrets.len(), 2);
    assert_eq!(secrets[0].secret, rotated.secret);
    assert_eq!(secrets[0].expires_at_ms, 0);
    assert_eq!(secrets[1].secret, secret);
    let overlap = secrets[1].expires_at_ms - before;
    assert!(
        (23 * 3600 * 1000..=24 * 3600 * 1000 + 60_000).contains(&overlap),
        "default overlap 24h, got {overlap}ms"
    );
    // A short overlap lets the old secret expire: internal watchers stop receiving it.
    root.rotate_secret(RotateSecretRequest {
        team: acme.clone(),
        id: sub.id.clone(),
        overlap_ms: Some(1),
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let view = internal_view(&control).await;
    assert_eq!(
        view.subscriptions[&sub.id].secrets.len(),
        1,
        "expired secrets are not sent"
    );
    // No overlap cuts every old secret at once (a leaked one), with no wait at all.
    root.rotate_secret(RotateSecretRequest {
        team: acme.clone(),
        id: sub.id.clone(),
        overlap_ms: None,
    })
    .await
    .unwrap();
    assert_eq!(
        internal_view(&control).await.subscriptions[&sub.id]
            .secrets
            .len(),
        2
    );
    let cut = root
        .rotate_secret(RotateSecretRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            overlap_ms: Some(0),
        })
        .await
        .unwrap()
        .into_inner();
    let secrets = &internal_view(&control).await.subscriptions[&sub.id].secrets;
    assert_eq!(secrets.len(), 1, "overlap 0 keeps only the new secret");
    assert_eq!(secrets[0].secret, cut.secret);
    assert_eq!(secrets[0].expires_at_ms, 0);

    // Revoking the grant disables the grantee's subscription; it cannot resume without one.
    root.revoke_grant(RevokeGrantRequest {
        team: acme.clone(),
        id: grant.id.clone(),
    })
    .await
    .unwrap();
    let b = beta_admin
        .get_subscription(GetSubscriptionRequest {
            team: beta.clone(),
            id: beta_sub.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(b.state, SubscriptionState::Disabled as i32);
    assert!(
        b.disabled_reason.contains("revoked"),
        "{}",
        b.disabled_reason
    );
    assert_status(
        beta_admin
            .resume_subscription(ResumeSubscriptionRequest {
                team: beta.clone(),
                id: beta_sub.id.clone(),
            })
            .await,
        Code::FailedPrecondition,
        "no longer has a grant",
    );
    assert_status(
        root.revoke_grant(RevokeGrantRequest {
            team: acme.clone(),
            id: grant.id.clone(),
        })
        .await,
        Code::NotFound,
        "does not exist",
    );

    // A topic with subscriptions stays; delete.
    assert_status(
        root.delete_topic(DeleteTopicRequest {
            team: acme.clone(),
            name: "orders".into(),
        })
        .await,
        Code::FailedPrecondition,
        "still has subscriptions",
    );
    assert_status(
        root.delete_team(DeleteTeamRequest { name: beta.clone() })
            .await,
        Code::FailedPrecondition,
        "still owns topics",
    );
    root.delete_subscription(DeleteSubscriptionRequest {
        team: acme.clone(),
        id: sub.id.clone(),
    })
    .await
    .unwrap();
    assert_status(
        root.get_subscription(GetSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
        })
        .await,
        Code::NotFound,
        "does not exist",
    );
    control.stop().await;
}

fn herald_control_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The first message of an internal Watch stream, as a view.
async fn internal_view(control: &TestControl) -> View {
    first_snapshot(control, control.internal_token())
        .await
        .expect("internal watch")
}

async fn first_snapshot(control: &TestControl, key: &str) -> Result<View, tonic::Status> {
    let mut c = control.client(Some(key)).await;
    let mut stream = c.watch(WatchRequest {}).await?.into_inner();
    let first = tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("snapshot within 10s")?
        .expect("a first message");
    assert!(
        matches!(first.event, Some(watch_event::Event::Snapshot(_))),
        "first message is a snapshot"
    );
    let mut view = View::default();
    view.apply(first);
    Ok(view)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_streams_changes_within_a_second() {
    let control = TestControl::start(test_config()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    create_team(&mut root, &acme).await;
    create_topic(&mut root, &acme, "orders").await;
    let (key, key_secret) = create_key(&mut root, &acme, &[Scope::Admin]).await;

    // Who may watch, and what they see.
    let mut key_client = control.client(Some(&key_secret)).await;
    assert_status(
        key_client.watch(WatchRequest {}).await.map(|_| ()),
        Code::PermissionDenied,
        "may watch",
    );
    let (sub, secret) = create_sub(&mut root, &acme, &["orders"]).await;
    let public = first_snapshot(&control, control.root_key()).await.unwrap();
    assert!(
        public.subscriptions[&sub.id].secrets.is_empty(),
        "root sees no secrets"
    );
    assert!(
        public.keys[&key.id].key_hash.is_empty(),
        "root sees no key hashes"
    );
    assert!(public.revision > 0);

    // The data plane's client.
    let cancel = CancellationToken::new();
    let mut handle = herald_watch::follow(
        control.endpoint.clone(),
        control.internal_token().to_owned(),
        cancel.clone(),
    );
    assert!(
        handle.wait_synced(Duration::from_secs(10)).await,
        "follow synced"
    );
    let view = handle.current();
    assert_eq!(view.subscriptions[&sub.id].secrets[0].secret, secret);
    assert_eq!(view.keys[&key.id].key_hash, hash_key(&key_secret));
    assert!(view.topic(&acme, "orders").is_some());

    // Changes arrive well under a second after the RPC returns.
    for i in 0..5 {
        let name = format!("t{i}");
        create_topic(&mut root, &acme, &name).await;
        let returned = Instant::now();
        let deadline = returned + Duration::from_secs(1);
        while handle.current().topic(&acme, &name).is_none() {
            assert!(
                Instant::now() < deadline,
                "watch client did not see topic {name} within 1s"
            );
            tokio::time::timeout(Duration::from_millis(100), handle.changed())
                .await
                .ok();
        }
        let paused = root
            .pause_subscription(PauseSubscriptionRequest {
                team: acme.clone(),
                id: sub.id.clone(),
            })
            .await
            .unwrap();
        drop(paused);
        let returned = Instant::now();
        while handle.current().subscriptions[&sub.id].state != SubscriptionState::Paused as i32 {
            assert!(
                returned.elapsed() < Duration::from_secs(1),
                "pause not seen within 1s"
            );
            tokio::time::timeout(Duration::from_millis(100), handle.changed())
                .await
                .ok();
        }
        root.resume_subscription(ResumeSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
        })
        .await
        .unwrap();
    }
    // Deletions travel too.
    root.delete_subscription(DeleteSubscriptionRequest {
        team: acme.clone(),
        id: sub.id.clone(),
    })
    .await
    .unwrap();
    let returned = Instant::now();
    while handle.current().subscriptions.contains_key(&sub.id) {
        assert!(
            returned.elapsed() < Duration::from_secs(1),
            "deletion not seen within 1s"
        );
        tokio::time::timeout(Duration::from_millis(100), handle.changed())
            .await
            .ok();
    }
    let revision = handle.current().revision;
    assert!(revision > public.revision, "revisions grow");
    cancel.cancel();
    control.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_loses_nothing_and_replicas_converge() {
    let config = test_config();
    let control = TestControl::start(config.clone()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    create_team(&mut root, &acme).await;
    create_topic(&mut root, &acme, "orders").await;
    let (key, key_secret) = create_key(&mut root, &acme, &[Scope::Admin]).await;
    let (sub, secret) = create_sub(&mut root, &acme, &["orders"]).await;
    let gone = team("gone");
    create_team(&mut root, &gone).await;
    root.delete_team(DeleteTeamRequest { name: gone.clone() })
        .await
        .unwrap();
    let before = internal_view(&control).await;
    let cancel = CancellationToken::new();
    let mut follower = herald_watch::follow(
        control.endpoint.clone(),
        control.internal_token().to_owned(),
        cancel.clone(),
    );
    assert!(follower.wait_synced(Duration::from_secs(10)).await);
    let addr = control.endpoint.trim_start_matches("http://").to_owned();
    control.stop().await;

    // A restart rebuilds the same state from the topic, secrets included.
    let control = TestControl::start_on(config.clone(), &addr).await;
    let after = internal_view(&control).await;
    assert_eq!(after.revision, before.revision);
    assert_eq!(after.entities(), before.entities());
    assert!(!after.teams.contains_key(&gone), "tombstones stay deleted");
    assert_eq!(after.subscriptions[&sub.id].secrets[0].secret, secret);
    let mut admin = control.client(Some(&key_secret)).await;
    admin
        .list_topics(ListTopicsRequest { team: acme.clone() })
        .await
        .expect("the key still works");
    // The data plane's follower reconnects by itself and sees changes made after the restart.
    let later = team("later");
    create_team(&mut control.root().await, &later).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !follower.current().teams.contains_key(&later) {
        assert!(Instant::now() < deadline, "follower did not reconnect");
        tokio::time::timeout(Duration::from_millis(200), follower.changed())
            .await
            .ok();
    }
    assert_eq!(
        follower.current().subscriptions[&sub.id].secrets[0].secret,
        secret
    );
    cancel.cancel();

    // A second replica on the same state topic sees the first one's writes, and vice versa.
    let replica = TestControl::start(config.clone()).await;
    let mut root_b = replica.root().await;
    let beta = team("beta");
    create_team(&mut root_b, &beta).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut root_a = control.root().await;
    while root_a
        .get_team(GetTeamRequest { name: beta.clone() })
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "replica A did not see B's team");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_status(
        root_a
            .create_team(CreateTeamRequest {
                name: beta.clone(),
                display_name: String::new(),
            })
            .await,
        Code::AlreadyExists,
        "already exists",
    );
    // Interleaved writes to both, including to the same entity: last writer by offset wins.
    for i in 0..5 {
        let (c, name) = if i % 2 == 0 {
            (&mut root_a, "a")
        } else {
            (&mut root_b, "b")
        };
        c.update_subscription(UpdateSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            url: format!("https://{name}{i}.example.com/"),
            ..Default::default()
        })
        .await
        .unwrap();
        create_topic(c, &beta, &format!("{name}{i}")).await;
    }
    root_a
        .revoke_api_key(RevokeApiKeyRequest {
            team: acme.clone(),
            id: key.id.clone(),
        })
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (a, b) = (internal_view(&control).await, internal_view(&replica).await);
        if a.revision == b.revision {
            assert_eq!(a.entities(), b.entities(), "same revision, same state");
            assert_eq!(a.subscriptions[&sub.id].url, "https://a4.example.com/");
            assert_eq!(
                a.topics
                    .keys()
                    .filter(|t| t.starts_with(&format!("{beta}.")))
                    .count(),
                5
            );
            assert!(!a.keys.contains_key(&key.id));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "replicas did not converge: {} vs {}",
            a.revision,
            b.revision
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut admin_b = replica.client(Some(&key_secret)).await;
    assert_status(
        admin_b
            .list_topics(ListTopicsRequest { team: acme.clone() })
            .await,
        Code::Unauthenticated,
        "revoked",
    );
    replica.stop().await;
    control.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_topic_holds_no_secrets_in_clear() {
    let config = test_config();
    let control = TestControl::start(config.clone()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    create_team(&mut root, &acme).await;
    create_topic(&mut root, &acme, "orders").await;
    let (key, key_secret) = create_key(&mut root, &acme, &[Scope::Publish]).await;
    let (sub, secret) = create_sub(&mut root, &acme, &["orders"]).await;
    let rotated = root
        .rotate_secret(RotateSecretRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            overlap_ms: None,
        })
        .await
        .unwrap()
        .into_inner()
        .secret;

    // Custom headers carry endpoint credentials: write-only and encrypted at rest.
    let credential = format!("Bearer partner-cred-{}", uuid::Uuid::new_v4().simple());
    let mut root = control.root().await;
    let updated = root
        .update_subscription(UpdateSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
            headers: HashMap::from([
                ("Authorization".into(), credential.clone()),
                ("X-Tenant".into(), "t1".into()),
            ]),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.headers["authorization"], "<redacted>");
    let listed = root
        .list_subscriptions(ListSubscriptionsRequest { team: acme.clone() })
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert!(
        listed
            .iter()
            .all(|s| s.headers.values().all(|v| v == "<redacted>")),
        "{listed:?}"
    );
    // Sending "<redacted>" back keeps the stored value; the data plane gets the real ones.
    root.update_subscription(UpdateSubscriptionRequest {
        team: acme.clone(),
        id: sub.id.clone(),
        headers: HashMap::from([
            ("authorization".into(), "<redacted>".into()),
            ("x-tenant".into(), "t2".into()),
        ]),
        ..Default::default()
    })
    .await
    .unwrap();
    let internal = internal_view(&control).await;
    let headers = &internal.subscriptions[&sub.id].headers;
    assert_eq!(headers["authorization"], credential);
    assert_eq!(headers["x-tenant"], "t2");
    control.stop().await;

    // The state topic is compacted: the latest value per entity id is kept forever.
    let admin: rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext> =
        kafka_config().client_config().create().unwrap();
    let described = admin
        .describe_configs(
            &[rdkafka::admin::ResourceSpecifier::Topic(
                &config.deployment.control_topic(),
            )],
            &rdkafka::admin::AdminOptions::new(),
        )
        .await
        .unwrap();
    let resource = described.into_iter().next().unwrap().unwrap();
    assert_eq!(
        resource
            .get("cleanup.policy")
            .and_then(|e| e.value.as_deref()),
        Some("compact")
    );

    let records = read_topic(&config.deployment.control_topic()).await;
    assert!(records.len() >= 5, "{} records", records.len());
    let raw_secret = Secret::parse(&secret).unwrap().as_bytes().to_vec();
    let forbidden: Vec<(&str, Vec<u8>)> = vec![
        ("signing secret", secret.clone().into_bytes()),
        (
            "signing secret base64",
            secret.as_bytes()["whsec_".len()..].to_vec(),
        ),
        ("signing secret bytes", raw_secret),
        ("rotated secret", rotated.clone().into_bytes()),
        ("api key", key_secret.clone().into_bytes()),
        (
            "api key body",
            key_secret.as_bytes()["hk_".len()..].to_vec(),
        ),
        ("master key", config.master_key.expose().as_bytes().to_vec()),
        ("root key", config.root_key.expose().as_bytes().to_vec()),
        ("header credential", credential.clone().into_bytes()),
    ];
    let mut saw_sub = false;
    let mut saw_hash = false;
    for (k, v) in &records {
        let v = v.as_deref().unwrap_or_default();
        for (what, needle) in &forbidden {
            assert!(
                !v.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{what} in clear in the state topic"
            );
        }
        match ControlRecord::decode(v).ok().and_then(|r| r.kind) {
            Some(control_record::Kind::Subscription(s)) => {
                saw_sub = true;
                let stored = s.subscription.unwrap();
                assert!(stored.secrets.is_empty());
                assert!(stored.headers.is_empty(), "{:?}", stored.headers);
                assert!(s.headers.is_some_and(|h| !h.ciphertext.is_empty()));
                assert!(
                    s.secrets
                        .iter()
                        .all(|e| e.nonce.len() == 12 && !e.ciphertext.is_empty())
                );
                assert_eq!(
                    k.as_deref(),
                    Some(herald_watch::entity_id::subscription(&sub.id).as_bytes())
                );
            }
            Some(control_record::Kind::ApiKey(a)) => {
                saw_hash = a.key_hash == hash_key(&key_secret);
                assert_eq!(a.id, key.id);
            }
            _ => {}
        }
    }
    assert!(
        saw_sub && saw_hash,
        "the records are there, just not in clear"
    );
}

fn attempt(sub: &str, at_ms: i64, status: i32) -> AttemptRecord {
    AttemptRecord {
        subscription_id: sub.into(),
        event_id: format!("evt-{at_ms}"),
        attempt: 1,
        status,
        at_ms,
        outcome: AttemptOutcome::Retrying as i32,
        ..Default::default()
    }
}

fn dead_letter(sub: &str, n: i64, at_ms: i64) -> DeliveryTask {
    DeliveryTask {
        subscription_id: sub.into(),
        source_topic: "x.y".into(),
        source_offset: n,
        event_id: format!("dead-{n}"),
        event_type: "order.created".into(),
        data: b"{}".to_vec(),
        attempt: 8,
        dead_lettered_at_ms: at_ms,
        dead_letter_reason: "retries exhausted".into(),
        last_status: 500,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_replay() {
    let config = test_config();
    let control = TestControl::start(config.clone()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    create_team(&mut root, &acme).await;
    create_topic(&mut root, &acme, "orders").await;
    let (sub, _) = create_sub(&mut root, &acme, &["orders"]).await;
    let (other, _) = create_sub(&mut root, &acme, &["orders"]).await;
    let (_, reader_secret) = create_key(&mut root, &acme, &[Scope::Subscribe]).await;
    let mut reader = control.client(Some(&reader_secret)).await;

    // The control plane created the delivery topics; empty history answers empty.
    let empty = reader
        .list_attempts(ListAttemptsRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            limit: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(empty.attempts.is_empty() && !empty.truncated);

    let producer = Producer::new(&kafka_config(), Duration::from_secs(30)).unwrap();
    for i in 0..12 {
        let (id, at) = if i % 3 == 2 {
            (&other.id, 1000 + i)
        } else {
            (&sub.id, 1000 + i)
        };
        producer
            .send(
                &config.deployment.attempts_topic(),
                Some(id.as_bytes()),
                &[],
                &attempt(id, at, 500 + i as i32).encode_to_vec(),
            )
            .await
            .unwrap();
    }
    let page = reader
        .list_attempts(ListAttemptsRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page.attempts.iter().map(|a| a.at_ms).collect::<Vec<_>>(),
        [1010, 1009, 1007],
        "newest first"
    );
    assert!(page.truncated, "more than the limit");
    let all = reader
        .list_attempts(ListAttemptsRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.attempts.len(), 8);
    assert!(all.attempts.iter().all(|a| a.subscription_id == sub.id));
    assert_status(
        reader
            .list_attempts(ListAttemptsRequest {
                team: acme.clone(),
                subscription_id: "sub_nope".into(),
                limit: 1,
                ..Default::default()
            })
            .await,
        Code::NotFound,
        "does not exist",
    );

    // Dead letters: listed newest first, filtered by time, replayed as immediately-due tasks.
    let now = herald_control_now();
    for n in 0..4 {
        let t = dead_letter(&sub.id, n, now - 10_000 + n * 1000);
        producer
            .send(
                &config.deployment.dlq_topic(),
                Some(sub.id.as_bytes()),
                &[],
                &t.encode_to_vec(),
            )
            .await
            .unwrap();
    }
    producer
        .send(
            &config.deployment.dlq_topic(),
            Some(other.id.as_bytes()),
            &[],
            &dead_letter(&other.id, 9, now).encode_to_vec(),
        )
        .await
        .unwrap();
    let dead = reader
        .list_dead_letters(ListDeadLettersRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert_eq!(
        dead.iter().map(|t| t.source_offset).collect::<Vec<_>>(),
        [3, 2, 1, 0]
    );
    let ranged = reader
        .list_dead_letters(ListDeadLettersRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            limit: 10,
            since_ms: now - 9_500,
            until_ms: now - 7_500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert_eq!(
        ranged.iter().map(|t| t.source_offset).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_status(
        reader
            .replay_dead_letters(ReplayDeadLettersRequest {
                team: acme.clone(),
                subscription_id: sub.id.clone(),
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "admin",
    );
    let replayed = root
        .replay_dead_letters(ReplayDeadLettersRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replayed.replayed, 4);
    assert!(!replayed.truncated);
    let tasks: Vec<DeliveryTask> = read_topic(&config.deployment.replay_topic())
        .await
        .into_iter()
        .map(|(k, v)| {
            assert_eq!(
                k.as_deref(),
                Some(sub.id.as_bytes()),
                "key = subscription id"
            );
            DeliveryTask::decode(v.unwrap().as_slice()).unwrap()
        })
        .collect();
    assert_eq!(tasks.len(), 4);
    for t in &tasks {
        assert!(t.replay && t.attempt == 0 && t.dead_lettered_at_ms == 0 && t.tier.is_empty());
        assert!(t.due_at_ms >= now, "due now");
        assert_eq!(t.team, acme);
    }

    // Dead letters carry their redrive state: a second replay sends nothing again.
    let listed = root
        .list_dead_letters(ListDeadLettersRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert_eq!(listed.len(), 4);
    assert!(
        listed
            .iter()
            .all(|t| t.redriven_at_ms >= now && t.dlq_offset >= 0),
        "{listed:?}"
    );
    let again = root
        .replay_dead_letters(ReplayDeadLettersRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.replayed, 0, "already redriven: {again:?}");

    // Topic replay: events the subscription's filter accepts, from an offset or a time.
    let topic = format!("{acme}.orders");
    let mut times = Vec::new();
    for i in 0..10 {
        let ty = if i % 2 == 0 {
            "order.created"
        } else {
            "invoice.paid"
        };
        let mut e = Event::new(
            format!("e{i}"),
            "/test",
            ty,
            format!("{{\"n\":{i}}}").into_bytes(),
        );
        e.content_type = Some("application/json".into());
        producer
            .send(&topic, Some(b"k"), &e.to_headers(), &e.data)
            .await
            .unwrap();
        times.push(herald_control_now());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_status(
        root.replay_topic(ReplayTopicRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            topic: "payments".into(),
            from: Some(replay_topic_request::From::FromOffset(0)),
            limit: 0,
        })
        .await,
        Code::FailedPrecondition,
        "does not subscribe",
    );
    assert_status(
        root.replay_topic(ReplayTopicRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            topic: "orders".into(),
            from: None,
            limit: 0,
        })
        .await,
        Code::InvalidArgument,
        "from_offset",
    );
    let from_start = root
        .replay_topic(ReplayTopicRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            topic: "orders".into(),
            from: Some(replay_topic_request::From::FromOffset(0)),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (from_start.replayed, from_start.scanned),
        (5, 10),
        "only order.* matches"
    );
    let limited = root
        .replay_topic(ReplayTopicRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            topic: topic.clone(),
            from: Some(replay_topic_request::From::FromOffset(0)),
            limit: 2,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(limited.replayed, 2);
    assert!(limited.truncated);
    let from_time = root
        .replay_topic(ReplayTopicRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            topic: topic.clone(),
            from: Some(replay_topic_request::From::FromTimeMs(times[5] + 1)),
            limit: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        from_time.replayed <= 2 && from_time.scanned <= 4,
        "{from_time:?}"
    );
    let tasks: Vec<DeliveryTask> = read_topic(&config.deployment.replay_topic())
        .await
        .into_iter()
        .map(|(_, v)| DeliveryTask::decode(v.unwrap().as_slice()).unwrap())
        .filter(|t| t.source_topic == topic)
        .collect();
    assert_eq!(tasks.len() as u64, 5 + 2 + from_time.replayed);
    let first = &tasks[0];
    assert!(first.replay && first.attempt == 0);
    assert_eq!(first.event_type, "order.created");
    let event = Event::from_headers(
        first
            .headers
            .iter()
            .map(|h| (h.key.as_str(), h.value.as_slice())),
        first.data.clone(),
    )
    .unwrap();
    assert_eq!(event.id, first.event_id);

    // Asked for, a redriven dead letter is sent again; one event can be picked by id.
    let forced = root
        .replay_dead_letters(ReplayDeadLettersRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            include_redriven: true,
            event_ids: vec![listed[0].event_id.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(forced.replayed, 1, "{forced:?}");
    control.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_to_start_without_a_valid_master_key() {
    let mut registry = herald_runtime::prometheus_client::registry::Registry::default();
    let admin: std::sync::Arc<dyn TopicAdmin> =
        std::sync::Arc::new(KafkaAdmin::new(&kafka_config(), 1).unwrap());
    let mut config = test_config();
    config.master_key = Default::default();
    let err = herald_control::build(
        &config,
        admin.clone(),
        &mut registry,
        CancellationToken::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("HERALD_MASTER_KEY"), "{err}");
    config.master_key = "c2hvcnQ=".into();
    let err =
        herald_control::build(&config, admin, &mut registry, CancellationToken::new()).unwrap_err();
    assert!(err.to_string().contains("32 bytes"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_conflicting_writes_on_one_replica() {
    let control = TestControl::start(test_config()).await;
    let name = team("race");
    let mut calls = Vec::new();
    for _ in 0..8 {
        let mut c = control.root().await;
        let name = name.clone();
        calls.push(tokio::spawn(async move {
            c.create_team(CreateTeamRequest {
                name,
                display_name: String::new(),
            })
            .await
            .map(|_| ())
        }));
    }
    let mut ok = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(()) => ok += 1,
            Err(s) => assert_eq!(s.code(), Code::AlreadyExists, "{s:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one create wins");
    control.stop().await;
}

/// The composition `herald dev` uses: `build` on an embedded broker, the service mounted on a
/// router of its own, the in-process config handle instead of a Watch stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_on_the_embedded_broker_with_an_in_process_config_handle() {
    let kafka = herald_kafka::EmbeddedKafka::start().expect("embedded kafka");
    let mut config = test_config();
    config.kafka = kafka.config();
    let admin: std::sync::Arc<dyn TopicAdmin> = std::sync::Arc::new(kafka.admin().unwrap());
    let mut registry = herald_runtime::prometheus_client::registry::Registry::default();
    let shutdown = CancellationToken::new();
    let parts =
        herald_control::build(&config, admin, &mut registry, shutdown.clone()).expect("build");
    assert!(
        parts.wait_ready(Duration::from_secs(30)).await,
        "state loaded"
    );
    let mut handle = parts.config_handle();
    assert!(handle.wait_synced(Duration::from_secs(5)).await);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let stop = shutdown.clone();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(parts.service)
            .serve_with_incoming_shutdown(tokio_stream_listener(listener), async move {
                stop.cancelled().await
            }),
    );
    let channel = tonic::transport::Channel::from_shared(endpoint)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let bearer = herald_watch::Bearer::new(config.root_key.expose()).unwrap();
    let mut root = ControlClient::with_interceptor(channel, bearer);
    let acme = team("acme");
    root.create_team(CreateTeamRequest {
        name: acme.clone(),
        display_name: String::new(),
    })
    .await
    .unwrap();
    root.create_topic(CreateTopicRequest {
        team: acme.clone(),
        name: "orders".into(),
        partitions: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let sub = root
        .create_subscription(sub_request(&acme, &["orders"]))
        .await
        .unwrap()
        .into_inner();
    let returned = Instant::now();
    while !handle
        .current()
        .subscriptions
        .contains_key(&sub.subscription.as_ref().unwrap().id)
    {
        assert!(
            returned.elapsed() < Duration::from_secs(1),
            "in-process handle did not see the change within 1s"
        );
        tokio::time::timeout(Duration::from_millis(100), handle.changed())
            .await
            .ok();
    }
    let view = handle.current();
    assert_eq!(
        view.subscriptions[&sub.subscription.unwrap().id].secrets[0].secret,
        sub.secret,
        "with secrets"
    );
    // Deleting a topic works although the embedded broker cannot delete Kafka topics.
    let s = view.subscriptions.keys().next().unwrap().clone();
    root.delete_subscription(DeleteSubscriptionRequest {
        team: acme.clone(),
        id: s,
    })
    .await
    .unwrap();
    root.delete_topic(DeleteTopicRequest {
        team: acme.clone(),
        name: "orders".into(),
    })
    .await
    .unwrap();
    root.create_topic(CreateTopicRequest {
        team: acme.clone(),
        name: "orders".into(),
        partitions: 1,
        ..Default::default()
    })
    .await
    .expect("re-creating adopts the existing kafka topic");
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

fn tokio_stream_listener(
    listener: tokio::net::TcpListener,
) -> impl futures::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    futures::stream::unfold(listener, |l| async move {
        let r = l.accept().await.map(|(s, _)| s);
        Some((r, l))
    })
}

/// Defect 3 of "Tenancy you can trust": a publish-only key reads no subscriptions, attempts or
/// dead letters (the subscribe scope is needed, `herald_watch::Action::ReadDeliveries`), and an
/// admin key sees a subscription's header names but never their values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_keys_read_no_deliveries_and_admins_see_header_names_only() {
    let control = TestControl::start(test_config()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    create_team(&mut root, &acme).await;
    create_topic(&mut root, &acme, "orders").await;
    let credential = format!("Bearer partner-{}", uuid::Uuid::new_v4().simple());
    let mut request = sub_request(&acme, &["orders"]);
    request
        .headers
        .insert("Authorization".into(), credential.clone());
    let sub = root
        .create_subscription(request)
        .await
        .unwrap()
        .into_inner()
        .subscription
        .unwrap();
    let (_, publish_secret) = create_key(&mut root, &acme, &[Scope::Publish]).await;
    let (_, admin_secret) = create_key(&mut root, &acme, &[Scope::Admin]).await;

    let mut publisher = control.client(Some(&publish_secret)).await;
    let (team, id) = (acme.clone(), sub.id.clone());
    assert_status(
        publisher
            .get_subscription(GetSubscriptionRequest {
                team: team.clone(),
                id: id.clone(),
            })
            .await,
        Code::PermissionDenied,
        "subscribe",
    );
    assert_status(
        publisher
            .list_subscriptions(ListSubscriptionsRequest { team: team.clone() })
            .await,
        Code::PermissionDenied,
        "subscribe",
    );
    assert_status(
        publisher
            .list_attempts(ListAttemptsRequest {
                team: team.clone(),
                subscription_id: id.clone(),
                limit: 0,
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "subscribe",
    );
    assert_status(
        publisher
            .list_dead_letters(ListDeadLettersRequest {
                team,
                subscription_id: id,
                ..Default::default()
            })
            .await,
        Code::PermissionDenied,
        "subscribe",
    );

    let mut admin = control.client(Some(&admin_secret)).await;
    let listed = admin
        .list_subscriptions(ListSubscriptionsRequest { team: acme.clone() })
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    let got = admin
        .get_subscription(GetSubscriptionRequest {
            team: acme.clone(),
            id: sub.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed, std::slice::from_ref(&got));
    let names: BTreeSet<&str> = got.headers.keys().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["authorization", "x-tenant"]));
    assert!(
        got.headers.values().all(|v| v == "<redacted>") && got.secrets.is_empty(),
        "{got:?}"
    );
    assert!(!format!("{listed:?}").contains(&credential));
    control.stop().await;
}

/// Subscriptions stored before custom headers were encrypted (values in clear in the record)
/// still deliver with their headers, answer with names only, and are encrypted when next written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_headers_of_older_records_still_work_and_are_encrypted_on_the_next_write() {
    let config = test_config();
    let control = TestControl::start(config.clone()).await;
    let mut root = control.root().await;
    let acme = team("acme");
    create_team(&mut root, &acme).await;
    create_topic(&mut root, &acme, "orders").await;

    // A record as the control plane wrote it before: secret sealed, headers in clear.
    let id = format!("sub_{}", uuid::Uuid::new_v4().simple());
    let credential = format!("Bearer legacy-{}", uuid::Uuid::new_v4().simple());
    let secret = "whsec_bGVnYWN5LXNpZ25pbmctc2VjcmV0LTMyLWJ5dGVzISE=";
    let master = herald_control::MasterKey::parse(config.master_key.expose()).unwrap();
    let legacy = ControlRecord {
        kind: Some(control_record::Kind::Subscription(StoredSubscription {
            subscription: Some(Subscription {
                id: id.clone(),
                team: acme.clone(),
                topics: vec![format!("{acme}.orders")],
                url: "https://example.com/hooks".into(),
                headers: HashMap::from([("authorization".into(), credential.clone())]),
                state: SubscriptionState::Active as i32,
                created_at_ms: herald_control_now(),
                updated_at_ms: herald_control_now(),
                ..Default::default()
            }),
            secrets: vec![master.encrypt(&id, secret, 0)],
            headers: None,
        })),
    };
    let key = herald_watch::entity_id::subscription(&id);
    Producer::new(&kafka_config(), Duration::from_secs(30))
        .unwrap()
        .send(
            &config.deployment.control_topic(),
            Some(key.as_bytes()),
            &[],
            &legacy.encode_to_vec(),
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let loaded = loop {
        if let Some(s) = internal_view(&control).await.subscriptions.get(&id) {
            break s.clone();
        }
        assert!(Instant::now() < deadline, "the older record was not loaded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(loaded.headers["authorization"], credential);
    assert_eq!(loaded.secrets[0].secret, secret);
    let shown = root
        .get_subscription(GetSubscriptionRequest {
            team: acme.clone(),
            id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shown.headers["authorization"], "<redacted>");

    // Any write of the subscription stores its headers sealed; the data plane still gets them.
    root.pause_subscription(PauseSubscriptionRequest {
        team: acme.clone(),
        id: id.clone(),
    })
    .await
    .unwrap();
    let after = internal_view(&control).await.subscriptions[&id].clone();
    assert_eq!(after.headers["authorization"], credential);
    assert_eq!(after.secrets[0].secret, secret);
    control.stop().await;
    let latest = read_topic(&config.deployment.control_topic())
        .await
        .into_iter()
        .filter(|(k, _)| k.as_deref() == Some(key.as_bytes()))
        .filter_map(|(_, v)| v)
        .next_back()
        .expect("the subscription's records");
    assert!(
        !latest
            .windows(credential.len())
            .any(|w| w == credential.as_bytes()),
        "the rewritten record holds the header in clear"
    );
    let Some(control_record::Kind::Subscription(stored)) =
        ControlRecord::decode(latest.as_slice()).unwrap().kind
    else {
        panic!("not a subscription record");
    };
    assert!(stored.subscription.unwrap().headers.is_empty());
    assert!(stored.headers.is_some_and(|h| !h.ciphertext.is_empty()));
}

/// The redrive state lives in Kafka, not in a replica's memory: another replica and a
/// restarted one see what was redriven and do not send it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_state_survives_restarts_and_is_shared_by_replicas() {
    let config = test_config();
    let control = TestControl::start(config.clone()).await;
    let mut root_a = control.root().await;
    let acme = team("acme");
    create_team(&mut root_a, &acme).await;
    create_topic(&mut root_a, &acme, "orders").await;
    let (sub, _) = create_sub(&mut root_a, &acme, &["orders"]).await;
    let producer = Producer::new(&kafka_config(), Duration::from_secs(30)).unwrap();
    let dead = async |n: i64| {
        producer
            .send(
                &config.deployment.dlq_topic(),
                Some(sub.id.as_bytes()),
                &[],
                &dead_letter(&sub.id, n, herald_control_now()).encode_to_vec(),
            )
            .await
            .unwrap();
    };
    for n in 0..3 {
        dead(n).await;
    }
    let replay = ReplayDeadLettersRequest {
        team: acme.clone(),
        subscription_id: sub.id.clone(),
        ..Default::default()
    };
    let replica = TestControl::start(config.clone()).await;
    let mut root_b = replica.root().await;
    let first = root_a
        .replay_dead_letters(replay.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.replayed, 3);

    // Replica B never saw the replay, yet lists the letters redriven and sends nothing again.
    let listed = root_b
        .list_dead_letters(ListDeadLettersRequest {
            team: acme.clone(),
            subscription_id: sub.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .tasks;
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|t| t.redriven_at_ms > 0), "{listed:?}");
    let again = root_b
        .replay_dead_letters(replay.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.replayed, 0, "{again:?}");
    // A letter dead-lettered after the replay is the only one the next replay sends.
    dead(3).await;
    let fresh = root_b
        .replay_dead_letters(replay.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fresh.replayed, 1, "{fresh:?}");
    replica.stop().await;

    // After a restart, the same: nothing to send unless asked.
    let addr = control.endpoint.trim_start_matches("http://").to_owned();
    control.stop().await;
    let control = TestControl::start_on(config.clone(), &addr).await;
    let mut root = control.root().await;
    let after = root
        .replay_dead_letters(replay.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.replayed, 0, "{after:?}");
    let forced = root
        .replay_dead_letters(ReplayDeadLettersRequest {
            include_redriven: true,
            ..replay
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(forced.replayed, 4, "{forced:?}");
    control.stop().await;
}

/// An endpoint for the validation handshake: `/yes` allows Herald's origin, `/star` any origin,
/// `/other` someone else's, and `/none` answers OPTIONS without the header.
async fn handshake_endpoint() -> String {
    use axum::http::{HeaderMap, HeaderValue};
    use axum::routing::options;
    let answer = |allowed: Option<&'static str>| {
        move |headers: HeaderMap| async move {
            let mut out = HeaderMap::new();
            // Answering only a request that carries the origin checks that Herald sends it.
            if headers.get("webhook-request-origin").map(|v| v.as_bytes()) == Some(b"herald")
                && let Some(a) = allowed
            {
                out.insert("webhook-allowed-origin", HeaderValue::from_static(a));
            }
            out
        }
    };
    let app = axum::Router::new()
        .route("/yes", options(answer(Some("herald"))))
        .route("/star", options(answer(Some("*"))))
        .route("/other", options(answer(Some("someone-else"))))
        .route("/none", options(answer(None)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// A subscription created or updated with `verify_endpoint` is stored only when the endpoint
/// passes the CloudEvents validation handshake, and the refusal says what the endpoint answered,
/// over gRPC and HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validation_handshake_gates_subscriptions() {
    let control = TestControl::start(test_config()).await;
    let mut root = control.root().await;
    let name = team("verify");
    create_team(&mut root, &name).await;
    create_topic(&mut root, &name, "orders").await;
    let base = handshake_endpoint().await;
    let create = |path: &str| CreateSubscriptionRequest {
        url: format!("{base}{path}"),
        verify_endpoint: true,
        ..sub_request(&name, &["orders"])
    };

    for path in ["/yes", "/star"] {
        root.create_subscription(create(path))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    assert_status(
        root.create_subscription(create("/other")).await,
        Code::FailedPrecondition,
        "with WebHook-Allowed-Origin: someone-else",
    );
    assert_status(
        root.create_subscription(create("/none")).await,
        Code::FailedPrecondition,
        "answered 200 OK, without WebHook-Allowed-Origin",
    );
    assert_status(
        root.create_subscription(create("/missing")).await,
        Code::FailedPrecondition,
        "answered 404",
    );
    // Nothing listens on port 9 (discard).
    assert_status(
        root.create_subscription(CreateSubscriptionRequest {
            url: "http://127.0.0.1:9/hook".into(),
            verify_endpoint: true,
            ..sub_request(&name, &["orders"])
        })
        .await,
        Code::FailedPrecondition,
        "could not reach the endpoint",
    );
    // Without the flag nothing is asked of the endpoint.
    let (plain, _) = create_sub(&mut root, &name, &["orders"]).await;
    let listed = root
        .list_subscriptions(ListSubscriptionsRequest { team: name.clone() })
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    assert_eq!(listed.len(), 3, "two verified and one plain: {listed:?}");

    // An update moving to an endpoint that refuses is not stored.
    assert_status(
        root.update_subscription(UpdateSubscriptionRequest {
            team: name.clone(),
            id: plain.id.clone(),
            url: format!("{base}/none"),
            verify_endpoint: true,
            ..Default::default()
        })
        .await,
        Code::FailedPrecondition,
        "without WebHook-Allowed-Origin",
    );
    let kept = root
        .get_subscription(GetSubscriptionRequest {
            team: name.clone(),
            id: plain.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(kept.url, plain.url);

    // Over HTTP: 409 with the reason; the verified URL is stored.
    let rest = herald_tests::rest::Rest::new(&control.http_url);
    let path = format!("/v1/teams/{name}/subscriptions");
    let refused = rest
        .call(
            reqwest::Method::POST,
            &path,
            Some(control.root_key()),
            Some(serde_json::json!({
                "url": format!("{base}/other"), "topics": ["orders"], "verify_endpoint": true
            })),
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::CONFLICT, "{refused:?}");
    assert!(refused.message().contains("someone-else"), "{refused:?}");
    let moved = rest
        .call(
            reqwest::Method::PATCH,
            &format!("{path}/{}", plain.id),
            Some(control.root_key()),
            Some(serde_json::json!({"url": format!("{base}/yes"), "verify_endpoint": true})),
        )
        .await;
    assert!(moved.status.is_success(), "{moved:?}");
    assert_eq!(moved.body["url"], format!("{base}/yes"));
}
