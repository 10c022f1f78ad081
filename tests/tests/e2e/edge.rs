//! End-to-end tests of herald-edge against the real broker: filters, auth, exact resume after a
//! client drop and after an edge restart (checked against a ledger), slow-client cut, the gap
//! event, limits, HTTP/2, HTTPS (HTTP/1.1 and HTTP/2 by ALPN), the lean HTTP/1 path's framing and
//! refusals, and a real browser (headless Chromium) reconnecting by itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use herald_edge::{Cursor, TopicTag};
use herald_tests::edge::{Fixture, ROOT_KEY, RunningEdge, SseClient, SseItem, TestCert, open};
use herald_tests::kafka_config;
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::{Offset, TopicPartitionList};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

const WAIT: Duration = Duration::from_secs(30);

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// Reads events until `want` events of the given ids arrived (or the stream ended).
async fn collect(sse: &mut SseClient, count: usize) -> Vec<(String, String, String)> {
    let mut got = Vec::new();
    while got.len() < count {
        match sse.next_event(WAIT).await {
            Some(SseItem::Event { id, ty, data }) => got.push((id.unwrap_or_default(), ty, data)),
            _ => break,
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn type_filters_exact_and_prefix() {
    let fx = Fixture::new(3, &[]).await;
    let edge = RunningEdge::start(fx.config(), fx.handle.clone(), None).await;
    let c = client();
    let all = [
        "user.created",
        "order.created",
        "order.paid",
        "orders",
        "order.refund.done",
        "user.deleted",
    ];
    for round in 0..5 {
        for ty in all {
            fx.publish(
                ty,
                &format!("{ty}-{round}"),
                &format!("{{\"n\":{round}}}\nline2"),
            )
            .await;
        }
    }
    let url = format!(
        "{}?start=earliest&types=order.*,user.deleted",
        edge.url(&fx.path())
    );
    let mut sse = open(&c, &url, Some(&fx.sub_key), None).await.expect("open");
    let got = collect(&mut sse, 20).await;
    let types: BTreeSet<&str> = got.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "order.created",
            "order.paid",
            "order.refund.done",
            "user.deleted"
        ])
    );
    assert_eq!(got.len(), 20, "{got:?}");
    assert!(
        got.iter().all(|(_, _, d)| d.ends_with("\nline2")),
        "multi-line data: {got:?}"
    );
    // Nothing beyond: the filtered-out types never arrive.
    assert!(sse.next_event(Duration::from_secs(2)).await.is_none());
    // The cursor moved past filtered events: resuming from the last id sends nothing old.
    let last = sse.last_id.clone().expect("cursor");
    drop(sse);
    fx.publish("order.created", "after", "{}").await;
    let mut again = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), Some(&last))
        .await
        .expect("resume");
    let next = again.next_event(WAIT).await.expect("event after resume");
    assert!(
        matches!(&next, SseItem::Event { ty, .. } if ty == "order.created"),
        "{next:?}"
    );

    // Exact filter.
    let url = format!("{}?start=earliest&types=orders", edge.url(&fx.path()));
    let mut exact = open(&c, &url, Some(&fx.sub_key), None).await.expect("open");
    let got = collect(&mut exact, 5).await;
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|(_, t, _)| t == "orders"));
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn auth_failures_and_tokens() {
    let fx = Fixture::new(1, &[]).await;
    let mut config = fx.config();
    config.token_ttl = Duration::from_secs(2);
    let edge = RunningEdge::start(config, fx.handle.clone(), None).await;
    let c = client();
    let url = edge.url(&fx.path());
    let expect = |r: Result<SseClient, (u16, String)>, status: u16, needle: &str| match r {
        Ok(_) => panic!("expected {status}, got a stream"),
        Err((s, body)) => {
            assert_eq!(s, status, "{body}");
            let json: serde_json::Value = serde_json::from_str(&body).expect("json error body");
            let msg = json["message"].as_str().expect("error message");
            assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
        }
    };
    expect(open(&c, &url, None, None).await, 401, "missing credentials");
    expect(open(&c, &url, Some("nope"), None).await, 401, "unknown");
    expect(
        open(&c, &url, Some(&fx.pub_key), None).await,
        403,
        "subscribe scope",
    );
    expect(
        open(&c, &url, Some(&fx.other_key), None).await,
        403,
        "no grant",
    );
    expect(
        open(&c, &format!("{url}?access_token=v1.abc.def"), None, None).await,
        401,
        "invalid access token",
    );
    expect(
        open(&c, &url, Some(&fx.sub_key), Some("garbage")).await,
        400,
        "invalid cursor",
    );
    expect(
        open(
            &c,
            &format!("{url}?last_event_id=1____"),
            Some(&fx.sub_key),
            None,
        )
        .await,
        400,
        "invalid cursor",
    );
    expect(
        open(
            &c,
            &format!("{url}?since=yesterday"),
            Some(&fx.sub_key),
            None,
        )
        .await,
        400,
        "since",
    );
    let missing = edge.url(&format!("/v1/streams/{}/nothere", fx.team));
    expect(
        open(&c, &missing, Some(ROOT_KEY), None).await,
        404,
        "does not exist",
    );

    // Granted team and root are allowed.
    open(&c, &url, Some(&fx.granted_key), None)
        .await
        .expect("granted team");
    open(&c, &url, Some(ROOT_KEY), None).await.expect("root");

    // Tokens: minting needs a subscribe-capable key; a token is bound to its stream and expires.
    let mint = |key: &str| {
        c.post(format!("{url}/token"))
            .bearer_auth(key.to_owned())
            .send()
    };
    assert_eq!(mint(&fx.pub_key).await.expect("mint").status(), 403);
    assert_eq!(
        c.post(format!("{url}/token"))
            .send()
            .await
            .expect("mint")
            .status(),
        401
    );
    let minted: serde_json::Value = serde_json::from_str(
        &mint(&fx.sub_key)
            .await
            .expect("mint")
            .text()
            .await
            .expect("body"),
    )
    .expect("json");
    let token = minted["token"].as_str().expect("token").to_owned();
    let mut sse = open(&c, &format!("{url}?access_token={token}"), None, None)
        .await
        .expect("token stream");
    assert!(sse.next().await.is_some(), "the token stream is open");
    let other_topic = edge.url(&format!("/v1/streams/{}/other", fx.team));
    expect(
        open(
            &c,
            &format!("{other_topic}?access_token={token}"),
            None,
            None,
        )
        .await,
        403,
        "access token is for",
    );
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    expect(
        open(&c, &format!("{url}?access_token={token}"), None, None).await,
        401,
        "expired",
    );
    edge.stop().await;
}

