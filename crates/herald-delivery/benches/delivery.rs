//! Delivery benchmark (not a test): throughput against a bare rdkafka + hyper baseline measured
//! in the same run, publish-to-webhook latency at a fixed rate, retry lateness, peak RSS with a
//! backlog and CPU time per event. The worker and the baseline run as child processes so their
//! CPU time and RSS are measured alone (from /proc), apart from the sink and the load generator.
//! A second baseline, the wire floor, is the bare loop sending Herald's header set with fixed
//! values: the same bytes on the wire, so Herald's own share of the gap shows apart from what
//! the sink spends reading a Standard Webhooks + CloudEvents request.
//!
//! `KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 cargo bench -p herald-delivery --bench delivery`
//! (`BENCH_EVENTS` sets the backlog, default 200000; `BENCH_SKIP_THROUGHPUT` /
//! `BENCH_SKIP_LATENCY` skip phases; `BENCH_WORKER_BIN` runs another worker binary, for A/B
//! comparisons; `BENCH_HTTPS=1` adds a phase delivering a backlog to an HTTPS sink over HTTP/2
//! and over HTTP/1.1, in the same run; `BENCH_ORDERED=1` adds a phase delivering a backlog keyed
//! by 1,000 distinct keys to an unordered and to an `ordering = "key"` subscription).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use herald_core::{Event, Secret};
use herald_kafka::{GroupConsumer, KafkaAdmin, KafkaConfig, Producer, TopicAdmin, TopicSpec};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rdkafka::Message;
use rdkafka::consumer::{Consumer, StreamConsumer};

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:19092".into())
}

fn unique(p: &str) -> String {
    format!("{p}-{}", uuid::Uuid::new_v4().simple())
}

#[derive(Default)]
struct Sink {
    count: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
    record_latency: std::sync::atomic::AtomicBool,
    /// fail-once path: first failure time per event id, and retry lateness samples.
    failed_at: Mutex<HashMap<String, Instant>>,
    lateness_ms: Mutex<Vec<i64>>,
    retry_delay_ms: AtomicU64,
}

async fn sink_handler(
    sink: Arc<Sink>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let ok = || Ok(Response::new(Full::new(Bytes::new())));
    if path == "/fail-once" {
        let now = Instant::now();
        let mut failed = sink.failed_at.lock().unwrap();
        if let Some(at) = failed.get(&id) {
            let late = now.duration_since(*at).as_millis() as i64
                - sink.retry_delay_ms.load(Ordering::Relaxed) as i64;
            sink.lateness_ms.lock().unwrap().push(late);
            sink.count.fetch_add(1, Ordering::Relaxed);
            return ok();
        }
        failed.insert(id, now);
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        return Ok(r);
    }
    if sink.record_latency.load(Ordering::Relaxed)
        && let Some(t) = body
            .get(5..21)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.parse::<u64>().ok())
    {
        sink.latencies_us
            .lock()
            .unwrap()
            .push(now_us().saturating_sub(t));
    }
    sink.count.fetch_add(1, Ordering::Relaxed);
    ok()
}

