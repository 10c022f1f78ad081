//! herald-edge benchmark (a binary, not a test): run with
//! `cargo bench -p herald-edge --bench edge` (see docs/bench-edge.md for options).
//!
//! The driver runs the edge in a child process (this binary in `serve` mode) so its RSS and CPU
//! are the edge's alone, and the clients here, as raw sockets spread over several 127.0.0.x
//! source addresses: SSE over HTTP/1.0, WebSocket as a minimal RFC 6455 client. Every phase
//! runs once per transport of `--transport sse|ws|both` (default both), each on a fresh edge:
//! 1. idle: N concurrent idle streams, RSS per stream; then one event fanned out to all of them,
//!    then `--fanout-events` more: publish-to-client percentiles over every delivery, against a
//!    bare Kafka consumer of the same events, and edge CPU per event.
//! 2. latency: C clients, R events/s for D seconds, each event matching C/G clients (type
//!    groups); publish-to-client percentiles and edge CPU per event, against a bare Kafka
//!    consumer (child process) reading the same events in the same run.
//! 3. resume: C clients drop at once, events keep coming, all reconnect at once by cursor; every
//!    client must end with every event exactly once. Once on the same node (replay window), once
//!    after the edge process is killed and restarted (catch-up reads from Kafka).
//!
//! `--hyper` serves streams through hyper instead of the lean HTTP/1 path (`lean_http1 = false`).
//! `inproc --streams N` runs one edge and N streams over in-memory pipes in this process (past
//! the per-process descriptor limit): RSS per stream beside the pipes' own, then a fan-out.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use herald_core::Event;
use herald_edge::EdgeConfig;
use herald_kafka::{KafkaAdmin, KafkaConfig, Producer, TopicAdmin, TopicSpec};
use herald_proto::v1::{Entity, Team, Topic, entity};
use herald_watch::{ConfigPublisher, View};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use sha1::{Digest, Sha1};
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
        "inproc" => rt.block_on(inproc()),
        _ => rt.block_on(drive()),
    }
}

/// The configuration every bench edge has: the bench team and `topics` (4 partitions each).
fn bench_view(topics: &str) -> View {
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
    View::from_entities(1, entities)
}

/// The edge's settings in the bench: defaults apart from the stream limits.
fn bench_config() -> EdgeConfig {
    EdgeConfig {
        kafka: kafka(),
        root_key: ROOT.into(),
        max_streams: 1_000_000,
        max_streams_per_key: 1_000_000,
        lean_http1: !std::env::args().any(|a| a == "--hyper"),
        ..EdgeConfig::default()
    }
}

/// Child mode: one edge with a view holding the bench topics; prints its address.
async fn serve() {
    let topics = arg("--topics", "");
    let listen = arg("--listen", "127.0.0.1:0");
    let (publisher, handle) = ConfigPublisher::new();
    publisher.publish(bench_view(&topics));
    let config = bench_config();
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
/// (started with `serve`, e.g. under a heap profiler) for `--secs`, over the first of
/// `--transport`.
async fn hold() {
    let server: SocketAddr = arg("--server", "127.0.0.1:8081").parse().expect("--server");
    let topic = arg("--topic", "");
    let n = num("--idle", 1000) as usize;
    create_topic(&format!("{TEAM}.{topic}")).await;
    let streams = open_many(
        Transport::selected()[0],
        n,
        server,
        |_| format!("/v1/streams/{TEAM}/{topic}"),
        10,
    )
    .await;
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

/// The fan-out readers' latencies, all together, and what each kept open (readers that failed
/// are left out).
async fn gather<T>(readers: Vec<tokio::task::JoinHandle<(Vec<u64>, T)>>) -> (Vec<u64>, Vec<T>) {
    let mut lat = Vec::new();
    let mut kept = Vec::with_capacity(readers.len());
    for r in readers {
        if let Ok((l, k)) = r.await {
            lat.extend(l);
            kept.push(k);
        }
    }
    (lat, kept)
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

/// The stream transports the bench measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Sse,
    Ws,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Self::Sse => "SSE",
            Self::Ws => "WebSocket",
        }
    }

    /// `--transport sse|ws|both` (default both: SSE first, then WebSocket).
    fn selected() -> Vec<Self> {
        match arg("--transport", "both").as_str() {
            "sse" => vec![Self::Sse],
            "ws" | "websocket" => vec![Self::Ws],
            "both" => vec![Self::Sse, Self::Ws],
            other => {
                eprintln!("--transport {other}: use sse, ws or both");
                std::process::exit(2);
            }
        }
    }
}

/// An open stream of either transport.
enum Conn {
    Sse(Sse),
    Ws(Ws),
}

impl Conn {
    /// The next event's data; `None` when the stream ended.
    async fn next(&mut self) -> Option<String> {
        match self {
            Self::Sse(s) => s.next().await,
            Self::Ws(w) => w.next().await,
        }
    }

