//! Ingest benchmark against a real broker (not a test). Each of `--rounds` rounds runs, back to
//! back so both sides of every ratio see the same machine load:
//!
//! 1. baseline: a bare rdkafka `FutureProducer` (Herald's producer settings) writes `--events`
//!    CloudEvents records of `--size` bytes (same headers and key as ingest writes), with up to
//!    `--window` sends in flight;
//! 2. gRPC `PublishBatch` of `--batch` events through an in-process ingest, `--concurrency`
//!    batches in flight, same record count and size;
//! 3. open loop at `--rate`/s for `--secs` s: the bare producer sending single records, each
//!    awaited (the baseline), then HTTP single-event publishes through ingest. Latency runs from
//!    each call's *scheduled* start (no coordinated omission);
//! 4. closed loop, `--clients` callers for `--secs` s, each calling back to back: the bare
//!    producer sending single records, each awaited (the baseline), then HTTP single-event
//!    publishes through ingest (over bare HTTP/1.1 keep-alive connections, see [`Http1Pool`]);
//!    then the same callers against a bare hyper server that answers 202 without Kafka, the
//!    floor of what any HTTP publish path can reach on this machine, and against one that
//!    writes each body with a bare producer before answering (HTTP plus Kafka, nothing of
//!    Herald's), which splits ingest's gap to the baseline into HTTP's share and Herald's.
//!
//! CPU time comes from `/proc/self/task/*/stat` (utime + stime per thread, the accounting
//! getrusage(RUSAGE_SELF) sums; `unsafe` is forbidden in this workspace, so no libc call), which
//! separates the load generator's threads (`bench-client`, main) from the service side (ingest
//! runtime `ingest-rt`, librdkafka `rdk:*` threads).
//!
//! With `--schema 1`, events are ~1 KiB orders and ingest's topic enforces the team's
//! event-type catalog: every event is validated against a ~1 KB JSON Schema (draft 2020-12),
//! and the baseline writes the same payloads.
//!
//! With `--ids 1`, every event carries a producer id, so ingest runs its idempotency window
//! (a claim and a receipt in `<deployment>.idempotency` per event) on both the gRPC and the
//! HTTP path.
//!
//! `BENCH_KAFKA_PROPERTIES=linger.ms=2,...` sets librdkafka properties on both sides, for tuning
//! experiments.
//!
//! ```text
//! deploy/local/kafka start
//! cargo run --release -p herald-ingest --example ingest-bench
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use herald_core::Event;
use herald_ingest::{IngestConfig, StaticConfig};
use herald_kafka::{KafkaAdmin, KafkaConfig, Producer, TopicAdmin, TopicSpec};
use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::{Event as ProtoEvent, PublishBatchRequest};
use herald_runtime::Shutdown;
use herald_watch::ConfigPublisher;
use rdkafka::message::{Header as RdHeader, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tonic::transport::Channel;

// The same allocator as the `herald-ingest` binary, so the in-process ingest costs what it does
// in production.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROOT_KEY: &str = "bench-root-key";

#[derive(Clone)]
struct Args {
    events: usize,
    batch: usize,
    size: usize,
    concurrency: usize,
    window: usize,
    partitions: i32,
    rate: u64,
    secs: u64,
    rounds: usize,
    /// Order payloads validated against [`ORDER_SCHEMA`] on the ingest topic.
    schema: bool,
    /// Producer ids on every event (the idempotency window's path).
    ids: bool,
    /// Concurrent clients of the closed-loop phase (0 skips it).
    clients: usize,
}

fn args() -> Args {
    let mut a = Args {
        events: 150_000,
        batch: 100,
        size: 1024,
        concurrency: 100,
        window: 10_000,
        partitions: 3,
        rate: 1000,
        secs: 5,
        rounds: 3,
        schema: false,
        ids: false,
        clients: 32,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or_else(|| {
            eprintln!("usage: ingest-bench [--events N] [--batch N] [--size BYTES] [--concurrency N] [--window N] [--partitions N] [--rate RPS] [--secs S] [--rounds N] [--schema 0|1] [--ids 0|1] [--clients N]");
            std::process::exit(2)
        });
        match pair[0].as_str() {
            "--events" => a.events = value as usize,
            "--batch" => a.batch = value as usize,
            "--size" => a.size = value as usize,
            "--concurrency" => a.concurrency = value as usize,
            "--window" => a.window = value as usize,
            "--partitions" => a.partitions = value as i32,
            "--rate" => a.rate = value,
            "--secs" => a.secs = value,
            "--rounds" => a.rounds = value as usize,
            "--schema" => a.schema = value != 0,
            "--ids" => a.ids = value != 0,
            "--clients" => a.clients = value as usize,
            other => {
                eprintln!("unknown flag {other}");
                std::process::exit(2)
            }
        }
    }
    a
}

/// CPU seconds per thread class: (load generator, everything else).
fn cpu_split() -> (f64, f64) {
    let ticks = 100.0; // USER_HZ on Linux
    let (mut client, mut rest) = (0u64, 0u64);
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for entry in dir.flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name = &stat[open + 1..close];
            let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
            // Fields after the name start at "state" (field 3): utime is 14, stime 15.
            let t = fields
                .get(11)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                + fields
                    .get(12)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            // The main thread drives the load loops (block_on), so it is load generator too.
            if name.starts_with("bench-client") || name == "ingest-bench" {
                client += t;
            } else {
                rest += t;
            }
        }
    }
    (client as f64 / ticks, rest as f64 / ticks)
}

