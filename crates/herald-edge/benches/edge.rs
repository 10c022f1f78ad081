//! herald-edge benchmark (a binary, not a test): run with
//! `cargo bench -p herald-edge --bench edge` (see docs/bench-edge.md for options).
//!
//! The driver runs the edge in a child process (this binary in `serve` mode) so its RSS and CPU
//! are the edge's alone, and the clients here, as raw HTTP/1.0 sockets spread over several
//! 127.0.0.x source addresses. Phases:
//! 1. idle: N concurrent idle streams, RSS per stream; then one event fanned out to all of them.
//! 2. latency: C clients, R events/s for D seconds, each event matching C/G clients (type
//!    groups); publish-to-client percentiles and edge CPU per event, against a bare Kafka
//!    consumer (child process) reading the same events in the same run.
//! 3. resume: C clients drop at once, events keep coming, all reconnect at once by cursor; every
//!    client must end with every event exactly once. Once on the same node (replay window), once
//!    after the edge process is killed and restarted (catch-up reads from Kafka).
//!
//! `--hyper` serves streams through hyper instead of the lean HTTP/1 path (`lean_http1 = false`).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use herald_core::Event;
use herald_edge::EdgeConfig;
use herald_kafka::{KafkaAdmin, KafkaConfig, Producer, TopicSpec};
use herald_proto::v1::{Entity, Team, Topic, entity};
use herald_watch::{ConfigPublisher, View};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

const ROOT: &str = "bench-root-key";
const TEAM: &str = "bench";

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