    /// Waits until the stream gave its start cursor.
    async fn ready(&mut self) -> bool {
        match self {
            Self::Sse(s) => s.ready().await,
            Self::Ws(w) => w.ready().await,
        }
    }

    /// The cursor to resume from.
    fn last_id(&self) -> Option<String> {
        match self {
            Self::Sse(s) => s.last_id.clone(),
            Self::Ws(w) => w.last_id.clone(),
        }
    }

    /// Why the edge ended the stream, if it said (an SSE `: herald:` comment, a close reason).
    fn end_reason(&self) -> Option<String> {
        match self {
            Self::Sse(s) => s.end.clone(),
            Self::Ws(w) => w.end.clone(),
        }
    }
}

/// An open SSE stream over a raw HTTP/1.0 socket (no chunked framing).
struct Sse {
    reader: BufReader<TcpStream>,
    last_id: Option<String>,
    id_field: Option<String>,
    data: Option<String>,
    /// The edge's last `: herald: ...` comment (it says why a stream ends).
    end: Option<String>,
}

async fn socket(src: u8, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, src)),
        0,
    ))?;
    socket.connect(server).await
}

/// Reads the rest of a refused answer into the error.
async fn refused(mut reader: BufReader<TcpStream>, status: &str) -> std::io::Error {
    let mut rest = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(1), reader.read_to_string(&mut rest)).await;
    std::io::Error::other(format!("{} {rest}", status.trim()))
}

/// Opens a stream of `path` over `transport`, resuming after `last_id` if given.
async fn connect(
    transport: Transport,
    src: u8,
    server: SocketAddr,
    path: &str,
    last_id: Option<&str>,
) -> std::io::Result<Conn> {
    Ok(match transport {
        Transport::Sse => Conn::Sse(connect_sse(src, server, path, last_id).await?),
        Transport::Ws => Conn::Ws(Ws::connect(src, server, path, last_id).await?),
    })
}