async fn start_sink() -> (SocketAddr, Arc<Sink>) {
    let sink = Arc::new(Sink::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let s = sink.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let s = s.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| sink_handler(s.clone(), req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, sink)
}

/// An HTTPS sink offering HTTP/2 and HTTP/1.1 (ALPN) with a self-signed certificate for
/// `localhost`; returns its port and the certificate's PEM file (written to `dir`).
async fn start_tls_sink(dir: &std::path::Path, sink: Arc<Sink>) -> (u16, std::path::PathBuf) {
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::crypto::ring;
    use tokio_rustls::rustls::pki_types::PrivateKeyDer;

    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_file = dir.join("sink-cert.pem");
    std::fs::write(&cert_file, certified.cert.pem()).unwrap();
    let key = PrivateKeyDer::try_from(certified.signing_key.serialize_der()).unwrap();
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (acceptor, s) = (acceptor.clone(), sink.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |req| sink_handler(s.clone(), req));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (port, cert_file)
}

/// Delivers one backlog to an HTTPS sink twice, over HTTP/2 and over HTTP/1.1 (separate
/// groups), and prints both and their ratio.
async fn https_phase(dir: &std::path::Path, admin: &KafkaAdmin, producer: &Producer, n: usize) {
    let sink = Arc::new(Sink::default());
    let (port, cert) = start_tls_sink(dir, sink.clone()).await;
    let topic = unique("bench.https");
    admin
        .create_topic(&TopicSpec::new(&topic, 6))
        .await
        .unwrap();
    publish_backlog(producer, &topic, n, 0).await;
    let url = format!("https://localhost:{port}/ok");
    let mut runs = Vec::new();
    for (name, http2) in [("HTTP/2", true), ("HTTP/1.1", false)] {
        let extra = format!("http2 = {http2}\ntls_ca_file = \"{}\"\n", cert.display());
        let worker = herald_child(
            dir,
            if http2 { "https-h2" } else { "https-h1" },
            &[(unique("sub"), topic.clone(), url.clone(), "")],
            "\"5s\"",
            &extra,
        );
        runs.push(drained(&sink, worker, n, &format!("https {name}")).await);
    }
    println!(
        "https: HTTP/2 {:.2}x HTTP/1.1 in webhooks/s, {:.2}x its CPU per event",
        runs[0].steady / runs[1].steady,
        runs[0].cpu_us / runs[1].cpu_us
    );
}

/// [`drain`], printed as one line after `label`.
async fn drained(sink: &Sink, worker: std::process::Child, n: usize, label: &str) -> Drained {
    let d = drain(sink, n, worker, label).await;
    println!(
        "{label}: {:.0}/s after the first webhook, cpu {:.1} µs/event, peak rss {:.0} MiB",
        d.steady, d.cpu_us, d.rss
    );
    d
}

/// Ordered against unordered delivery of one backlog keyed by 1,000 distinct keys, each
/// drained by its own worker (its own group): webhooks/s after the first webhook, CPU per event.
async fn ordered_phase(
    dir: &std::path::Path,
    admin: &KafkaAdmin,
    producer: &Producer,
    sink: &Sink,
    url: &str,
    n: usize,
) {
    let topic = unique("bench.keyed");
    admin
        .create_topic(&TopicSpec::new(&topic, 6))
        .await
        .unwrap();
    publish_backlog(producer, &topic, n, 1000).await;
    let mut runs = Vec::new();
    for (name, sub_extra) in [("unordered", ""), ("ordered", "ordering = \"key\"\n")] {
        let worker = herald_child(
            dir,
            &format!("keyed-{name}"),
            &[(unique("sub"), topic.clone(), url.to_owned(), sub_extra)],
            "\"5s\"",
            "",
        );
        runs.push(drained(sink, worker, n, &format!("keyed {name}")).await);
    }
    println!(
        "ordered (1000 keys): {:.2}x unordered webhooks/s, {:.2}x its CPU per event",
        runs[1].steady / runs[0].steady,
        runs[1].cpu_us / runs[0].cpu_us
    );
}

/// A 1 KB event whose body starts with `{"t":<16-digit publish time in µs>,`.
fn bench_event(n: usize) -> Event {
    let head = format!("{{\"t\":{:016},\"n\":{n},\"pad\":\"", now_us());
    let mut body = head.into_bytes();
    body.resize(1024 - 2, b'x');
    body.extend_from_slice(b"\"}");
    let mut e = Event::new(
        uuid::Uuid::now_v7().to_string(),
        "/bench",
        "bench.event",
        body,
    );
    e.content_type = Some("application/json".into());
    e
}

/// Publishes `n` events; keyed by their id (`keys` = 0) or by one of `keys` distinct keys.
async fn publish_backlog(producer: &Producer, topic: &str, n: usize, keys: usize) {
    let mut sent = 0;
    while sent < n {
        let chunk = (n - sent).min(5000);
        let events: Vec<Event> = (sent..sent + chunk).map(bench_event).collect();
        let headers: Vec<_> = events.iter().map(Event::to_headers).collect();
        let record_keys: Vec<String> = events
            .iter()
            .enumerate()
            .map(|(i, e)| match keys {
                0 => e.id.clone(),
                k => format!("key-{}", (sent + i) % k),
            })
            .collect();
        let sends = events
            .iter()
            .zip(&headers)
            .zip(&record_keys)
            .map(|((e, h), k)| producer.send(topic, Some(k.as_bytes()), h, &e.data));
        for r in futures::future::join_all(sends).await {
            r.expect("publish");
        }
        sent += chunk;
    }
}

/// (cpu seconds, peak rss MiB) of a child process, from /proc.
fn proc_usage(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = 100.0; // CLK_TCK on Linux
    let cpu = fields
        .get(11)
        .and_then(|u| u.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu / ticks, hwm_kb / 1024.0)
}

async fn wait_count(sink: &Sink, n: u64, timeout: Duration) -> Option<Duration> {
    wait_count_from(sink, n, timeout)
        .await
        .map(|(total, _)| total)
}

/// Time until the sink counted `n`, and until it counted the first (the process start, group
/// join and first fetch, which the rate includes).
async fn wait_count_from(sink: &Sink, n: u64, timeout: Duration) -> Option<(Duration, Duration)> {
    let start = Instant::now();
    let mut first = None;
    while sink.count.load(Ordering::Relaxed) < n {
        if first.is_none() && sink.count.load(Ordering::Relaxed) > 0 {
            first = Some(start.elapsed());
        }
        if start.elapsed() > timeout {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Some((start.elapsed(), first.unwrap_or_default()))
}

/// The headers a Herald webhook of the throughput phase carries besides `content-type`, `host`
/// and `content-length`, with values of the same lengths: what the wire floor sends.
const HERALD_HEADERS: [(&str, &str); 12] = [
    ("herald-sequence", "8"),
    ("herald-partition", "5"),
    ("herald-previous-sequence", "7"),
    ("herald-key", "01a24ef0-1056-71c6-84fe-6a66a3004bea"),
    ("ce-specversion", "1.0"),
    ("ce-id", "01a24ef0-1056-71c6-84fe-6a66a3004bea"),
    ("ce-source", "/bench"),
    ("ce-type", "bench.event"),
    ("user-agent", "Herald-Webhooks/0.1.0"),
    ("webhook-id", "01a24ef0-1056-71c6-84fe-6a66a3004bea"),
    ("webhook-timestamp", "1796620686"),
    (
        "webhook-signature",
        "v1,XKX5W54D8ySLGhZHvqG4ARI9HRHTfIu+coM8nRHgpls=",
    ),
];

/// How a child process drained the backlog.
struct Drained {
    /// Webhooks per second, from the child's start to the last webhook.
    rate: f64,
    /// Webhooks per second after the first one.
    steady: f64,
    /// Until the first webhook (process start, group join, first fetch).
    first: Duration,
    cpu_us: f64,
    rss: f64,
}

/// Waits until `child` has delivered `events` webhooks to the sink (counted from 0), then stops
/// it.
async fn drain(sink: &Sink, events: usize, mut child: std::process::Child, label: &str) -> Drained {
    sink.count.store(0, Ordering::Relaxed);
    let (time, first) = wait_count_from(sink, events as u64, Duration::from_secs(900))
        .await
        .unwrap_or_else(|| panic!("{label}: backlog drained"));
    let (cpu, rss) = proc_usage(child.id());
    let _ = child.kill();
    let _ = child.wait();
    Drained {
        rate: events as f64 / time.as_secs_f64(),
        steady: events as f64 / (time - first).as_secs_f64(),
        first,
        cpu_us: cpu / events as f64 * 1e6,
        rss,
    }
}

/// The baseline, run in a child process: a bare consumer and a keep-alive hyper client POSTing
/// every record with 64 in flight; no signing, no tracking, no commits. With `wire`, each
/// request also carries [`HERALD_HEADERS`] (fixed values): the same bytes on the wire as
/// Herald's webhooks, so the sink's share of the cost is the same, and nothing else of Herald's.
async fn baseline_child(topic: String, url: String, wire: bool) {
    let kafka = KafkaConfig::new(bootstrap());
    let consumer: StreamConsumer =
        GroupConsumer::settings(kafka.client(), &unique("baseline"), "earliest")
            .build()
            .create()
            .unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http::<Full<Bytes>>();
    let limit = Arc::new(tokio::sync::Semaphore::new(64));
    let uri: hyper::Uri = url.parse().unwrap();
    // Made once, as Herald makes its header names once: the floor pays for the bytes only.
    let extra: Arc<Vec<(HeaderName, HeaderValue)>> = Arc::new(if wire {
        HERALD_HEADERS
            .iter()
            .map(|&(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
            .collect()
    } else {
        Vec::new()
    });
    loop {
        let m = consumer.recv().await.unwrap();
        let body = Bytes::copy_from_slice(m.payload().unwrap_or_default());
        let permit = limit.clone().acquire_owned().await.unwrap();
        let client = client.clone();
        let uri = uri.clone();
        let extra = extra.clone();
        tokio::spawn(async move {
            let mut req = Request::post(uri)
                .header("content-type", "application/json")
                .body(Full::new(body))
                .unwrap();
            let headers = req.headers_mut();
            headers.reserve(extra.len());
            for (name, value) in extra.iter() {
                headers.insert(name.clone(), value.clone());
            }
            if let Ok(r) = client.request(req).await {
                let _ = r.into_body().collect().await;
            }
            drop(permit);
        });
    }
}

fn herald_child(
    dir: &std::path::Path,
    name: &str,
    // (id, topic, url, extra TOML lines of the subscription)
    subs: &[(String, String, String, &str)],
    delays: &str,
    extra: &str,
) -> std::process::Child {
    let mut toml = format!(
        "{extra}deployment = \"herald-bench-{}\"\nadmin_listen = \"127.0.0.1:0\"\nallow_private_targets = true\ninternal_replication = 1\n\
         [kafka]\nbootstrap_servers = \"{}\"\n[telemetry]\n[retry]\ndelays = [{delays}]\njitter = 0.0\n[circuit]\nfailure_threshold = 0\n",
        &unique("d")[2..14],
        bootstrap()
    );
    // Extra top-level settings for experiments, e.g. BENCH_WORKER_TOML='commit_interval = "5s"'.
    if let Ok(extra) = std::env::var("BENCH_WORKER_TOML") {
        toml = format!("{extra}\n{toml}");
    }
    let secret = Secret::from_bytes(vec![7u8; 32]).unwrap().expose();
    for (id, topic, url, sub_extra) in subs {
        toml.push_str(&format!(
            "[[static_subscriptions]]\nid = \"{id}\"\nteam = \"bench\"\ntopics = [\"{topic}\"]\nurl = \"{url}\"\nsecrets = [\"{secret}\"]\n{sub_extra}"
        ));
    }
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, toml).unwrap();
    // BENCH_WORKER_BIN runs another build of the worker (A/B comparisons in one session).
    let bin = std::env::var_os("BENCH_WORKER_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_herald-delivery").into());
    std::process::Command::new(bin)
        .env("HERALD_CONFIG", &path)
        .env("HERALD_TELEMETRY__LOG_FILTER", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start herald-delivery")
}

fn percentile(v: &mut [i64], p: f64) -> i64 {
    if v.is_empty() {
        return -1;
    }
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--baseline-child") {
        let wire = args.get(4).map(String::as_str) == Some("--wire");
        baseline_child(args[2].clone(), args[3].clone(), wire).await;
        return;
    }
    if args.iter().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let skip_throughput = std::env::var("BENCH_SKIP_THROUGHPUT").is_ok();
    let events: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let kafka = KafkaConfig::new(bootstrap());
    let admin = KafkaAdmin::new(&kafka, 1).unwrap();
    let producer = Producer::new(&kafka, Duration::from_secs(60)).unwrap();
    let dir = std::env::temp_dir().join(unique("bench-delivery"));
    std::fs::create_dir_all(&dir).unwrap();
    let (addr, sink) = start_sink().await;
    let ok_url = format!("http://{addr}/ok");

    if !skip_throughput {
        // 1. Backlog, then the baseline and Herald each drain it (separate groups).
        let topic = unique("bench.backlog");
        admin
            .create_topic(&TopicSpec::new(&topic, 6))
            .await
            .unwrap();
        let t = Instant::now();
        publish_backlog(&producer, &topic, events, 0).await;
        println!(
            "published {events} x 1 KB events in {:.1}s",
            t.elapsed().as_secs_f64()
        );

        let bare = |wire: bool| {
            let mut child = std::process::Command::new(std::env::current_exe().unwrap());
            child.args(["--baseline-child", &topic, &ok_url]);
            if wire {
                child.arg("--wire");
            }
            child.spawn().unwrap()
        };
        let base = drain(&sink, events, bare(false), "baseline").await;
        println!(
            "baseline: {:.0}/s, cpu {:.1} µs/event, peak rss {:.0} MiB, first webhook after {:.1}s ({:.0}/s after it)",
            base.rate,
            base.cpu_us,
            base.rss,
            base.first.as_secs_f64(),
            base.steady
        );
        let floor = drain(&sink, events, bare(true), "wire floor").await;
        println!(
            "wire floor (the baseline sending Herald's headers): {:.0}/s ({:.2}x baseline), cpu {:.1} µs/event ({:.2}x baseline)",
            floor.rate,
            floor.rate / base.rate,
            floor.cpu_us,
            floor.cpu_us / base.cpu_us
        );

        let herald = drain(
            &sink,
            events,
            herald_child(
                &dir,
                "throughput",
                &[(unique("sub"), topic.clone(), ok_url.clone(), "")],
                "\"5s\"",
                "",
            ),
            "herald",
        )
        .await;
        println!(
            "herald:   {:.0}/s ({:.2}x baseline), cpu {:.1} µs/event, peak rss {:.0} MiB (backlog {events}), first webhook after {:.1}s ({:.0}/s after it, {:.2}x); against the wire floor {:.2}x the webhooks/s, {:.2}x the cpu",
            herald.rate,
            herald.rate / base.rate,
            herald.cpu_us,
            herald.rss,
            herald.first.as_secs_f64(),
            herald.steady,
            herald.steady / base.steady,
            herald.rate / floor.rate,
            herald.cpu_us / floor.cpu_us
        );
    }

    if std::env::var_os("BENCH_ORDERED").is_some() {
        ordered_phase(&dir, &admin, &producer, &sink, &ok_url, events).await;
    }

    if std::env::var_os("BENCH_HTTPS").is_some() {
        https_phase(&dir, &admin, &producer, events.min(100_000)).await;
    }

    if std::env::var_os("BENCH_SKIP_LATENCY").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    // 2. Publish-to-webhook latency at 1,000 events/s, and 3. retry lateness, in one worker.
    let lat_topic = unique("bench.latency");
    let retry_topic = unique("bench.retry");
    admin
        .create_topic(&TopicSpec::new(&lat_topic, 3))
        .await
        .unwrap();
    admin
        .create_topic(&TopicSpec::new(&retry_topic, 3))
        .await
        .unwrap();
    sink.retry_delay_ms.store(1000, Ordering::Relaxed);
    let mut worker = herald_child(
        &dir,
        "latency",
        &[
            (unique("lat"), lat_topic.clone(), ok_url.clone(), ""),
            (
                unique("retry"),
                retry_topic.clone(),
                format!("http://{addr}/fail-once"),
                "",
            ),
        ],
        "\"1s\"",
        "",
    );
    // Warm up: wait until the worker delivers.
    sink.count.store(0, Ordering::Relaxed);
    for i in 0..5 {
        let e = bench_event(i);
        producer
            .send(&lat_topic, Some(e.id.as_bytes()), &e.to_headers(), &e.data)
            .await
            .unwrap();
    }
    wait_count(&sink, 5, Duration::from_secs(60))
        .await
        .expect("worker up");
    tokio::time::sleep(Duration::from_secs(1)).await;
    sink.record_latency.store(true, Ordering::Relaxed);
    let rate_secs = 20;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let mut pending = Vec::new();
    for i in 0..(rate_secs * 100) {
        tick.tick().await;
        for j in 0..10 {
            let e = bench_event(i * 10 + j);
            let p = producer.clone();
            let topic = lat_topic.clone();
            pending.push(tokio::spawn(async move {
                p.send(&topic, Some(e.id.as_bytes()), &e.to_headers(), &e.data)
                    .await
            }));
        }
    }
    for p in pending {
        let _ = p.await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    sink.record_latency.store(false, Ordering::Relaxed);
    let mut lat: Vec<i64> = sink
        .latencies_us
        .lock()
        .unwrap()
        .iter()
        .map(|v| *v as i64)
        .collect();
    let n_lat = lat.len();
    let over_50ms = lat.iter().filter(|l| **l > 50_000).count();
    let (p50, p90, p99, max) = (
        percentile(&mut lat, 0.5),
        percentile(&mut lat, 0.9),
        percentile(&mut lat, 0.99),
        percentile(&mut lat, 1.0),
    );
    println!(
        "latency at 1000/s: {n_lat} events, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {over_50ms} over 50 ms",
        p50 as f64 / 1000.0,
        p90 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        max as f64 / 1000.0
    );

    let retries = 1000;
    for i in 0..retries {
        let e = bench_event(i);
        producer
            .send(
                &retry_topic,
                Some(e.id.as_bytes()),
                &e.to_headers(),
                &e.data,
            )
            .await
            .unwrap();
        if i % 10 == 9 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink.lateness_ms.lock().unwrap().len() < retries && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut late = sink.lateness_ms.lock().unwrap().clone();
    let n_late = late.len();
    let (l50, l99, lmax) = (
        percentile(&mut late, 0.5),
        percentile(&mut late, 0.99),
        percentile(&mut late, 1.0),
    );
    println!(
        "retry lateness (1s tier): {n_late}/{retries} retried, p50 {l50} ms, p99 {l99} ms, max {lmax} ms"
    );
    let _ = worker.kill();
    let _ = worker.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