fn num(name: &str, default: u64) -> u64 {
    arg(name, &default.to_string()).parse().unwrap_or(default)
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn kafka() -> KafkaConfig {
    KafkaConfig::new(
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:19092".into()),
    )
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match mode.as_str() {
        "serve" => rt.block_on(serve()),
        "bare" => rt.block_on(bare()),
        "hold" => rt.block_on(hold()),
        _ => rt.block_on(drive()),
    }
}

/// Child mode: one edge with a view holding the bench topics; prints its address.
async fn serve() {
    let topics = arg("--topics", "");
    let listen = arg("--listen", "127.0.0.1:0");
    let mut entities = vec![Entity {
        kind: Some(entity::Kind::Team(Team {
            name: TEAM.into(),
            ..Default::default()
        })),
    }];
    for t in topics.split(',').filter(|t| !t.is_empty()) {
        entities.push(Entity {
            kind: Some(entity::Kind::Topic(Topic {
                team: TEAM.into(),
                name: t.into(),
                partitions: 4,
                kafka_topic: format!("{TEAM}.{t}"),
                ..Default::default()
            })),
        });
    }
    let (publisher, handle) = ConfigPublisher::new();
    publisher.publish(View::from_entities(1, entities));
    let config = EdgeConfig {
        kafka: kafka(),
        root_key: ROOT.into(),
        max_streams: 50_000,
        max_streams_per_key: 50_000,
        lean_http1: !std::env::args().any(|a| a == "--hyper"),
        ..EdgeConfig::default()
    };
    let http = tokio::net::TcpListener::bind(&listen).await.expect("bind");
    let admin = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind admin");
    println!("listening {}", http.local_addr().expect("addr"));
    let shutdown = herald_runtime::Shutdown::new(Duration::from_secs(5));
    herald_runtime::spawn_signal_handler(shutdown.clone());
    herald_edge::run_with(
        config,
        handle,
        herald_edge::Listeners { http, admin },
        shutdown,
    )
    .await
    .expect("edge");
    drop(publisher);
}

/// Profiling helper: holds `--idle` streams of `--topic` open on an edge at `--server`
/// (started with `serve`, e.g. under a heap profiler) for `--secs`.
async fn hold() {
    let server: SocketAddr = arg("--server", "127.0.0.1:8081").parse().expect("--server");
    let topic = arg("--topic", "");
    let n = num("--idle", 1000) as usize;
    create_topic(&format!("{TEAM}.{topic}")).await;
    let streams = open_many(n, server, |_| format!("/v1/streams/{TEAM}/{topic}"), 10).await;
    println!("holding {} streams", streams.len());
    tokio::time::sleep(Duration::from_secs(num("--secs", 10))).await;
}

/// Child mode: a bare Kafka consumer of the same events (the baseline); prints latency
/// percentiles and its CPU time.
async fn bare() {
    let topic = arg("--topic", "");
    let count = num("--count", 0) as usize;
    let mut c = kafka().client_config();
    c.set("group.id", "bench-bare")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .set("fetch.wait.max.ms", "100");
    let consumer: StreamConsumer = c.create().expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..4 {
        tpl.add_partition_offset(&topic, p, Offset::End)
            .expect("tpl");
    }
    consumer.assign(&tpl).expect("assign");
    println!("ready");
    let warmup = num("--warmup", 0);
    let mut lat = Vec::with_capacity(count);
    let mut seen = 0;
    while seen < count {
        let Ok(m) = tokio::time::timeout(Duration::from_secs(30), consumer.recv()).await else {
            break;
        };
        let Ok(m) = m else { continue };
        let payload = String::from_utf8_lossy(m.payload().unwrap_or_default()).to_string();
        let mut f = payload.split(' ');
        let seq = f.next().and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
        if let Some(ts) = f.next().and_then(|t| t.parse::<u64>().ok()) {
            seen += 1;
            if seq >= warmup {
                lat.push(now_micros().saturating_sub(ts));
            }
        }
    }
    let (p50, p99, max) = percentiles(&mut lat);
    println!(
        "result {seen} {p50} {p99} {max} {}",
        cpu_ticks(std::process::id())
    );
}

fn percentiles(v: &mut [u64]) -> (u64, u64, u64) {
    if v.is_empty() {
        return (0, 0, 0);
    }
    v.sort_unstable();
    let at = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    (at(0.50), at(0.99), *v.last().unwrap_or(&0))
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmRSS:")
                .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

fn start_server(topics: &[String], listen: &str) -> Server {
    let mut command = Command::new(std::env::current_exe().expect("exe"));
    command.args(["serve", "--topics", &topics.join(","), "--listen", listen]);
    if std::env::args().any(|a| a == "--hyper") {
        command.arg("--hyper");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn edge");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .expect("edge address");
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .expect("listening line")
        .parse()
        .expect("addr");
    Server { child, addr }
}

/// An open SSE stream over a raw HTTP/1.0 socket (no chunked framing).
struct Sse {
    reader: BufReader<TcpStream>,
    last_id: Option<String>,
    id_field: Option<String>,
    data: Option<String>,
}

async fn connect(
    src: u8,
    server: SocketAddr,
    path: &str,
    last_id: Option<&str>,
) -> std::io::Result<Sse> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, src)),
        0,
    ))?;
    let mut stream = socket.connect(server).await?;
    let mut request =
        format!("GET {path} HTTP/1.0\r\nhost: edge\r\nauthorization: Bearer {ROOT}\r\n");
    if let Some(id) = last_id {
        request.push_str(&format!("last-event-id: {id}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut reader = BufReader::with_capacity(2048, stream);
    let mut status = String::new();
    reader.read_line(&mut status).await?;
    if !status.contains(" 200 ") {
        let mut rest = String::new();
        let _ =
            tokio::time::timeout(Duration::from_secs(1), reader.read_to_string(&mut rest)).await;
        return Err(std::io::Error::other(format!("{} {rest}", status.trim())));
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 || line == "\r\n" {
            break;
        }
    }
    Ok(Sse {
        reader,
        last_id: last_id.map(str::to_owned),
        id_field: last_id.map(str::to_owned),
        data: None,
    })
}

impl Sse {
    /// The next event's data; `None` when the stream ended. Id-only blocks update `last_id`.
    async fn next(&mut self) -> Option<String> {
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).await.ok()? == 0 {
                return None;
            }
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                self.last_id = self.id_field.clone();
                if let Some(d) = self.data.take() {
                    return Some(d);
                }
            } else if let Some(id) = line.strip_prefix("id: ") {
                self.id_field = Some(id.to_owned());
            } else if let Some(d) = line.strip_prefix("data: ") {
                self.data = Some(d.to_owned());
            }
        }
    }

    /// Waits until the preamble gave a cursor.
    async fn ready(&mut self) -> bool {
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                return false;
            }
            if let Some(id) = line.trim_end().strip_prefix("id: ") {
                self.id_field = Some(id.to_owned());
                self.last_id = Some(id.to_owned());
            } else if line.trim_end().is_empty() && self.last_id.is_some() {
                return true;
            }
        }
    }
}