/// Publishes `total` events (ids `e<n>`) at about `per_sec`, recording them in the ledger.
fn spawn_publisher(
    fx: Arc<Fixture>,
    total: usize,
    per_sec: u64,
    done: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let mut ledger = Vec::with_capacity(total);
        let pause = Duration::from_millis(1000 / per_sec.max(1));
        for n in 0..total {
            let id = format!("e{n}");
            fx.publish("ledger.event", &id, &id).await;
            ledger.push(id);
            tokio::time::sleep(pause).await;
        }
        done.store(true, Ordering::Release);
        ledger
    })
}

/// Reads events into `seen` until `until` returns true or the stream ends; returns the ids.
async fn read_into(sse: &mut SseClient, seen: &mut Vec<String>, max: usize) -> bool {
    let mut n = 0;
    while n < max {
        match sse.next().await {
            Some(SseItem::Event { ty, data, .. }) => {
                assert_eq!(ty, "ledger.event");
                seen.push(data);
                n += 1;
            }
            Some(SseItem::Comment(_)) => {}
            None => return false,
        }
    }
    true
}

async fn resume_scenario(replay_events: usize) {
    let fx = Arc::new(Fixture::new(4, &[]).await);
    let mut config = fx.config();
    config.replay_events = replay_events;
    let c = client();
    let mut edge = RunningEdge::start(config.clone(), fx.handle.clone(), None).await;
    let mut sse = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), None)
        .await
        .expect("open");
    // The fresh stream announces its start cursor before any event.
    while sse.last_id.is_none() {
        sse.next().await.expect("preamble");
    }
    let done = Arc::new(AtomicBool::new(false));
    let total = 900;
    let publisher = spawn_publisher(fx.clone(), total, 300, done.clone());
    let mut seen = Vec::new();

    // 1. Client drop, events published meanwhile, resume on the same edge.
    read_into(&mut sse, &mut seen, 100).await;
    let cursor = sse.last_id.clone().expect("cursor");
    drop(sse);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut sse = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), Some(&cursor))
        .await
        .expect("resume");
    read_into(&mut sse, &mut seen, 200).await;

    // 2. Edge restart while publishing goes on: the client is told to reconnect.
    let stopping = tokio::spawn(edge.stop());
    let mut drained = false;
    loop {
        match sse.next().await {
            Some(SseItem::Event { data, .. }) => seen.push(data),
            Some(SseItem::Comment(c)) => drained |= c.contains("reconnect"),
            None => break,
        }
    }
    assert!(drained, "the drain comment tells the client to reconnect");
    stopping.await.expect("stop");
    let cursor = sse.last_id.clone().expect("cursor");
    tokio::time::sleep(Duration::from_millis(700)).await;
    edge = RunningEdge::start(config.clone(), fx.handle.clone(), None).await;
    let mut sse = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), Some(&cursor))
        .await
        .expect("resume after restart");
    read_into(&mut sse, &mut seen, 150).await;

    // 3. One more drop, then read to the end of the ledger.
    let cursor = sse.last_id.clone().expect("cursor");
    drop(sse);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut sse = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), Some(&cursor))
        .await
        .expect("resume");
    let ledger = publisher.await.expect("publisher");
    assert!(done.load(Ordering::Acquire));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < ledger.len() && tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(10), sse.next()).await {
            Ok(Some(SseItem::Event { data, .. })) => seen.push(data),
            Ok(Some(SseItem::Comment(_))) => {}
            _ => break,
        }
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &seen {
        *counts.entry(id).or_default() += 1;
    }
    let duplicates: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let missing: Vec<_> = ledger
        .iter()
        .filter(|id| !counts.contains_key(id.as_str()))
        .collect();
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    assert!(
        missing.is_empty(),
        "missing {} of {}: {:?}",
        missing.len(),
        ledger.len(),
        &missing[..missing.len().min(20)]
    );
    assert_eq!(seen.len(), ledger.len());
    // Nothing extra afterwards.
    assert!(sse.next_event(Duration::from_secs(1)).await.is_none());
    // With a normal window the restarted edge's reader starts at the resuming cursor and the
    // last resume joins from the replay window; with a tiny window both resumes on the
    // restarted edge read Kafka with a temporary consumer and then hand over to the fan-out.
    let metrics = edge.metrics().await;
    if replay_events > 100 {
        assert!(
            metric(&metrics, "herald_edge_replay_joins_total") >= 1.0,
            "{metrics}"
        );
    } else {
        assert!(
            metric(&metrics, "herald_edge_catchup_streams_total") >= 2.0,
            "{metrics}"
        );
        assert!(
            metric(&metrics, "herald_edge_catchup_reads_total") >= 1.0,
            "{metrics}"
        );
    }
    edge.stop().await;
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(-1.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resume_exactly_after_drop_and_restart_from_replay_window() {
    resume_scenario(4096).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resume_exactly_after_drop_and_restart_with_catch_up_reads() {
    // A replay window of 8 events forces every resume through a temporary Kafka reader and the
    // handoff to the live fan-out.
    resume_scenario(8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_client_is_cut_without_affecting_a_fast_one() {
    let fx = Fixture::new(1, &[]).await;
    let mut config = fx.config();
    let buffer = 64;
    config.client_buffer = buffer;
    config.slow_client_grace = Duration::from_secs(60);
    let edge = RunningEdge::start(config, fx.handle.clone(), None).await;
    let c = client();
    let mut fast = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), None)
        .await
        .expect("fast");
    // The slow client: a raw socket with a small receive buffer that reads nothing for now.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let mut slow = socket.connect(edge.addr).await.expect("connect");
    let request = format!(
        "GET {} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {}\r\n\r\n",
        fx.path(),
        edge.addr,
        fx.sub_key
    );
    slow.write_all(request.as_bytes()).await.expect("request");
    tokio::time::sleep(Duration::from_millis(500)).await;

    let payload = "x".repeat(32 * 1024);
    let total = 600;
    // The publisher stays at most half a buffer ahead of the fast client, so a busy machine
    // that starves the fast reader for a while slows the test instead of cutting that client.
    let (progress, mut received) = tokio::sync::watch::channel(0usize);
    let fast_reader = tokio::spawn(async move {
        let mut n = 0;
        while n < total {
            match fast.next_event(WAIT).await {
                Some(SseItem::Event { ty, .. }) if ty == "big.event" => n += 1,
                _ => break,
            }
            progress.send_replace(n);
        }
        n
    });
    let ahead = buffer / 2;
    for n in 0..total {
        let waited = tokio::time::timeout(WAIT, received.wait_for(|got| got + ahead >= n))
            .await
            .is_ok_and(|r| r.is_ok());
        assert!(
            waited,
            "the fast client stalled at {} of {n}",
            *received.borrow()
        );
        fx.publish("big.event", &format!("b{n}"), &payload).await;
    }
    assert_eq!(
        fast_reader.await.expect("fast reader"),
        total,
        "the fast client got everything"
    );
    // Now drain the slow socket: it ends with the reason it was cut.
    let mut text = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + WAIT;
    while !String::from_utf8_lossy(&text[text.len().saturating_sub(200)..])
        .contains("slow consumer")
    {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, slow.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => text.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    let tail = String::from_utf8_lossy(&text[text.len().saturating_sub(600)..]).to_string();
    assert!(
        tail.contains(": herald: slow consumer, resume with Last-Event-ID"),
        "tail: {tail:?}"
    );
    // The reason is an event a client can read.
    assert!(
        tail.contains("event: herald.cut\ndata: {") && tail.contains("slow_consumer"),
        "tail: {tail:?}"
    );
    // The credential's next stream starts by saying why the last one ended, once.
    let mut again = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), None)
        .await
        .expect("reconnect");
    let Some(SseItem::Event { ty, data, .. }) = again.next_event(WAIT).await else {
        panic!("no notice")
    };
    assert_eq!(ty, "herald.cut");
    let notice: serde_json::Value = serde_json::from_str(&data).expect("json");
    assert_eq!(notice["reason"], "slow_consumer", "{notice}");
    assert_eq!(notice["previous"], true, "{notice}");
    drop(again);
    let mut third = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), None)
        .await
        .expect("third");
    assert!(
        third.next_event(Duration::from_millis(500)).await.is_none(),
        "the notice is given once"
    );
    let metrics = edge.metrics().await;
    assert!(
        metrics.contains("herald_edge_slow_disconnects_total 1"),
        "{metrics}"
    );
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gap_event_when_the_cursor_predates_retention() {
    let fx = Fixture::new(2, &[]).await;
    let edge = RunningEdge::start(fx.config(), fx.handle.clone(), None).await;
    let mut per_partition: BTreeMap<i32, Vec<(i64, String)>> = BTreeMap::new();
    for n in 0..20 {
        let id = format!("g{n}");
        let d = fx.publish("gap.test", &id, &id).await;
        per_partition
            .entry(d.partition)
            .or_default()
            .push((d.offset, id));
    }
    // Delete the first 3 records of partition 0 (as retention would).
    let admin: AdminClient<DefaultClientContext> =
        kafka_config().client_config().create().expect("admin");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(&fx.kafka_topic, 0, Offset::Offset(3))
        .expect("tpl");
    admin
        .delete_records(&tpl, &AdminOptions::new())
        .await
        .expect("delete records");

    let c = client();
    let cursor = fx.cursor(&[0, 0]);
    let mut sse = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), Some(&cursor))
        .await
        .expect("open");
    let first = sse.next_event(WAIT).await.expect("gap event");
    let SseItem::Event { ty, data, .. } = first else {
        unreachable!()
    };
    assert_eq!(ty, "herald.gap");
    let gap: serde_json::Value = serde_json::from_str(&data).expect("gap json");
    assert_eq!(
        gap["ranges"],
        serde_json::json!([{"partition": 0, "from": 0, "to": 3, "count": 3}]),
        "{gap}"
    );
    let expected: BTreeSet<String> = per_partition
        .iter()
        .flat_map(|(p, v)| {
            v.iter()
                .filter(move |(o, _)| *p != 0 || *o >= 3)
                .map(|(_, id)| id.clone())
        })
        .collect();
    let got: BTreeSet<String> = collect(&mut sse, expected.len())
        .await
        .into_iter()
        .map(|(_, _, d)| d)
        .collect();
    assert_eq!(got, expected);

    // Garbage cursors are a 400 with a message; a cursor beyond the end too.
    let beyond = fx.cursor(&[1_000_000, 0]);
    let err = open(&c, &edge.url(&fx.path()), Some(&fx.sub_key), Some(&beyond))
        .await
        .err()
        .expect("400");
    assert_eq!(err.0, 400, "{}", err.1);
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cursor_of_another_topic_or_of_an_earlier_topic_of_the_name_is_refused() {
    let fx = Fixture::new(2, &[]).await;
    let edge = RunningEdge::start(fx.config(), fx.handle.clone(), None).await;
    let c = client();
    let url = edge.url(&fx.path());
    let mut sse = open(&c, &url, Some(&fx.sub_key), None).await.expect("open");
    while sse.last_id.is_none() {
        sse.next().await.expect("preamble");
    }
    fx.publish("tag.test", "t0", "t0").await;
    sse.next_event(WAIT).await.expect("first event");
    let cursor = sse.last_id.clone().expect("cursor");
    drop(sse);

    // Another topic's cursor, with offsets that exist here, is refused with the reason.
    let foreign = Cursor::from_positions(TopicTag::of("someone.else", 0), &[0, 0]).encode();
    let err = open(&c, &url, Some(&fx.sub_key), Some(&foreign))
        .await
        .err()
        .expect("400");
    assert_eq!(err.0, 400, "{}", err.1);
    assert!(err.1.contains("belongs to another topic"), "{}", err.1);
    // A cursor written before cursors named their topic still resumes.
    let unbound = Cursor {
        topic: None,
        offsets: [(0, 0), (1, 0)].into(),
    }
    .encode();
    let mut sse = open(&c, &url, Some(&fx.sub_key), Some(&unbound))
        .await
        .expect("an unbound cursor resumes");
    let SseItem::Event { data, .. } = sse.next_event(WAIT).await.expect("replayed") else {
        unreachable!()
    };
    assert_eq!(data, "t0");
    drop(sse);

    // The topic is deleted and created again under the same name: the old cursor's offsets
    // mean nothing now, while a fresh stream works and its cursor resumes.
    fx.recreate_topic();
    let err = open(&c, &url, Some(&fx.sub_key), Some(&cursor))
        .await
        .err()
        .expect("400 after the topic was recreated");
    assert_eq!(err.0, 400, "{}", err.1);
    assert!(err.1.contains("earlier topic of this name"), "{}", err.1);
    let mut sse = open(&c, &url, Some(&fx.sub_key), None)
        .await
        .expect("fresh");
    while sse.last_id.is_none() {
        sse.next().await.expect("preamble");
    }
    let fresh = sse.last_id.clone().expect("cursor");
    assert_ne!(fresh, cursor);
    drop(sse);
    fx.publish("tag.test", "t1", "t1").await;
    let mut sse = open(&c, &url, Some(&fx.sub_key), Some(&fresh))
        .await
        .expect("the new topic's cursor resumes");
    let SseItem::Event { data, .. } = sse.next_event(WAIT).await.expect("resumed") else {
        unreachable!()
    };
    assert_eq!(data, "t1");
    edge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn limits_http2_and_cors() {
    let fx = Fixture::new(1, &[]).await;
    let mut config = fx.config();
    config.max_streams = 3;
    config.max_streams_per_key = 2;
    config.cors_origins = vec!["https://app.example".into()];
    let edge = RunningEdge::start(config, fx.handle.clone(), None).await;
    let c = client();
    let url = edge.url(&fx.path());
    let _a = open(&c, &url, Some(&fx.sub_key), None).await.expect("1st");
    let _b = open(&c, &url, Some(&fx.sub_key), None).await.expect("2nd");
    let third = open(&c, &url, Some(&fx.sub_key), None)
        .await
        .err()
        .expect("429");
    assert_eq!(third.0, 429, "{}", third.1);
    assert!(third.1.contains("maximum"), "{}", third.1);
    // HTTP/2 without TLS (prior knowledge).
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("h2 client");
    let mut over_h2 = open(&h2, &url, Some(ROOT_KEY), None)
        .await
        .expect("h2 stream");
    fx.publish("h2.event", "h2-1", "hello").await;
    let got = over_h2.next_event(WAIT).await.expect("event over h2");
    assert!(
        matches!(got, SseItem::Event { ref data, .. } if data == "hello"),
        "{got:?}"
    );
    let node = open(&c, &url, Some(&fx.granted_key), None)
        .await
        .err()
        .expect("503");
    assert_eq!(node.0, 503, "{}", node.1);
    // CORS preflight for a configured origin.
    let preflight = c
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "last-event-id")
        .send()
        .await
        .expect("preflight");
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example")
    );
    edge.stop().await;
}