async fn connect_sse(
    src: u8,
    server: SocketAddr,
    path: &str,
    last_id: Option<&str>,
) -> std::io::Result<Sse> {
    let mut stream = socket(src, server).await?;
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
        return Err(refused(reader, &status).await);
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
        end: None,
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
            } else if let Some(why) = line.strip_prefix(": herald: ") {
                self.end = Some(why.to_owned());
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

/// RFC 6455 opcodes the client meets.
const WS_CONTINUATION: u8 = 0x0;
const WS_TEXT: u8 = 0x1;
const WS_BINARY: u8 = 0x2;
const WS_CLOSE: u8 = 0x8;
const WS_PING: u8 = 0x9;
const WS_PONG: u8 = 0xA;
/// Largest server message the client takes (the bench's frames are ~150 bytes).
const WS_MAX_MESSAGE: u64 = 16 << 20;

/// Nonces for handshake keys and frame masks: unpredictability does not matter here, only
/// that keys differ (RFC 6455 §4.1) and masks vary.
fn nonce() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ now_micros();
    // splitmix64's finalizer
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A minimal RFC 6455 client: the opening handshake, the server's (unmasked) frames, and
/// masked pongs and close frames back. Each server text frame is the edge's JSON
/// `{"id","type","time","data"}`.
struct Ws {
    reader: BufReader<TcpStream>,
    last_id: Option<String>,
    /// A fragmented message being reassembled (the edge sends whole messages, but may not).
    partial: Option<Vec<u8>>,
    /// The server's close code and reason.
    end: Option<String>,
}

impl Ws {
    async fn connect(
        src: u8,
        server: SocketAddr,
        path: &str,
        last_id: Option<&str>,
    ) -> std::io::Result<Self> {
        let mut stream = socket(src, server).await?;
        let key_bytes: Vec<u8> = [nonce(), nonce()]
            .iter()
            .flat_map(|n| n.to_le_bytes())
            .collect();
        let key = STANDARD.encode(key_bytes);
        let mut target = path.to_owned();
        if let Some(id) = last_id {
            // Browsers cannot set headers on a WebSocket: resume as they do.
            let sep = if target.contains('?') { '&' } else { '?' };
            target.push_str(&format!("{sep}last_event_id={id}"));
        }
        let request = format!(
            "GET {target} HTTP/1.1\r\nhost: edge\r\nauthorization: Bearer {ROOT}\r\n\
             upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\n\
             sec-websocket-key: {key}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut reader = BufReader::with_capacity(2048, stream);
        let mut status = String::new();
        reader.read_line(&mut status).await?;
        if !status.starts_with("HTTP/1.1 101 ") {
            return Err(refused(reader, &status).await);
        }
        let mut hash = Sha1::new();
        hash.update(key.as_bytes());
        hash.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
        let expected = STANDARD.encode(hash.finalize());
        let (mut upgrade, mut connection, mut accept) = (false, false, false);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line == "\r\n" {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "upgrade" => upgrade = value.eq_ignore_ascii_case("websocket"),
                "connection" => {
                    connection = value
                        .split(',')
                        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
                }
                "sec-websocket-accept" => accept = value == expected,
                _ => {}
            }
        }
        if !(upgrade && connection && accept) {
            return Err(std::io::Error::other(format!(
                "bad handshake answer (upgrade {upgrade}, connection {connection}, accept {accept})"
            )));
        }
        Ok(Self {
            reader,
            last_id: last_id.map(str::to_owned),
            partial: None,
            end: None,
        })
    }

    /// One frame from the server: fin, opcode, payload.
    async fn frame(&mut self) -> std::io::Result<(bool, u8, Vec<u8>)> {
        let mut head = [0u8; 2];
        self.reader.read_exact(&mut head).await?;
        if head[0] & 0x70 != 0 || head[1] & 0x80 != 0 {
            return Err(std::io::Error::other(
                "a server frame with reserved bits or a mask",
            ));
        }
        let len = match head[1] & 0x7F {
            126 => u64::from(self.reader.read_u16().await?),
            127 => self.reader.read_u64().await?,
            n => u64::from(n),
        };
        if len > WS_MAX_MESSAGE {
            return Err(std::io::Error::other(format!(
                "a server frame of {len} bytes"
            )));
        }
        let mut payload = vec![0; len as usize];
        self.reader.read_exact(&mut payload).await?;
        Ok((head[0] & 0x80 != 0, head[0] & 0x0F, payload))
    }

    /// Sends a control frame (payload at most 125 bytes), masked as clients must.
    async fn send(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        let mask = (nonce() as u32).to_be_bytes();
        let mut out = Vec::with_capacity(6 + payload.len());
        out.push(0x80 | opcode);
        out.push(0x80 | payload.len().min(125) as u8);
        out.extend_from_slice(&mask);
        out.extend(
            payload
                .iter()
                .take(125)
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4]),
        );
        self.reader.get_mut().write_all(&out).await
    }

    /// The next whole data message; answers pings on the way. `None` once the connection
    /// closed (after answering the server's close frame) or broke.
    async fn message(&mut self) -> Option<Vec<u8>> {
        loop {
            let (fin, opcode, payload) = self.frame().await.ok()?;
            match opcode {
                WS_PING => self.send(WS_PONG, &payload).await.ok()?,
                WS_PONG => {}
                WS_CLOSE => {
                    let code = payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                    self.end = Some(format!("close {} {reason}", code.unwrap_or(1005)));
                    // Echo the code (RFC 6455 §5.5.1), then the connection is over.
                    let _ = self
                        .send(WS_CLOSE, payload.get(..2).unwrap_or_default())
                        .await;
                    return None;
                }
                WS_TEXT | WS_BINARY if fin => return Some(payload),
                WS_TEXT | WS_BINARY => self.partial = Some(payload),
                WS_CONTINUATION => {
                    let mut message = self.partial.take()?;
                    message.extend_from_slice(&payload);
                    if fin {
                        return Some(message);
                    }
                    self.partial = Some(message);
                }
                _ => return None,
            }
        }
    }

    /// The next event's `data` (the bench's payload is not JSON, so the edge sends it as a
    /// JSON string); frames with only an `id` (`herald.cursor`) update `last_id`.
    async fn next(&mut self) -> Option<String> {
        loop {
            let message = self.message().await?;
            let frame: serde_json::Value = match serde_json::from_slice(&message) {
                Ok(frame) => frame,
                Err(e) => {
                    eprintln!("websocket: a frame that is not JSON ({e})");
                    return None;
                }
            };
            if let Some(id) = frame.get("id").and_then(|id| id.as_str()) {
                self.last_id = Some(id.to_owned());
            }
            match frame.get("data") {
                Some(serde_json::Value::String(data)) => return Some(data.clone()),
                Some(data) => return Some(data.to_string()),
                None => {}
            }
        }
    }

    /// Waits until the stream's first frame gave a cursor.
    async fn ready(&mut self) -> bool {
        while self.last_id.is_none() {
            let Some(message) = self.message().await else {
                return false;
            };
            let id = serde_json::from_slice::<serde_json::Value>(&message)
                .ok()
                .and_then(|f| f.get("id")?.as_str().map(str::to_owned));
            self.last_id = id;
        }
        true
    }
}

