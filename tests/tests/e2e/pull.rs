//! Pull against the real broker across an edge restart: two members of one named consumer share
//! the partitions and commit what they handled; the edge restarts mid-ledger (its members leave
//! the group); the pullers rejoin on the new edge and continue from the commits, with nothing
//! missing and nothing repeated (every batch read was committed).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use herald_tests::edge::{Fixture, RunningEdge};
use serde_json::{Value, json};

const TYPE: &str = "pull.event";

async fn publish(fx: &Fixture, ledger: &mut Vec<String>, range: std::ops::Range<usize>) {
    for n in range {
        let id = format!("p{n}");
        fx.publish(TYPE, &id, &id).await;
        ledger.push(id);
    }
}

/// One batch as `member` of consumer `workers`, committed; the events' payloads and the
/// member's partitions.
async fn take(
    c: &reqwest::Client,
    edge: &RunningEdge,
    fx: &Fixture,
    member: &str,
) -> (Vec<String>, Vec<i64>) {
    let url = edge.url(&format!("/v1/topics/{}/{}/events", fx.team, fx.topic));
    let answer = c
        .get(url)
        .query(&[
            ("consumer", "workers"),
            ("member", member),
            ("limit", "40"),
            ("wait", "1s"),
        ])
        .bearer_auth(&fx.sub_key)
        .send()
        .await
        .expect("pull")
        .error_for_status()
        .expect("pull answer")
        .text()
        .await
        .expect("body");
    let answer: Value = serde_json::from_str(&answer).expect("json");
    let events: Vec<String> = answer["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == TYPE)
        .map(|e| e["data"].as_str().expect("data").to_owned())
        .collect();
    if !events.is_empty() {
        let commit = edge.url(&format!("/v1/teams/{}/consumers/workers/commit", fx.team));
        c.post(commit)
            .bearer_auth(&fx.sub_key)
            .header("content-type", "application/json")
            .body(json!({ "member": member, "cursor": answer["next_cursor"] }).to_string())
            .send()
            .await
            .expect("commit")
            .error_for_status()
            .expect("committed");
    }
    let partitions = answer["partitions"]
        .as_array()
        .expect("partitions")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    (events, partitions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn named_consumer_members_lose_nothing_across_an_edge_restart() {
    let fx = Arc::new(Fixture::new(4, &[]).await);
    let config = fx.config();
    let mut edge = RunningEdge::start(config.clone(), fx.handle.clone(), None).await;
    let c = reqwest::Client::new();
    let created = c
        .post(edge.url(&format!("/v1/teams/{}/consumers", fx.team)))
        .bearer_auth(&fx.sub_key)
        .header("content-type", "application/json")
        .body(json!({ "name": "workers", "topic": fx.topic, "start": "earliest" }).to_string())
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    let mut ledger = Vec::new();
    publish(&fx, &mut ledger, 0..200).await;

    let mut seen = Vec::new();
    let mut shared = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < 100 && tokio::time::Instant::now() < deadline {
        let (a, pa) = take(&c, &edge, &fx, "a").await;
        let (b, pb) = take(&c, &edge, &fx, "b").await;
        // Snapshots taken one after the other: once the group settled they split the topic.
        let (pa, pb): (BTreeSet<_>, BTreeSet<_>) =
            (pa.into_iter().collect(), pb.into_iter().collect());
        if !pa.is_empty() && !pb.is_empty() && pa.is_disjoint(&pb) && pa.len() + pb.len() == 4 {
            shared = true;
        }
        seen.extend(a);
        seen.extend(b);
    }
    assert!(shared, "the two members split the partitions between them");

    edge.stop().await;
    publish(&fx, &mut ledger, 200..300).await;
    edge = RunningEdge::start(config, fx.handle.clone(), None).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < ledger.len() && tokio::time::Instant::now() < deadline {
        for member in ["a", "b"] {
            seen.extend(take(&c, &edge, &fx, member).await.0);
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    let missing: Vec<&String> = ledger.iter().filter(|id| !unique.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "missing {} of {}: {:?}",
        missing.len(),
        ledger.len(),
        &missing[..missing.len().min(10)]
    );
    assert_eq!(
        seen.len(),
        ledger.len(),
        "a committed batch never comes again"
    );
    edge.stop().await;
}