/// HTTPS with a certificate made at test time: a stream over HTTP/1.1 (the lean path over TLS),
/// one over HTTP/2 negotiated by ALPN (hyper), and token minting (hyper behind the lean path's
/// replayed head) all work and carry events.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn https_streams_over_http1_and_http2() {
    let fx = Fixture::new(1, &[]).await;
    let cert = TestCert::new();
    let mut config = fx.config();
    config.tls_cert_file = cert.cert_file.clone();
    config.tls_key_file = cert.key_file.clone();
    let edge = RunningEdge::start(config, fx.handle.clone(), None).await;
    let url = edge.https_url(&fx.path());
    let h1 = cert.client(true);
    let h2 = cert.client(false);
    let mut over_h1 = open(&h1, &url, Some(&fx.sub_key), None)
        .await
        .expect("https stream over HTTP/1.1");
    assert_eq!(over_h1.version, reqwest::Version::HTTP_11);
    assert_eq!(
        over_h1
            .headers
            .get("transfer-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("chunked")
    );
    // Only the lean path says so (hyper keeps HTTP/1.1 connections open).
    assert_eq!(
        over_h1
            .headers
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close"),
        "served by the lean HTTP/1 path"
    );
    let minted = h2
        .post(format!("{url}/token"))
        .bearer_auth(&fx.sub_key)
        .send()
        .await
        .expect("mint over https");
    assert_eq!(minted.status(), 200);
    let token: serde_json::Value =
        serde_json::from_str(&minted.text().await.expect("token body")).expect("token json");
    let token_url = format!(
        "{url}?access_token={}",
        token["token"].as_str().expect("token")
    );
    let mut over_h2 = open(&h2, &token_url, None, None)
        .await
        .expect("https stream over HTTP/2");
    assert_eq!(over_h2.version, reqwest::Version::HTTP_2, "ALPN chose h2");
    for n in 0..3 {
        fx.publish("tls.event", &format!("t{n}"), &format!("secret {n}"))
            .await;
    }
    for sse in [&mut over_h1, &mut over_h2] {
        let got: Vec<String> = collect(sse, 3)
            .await
            .into_iter()
            .map(|(_, _, d)| d)
            .collect();
        assert_eq!(got, ["secret 0", "secret 1", "secret 2"]);
    }
    // Plain HTTP on the HTTPS port gets nowhere.
    assert!(
        open(&client(), &edge.url(&fx.path()), Some(&fx.sub_key), None)
            .await
            .is_err()
    );
    edge.stop().await;
}