async fn open_many(
    transport: Transport,
    n: usize,
    server: SocketAddr,
    path: impl Fn(usize) -> String,
    sources: u8,
) -> Vec<Conn> {
    let sem = Arc::new(tokio::sync::Semaphore::new(256));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let sem = sem.clone();
        let p = path(i);
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.ok()?;
            let src = 2 + (i % sources as usize) as u8;
            for _ in 0..5 {
                match connect(transport, src, server, &p, None).await {
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

/// The figures of one transport, for the summary.
#[derive(Default)]
struct Figures {
    idle_streams: usize,
    kb_per_idle: f64,
    fanout_ms: f64,
    /// Publish-to-client of the fan-out events, over every idle stream's delivery.
    fan_p50_ms: f64,
    fan_p99_ms: f64,
    /// The bare consumer's publish-to-consume p99 of the same events.
    fan_bare_p99_ms: f64,
    /// Edge CPU per fanned-out event.
    fan_cpu_us: f64,
    p50_ms: f64,
    p99_ms: f64,
    bare_p99_ms: f64,
    cpu_us: f64,
    bare_cpu_us: f64,
    resumes: Vec<String>,
}

/// The driver's settings.
struct Run {
    idle_n: usize,
    clients: usize,
    rate: u64,
    secs: u64,
    groups: u64,
    sources: u8,
    /// Events fanned out to every idle stream.
    fanout_events: u64,
    /// Time between two of them.
    fanout_gap_ms: u64,
    /// Every topic of the run (each edge started knows them all).
    topics: Vec<String>,
}

async fn drive() {
    let id = uuid_like();
    let transports = Transport::selected();
    let topic = |phase: &str, t: Transport| format!("{phase}{id}{}", t.name().to_lowercase());
    let mut topics = Vec::new();
    for t in &transports {
        for phase in ["idle", "lat", "res"] {
            topics.push(topic(phase, *t));
        }
    }
    let run = Run {
        idle_n: num("--idle", 10_000) as usize,
        clients: num("--clients", 1_000) as usize,
        rate: num("--rate", 1_000),
        secs: num("--secs", 20),
        groups: num("--groups", 1_000),
        sources: num("--sources", 10) as u8,
        fanout_events: num("--fanout-events", 20),
        fanout_gap_ms: num("--fanout-gap-ms", 250),
        topics,
    };
    for n in &run.topics {
        create_topic(&format!("{TEAM}.{n}")).await;
    }
    let producer = Producer::new(&kafka(), Duration::from_secs(30)).expect("producer");
    let mut summary = Vec::new();
    for t in transports {
        // A fresh edge per transport: its idle RSS is measured from the same start.
        let mut server = start_server(&run.topics, "127.0.0.1:0");
        println!(
            "== {}: edge pid {} at {}",
            t.name(),
            server.child.id(),
            server.addr
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut figures = Figures::default();
        idle_phase(t, &run, &server, &producer, &topic("idle", t), &mut figures).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        latency_phase(t, &run, &server, &producer, &topic("lat", t), &mut figures).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        resume_phase(
            t,
            &run,
            &mut server,
            &producer,
            &topic("res", t),
            &mut figures,
        )
        .await;
        let _ = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status();
        let _ = server.child.wait();
        summary.push((t, figures));
    }
    println!(
        "summary: transport | idle streams | KB per idle stream | one event to all idle | fan-out p50 | fan-out p99 | bare p99 | fan-out CPU per event | p50 | p99 | bare p99 | p99 ratio | edge CPU per event | bare CPU per event"
    );
    for (t, f) in &summary {
        println!(
            "summary: {} | {} | {:.2} KB | {:.0} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} us | {:.1} ms | {:.1} ms | {:.1} ms | {:.2}x | {:.1} us | {:.1} us",
            t.name(),
            f.idle_streams,
            f.kb_per_idle,
            f.fanout_ms,
            f.fan_p50_ms,
            f.fan_p99_ms,
            f.fan_bare_p99_ms,
            f.fan_cpu_us,
            f.p50_ms,
            f.p99_ms,
            f.bare_p99_ms,
            f.p99_ms / f.bare_p99_ms.max(0.001),
            f.cpu_us,
            f.bare_cpu_us,
        );
    }
    for (_, f) in &summary {
        for r in &f.resumes {
            println!("summary: {r}");
        }
    }
}

/// Phase 1, idle: N idle streams: edge RSS per stream, then one event fanned out to all of them.
async fn idle_phase(
    t: Transport,
    run: &Run,
    server: &Server,
    producer: &Producer,
    topic: &str,
    figures: &mut Figures,
) {
    let pid = server.child.id();
    let label = t.name();
    let path = |_| format!("/v1/streams/{TEAM}/{topic}");
    // One stream first, so the topic's reader and the transport's first-use allocations are
    // in the baseline.
    let warm = open_many(t, 1, server.addr, path, run.sources).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kb(pid);
    let t0 = Instant::now();
    let mut idle = open_many(t, run.idle_n, server.addr, path, run.sources).await;
    let opened_in = t0.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kb(pid);
    let per_stream = (after.saturating_sub(before)) as f64 * 1024.0 / idle.len().max(1) as f64;
    figures.idle_streams = idle.len();
    figures.kb_per_idle = per_stream / 1024.0;
    println!(
        "idle ({label}): {} streams open in {:.1}s; edge RSS {} KB -> {} KB; {:.1} KB per idle stream",
        idle.len(),
        opened_in.as_secs_f64(),
        before,
        after,
        per_stream / 1024.0
    );
    let t0 = Instant::now();
    publish(producer, &format!("{TEAM}.{topic}"), "bench.idle", 0).await;
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
    figures.fanout_ms = t0.elapsed().as_secs_f64() * 1000.0;
    println!(
        "idle ({label}): one event reached {} of {} streams in {:.0} ms (publish included)",
        got.load(Ordering::Relaxed),
        idle_back.len(),
        figures.fanout_ms
    );
    fanout(t, run, server, producer, topic, idle_back, figures).await;
    drop(warm);
}

/// Fan-out: `--fanout-events` events, one every `--fanout-gap-ms`, each to every idle stream;
/// publish-to-client percentiles over all deliveries, against a bare Kafka consumer reading
/// the same events, and the edge's CPU per event.
async fn fanout(
    t: Transport,
    run: &Run,
    server: &Server,
    producer: &Producer,
    topic: &str,
    streams: Vec<Conn>,
    figures: &mut Figures,
) {
    let label = t.name();
    let events = run.fanout_events;
    let full = format!("{TEAM}.{topic}");
    let (mut bare, mut bare_out) = spawn_bare(&full, events, 0);
    let n = streams.len();
    let mut readers = Vec::with_capacity(n);
    for mut s in streams {
        readers.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(events as usize);
            while (lat.len() as u64) < events {
                let Ok(Some(d)) = tokio::time::timeout(Duration::from_secs(30), s.next()).await
                else {
                    break;
                };
                let mut f = d.split(' ');
                let seq = f.next().and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
                if let (true, Some(ts)) = (seq > 0, f.next().and_then(|t| t.parse::<u64>().ok())) {
                    lat.push(now_micros().saturating_sub(ts));
                }
            }
            (lat, s)
        }));
    }
    let pid = server.child.id();
    let cpu0 = cpu_ticks(pid);
    let mut tick = tokio::time::interval(Duration::from_millis(run.fanout_gap_ms.max(1)));
    for seq in 1..=events {
        tick.tick().await;
        publish(producer, &full, "bench.idle", seq).await;
    }
    let (mut lat, kept) = gather(readers).await;
    let cpu = cpu_ticks(pid) - cpu0;
    let deliveries = lat.len();
    let (p50, p99, max) = percentiles(&mut lat);
    let (b_n, _b50, b99, _bmax, _bcpu) = bare_result(&mut bare, &mut bare_out);
    figures.fan_p50_ms = p50 as f64 / 1000.0;
    figures.fan_p99_ms = p99 as f64 / 1000.0;
    figures.fan_bare_p99_ms = b99 as f64 / 1000.0;
    figures.fan_cpu_us = cpu as f64 * 10_000.0 / events.max(1) as f64;
    println!(
        "fan-out ({label}): {events} events, one every {} ms, to {n} streams: {deliveries} of {} deliveries; publish->client p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; bare consumer p99 {:.1} ms ({b_n} events); edge CPU {:.0} us per event ({:.2} us per delivery)",
        run.fanout_gap_ms,
        n as u64 * events,
        figures.fan_p50_ms,
        figures.fan_p99_ms,
        max as f64 / 1000.0,
        figures.fan_bare_p99_ms,
        figures.fan_cpu_us,
        figures.fan_cpu_us / n.max(1) as f64,
    );
    drop(kept);
}

/// Starts the bare consumer (the baseline) of `topic` for `count` events; waits until it is
/// assigned.
fn spawn_bare(
    topic: &str,
    count: u64,
    warmup: u64,
) -> (Child, std::io::BufReader<std::process::ChildStdout>) {
    let mut bare = Command::new(std::env::current_exe().expect("exe"))
        .args([
            "bare",
            "--topic",
            topic,
            "--count",
            &count.to_string(),
            "--warmup",
            &warmup.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("bare consumer");
    let mut out = std::io::BufReader::new(bare.stdout.take().expect("stdout"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).expect("bare ready");
    (bare, out)
}

/// The bare consumer's result: events, p50, p99, max (µs), CPU ticks.
fn bare_result(
    bare: &mut Child,
    out: &mut std::io::BufReader<std::process::ChildStdout>,
) -> (u64, u64, u64, u64, u64) {
    let mut line = String::new();
    std::io::BufRead::read_line(out, &mut line).expect("bare result");
    let _ = bare.wait();
    let b: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    (at(0), at(1), at(2), at(3), at(4))
}

/// Phase 2, latency: C clients, R events/s for D seconds: publish-to-client percentiles and edge CPU per
/// event, against a bare Kafka consumer of the same events.
async fn latency_phase(
    t: Transport,
    run: &Run,
    server: &Server,
    producer: &Producer,
    topic: &str,
    figures: &mut Figures,
) {
    let (clients, rate, groups) = (run.clients, run.rate, run.groups);
    let label = t.name();
    let pid = server.child.id();
    let lat_topic = format!("{TEAM}.{topic}");
    let total = rate * run.secs;
    let per_event_clients = (clients as u64).div_ceil(groups);
    let (mut bare, mut bare_out) = spawn_bare(&lat_topic, total, rate);
    let streams = open_many(
        t,
        clients,
        server.addr,
        |i| {
            format!(
                "/v1/streams/{TEAM}/{topic}?types=bench.g{}",
                i as u64 % groups
            )
        },
        run.sources,
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
    let (b_n, b50, b99, bmax, bcpu) = bare_result(&mut bare, &mut bare_out);
    let tick_ms = 1000.0 / 100.0; // USER_HZ = 100 on Linux
    let delivered = delivered.load(Ordering::Relaxed);
    figures.p50_ms = p50 as f64 / 1000.0;
    figures.p99_ms = p99 as f64 / 1000.0;
    figures.bare_p99_ms = b99 as f64 / 1000.0;
    figures.cpu_us = cpu as f64 * tick_ms * 1000.0 / total.max(1) as f64;
    figures.bare_cpu_us = bcpu as f64 * tick_ms * 1000.0 / b_n.max(1) as f64;
    println!(
        "latency ({label}): {total} events at {rate}/s in {:.1}s over {clients} clients ({groups} type groups, {per_event_clients} clients per event): {delivered} of {expected_deliveries} deliveries (first second = warm-up, not in percentiles)",
        published_in.as_secs_f64(),
    );
    println!(
        "latency ({label}): edge publish->client p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        max as f64 / 1000.0
    );
    println!(
        "latency ({label}): bare consumer publish->consume p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({b_n} events); edge p99 / bare p99 = {:.2}",
        b50 as f64 / 1000.0,
        b99 as f64 / 1000.0,
        bmax as f64 / 1000.0,
        p99 as f64 / b99.max(1) as f64
    );
    println!(
        "cpu ({label}): edge {:.2} s = {:.1} us per published event, {:.1} us per delivered event; bare consumer {:.2} s = {:.1} us per event",
        cpu as f64 * tick_ms / 1000.0,
        figures.cpu_us,
        cpu as f64 * tick_ms * 1000.0 / delivered.max(1) as f64,
        bcpu as f64 * tick_ms / 1000.0,
        figures.bare_cpu_us,
    );
}

/// Phase 3, resume storms: C clients drop at once, events keep coming, all reconnect at once by
/// cursor; every client must end with every event exactly once. Once on the same node, once
/// after the edge process is killed and restarted.
async fn resume_phase(
    t: Transport,
    run: &Run,
    server: &mut Server,
    producer: &Producer,
    topic: &str,
    figures: &mut Figures,
) {
    let sources = run.sources;
    let res_topic = format!("{TEAM}.{topic}");
    let path = format!("/v1/streams/{TEAM}/{topic}");
    let mut seq = 0u64;
    for restart in [false, true] {
        let streams = open_many(t, run.clients, server.addr, |_| path.clone(), sources).await;
        let phase_start = seq;
        let (results, stop) = spawn_ledger_readers(streams);
        for _ in 0..300 {
            publish(producer, &res_topic, "bench.r", seq).await;
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
            publish(producer, &res_topic, "bench.r", seq).await;
            seq += 1;
        }
        if restart {
            *server = start_server(&run.topics, "127.0.0.1:0");
        }
        let expect = seq - phase_start;
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for (i, mut st) in states.into_iter().enumerate() {
            let addr = server.addr;
            let path = path.clone();
            tasks.push(tokio::spawn(async move {
                let src = 2 + (i % sources as usize) as u8;
                // Why the edge ended a stream before the client had everything; the client
                // then resumes again from its last id, as `EventSource` would.
                let mut early = Vec::new();
                'resume: while early.len() < 3 {
                    let mut s = loop {
                        match connect(t, src, addr, &path, st.last_id.as_deref()).await {
                            Ok(s) => break s,
                            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                        }
                    };
                    while (st.seen.len() as u64) < expect {
                        match tokio::time::timeout(Duration::from_secs(60), s.next()).await {
                            Ok(Some(d)) => st.record(&d),
                            Ok(None) => {
                                st.last_id = s.last_id();
                                early.push(s.end_reason().unwrap_or_else(|| "closed".into()));
                                continue 'resume;
                            }
                            Err(_) => break 'resume,
                        }
                    }
                    break;
                }
                (st, early)
            }));
        }
        let mut complete = 0;
        let mut gaps = 0u64;
        let mut dups = 0u64;
        let mut early: HashMap<String, u64> = HashMap::new();
        let n = tasks.len();
        for task in tasks {
            if let Ok((st, ended)) = task.await {
                for why in ended {
                    *early.entry(why).or_default() += 1;
                }
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
        let line = format!(
            "resume ({}){}: {n} clients reconnected at once by cursor; {complete} complete in {:.2}s; {gaps} missing, {dups} duplicate events ({expect} events per client)",
            t.name(),
            if restart {
                " after edge kill -9 + restart"
            } else {
                " on the same node"
            },
            t0.elapsed().as_secs_f64(),
        );
        let line = if early.is_empty() {
            line
        } else {
            let mut why: Vec<_> = early.into_iter().collect();
            why.sort();
            format!("{line}; streams the edge ended early, resumed again by cursor: {why:?}")
        };
        println!("{line}");
        figures.resumes.push(line);
    }
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
    streams: Vec<Conn>,
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
            ledger.last_id = s.last_id();
            ledger
        }));
    }
    (out, stop)
}

/// In-process mode: one edge and `--streams` idle SSE streams in this one process, each over
/// an in-memory pipe handed to the edge's own connection handling (`Edge::connections`: the
/// lean HTTP/1 path, auth, hub and writer, as for a TCP connection) instead of a socket, so
/// the count is not bound by the per-process descriptor limit. Measures the RSS of the pipes
/// alone first (the same-run baseline of the transport), then of the streams on them; then
/// `--fanout-events` events to every stream, against a bare Kafka consumer.
async fn inproc() {
    let n = num("--streams", 100_000) as usize;
    let events = num("--fanout-events", 10);
    let gap = num("--fanout-gap-ms", 1000);
    let topic = format!("inproc{}", uuid_like());
    let full = format!("{TEAM}.{topic}");
    create_topic(&full).await;
    let (publisher, handle) = ConfigPublisher::new();
    publisher.publish(bench_view(&topic));
    let shutdown = CancellationToken::new();
    let mut registry = prometheus_client::registry::Registry::default();
    let edge = herald_edge::Edge::new(&bench_config(), handle, &mut registry, shutdown.clone());
    let connections = edge.connections(edge.router(), shutdown.clone());
    let peer = SocketAddr::from(([127, 0, 0, 1], 0));
    let path = format!("/v1/streams/{TEAM}/{topic}");
    let open = |connections: &herald_edge::Connections| {
        let (client, server) = pipe();
        tokio::spawn(connections.serve(server, peer));
        client
    };
    // One stream first, so the topic's reader and first-use allocations are in the baseline.
    let mut warm = open(&connections);
    open_inproc(&mut warm, &path).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pid = std::process::id();
    let rss0 = rss_kb(pid);
    let (mut clients, servers): (Vec<PipeEnd>, Vec<PipeEnd>) = (0..n).map(|_| pipe()).unzip();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss1 = rss_kb(pid);
    let t0 = Instant::now();
    let mut opened = Vec::with_capacity(n);
    let mut servers = servers.into_iter();
    while !clients.is_empty() {
        let batch: Vec<PipeEnd> = clients.drain(..clients.len().min(1000)).collect();
        let mut tasks = tokio::task::JoinSet::new();
        for mut client in batch {
            let server = servers.next().expect("a server end per client");
            tokio::spawn(connections.serve(server, peer));
            let path = path.clone();
            tasks.spawn(async move {
                let ok = open_inproc(&mut client, &path).await;
                (ok, client)
            });
        }
        while let Some(Ok((ok, client))) = tasks.join_next().await {
            if ok {
                opened.push(client);
            }
        }
    }
    let opened_in = t0.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss2 = rss_kb(pid);
    let per = |a: u64, b: u64| (b.saturating_sub(a)) as f64 * 1024.0 / n.max(1) as f64;
    println!(
        "inproc: {} of {n} streams open in {:.1}s in one process; RSS {rss0} KB -> {rss1} KB with the pipes ({:.0} bytes per pipe) -> {rss2} KB with the streams: {:.2} KB per idle stream",
        opened.len(),
        opened_in.as_secs_f64(),
        per(rss0, rss1),
        per(rss1, rss2) / 1024.0
    );
    let (mut bare, mut bare_out) = spawn_bare(&full, events + 1, 1);
    let mut readers = Vec::with_capacity(opened.len());
    for mut client in opened {
        readers.push(tokio::spawn(async move {
            let lat = read_inproc(&mut client, events).await;
            (lat, client)
        }));
    }
    let cpu0 = cpu_ticks(pid);
    let producer = Producer::new(&kafka(), Duration::from_secs(30)).expect("producer");
    // A warm-up event (sequence 0, not counted): the producer's first send fetches metadata.
    publish(&producer, &full, "bench.idle", 0).await;
    let mut tick = tokio::time::interval(Duration::from_millis(gap.max(1)));
    for seq in 1..=events {
        tick.tick().await;
        publish(&producer, &full, "bench.idle", seq).await;
    }
    let (mut lat, kept) = gather(readers).await;
    let cpu = cpu_ticks(pid) - cpu0;
    let deliveries = lat.len();
    let (p50, p99, max) = percentiles(&mut lat);
    let (b_n, _, b99, _, _) = bare_result(&mut bare, &mut bare_out);
    println!(
        "inproc fan-out: {events} events, one every {gap} ms, to {} streams: {deliveries} deliveries; publish->client p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; bare consumer p99 {:.1} ms ({b_n} events); process CPU (edge and clients) {:.0} us per event",
        kept.len(),
        p50 as f64 / 1000.0,
        p99 as f64 / 1000.0,
        max as f64 / 1000.0,
        b99 as f64 / 1000.0,
        cpu as f64 * 10_000.0 / events.max(1) as f64,
    );
    shutdown.cancel();
    drop(kept);
    drop(warm);
    edge.stopped().await;
}

/// Sends a stream request on `client` and reads until the stream's start cursor arrived.
async fn open_inproc(client: &mut PipeEnd, path: &str) -> bool {
    let request = format!("GET {path} HTTP/1.0\r\nauthorization: Bearer {ROOT}\r\n\r\n");
    if client.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(k) => seen.extend_from_slice(&buf[..k]),
        }
        let text = String::from_utf8_lossy(&seen);
        if !text.starts_with("HTTP/1.1 200") && text.contains("\r\n") {
            eprintln!("inproc: refused: {text}");
            return false;
        }
        if text.contains("\nid: ") && text.ends_with("\n\n") {
            return true;
        }
    }
}

