//! Graceful operations. A rolling restart under load: ingest, then delivery, then edge get
//! SIGTERM, drain, exit and start again while events are published, delivered as webhooks and
//! streamed over SSE. And a drain that a stalled client cannot stretch past the grace period.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::{Event as ProtoEvent, PublishBatchRequest};
use herald_runtime::Shutdown;
use herald_tests::edge::{SseItem, open};
use herald_tests::stack::{ServiceProcess, Stack};
use herald_watch::ConfigPublisher;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

/// Events per batch; one batch every `TICK` is a few hundred events per second.
const BATCH: usize = 5;
const TICK: Duration = Duration::from_millis(20);

/// Publishes batches until `stop`; an event counts only once ingest acknowledged it, and a
/// failed event is sent again (same id) until it is, as the user contract says.
async fn publish_load(
    mut client: PublisherClient<Channel>,
    team: String,
    topic: String,
    key: String,
    acked: Arc<AtomicUsize>,
    stop: CancellationToken,
) -> (Vec<String>, usize) {
    let mut ledger = Vec::new();
    let mut resent = 0;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0usize;
    while !stop.is_cancelled() {
        tick.tick().await;
        let mut pending: Vec<ProtoEvent> = (0..BATCH)
            .map(|_| {
                n += 1;
                let id = uuid::Uuid::now_v7().to_string();
                ProtoEvent {
                    data: format!(r#"{{"id":"{id}","n":{n}}}"#).into_bytes(),
                    id,
                    r#type: "order.created".into(),
                    ..Default::default()
                }
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !pending.is_empty() {
            assert!(
                Instant::now() < deadline,
                "ingest did not accept a batch within 30 s"
            );
            let mut request = tonic::Request::new(PublishBatchRequest {
                team: team.clone(),
                topic: topic.clone(),
                events: pending.clone(),
            });
            request
                .metadata_mut()
                .insert("authorization", format!("Bearer {key}").parse().unwrap());
            // A failed call (ingest restarting) leaves the whole batch pending.
            if let Ok(response) = client.publish_batch(request).await {
                let results = response.into_inner().results;
                let mut failed = Vec::new();
                for (event, result) in pending.into_iter().zip(results) {
                    if result.receipt.is_some() {
                        ledger.push(event.id);
                        acked.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.push(event);
                    }
                }
                pending = failed;
            }
            if !pending.is_empty() {
                resent += pending.len();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    (ledger, resent)
}

/// What the SSE client saw.
#[derive(Debug, Default)]
struct Streamed {
    /// Event ids in arrival order (repeats included).
    ids: Vec<String>,
    /// Responses that ended with the drain comment ("reconnect with Last-Event-ID").
    drains: usize,
    /// Connections opened.
    connections: usize,
}

/// Follows the stream like a browser: on every end or failure, reconnects with Last-Event-ID.
async fn follow(
    url: String,
    key: String,
    seen: Arc<Mutex<Streamed>>,
    connected: tokio::sync::oneshot::Sender<()>,
    stop: CancellationToken,
) {
    let http = reqwest::Client::new();
    let mut last_id: Option<String> = None;
    let mut connected = Some(connected);
    while !stop.is_cancelled() {
        let mut sse = match open(&http, &url, Some(&key), last_id.as_deref()).await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        seen.lock().unwrap().connections += 1;
        if let Some(tx) = connected.take() {
            let _ = tx.send(());
        }
        loop {
            let item = tokio::select! {
                _ = stop.cancelled() => return,
                item = sse.next() => item,
            };
            match item {
                Some(SseItem::Event { data, .. }) => {
                    let v: serde_json::Value = serde_json::from_str(&data).expect("json payload");
                    let id = v["id"].as_str().expect("id in payload").to_owned();
                    seen.lock().unwrap().ids.push(id);
                }
                Some(SseItem::Comment(c)) if c.contains("shutting down") => {
                    seen.lock().unwrap().drains += 1;
                }
                Some(SseItem::Comment(_)) => {}
                None => break,
            }
        }
        last_id = sse.last_id.clone();
    }
}

/// Waits until `acked` grew by `more` events.
async fn load_for(acked: &AtomicUsize, more: usize) {
    let target = acked.load(Ordering::Relaxed) + more;
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::Relaxed) < target {
        assert!(Instant::now() < deadline, "publishing stalled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// SIGTERM, wait for a clean exit, start again, wait until ready.
async fn restart(service: &mut ServiceProcess) -> Duration {
    let began = Instant::now();
    let status = service.terminate(Duration::from_secs(30)).await;
    assert!(
        status.success(),
        "{} exited with {status} after SIGTERM:\n{}",
        service.name,
        service.log_tail()
    );
    let stopped = began.elapsed();
    service.start();
    service.wait_ready(Duration::from_secs(60)).await;
    stopped
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_load_loses_nothing() {
    let began = Instant::now();
    let mut stack = Stack::start(None).await;
    let stop_stream = CancellationToken::new();
    let streamed = Arc::new(Mutex::new(Streamed::default()));
    let (connected_tx, connected) = tokio::sync::oneshot::channel();
    let follower = tokio::spawn(follow(
        stack.stream_url(),
        stack.key.clone(),
        streamed.clone(),
        connected_tx,
        stop_stream.clone(),
    ));
    tokio::time::timeout(Duration::from_secs(30), connected)
        .await
        .expect("stream opened in time")
        .expect("stream follower running");

    let acked = Arc::new(AtomicUsize::new(0));
    let stop_publishing = CancellationToken::new();
    let publisher = tokio::spawn(publish_load(
        stack.publisher(),
        stack.team.clone(),
        stack.topic.clone(),
        stack.key.clone(),
        acked.clone(),
        stop_publishing.clone(),
    ));

    load_for(&acked, 500).await;
    let ingest_stop = restart(&mut stack.ingest).await;
    load_for(&acked, 500).await;
    let delivery_stop = restart(&mut stack.delivery).await;
    load_for(&acked, 500).await;
    let drains_before = streamed.lock().unwrap().drains;
    let edge_stop = restart(&mut stack.edge).await;
    load_for(&acked, 500).await;
    stop_publishing.cancel();
    let (ledger, resent) = publisher.await.expect("publisher");
    let wanted: HashSet<&str> = ledger.iter().map(String::as_str).collect();

    // What Kafka holds: a publish retried after a lost acknowledgement is there twice, and
    // then legitimately twice on the stream too. Publishing is over, so this is final.
    let kafka_topic = format!("{}.{}", stack.team, stack.topic);
    let mut in_kafka: BTreeMap<String, usize> = BTreeMap::new();
    for (_, value) in herald_tests::control::read_topic(&kafka_topic).await {
        let v: serde_json::Value =
            serde_json::from_slice(&value.expect("record value")).expect("json record");
        *in_kafka
            .entry(v["id"].as_str().expect("id").to_owned())
            .or_default() += 1;
    }
    let records: usize = in_kafka.values().sum();

    // Everything acknowledged arrives as a webhook, every record on the stream (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(60);
    let (webhook_missing, sse_missing) = loop {
        let hooks: HashSet<String> = stack
            .receiver
            .requests()
            .iter()
            .filter_map(|r| r.header("webhook-id").map(str::to_owned))
            .collect();
        let (sse, sse_total) = {
            let s = streamed.lock().unwrap();
            (
                s.ids.iter().cloned().collect::<HashSet<String>>(),
                s.ids.len(),
            )
        };
        let webhook_missing = wanted.iter().filter(|id| !hooks.contains(**id)).count();
        let sse_missing = wanted.iter().filter(|id| !sse.contains(**id)).count();
        let done = webhook_missing == 0 && sse_missing == 0 && sse_total >= records;
        if done || Instant::now() > deadline {
            break (webhook_missing, sse_missing);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    stop_stream.cancel();
    let _ = follower.await;

    let mut webhooks: BTreeMap<String, usize> = BTreeMap::new();
    for r in stack.receiver.requests() {
        *webhooks
            .entry(r.header("webhook-id").unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let streamed = std::mem::take(&mut *streamed.lock().unwrap());
    let mut on_stream: BTreeMap<String, usize> = BTreeMap::new();
    for id in &streamed.ids {
        *on_stream.entry(id.clone()).or_default() += 1;
    }
    let webhook_duplicates: Vec<(&String, &usize)> =
        webhooks.iter().filter(|(_, n)| **n > 1).collect();
    let kafka_duplicates = in_kafka.values().filter(|n| **n > 1).count();
    eprintln!(
        "rolling restart: {} events acknowledged ({resent} sends retried), {} records in kafka \
         ({kafka_duplicates} ids twice); stops took ingest {ingest_stop:?}, delivery \
         {delivery_stop:?}, edge {edge_stop:?}; webhooks: missing {webhook_missing}, \
         duplicates {} {:?}; sse: missing {sse_missing}, {} events over {} connections; \
         total {:?}",
        ledger.len(),
        records,
        webhook_duplicates.len(),
        webhook_duplicates.iter().take(20).collect::<Vec<_>>(),
        streamed.ids.len(),
        streamed.connections,
        began.elapsed(),
    );
    assert_eq!(webhook_missing, 0, "acknowledged events never delivered");
    assert_eq!(sse_missing, 0, "acknowledged events never streamed");
    assert_eq!(
        on_stream, in_kafka,
        "the stream must carry every record of the topic exactly once"
    );
    assert!(
        streamed.drains > drains_before,
        "the draining edge told the client to reconnect"
    );
    assert!(streamed.connections >= 2, "the client reconnected");
    // Ingest stopped accepting, finished its publishes and flushed; delivery drained.
    for (service, drained) in [
        (&stack.ingest, "herald-ingest drained"),
        (&stack.delivery, "draining in_flight="),
    ] {
        assert!(
            service.log().contains(drained),
            "{} logged no drain:\n{}",
            service.name,
            service.log_tail()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_stops_within_its_grace_despite_a_stalled_request() {
    use std::io::Write as _;

    let bind = || async { TcpListener::bind("127.0.0.1:0").await.expect("bind") };
    let (grpc, http, admin) = (bind().await, bind().await, bind().await);
    let http_addr = http.local_addr().expect("addr");
    // The request must pass authorization to be reading its body: a configured topic and key.
    let fixture = herald_tests::ingest::Fixture::new();
    let (publisher, view) = ConfigPublisher::new();
    publisher.publish(fixture.view());
    let shutdown = Shutdown::new(Duration::from_secs(1));
    let task = tokio::spawn(herald_ingest::run_with(
        herald_tests::ingest::test_config(herald_tests::kafka_config()),
        view,
        herald_ingest::Listeners { grpc, http, admin },
        shutdown.clone(),
    ));
    // A request whose body never finishes arriving: the server waits for it while draining.
    let mut stalled = std::net::TcpStream::connect(http_addr).expect("connect");
    stalled
        .write_all(
            format!(
                "POST /v1/topics/{}/{}/events HTTP/1.1\r\nhost: ingest\r\n\
                 authorization: Bearer {}\r\ncontent-type: application/json\r\n\
                 content-length: 1000\r\n\r\n{{\"type\"",
                fixture.team,
                fixture.topic,
                herald_tests::ingest::ROOT_KEY
            )
            .as_bytes(),
        )
        .expect("send part of a request");
    // Let the server read the request head; nothing observable marks that moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let began = Instant::now();
    shutdown.trigger();
    let result = tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("ingest stopped despite the stalled request")
        .expect("ingest task");
    result.expect("ingest exits cleanly");
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "the drain took {:?} with a 1 s grace",
        began.elapsed()
    );
    drop(stalled);
}