/// Sends `request` on a new connection to `addr`.
async fn raw(addr: std::net::SocketAddr, request: &str) -> tokio::net::TcpStream {
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    socket.write_all(request.as_bytes()).await.expect("request");
    socket
}

/// Reads until `needle` arrived, the connection ended or `WAIT` passed.
async fn read_until(socket: &mut tokio::net::TcpStream, needle: &str) -> (String, bool) {
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if String::from_utf8_lossy(&text).contains(needle) {
            return (String::from_utf8_lossy(&text).into_owned(), false);
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => text.extend_from_slice(&buf[..n]),
            _ => return (String::from_utf8_lossy(&text).into_owned(), true),
        }
    }
}

/// The lean HTTP/1 path on the wire: HTTP/1.1 streams are chunked with CORS headers, HTTP/1.0
/// streams end with the connection, bad or slow heads get 400/431/408 with a message, and a
/// drain ends a chunked stream properly after telling the client to reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lean_http1_framing_refusals_and_drain() {
    let fx = Fixture::new(1, &[]).await;
    let mut config = fx.config();
    config.cors_origins = vec!["https://app.example".into()];
    config.head_timeout = Duration::from_millis(500);
    let edge = RunningEdge::start(config, fx.handle.clone(), None).await;
    let path = fx.path();

    let mut h11 = raw(
        edge.addr,
        &format!(
            "GET {path} HTTP/1.1\r\nhost: edge\r\norigin: https://app.example\r\nauthorization: Bearer {}\r\n\r\n",
            fx.sub_key
        ),
    )
    .await;
    let (head, _) = read_until(&mut h11, "retry: 500").await;
    let lower = head.to_ascii_lowercase();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    for line in [
        "content-type: text/event-stream",
        "cache-control: no-cache",
        "transfer-encoding: chunked",
        "access-control-allow-origin: https://app.example",
        "connection: close",
    ] {
        assert!(lower.contains(line), "{line} missing: {head}");
    }
    let body = head.split("\r\n\r\n").nth(1).unwrap_or_default();
    let size = body.split("\r\n").next().unwrap_or_default();
    assert!(
        usize::from_str_radix(size, 16).is_ok_and(|n| n > 0),
        "chunk size line {size:?} in {body:?}"
    );

    let mut h10 = raw(
        edge.addr,
        &format!(
            "GET {path} HTTP/1.0\r\nauthorization: Bearer {}\r\n\r\n",
            fx.sub_key
        ),
    )
    .await;
    let (head, _) = read_until(&mut h10, "retry: 500").await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding"),
        "{head}"
    );
    assert!(
        head.contains("\r\n\r\nretry: 500\n\n"),
        "close-delimited body: {head:?}"
    );
    fx.publish("lean.event", "l1", "over http/1.0").await;
    let (text, _) = read_until(&mut h10, "over http/1.0").await;
    assert!(
        text.contains("event: lean.event\ndata: over http/1.0\n\n"),
        "{text}"
    );

    let refusals = [
        (
            format!("GET {path} HTTP/1.1\r\nbad header\r\n\r\n"),
            "400",
            "malformed",
        ),
        (
            format!("GET {path} HTTP/1.1\r\n{}\r\n", "x: y\r\n".repeat(101)),
            "431",
            "header fields",
        ),
        (
            format!("GET {path} HTTP/1.1\r\nx: {}\r\n\r\n", "y".repeat(20_000)),
            "431",
            "larger than",
        ),
        (
            format!("GET {path} HTTP/1.1\r\nhost: edge\r\n"),
            "408",
            "did not arrive",
        ),
        (
            format!("GET {path} HTTP/1.1\r\n\r\n"),
            "401",
            "missing credentials",
        ),
    ];
    for (request, status, message) in refusals {
        let mut socket = raw(edge.addr, &request).await;
        let (answer, closed) = read_until(&mut socket, "\"}").await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{request:.60?}: {answer}"
        );
        assert!(answer.contains(message), "{answer}");
        assert!(
            answer.contains("content-type: application/json"),
            "{answer}"
        );
        assert!(!closed || answer.ends_with('}'), "{answer}");
    }

    // Drain: the chunked stream is told to reconnect, then ends with the last chunk and EOF.
    let stopping = tokio::spawn(edge.stop());
    let (tail, closed) = read_until(&mut h11, "0\r\n\r\n").await;
    assert!(
        tail.contains(": herald: server shutting down, reconnect with Last-Event-ID"),
        "{tail}"
    );
    assert!(!closed, "the last chunk arrived: {tail:?}");
    let mut rest = [0u8; 16];
    assert_eq!(
        tokio::time::timeout(WAIT, h11.read(&mut rest))
            .await
            .expect("eof in time")
            .expect("read"),
        0
    );
    stopping.await.expect("stopped");
}