/// A typical ~1 KB schema: required fields, a pattern, enums, nested objects, an array.
const ORDER_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "bench.tick",
  "type": "object",
  "required": ["order_id", "amount", "currency", "customer", "items"],
  "additionalProperties": false,
  "properties": {
    "order_id": {"type": "string", "pattern": "^ord_[0-9]{4,32}$"},
    "amount": {"type": "number", "minimum": 0, "maximum": 1000000},
    "currency": {"enum": ["EUR", "USD", "GBP", "CHF"]},
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
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
    "note": {"type": "string", "maxLength": 4096}
  }
}"#;

/// Event `i`'s payload of `size` bytes: an order matching [`ORDER_SCHEMA`] when `schema`,
/// else a padded counter.
fn payload(schema: bool, size: usize, i: usize) -> Vec<u8> {
    let head = if schema {
        format!(
            "{{\"order_id\":\"ord_{i:08}\",\"amount\":{}.5,\"currency\":\"EUR\",\"channel\":\"web\",\"customer\":{{\"id\":\"cus_{i}\",\"tier\":\"gold\",\"country\":\"FR\"}},\"items\":[{{\"sku\":\"sku-1\",\"qty\":2,\"price\":9.5}},{{\"sku\":\"sku-2\",\"qty\":1,\"price\":19.9}}],\"tags\":[\"vip\",\"new\"],\"note\":\"",
            i % 1000
        )
    } else {
        format!("{{\"i\":{i},\"pad\":\"")
    };
    let mut v = head.into_bytes();
    while v.len() < size - 2 {
        v.push(b'x');
    }
    v.extend_from_slice(b"\"}");
    v
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A record as the baseline writes it: the same attributes ingest would set.
fn baseline_record_headers() -> (String, OwnedHeaders) {
    let id = uuid::Uuid::now_v7().to_string();
    let mut e = Event::new(id, "/herald/bench/baseline", "bench.tick", Vec::new());
    e.time = Some(herald_core::envelope::format_time(
        time::OffsetDateTime::now_utc(),
    ));
    e.content_type = Some("application/json".into());
    e.traceparent = Some(herald_runtime::trace::new_traceparent());
    let headers = e.to_headers();
    let headers = headers
        .iter()
        .fold(OwnedHeaders::new_with_capacity(headers.len()), |acc, h| {
            acc.insert(RdHeader {
                key: &h.key,
                value: Some(h.value.as_slice()),
            })
        });
    (e.id, headers)
}

/// Throughput phase result: elapsed, events, load-generator CPU s, other CPU s.
type Throughput = (Duration, usize, f64, f64);
/// Open-loop phase result: sorted latencies, errors, load-generator CPU s, other CPU s.
type OpenLoop = (Vec<Duration>, usize, f64, f64);

/// A floor's closed loop in figures: p50, errors, and CPU per `unit` on each side.
fn floor_figures(r: &OpenLoop, unit: &str) -> String {
    let calls = r.0.len().max(1) as f64;
    format!(
        "p50 {:.2} ms, {} errors, CPU {:.0} µs/{unit} server side + {:.0} load generator",
        ms(percentile(&r.0, 0.5)),
        r.1,
        r.3 * 1e6 / calls,
        r.2 * 1e6 / calls,
    )
}

fn cpu_delta(before: (f64, f64)) -> (f64, f64) {
    let after = cpu_split();
    (after.0 - before.0, after.1 - before.1)
}

async fn baseline_batch(raw: &FutureProducer, topic: &str, a: &Args) -> anyhow::Result<Throughput> {
    let payloads: Vec<Vec<u8>> = (0..256).map(|i| payload(a.schema, a.size, i)).collect();
    let cpu0 = cpu_split();
    let started = Instant::now();
    let mut in_flight = FuturesUnordered::new();
    for i in 0..a.events {
        let (id, headers) = baseline_record_headers();
        let record = FutureRecord::to(topic)
            .key(id.as_bytes())
            .payload(payloads[i % payloads.len()].as_slice())
            .headers(headers);
        match raw.send_result(record) {
            Ok(f) => in_flight.push(f),
            Err((e, _)) => anyhow::bail!("enqueue: {e}"),
        }
        while in_flight.len() >= a.window {
            match in_flight.next().await {
                Some(Ok(Ok(_))) => {}
                other => anyhow::bail!("baseline delivery failed: {other:?}"),
            }
        }
    }
    while let Some(r) = in_flight.next().await {
        if !matches!(r, Ok(Ok(_))) {
            anyhow::bail!("baseline delivery failed: {r:?}");
        }
    }
    let elapsed = started.elapsed();
    let (c, o) = cpu_delta(cpu0);
    Ok((elapsed, a.events, c, o))
}

async fn grpc_batch(
    client: &PublisherClient<Channel>,
    topic: &str,
    a: &Args,
) -> anyhow::Result<Throughput> {
    let (team, name) = topic.split_once('.').unwrap_or_default();
    let (team, name) = (team.to_owned(), name.to_owned());
    let batch = a.batch;
    let ids = a.ids.then(|| uuid::Uuid::new_v4().simple().to_string());
    // Built once, as the baseline's are: the load generator's CPU competes with ingest's.
    let payloads: Arc<Vec<Vec<u8>>> =
        Arc::new((0..256).map(|i| payload(a.schema, a.size, i)).collect());
    let make = move |n: usize| {
        let events = (0..batch)
            .map(|i| ProtoEvent {
                r#type: "bench.tick".into(),
                id: ids
                    .as_ref()
                    .map(|run| format!("{run}-{}", n * batch + i))
                    .unwrap_or_default(),
                data: payloads[(n * batch + i) % payloads.len()].clone(),
                ..Default::default()
            })
            .collect();
        let mut req = tonic::Request::new(PublishBatchRequest {
            team: team.clone(),
            topic: name.clone(),
            events,
        });
        herald_watch::Bearer::new(ROOT_KEY)
            .expect("ascii key")
            .apply(&mut req);
        req
    };
    let batches = a.events / a.batch;
    let cpu0 = cpu_split();
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (mut client, next, make) = (client.clone(), next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= batches {
                    return anyhow::Ok(());
                }
                let results = client.publish_batch(make(n)).await?.into_inner().results;
                if let Some(bad) = results.iter().find(|r| r.code != 0) {
                    anyhow::bail!("event failed: {}", bad.error);
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    let (c, o) = cpu_delta(cpu0);
    Ok((elapsed, batches * a.batch, c, o))
}

/// Calls `one` at `rate`/s for `secs` seconds, timing each from its scheduled start.
async fn open_loop<F, Fut>(a: &Args, one: F) -> anyhow::Result<OpenLoop>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let total = (a.rate * a.secs) as usize;
    let interval = Duration::from_secs_f64(1.0 / a.rate as f64);
    let cpu0 = cpu_split();
    let start = tokio::time::Instant::now();
    let mut handles = Vec::with_capacity(total);
    for i in 0..total {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled).await;
        let call = one();
        handles.push(tokio::spawn(async move {
            let ok = call.await;
            (ok, scheduled.elapsed())
        }));
    }
    let mut lat = Vec::with_capacity(total);
    let mut errors = 0;
    for h in handles {
        let (ok, took) = h.await?;
        if !ok {
            errors += 1;
        }
        lat.push(took);
    }
    let (c, o) = cpu_delta(cpu0);
    lat.sort();
    Ok((lat, errors, c, o))
}

/// `clients` callers each calling `one` back to back for `secs` seconds: completed calls,
/// sorted latencies, errors, load-generator CPU s, other CPU s.
async fn closed_loop<F, Fut>(a: &Args, one: F) -> anyhow::Result<OpenLoop>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let cpu0 = cpu_split();
    let until = tokio::time::Instant::now() + Duration::from_secs(a.secs);
    let one = &one;
    let callers = (0..a.clients).map(|_| async move {
        let mut lat = Vec::new();
        let mut errors = 0;
        while tokio::time::Instant::now() < until {
            let started = Instant::now();
            if !one().await {
                errors += 1;
            }
            lat.push(started.elapsed());
        }
        (lat, errors)
    });
    let mut lat = Vec::new();
    let mut errors = 0;
    for (l, e) in futures::future::join_all(callers).await {
        lat.extend(l);
        errors += e;
    }
    let (c, o) = cpu_delta(cpu0);
    lat.sort();
    Ok((lat, errors, c, o))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The check's cost on one thread, without Kafka: parsing an event's data, then validating it
/// against the compiled schema (as ingest does per event), in µs per event.
fn schema_cost(size: usize) -> anyhow::Result<(f64, f64)> {
    let schema: serde_json::Value = serde_json::from_str(ORDER_SCHEMA)?;
    let validator = jsonschema::draft202012::new(&schema)?;
    let payloads: Vec<Vec<u8>> = (0..64).map(|i| payload(true, size, i)).collect();
    let n = 50_000;
    let started = Instant::now();
    let mut parsed = Vec::with_capacity(payloads.len());
    for i in 0..n {
        let v: serde_json::Value = serde_json::from_slice(&payloads[i % payloads.len()])?;
        if parsed.len() < payloads.len() {
            parsed.push(v);
        }
    }
    let parse = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    let started = Instant::now();
    for i in 0..n {
        anyhow::ensure!(
            validator.is_valid(std::hint::black_box(&parsed[i % parsed.len()])),
            "the bench payload must match its schema"
        );
    }
    let validate = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    Ok((parse, validate))
}

/// The view with `bench.tick` in the team's catalog and both ingest topics enforcing it.
fn enforce_catalog(
    mut view: herald_watch::View,
    topics: &str,
    http_topic: &str,
) -> herald_watch::View {
    use herald_proto::v1::{Entity, EventType, EventTypeVersion, SchemaPolicy, entity};
    let team = topics.split_once('.').map_or("", |(t, _)| t).to_owned();
    for t in [topics, http_topic] {
        if let Some(topic) = view.topics.get_mut(t) {
            topic.schema_policy = SchemaPolicy::Enforce as i32;
        }
    }
    view.upsert(Entity {
        kind: Some(entity::Kind::EventType(EventType {
            team,
            name: "bench.tick".into(),
            versions: vec![EventTypeVersion {
                version: 1,
                schema: ORDER_SCHEMA.into(),
                created_at_ms: 1,
            }],
            ..Default::default()
        })),
    });
    view
}

/// The HTTP load generator's client: HTTP/1.1 keep-alive connections to ingest, one per
/// caller at a time, with nothing per request beyond hyper's own work (reqwest's URL parse,
/// header map and keyed pool cost the load generator, which shares the two cores with ingest
/// and the broker, about as much CPU per call as the whole bare producer).
#[derive(Clone)]
struct Http1Pool {
    addr: std::net::SocketAddr,
    idle: Arc<std::sync::Mutex<Vec<SendRequest>>>,
}

type SendRequest = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

impl Http1Pool {
    fn new(addr: std::net::SocketAddr) -> Self {
        Self {
            addr,
            idle: Arc::default(),
        }
    }

    /// Sends one request on an idle connection (or a new one) and reads the whole answer:
    /// `true` for a 202.
    fn post(
        &self,
        req: hyper::Request<http_body_util::Full<bytes::Bytes>>,
    ) -> impl std::future::Future<Output = bool> + Send + 'static {
        let pool = self.clone();
        async move {
            let idle = pool.idle.lock().expect("pool lock").pop();
            let mut conn = match idle {
                Some(c) => c,
                None => match pool.connect().await {
                    Ok(c) => c,
                    Err(_) => return false,
                },
            };
            // A connection is ready again only once its last answer was read to the end.
            if conn.ready().await.is_err() {
                return false;
            }
            let Ok(answer) = conn.send_request(req).await else {
                return false;
            };
            let accepted = answer.status() == 202;
            let read = http_body_util::BodyExt::collect(answer.into_body())
                .await
                .is_ok();
            pool.idle.lock().expect("pool lock").push(conn);
            accepted && read
        }
    }

    async fn connect(&self) -> anyhow::Result<SendRequest> {
        let tcp = tokio::net::TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let (send, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await?;
        tokio::spawn(conn);
        Ok(send)
    }
}

/// The HTTP floors: a bare hyper HTTP/1.1 server that reads each request's body and answers 202
/// with a receipt-sized body. Without a producer it never touches Kafka: ingest's HTTP closed loop
/// cannot beat it on this machine, whatever its Kafka path costs. With one, it writes each body as
/// a record with the baseline's headers and key and answers once the record is acknowledged: an
/// HTTP publish path with nothing of Herald's (no authorization, parsing, validation, span or
/// metrics), so ingest against it is Herald's own cost and it against the bare producer is HTTP's.
async fn bare_http_server(
    listener: tokio::net::TcpListener,
    producer: Option<(FutureProducer, Arc<str>)>,
) {
    let answer = bytes::Bytes::from_static(
        br#"{"id":"00000000-0000-0000-0000-000000000000","partition":0,"offset":0,"duplicate":false}"#,
    );
    while let Ok((tcp, _)) = listener.accept().await {
        let _ = tcp.set_nodelay(true);
        let (answer, producer) = (answer.clone(), producer.clone());
        let service = hyper::service::service_fn(
            move |req: hyper::Request<hyper::body::Incoming>| {
                let (mut answer, producer) = (answer.clone(), producer.clone());
                async move {
                    let body = http_body_util::BodyExt::collect(req.into_body())
                        .await?
                        .to_bytes();
                    let mut status = hyper::StatusCode::ACCEPTED;
                    if let Some((raw, topic)) = &producer {
                        let (id, headers) = baseline_record_headers();
                        let record = FutureRecord::to(topic)
                            .key(id.as_bytes())
                            .payload(&body[..])
                            .headers(headers);
                        match raw.send_result(record) {
                            Ok(f) => match f.await {
                                Ok(Ok(d)) => {
                                    answer = bytes::Bytes::from(format!(
                                        r#"{{"id":"{id}","partition":{},"offset":{},"duplicate":false}}"#,
                                        d.partition, d.offset
                                    ));
                                }
                                _ => status = hyper::StatusCode::SERVICE_UNAVAILABLE,
                            },
                            Err(_) => status = hyper::StatusCode::SERVICE_UNAVAILABLE,
                        }
                    }
                    let mut response = hyper::Response::new(http_body_util::Full::new(answer));
                    *response.status_mut() = status;
                    response.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, hyper::Error>(response)
                }
            },
        );
        tokio::spawn(
            hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service),
        );
    }
}