/// Reads `events` SSE events from `client`; their publish-to-client latencies (µs).
async fn read_inproc(client: &mut PipeEnd, events: u64) -> Vec<u64> {
    let mut lat = Vec::with_capacity(events as usize);
    let mut line = Vec::new();
    let mut buf = [0u8; 4096];
    while (lat.len() as u64) < events {
        let Ok(Ok(k)) = tokio::time::timeout(Duration::from_secs(30), client.read(&mut buf)).await
        else {
            break;
        };
        if k == 0 {
            break;
        }
        for &b in &buf[..k] {
            if b != b'\n' {
                line.push(b);
                continue;
            }
            if let Some(data) = line.strip_prefix(b"data: ") {
                let text = String::from_utf8_lossy(data);
                let mut f = text.split(' ');
                let seq = f.next().and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
                if let (true, Some(ts)) = (seq > 0, f.next().and_then(|t| t.parse::<u64>().ok())) {
                    lat.push(now_micros().saturating_sub(ts));
                }
            }
            line.clear();
        }
    }
    lat
}

/// One end of an in-memory byte pipe (the in-process mode's connections): what one end writes
/// the other reads; a drained buffer is freed, as an idle socket holds no user-space buffer.
struct PipeEnd {
    pipe: Arc<std::sync::Mutex<PipeState>>,
    side: usize,
}