const PAGE: &str = r#"<!doctype html><html><body><script>
const params = new URLSearchParams(location.search);
const es = new EventSource(params.get('stream'));
let n = 0;
function report(o) { fetch('/report', {method: 'POST', body: JSON.stringify(o)}); }
es.addEventListener('browser.event', (e) => report({kind: 'event', data: e.data, last: e.lastEventId}));
es.onopen = () => report({kind: 'open', n: ++n});
es.onerror = () => report({kind: 'error', state: es.readyState});
</script></body></html>"#;

/// docs/api.md's pattern for a stream that outlives its access token: when the browser's own
/// reconnect is refused (the token expired), mint a fresh token and resume from the last cursor.
const REFRESHING_PAGE: &str = r#"<!doctype html><html><body><script>
const params = new URLSearchParams(location.search);
const stream = params.get('stream'), key = params.get('key');
function report(o) { fetch('/report', {method: 'POST', body: JSON.stringify(o)}); }
let last = null;
async function open() {
  const minted = await fetch(stream + '/token', {method: 'POST', headers: {authorization: 'Bearer ' + key}});
  const {token} = await minted.json();
  const url = new URL(stream);
  url.searchParams.set('access_token', token);
  if (last) url.searchParams.set('last_event_id', last);
  const es = new EventSource(url);
  es.addEventListener('browser.event', (e) => { last = e.lastEventId; report({kind: 'event', data: e.data}); });
  es.onopen = () => report({kind: 'open'});
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) { report({kind: 'refused'}); setTimeout(open, 200); }
  };
}
open();
</script></body></html>"#;