async fn open_many(
    n: usize,
    server: SocketAddr,
    path: impl Fn(usize) -> String,
    sources: u8,
) -> Vec<Sse> {
    let sem = Arc::new(tokio::sync::Semaphore::new(256));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let sem = sem.clone();
        let p = path(i);
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.ok()?;
            let src = 2 + (i % sources as usize) as u8;
            for _ in 0..5 {
                match connect(src, server, &p, None).await {
                    Ok(mut s) => {
                        if s.ready().await {
                            return Some(s);
                        }
                    }
                    Err(e) => eprintln!("connect: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            None
        }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        if let Ok(Some(s)) = t.await {
            out.push(s);
        }
    }
    out
}

async fn create_topic(name: &str) {
    let admin = KafkaAdmin::new(&kafka(), 1).expect("admin");
    admin
        .ensure_topic(&TopicSpec::new(name, 4))
        .await
        .expect("topic");
}

async fn publish(producer: &Producer, topic: &str, ty: &str, seq: u64) {
    let data = format!("{seq} {}", now_micros());
    let event = Event::new(format!("ev{seq}"), "/bench", ty, data.clone().into_bytes());
    if let Err(e) = producer
        .send(
            topic,
            Some(seq.to_string().as_bytes()),
            &event.to_headers(),
            data.as_bytes(),
        )
        .await
    {
        eprintln!("publish failed: {e}");
    }
}

async fn drive() {
    let idle_n = num("--idle", 10_000) as usize;
    let clients = num("--clients", 1_000) as usize;
    let rate = num("--rate", 1_000);
    let secs = num("--secs", 20);
    let groups = num("--groups", 1_000);
    let sources = num("--sources", 10) as u8;
    let run = uuid_like();
    let names = [
        format!("idle{run}"),
        format!("lat{run}"),
        format!("res{run}"),
    ];
    for n in &names {
        create_topic(&format!("{TEAM}.{n}")).await;
    }
    let names_vec = names.to_vec();
    let mut server = start_server(&names_vec, "127.0.0.1:0");
    let producer = Producer::new(&kafka(), Duration::from_secs(30)).expect("producer");
    println!("edge pid {} at {}", server.child.id(), server.addr);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // 1. Idle streams.
    let pid = server.child.id();
    let warm = open_many(
        1,
        server.addr,
        |_| format!("/v1/streams/{TEAM}/{}", names[0]),
        sources,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kb(pid);
    let t0 = Instant::now();
    let mut idle = open_many(
        idle_n,
        server.addr,
        |_| format!("/v1/streams/{TEAM}/{}", names[0]),
        sources,
    )
    .await;
    let opened_in = t0.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kb(pid);
    let per_stream = (after.saturating_sub(before)) as f64 * 1024.0 / idle.len().max(1) as f64;
    println!(
        "idle: {} streams open in {:.1}s; edge RSS {} KB -> {} KB; {:.1} KB per idle stream",
        idle.len(),
        opened_in.as_secs_f64(),
        before,
        after,
        per_stream / 1024.0
    );
    let t0 = Instant::now();
    publish(&producer, &format!("{TEAM}.{}", names[0]), "bench.idle", 0).await;
    let got = Arc::new(AtomicUsize::new(0));
    let mut waits = Vec::new();
    for mut s in idle.drain(..) {
        let got = got.clone();
        waits.push(tokio::spawn(async move {
            if tokio::time::timeout(Duration::from_secs(60), s.next())
                .await
                .ok()
                .flatten()
                .is_some()
            {
                got.fetch_add(1, Ordering::Relaxed);
            }
            s
        }));
    }
    let mut idle_back = Vec::new();
    for w in waits {
        if let Ok(s) = w.await {
            idle_back.push(s);
        }
    }
    println!(
        "idle: one event reached {} of {} streams in {:.0} ms (publish included)",
        got.load(Ordering::Relaxed),
        idle_back.len(),
        t0.elapsed().as_secs_f64() * 1000.0
    );
    drop(idle_back);
    drop(warm);
    tokio::time::sleep(Duration::from_secs(2)).await;

    // 2. Latency.
    let lat_topic = format!("{TEAM}.{}", names[1]);
    let total = rate * secs;
    let per_event_clients = (clients as u64).div_ceil(groups);
    let mut bare = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "bare",
            "--topic",
            &lat_topic,
            "--count",
            &total.to_string(),
            "--warmup",
            &rate.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("bare consumer");
    let mut bare_out = std::io::BufReader::new(bare.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut bare_out, &mut line).expect("bare ready");
    let streams = open_many(
        clients,
        server.addr,
        |i| {
            format!(
                "/v1/streams/{TEAM}/{}?types=bench.g{}",
                names[1],
                i as u64 % groups
            )
        },
        sources,
    )
    .await;
    let expected_deliveries = total * per_event_clients;
    let stop = CancellationToken::new();
    let delivered = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    let warmup = rate;
    for mut s in streams {
        let stop = stop.clone();
        let delivered = delivered.clone();
        readers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    d = s.next() => match d {
                        Some(d) => {
                            let mut f = d.split(' ');
                            let seq = f.next().and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
                            if let Some(ts) = f.next().and_then(|t| t.parse::<u64>().ok()) {
                                delivered.fetch_add(1, Ordering::Relaxed);
                                if seq >= warmup {
                                    lat.push(now_micros().saturating_sub(ts));
                                }
                            }
                        }
                        None => break,
                    }
                }
            }
            lat
        }));
    }
    let cpu0 = cpu_ticks(pid);
    let t0 = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut sends = tokio::task::JoinSet::new();
    for seq in 0..total {
        tick.tick().await;
        let producer = producer.clone();
        let topic = lat_topic.clone();
        sends.spawn(async move {
            publish(&producer, &topic, &format!("bench.g{}", seq % groups), seq).await
        });
        while sends.try_join_next().is_some() {}
    }
    while sends.join_next().await.is_some() {}
    let published_in = t0.elapsed();
    let deadline = Instant::now() + Duration::from_secs(30);
    while delivered.load(Ordering::Relaxed) < expected_deliveries && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cpu = cpu_ticks(pid) - cpu0;
    stop.cancel();
    let mut lat = Vec::new();
    for r in readers {
        lat.extend(r.await.unwrap_or_default());
    }
    let (p50, p99, max) = percentiles(&mut lat);
    let mut bare_line = String::new();
    std::io::BufRead::read_line(&mut bare_out, &mut bare_line).expect("bare result");
    let _ = bare.wait();
    let b: Vec<u64> = bare_line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let (b_n, b50, b99, bmax, bcpu) = (
        b.first().copied().unwrap_or(0),
        b.get(1).copied().unwrap_or(0),
        b.get(2).copied().unwrap_or(0),
        b.get(3).copied().unwrap_or(0),
        b.get(4).copied().unwrap_or(0),
    );
    let tick_ms = 1000.0 / 100.0; // USER_HZ = 100 on Linux
    println!(
        "latency: {total} events at {rate}/s in {:.1}s over {clients} clients ({groups} type groups, {per_event_clients} clients per event): {} of {expected_deliveries} deliveries (first second = warm-up, not in percentiles)",
        published_in.as_secs_f64(),
        delivered.load(Ordering::Relaxed)
    );
    println!(
        "latency: edge publish->client p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        max as f64 / 1000.0
    );
    println!(
        "latency: bare consumer publish->consume p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({b_n} events); edge p99 / bare p99 = {:.2}",
        b50 as f64 / 1000.0,
        b99 as f64 / 1000.0,
        bmax as f64 / 1000.0,
        p99 as f64 / b99.max(1) as f64
    );
    println!(
        "cpu: edge {:.2} s = {:.1} us per published event, {:.1} us per delivered event; bare consumer {:.2} s = {:.1} us per event",
        cpu as f64 * tick_ms / 1000.0,
        cpu as f64 * tick_ms * 1000.0 / total.max(1) as f64,
        cpu as f64 * tick_ms * 1000.0 / delivered.load(Ordering::Relaxed).max(1) as f64,
        bcpu as f64 * tick_ms / 1000.0,
        bcpu as f64 * tick_ms * 1000.0 / b_n.max(1) as f64,
    );
    tokio::time::sleep(Duration::from_secs(2)).await;

    // 3. Resume storms.
    let res_topic = format!("{TEAM}.{}", names[2]);
    let path = format!("/v1/streams/{TEAM}/{}", names[2]);
    let mut seq = 0u64;
    for restart in [false, true] {
        let streams = open_many(clients, server.addr, |_| path.clone(), sources).await;
        let phase_start = seq;
        let (results, stop) = spawn_ledger_readers(streams);
        for _ in 0..300 {
            publish(&producer, &res_topic, "bench.r", seq).await;
            seq += 1;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.cancel();
        let mut states = Vec::new();
        for r in results {
            if let Ok(s) = r.await {
                states.push(s);
            }
        }
        if restart {
            let _ = server.child.kill();
            let _ = server.child.wait();
        }
        for _ in 0..1000 {
            publish(&producer, &res_topic, "bench.r", seq).await;
            seq += 1;
        }
        if restart {
            server = start_server(&names_vec, "127.0.0.1:0");
        }
        let expect = seq - phase_start;
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for (i, mut st) in states.into_iter().enumerate() {
            let addr = server.addr;
            let path = path.clone();
            tasks.push(tokio::spawn(async move {
                let src = 2 + (i % sources as usize) as u8;
                let mut s = loop {
                    match connect(src, addr, &path, st.last_id.as_deref()).await {
                        Ok(s) => break s,
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                };
                while (st.seen.len() as u64) < expect {
                    match tokio::time::timeout(Duration::from_secs(60), s.next()).await {
                        Ok(Some(d)) => st.record(&d),
                        _ => break,
                    }
                }
                st
            }));
        }
        let mut complete = 0;
        let mut gaps = 0u64;
        let mut dups = 0u64;
        let n = tasks.len();
        for t in tasks {
            if let Ok(st) = t.await {
                dups += st.dups;
                let missing = (phase_start..seq)
                    .filter(|s| !st.seen.contains_key(s))
                    .count() as u64;
                gaps += missing;
                if missing == 0 {
                    complete += 1;
                }
            }
        }
        println!(
            "resume{}: {n} clients reconnected at once by cursor; {complete} complete in {:.2}s; {gaps} missing, {dups} duplicate events ({} events per client)",
            if restart {
                " after edge kill -9 + restart"
            } else {
                " on the same node"
            },
            t0.elapsed().as_secs_f64(),
            expect
        );
    }
    let _ = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    let _ = server.child.wait();
}

struct Ledger {
    last_id: Option<String>,
    seen: HashMap<u64, ()>,
    dups: u64,
}

impl Ledger {
    fn record(&mut self, data: &str) {
        if let Some(seq) = data.split(' ').next().and_then(|s| s.parse::<u64>().ok())
            && self.seen.insert(seq, ()).is_some()
        {
            self.dups += 1;
        }
    }
}

fn spawn_ledger_readers(
    streams: Vec<Sse>,
) -> (Vec<tokio::task::JoinHandle<Ledger>>, CancellationToken) {
    let stop = CancellationToken::new();
    let mut out = Vec::new();
    for mut s in streams {
        let stop = stop.clone();
        out.push(tokio::spawn(async move {
            let mut ledger = Ledger {
                last_id: None,
                seen: HashMap::new(),
                dups: 0,
            };
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    d = s.next() => match d {
                        Some(d) => ledger.record(&d),
                        None => break,
                    }
                }
            }
            ledger.last_id = s.last_id.clone();
            ledger
        }));
    }
    (out, stop)
}

fn uuid_like() -> String {
    format!("{:x}", now_micros())
}