#[derive(Default)]
struct PipeState {
    /// Per side, the bytes it has to read, from `at` on.
    buf: [Vec<u8>; 2],
    at: [usize; 2],
    waker: [Option<std::task::Waker>; 2],
    closed: [bool; 2],
}

fn pipe() -> (PipeEnd, PipeEnd) {
    let pipe = Arc::new(std::sync::Mutex::new(PipeState::default()));
    (
        PipeEnd {
            pipe: pipe.clone(),
            side: 0,
        },
        PipeEnd { pipe, side: 1 },
    )
}

impl PipeEnd {
    fn state(&self) -> std::sync::MutexGuard<'_, PipeState> {
        self.pipe.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self) {
        let mut p = self.state();
        p.closed[self.side] = true;
        if let Some(w) = p.waker[1 - self.side].take() {
            w.wake();
        }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        self.close();
    }
}

impl tokio::io::AsyncRead for PipeEnd {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        out: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let side = self.side;
        let mut p = self.state();
        let at = p.at[side];
        let pending = p.buf[side].len() - at;
        if pending == 0 {
            if p.closed[1 - side] {
                return std::task::Poll::Ready(Ok(()));
            }
            p.waker[side] = Some(cx.waker().clone());
            return std::task::Poll::Pending;
        }
        let k = pending.min(out.remaining());
        out.put_slice(&p.buf[side][at..at + k]);
        p.at[side] += k;
        if p.at[side] == p.buf[side].len() {
            p.buf[side] = Vec::new();
            p.at[side] = 0;
        }
        std::task::Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for PipeEnd {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let other = 1 - self.side;
        let mut p = self.state();
        if p.closed[other] || p.closed[self.side] {
            return std::task::Poll::Ready(Err(std::io::ErrorKind::BrokenPipe.into()));
        }
        p.buf[other].extend_from_slice(data);
        if let Some(w) = p.waker[other].take() {
            w.wake();
        }
        std::task::Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.close();
        std::task::Poll::Ready(Ok(()))
    }
}

fn uuid_like() -> String {
    format!("{:x}", now_micros())
}