/// Stops the browser however the test ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a page reported.
#[derive(Default)]
pub(crate) struct Reports {
    pub events: Vec<String>,
    pub opens: usize,
    pub refused: usize,
}

/// Headless Chromium (Debian's `chromium`) showing one page, served here with `query`, whose
/// script reports what it sees to `/report`.
pub(crate) struct BrowserPage {
    reports: Arc<Mutex<Reports>>,
    profile: std::path::PathBuf,
    _browser: KillOnDrop,
}

impl BrowserPage {
    pub(crate) async fn open(html: &'static str, query: &[(&str, &str)]) -> Self {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("headless Chromium is required: apt-get install chromium");
        let reports = Arc::new(Mutex::new(Reports::default()));
        let r = reports.clone();
        let app = axum::Router::new()
            .route(
                "/page",
                axum::routing::get(move || async move { axum::response::Html(html) }),
            )
            .route(
                "/report",
                axum::routing::post(move |body: String| {
                    let r = r.clone();
                    async move {
                        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                        let mut r = r.lock().await;
                        match v["kind"].as_str() {
                            Some("event") => r
                                .events
                                .push(v["data"].as_str().unwrap_or_default().to_owned()),
                            Some("open") => r.opens += 1,
                            Some("refused") => r.refused += 1,
                            _ => {}
                        }
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind page");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let url = reqwest::Url::parse_with_params(&format!("http://{addr}/page"), query)
            .expect("page url");
        let profile = std::env::temp_dir().join(herald_tests::unique("chromium-profile"));
        let browser = std::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url.as_str())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromium");
        Self {
            reports,
            profile,
            _browser: KillOnDrop(browser),
        }
    }

    /// Waits up to 60 s for the reports to satisfy `pred`.
    pub(crate) async fn wait_for(&self, pred: impl Fn(&Reports) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while tokio::time::Instant::now() < deadline {
            if pred(&*self.reports.lock().await) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Asserts the page got exactly `ledger`, each once.
    pub(crate) async fn assert_exactly_once(&self, ledger: &[String]) {
        let r = self.reports.lock().await;
        let mut seen = r.events.clone();
        seen.sort();
        let mut want = ledger.to_vec();
        want.sort();
        assert_eq!(seen, want, "every event exactly once (opens {})", r.opens);
    }
}

impl Drop for BrowserPage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

pub(crate) async fn publish_ledger(
    fx: &Fixture,
    ledger: &mut Vec<String>,
    range: std::ops::Range<usize>,
) {
    for n in range {
        let id = format!("b{n}");
        fx.publish("browser.event", &id, &id).await;
        ledger.push(id);
    }
}

/// Headless Chromium (Debian's `chromium`) opens an EventSource page, the edge restarts on the
/// same port, and the browser's own reconnect with Last-Event-ID gets everything exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn browser_eventsource_reconnects_exactly_once() {
    let fx = Arc::new(Fixture::new(3, &[]).await);
    let mut config = fx.config();
    config.cors_origins = vec!["*".into()];
    let edge = RunningEdge::start(config.clone(), fx.handle.clone(), None).await;
    let edge_addr = edge.addr;

    let c = client();
    let minted = c
        .post(format!("{}/token", edge.url(&fx.path())))
        .bearer_auth(&fx.sub_key)
        .send()
        .await
        .expect("mint")
        .text()
        .await
        .expect("token");
    let minted: serde_json::Value = serde_json::from_str(&minted).expect("token json");
    let stream_url = format!(
        "{}?access_token={}",
        edge.url(&fx.path()),
        minted["token"].as_str().expect("token")
    );
    let page = BrowserPage::open(PAGE, &[("stream", &stream_url)]).await;
    assert!(
        page.wait_for(|r| r.opens >= 1).await,
        "the page's EventSource opened"
    );
    let mut ledger = Vec::new();
    publish_ledger(&fx, &mut ledger, 0..30).await;
    assert!(
        page.wait_for(|r| r.events.len() >= 30).await,
        "the browser received the first events"
    );

    // Restart the edge on the same port while events keep being published.
    edge.stop().await;
    publish_ledger(&fx, &mut ledger, 30..60).await;
    let edge = RunningEdge::start(config, fx.handle.clone(), Some(edge_addr)).await;
    for n in 60..80 {
        publish_ledger(&fx, &mut ledger, n..n + 1).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let complete = page
        .wait_for(|r| r.events.len() >= 80 && r.opens >= 2)
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        complete,
        "the browser got every event and reconnected by itself"
    );
    page.assert_exactly_once(&ledger).await;
    drop(page);
    edge.stop().await;
}

/// A browser stream outlives its access token: the token expires, the edge restarts, the
/// browser's own reconnect is refused (401), and docs/api.md's pattern (a fresh token and the
/// last cursor) resumes with every event exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn browser_stream_outlives_its_access_token() {
    let fx = Arc::new(Fixture::new(2, &[]).await);
    let mut config = fx.config();
    config.cors_origins = vec!["*".into()];
    config.token_ttl = Duration::from_secs(1);
    let edge = RunningEdge::start(config.clone(), fx.handle.clone(), None).await;
    let edge_addr = edge.addr;
    let page = BrowserPage::open(
        REFRESHING_PAGE,
        &[("stream", &edge.url(&fx.path())), ("key", &fx.sub_key)],
    )
    .await;
    assert!(page.wait_for(|r| r.opens >= 1).await, "the stream opened");
    let mut ledger = Vec::new();
    publish_ledger(&fx, &mut ledger, 0..20).await;
    assert!(
        page.wait_for(|r| r.events.len() >= 20).await,
        "first events"
    );

    // Tokens carry whole seconds: after 2 s the page's token has expired.
    tokio::time::sleep(Duration::from_secs(2)).await;
    edge.stop().await;
    publish_ledger(&fx, &mut ledger, 20..40).await;
    let edge = RunningEdge::start(config, fx.handle.clone(), Some(edge_addr)).await;
    assert!(
        page.wait_for(|r| r.refused >= 1 && r.opens >= 2).await,
        "the expired token was refused on reconnect and the page resumed with a fresh one"
    );
    publish_ledger(&fx, &mut ledger, 40..60).await;
    assert!(
        page.wait_for(|r| r.events.len() >= 60).await,
        "the browser got every event"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    page.assert_exactly_once(&ledger).await;
    drop(page);
    edge.stop().await;
}