fn main() -> anyhow::Result<()> {
    let a = args();
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:19092".into());
    let mut kafka = KafkaConfig::new(&bootstrap);
    // librdkafka properties for both sides (`BENCH_KAFKA_PROPERTIES=linger.ms=0,...`): tuning
    // experiments measure the baseline and ingest with the same settings.
    if let Ok(props) = std::env::var("BENCH_KAFKA_PROPERTIES") {
        for pair in props.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("BENCH_KAFKA_PROPERTIES: {pair:?} is not key=value")
            })?;
            kafka.properties.insert(k.to_owned(), v.to_owned());
        }
    }
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ingest-rt")
        .enable_all()
        .build()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bench-client")
        .enable_all()
        .build()?;

    let team = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let (baseline_topic, ingest_topic, http_topic, floor_topic) = (
        format!("{team}.baseline"),
        format!("{team}.ingest"),
        format!("{team}.http"),
        format!("{team}.floor"),
    );
    let topics = [
        baseline_topic.clone(),
        ingest_topic.clone(),
        http_topic.clone(),
        floor_topic.clone(),
    ];
    client_rt.block_on(async {
        let admin = KafkaAdmin::new(&kafka, 1)?;
        for t in &topics {
            admin.ensure_topic(&TopicSpec::new(t, a.partitions)).await?;
        }
        anyhow::Ok(())
    })?;
    println!(
        "broker {bootstrap}; {} events of {} bytes per round; batch {}; {} partitions; {} rounds; schema enforced: {} ({} bytes); producer ids: {}; load average at start: {}",
        a.events,
        a.size,
        a.batch,
        a.partitions,
        a.rounds,
        a.schema,
        ORDER_SCHEMA.len(),
        a.ids,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    if a.schema {
        let (parse, validate) = schema_cost(a.size)?;
        println!(
            "schema check on one thread: parse {parse:.2} µs + validate {validate:.2} µs per event"
        );
    }

    // The service, in process, on its own runtime.
    let deployment = format!(
        "herald-bench{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let config = IngestConfig {
        kafka: kafka.clone(),
        root_key: ROOT_KEY.into(),
        // A fresh idempotency log, so `--ids 1` measures the steady state, not reading old runs.
        deployment: herald_core::names::internal::Deployment::new(deployment)?,
        ..IngestConfig::default()
    };
    let view = StaticConfig {
        topics: vec![ingest_topic.clone(), http_topic.clone()],
        ..StaticConfig::default()
    }
    .view()?;
    let view = if a.schema {
        enforce_catalog(view, &ingest_topic, &http_topic)
    } else {
        view
    };
    let (publisher, handle) = ConfigPublisher::new();
    publisher.publish(view);
    let shutdown = Shutdown::new(Duration::from_secs(10));
    let (grpc_addr, http_addr, floor_addr, kafka_floor_addr, server) =
        server_rt.block_on(async {
            let bind = || tokio::net::TcpListener::bind("127.0.0.1:0");
            let (g, h, ad) = (bind().await?, bind().await?, bind().await?);
            let addrs = (g.local_addr()?, h.local_addr()?);
            let task = tokio::spawn(herald_ingest::run_with(
                config,
                handle,
                herald_ingest::Listeners {
                    grpc: g,
                    http: h,
                    admin: ad,
                },
                shutdown.clone(),
            ));
            let (floor, kafka_floor) = (bind().await?, bind().await?);
            let (floor_addr, kafka_floor_addr) = (floor.local_addr()?, kafka_floor.local_addr()?);
            tokio::spawn(bare_http_server(floor, None));
            let raw: FutureProducer = Producer::settings(&kafka, Duration::from_secs(30))
                .build()
                .create()?;
            tokio::spawn(bare_http_server(
                kafka_floor,
                Some((raw, Arc::from(floor_topic.as_str()))),
            ));
            anyhow::Ok((addrs.0, addrs.1, floor_addr, kafka_floor_addr, task))
        })?;

    let (mut batch_ratios, mut batch_rates, mut base_rates) = (Vec::new(), Vec::new(), Vec::new());
    let (mut p99s, mut base_p99s) = (Vec::new(), Vec::new());
    let mut closed_ratios = Vec::new();
    client_rt.block_on(async {
        let producer = Producer::new(&kafka, Duration::from_secs(30))?;
        let raw: FutureProducer = Producer::settings(&kafka, Duration::from_secs(30))
            .build()
            .create()?;
        let warm = Event::new("warm", "/bench", "bench", b"{}".to_vec());
        producer
            .send(&baseline_topic, None, &warm.to_headers(), &warm.data)
            .await?;
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{grpc_addr}"))?
            .connect()
            .await?;
        let client = PublisherClient::new(channel);
        let http = Http1Pool::new(http_addr);
        let (team, name) = http_topic.split_once('.').unwrap_or_default();
        let path: hyper::Uri = format!("/v1/topics/{team}/{name}/events").parse()?;
        let host = hyper::header::HeaderValue::from_str(&http_addr.to_string())?;
        let authorization = hyper::header::HeaderValue::from_str(&format!("Bearer {ROOT_KEY}"))?;
        let data = String::from_utf8(payload(a.schema, a.size.saturating_sub(40).max(16), 0))?;
        let run = uuid::Uuid::new_v4().simple().to_string();
        let sent = std::sync::atomic::AtomicUsize::new(0);
        let plain = bytes::Bytes::from(format!("{{\"type\":\"bench.tick\",\"data\":{data}}}"));
        let request = || {
            let body = if a.ids {
                let n = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                bytes::Bytes::from(format!(
                    "{{\"type\":\"bench.tick\",\"id\":\"{run}-{n}\",\"data\":{data}}}"
                ))
            } else {
                plain.clone()
            };
            let mut req = hyper::Request::post(path.clone())
                .body(http_body_util::Full::new(body))
                .expect("a request from valid parts");
            let h = req.headers_mut();
            h.insert(hyper::header::HOST, host.clone());
            h.insert(hyper::header::AUTHORIZATION, authorization.clone());
            h.insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/json"),
            );
            req
        };
        let post = || http.post(request());
        let floor = Http1Pool::new(floor_addr);
        let bare_http = || floor.post(request());
        let kafka_floor = Http1Pool::new(kafka_floor_addr);
        let bare_http_kafka = || kafka_floor.post(request());
        let single = |topic: String| {
            let raw = raw.clone();
            let data = payload(a.schema, a.size, 0);
            move || {
                let (raw, data, topic) = (raw.clone(), data.clone(), topic.clone());
                async move {
                    let (id, headers) = baseline_record_headers();
                    let record = FutureRecord::to(&topic)
                        .key(id.as_bytes())
                        .payload(data.as_slice())
                        .headers(headers);
                    match raw.send_result(record) {
                        Ok(f) => matches!(f.await, Ok(Ok(_))),
                        Err(_) => false,
                    }
                }
            }
        };
        // Warm-up: connections and metadata on every path.
        grpc_batch(&client, &ingest_topic, &Args { events: a.batch, ..a.clone() }).await?;
        for _ in 0..50 {
            anyhow::ensure!(post().await, "http warm-up failed");
            anyhow::ensure!(bare_http().await, "bare http warm-up failed");
            anyhow::ensure!(
                bare_http_kafka().await,
                "bare http to kafka warm-up failed"
            );
        }

        for round in 1..=a.rounds {
            // Alternate baseline and ingest within a round so both see the same machine load.
            let base = baseline_batch(&raw, &baseline_topic, &a).await?;
            let ing = grpc_batch(&client, &ingest_topic, &a).await?;
            let base_rate = base.1 as f64 / base.0.as_secs_f64();
            let rate = ing.1 as f64 / ing.0.as_secs_f64();
            println!(
                "round {round}: baseline FutureProducer {base_rate:.0} events/s (CPU {:.1} µs/event, whole process) | ingest gRPC PublishBatch({}) {rate:.0} events/s = {:.2}x (CPU {:.1} µs/event service side + {:.1} load generator)",
                (base.2 + base.3) * 1e6 / base.1 as f64,
                a.batch,
                rate / base_rate,
                ing.3 * 1e6 / ing.1 as f64,
                ing.2 * 1e6 / ing.1 as f64,
            );
            base_rates.push(base_rate);
            batch_rates.push(rate);
            batch_ratios.push(rate / base_rate);

            let base = open_loop(&a, single(baseline_topic.clone())).await?;
            let ing = open_loop(&a, post).await?;
            let (bp, ip) = (ms(percentile(&base.0, 0.99)), ms(percentile(&ing.0, 0.99)));
            println!(
                "round {round}: open loop {} /s for {}s: bare producer single record p50 {:.2} ms p99 {bp:.2} ms ({} errors, CPU {:.0} µs/event whole process) | ingest HTTP p50 {:.2} ms p99 {ip:.2} ms p99.9 {:.2} ms max {:.2} ms ({} errors, CPU {:.0} µs/event service side + {:.0} load generator)",
                a.rate,
                a.secs,
                ms(percentile(&base.0, 0.5)),
                base.1,
                (base.2 + base.3) * 1e6 / base.0.len().max(1) as f64,
                ms(percentile(&ing.0, 0.5)),
                ms(percentile(&ing.0, 0.999)),
                ms(*ing.0.last().unwrap_or(&Duration::ZERO)),
                ing.1,
                ing.3 * 1e6 / ing.0.len().max(1) as f64,
                ing.2 * 1e6 / ing.0.len().max(1) as f64,
            );
            base_p99s.push(bp);
            p99s.push(ip);

            if a.clients > 0 {
                let base = closed_loop(&a, single(baseline_topic.clone())).await?;
                let ing = closed_loop(&a, post).await?;
                let (bn, n) = (base.0.len() as f64, ing.0.len() as f64);
                println!(
                    "round {round}: closed loop, {} clients for {}s: bare producer single records {:.0}/s (p50 {:.2} ms, {} errors, CPU {:.0} µs/event whole process) | ingest HTTP single events {:.0}/s = {:.2}x (p50 {:.2} ms, {} errors, CPU {:.0} µs/event service side + {:.0} load generator)",
                    a.clients,
                    a.secs,
                    bn / a.secs as f64,
                    ms(percentile(&base.0, 0.5)),
                    base.1,
                    (base.2 + base.3) * 1e6 / bn.max(1.0),
                    n / a.secs as f64,
                    n / bn.max(1.0),
                    ms(percentile(&ing.0, 0.5)),
                    ing.1,
                    ing.3 * 1e6 / n.max(1.0),
                    ing.2 * 1e6 / n.max(1.0),
                );
                closed_ratios.push(n / bn.max(1.0));
                let bare = closed_loop(&a, bare_http).await?;
                let f = bare.0.len() as f64;
                println!(
                    "round {round}: closed loop floor, {} clients for {}s: bare hyper server answering 202 without Kafka {:.0}/s = {:.2}x the bare producer ({})",
                    a.clients,
                    a.secs,
                    f / a.secs as f64,
                    f / bn.max(1.0),
                    floor_figures(&bare, "call"),
                );
                let bare = closed_loop(&a, bare_http_kafka).await?;
                let f = bare.0.len() as f64;
                println!(
                    "round {round}: closed loop kafka floor, {} clients for {}s: bare hyper server producing each body with the bare producer {:.0}/s = {:.2}x the bare producer; ingest HTTP = {:.2}x this floor ({})",
                    a.clients,
                    a.secs,
                    f / a.secs as f64,
                    f / bn.max(1.0),
                    n / f.max(1.0),
                    floor_figures(&bare, "event"),
                );
            }
        }
        anyhow::Ok(())
    })?;
    println!(
        "median of {} rounds: PublishBatch {:.0} events/s vs baseline {:.0} events/s, ratio {:.2}x; HTTP p99 {:.2} ms vs bare producer p99 {:.2} ms; HTTP closed loop {:.2}x; load average at end: {}",
        a.rounds,
        median(batch_rates),
        median(base_rates),
        median(batch_ratios),
        median(p99s),
        median(base_p99s),
        median(closed_ratios),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    shutdown.trigger();
    server_rt.block_on(async {
        let _ = server.await;
    });
    client_rt.block_on(async {
        let admin = KafkaAdmin::new(&kafka, 1)?;
        for t in &topics {
            let _ = admin.delete_topic(t).await;
        }
        anyhow::Ok(())
    })?;
    Ok(())
}
