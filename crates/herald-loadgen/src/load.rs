//! One load run against a running Herald: an open-loop publisher, a webhook receiver, SSE
//! clients, and the reconciliation of everything they saw against the ledger of acknowledged
//! events.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use herald_core::{Secret, Verifier};
use herald_proto::v1::control_client::ControlClient;
use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::*;
use herald_watch::Bearer;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::stats::{Percentiles, Samples};

/// Control client with a key.
pub type Control = ControlClient<InterceptedService<Channel, Bearer>>;
/// Publisher client with a key.
pub type Publisher = PublisherClient<InterceptedService<Channel, Bearer>>;

/// Where Herald listens.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Control plane gRPC, `http://host:port`.
    pub control: String,
    /// Ingest gRPC, `http://host:port`.
    pub ingest: String,
    /// Edge HTTP, `http://host:port`.
    pub edge: String,
}

/// How a run loads Herald.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Target events per second (open loop).
    pub rate: f64,
    /// Most events one run may schedule (sizes the ledger).
    pub capacity: usize,
    /// Concurrent PublishBatch calls; when all are busy the generator falls behind and that
    /// shows as latency, because latency counts from the scheduled time.
    pub concurrency: usize,
    /// Most events per PublishBatch.
    pub batch_max: usize,
    /// Due events are gathered for this long before a batch is sent.
    pub tick: Duration,
    /// Payload size in bytes (approximate, padded JSON).
    pub payload_bytes: usize,
    /// SSE clients reading the topic.
    pub sse_clients: usize,
    /// Partitions of the run's topic.
    pub partitions: i32,
    /// Per-call timeout of a publish.
    pub publish_timeout: Duration,
    /// How long to wait after the last publish for deliveries and streams to catch up.
    pub drain_timeout: Duration,
    /// Append every acknowledged event (`id partition offset`) to this file.
    pub ledger_file: Option<PathBuf>,
}

/// What the webhook receiver does with a delivery; switched while a run is going to inject
/// receiver faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReceiverMode {
    /// Verify, count, answer 204.
    Ok = 0,
    /// Answer 500 without counting.
    Fail = 1,
    /// Never answer (the worker's request timeout fires).
    Hang = 2,
    /// Answer 200 at once, then trickle the body a byte at a time.
    Trickle = 3,
}

/// A team and a key in it, created through the control plane with the root key.
pub struct Harness {
    endpoints: Endpoints,
    team: String,
    control: Control,
    key: String,
}

fn bearer(key: &str) -> anyhow::Result<Bearer> {
    Ok(Bearer::new(key)?)
}

async fn channel(endpoint: &str) -> anyhow::Result<Channel> {
    Ok(Channel::from_shared(endpoint.to_owned())
        .with_context(|| format!("bad endpoint {endpoint}"))?
        .connect_timeout(Duration::from_secs(3))
        .tcp_nodelay(true)
        .connect_lazy())
}

/// A control client authenticated with `key`.
pub async fn control_client(endpoint: &str, key: &str) -> anyhow::Result<Control> {
    Ok(ControlClient::with_interceptor(
        channel(endpoint).await?,
        bearer(key)?,
    ))
}

/// Retries a control call through short outages (a control plane restarting).
async fn retrying<T, F, Fut>(what: &str, mut f: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, tonic::Status>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(s)
                if Instant::now() < deadline
                    && matches!(
                        s.code(),
                        tonic::Code::Unavailable
                            | tonic::Code::DeadlineExceeded
                            | tonic::Code::Unknown
                    ) =>
            {
                tracing::debug!(what, error = %s, "control call failed, retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(s) => bail!("{what}: {s}"),
        }
    }
}

impl Harness {
    /// Creates `team` (reused if it exists) and a publish+subscribe key in it.
    pub async fn setup(endpoints: Endpoints, root_key: &str, team: &str) -> anyhow::Result<Self> {
        let control = control_client(&endpoints.control, root_key).await?;
        let created = retrying("create team", || {
            let mut c = control.clone();
            async move {
                match c
                    .create_team(CreateTeamRequest {
                        name: team.to_owned(),
                        display_name: "herald-loadgen".into(),
                    })
                    .await
                {
                    Err(s) if s.code() == tonic::Code::AlreadyExists => Ok(()),
                    other => other.map(|_| ()),
                }
            }
        })
        .await;
        created?;
        let key = retrying("create key", || {
            let mut c = control.clone();
            async move {
                c.create_api_key(CreateApiKeyRequest {
                    team: team.to_owned(),
                    name: "loadgen".into(),
                    scopes: vec![Scope::Publish as i32, Scope::Subscribe as i32],
                    topics: vec![],
                })
                .await
            }
        })
        .await?
        .into_inner()
        .secret;
        Ok(Self {
            endpoints,
            team: team.to_owned(),
            control,
            key,
        })
    }

    /// The team key (publish + subscribe).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The team.
    pub fn team(&self) -> &str {
        &self.team
    }

    /// Creates a topic and a subscription to a fresh receiver, starts the SSE clients, waits
    /// until a probe event has come through both, and starts the open-loop generator.
    pub async fn start_run(&self, name: &str, opts: RunOptions) -> anyhow::Result<Run> {
        let topic = name.to_owned();
        let team = self.team.clone();
        retrying("create topic", || {
            let mut c = self.control.clone();
            let (team, topic) = (team.clone(), topic.clone());
            async move {
                match c
                    .create_topic(CreateTopicRequest {
                        team,
                        name: topic,
                        partitions: opts.partitions,
                        retention_ms: 0,
                        ..Default::default()
                    })
                    .await
                {
                    Err(s) if s.code() == tonic::Code::AlreadyExists => Ok(()),
                    other => other.map(|_| ()),
                }
            }
        })
        .await?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the webhook receiver")?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let created = retrying("create subscription", || {
            let mut c = self.control.clone();
            let (team, topic, url) = (team.clone(), topic.clone(), url.clone());
            async move {
                c.create_subscription(CreateSubscriptionRequest {
                    team,
                    topics: vec![topic],
                    url,
                    ..Default::default()
                })
                .await
            }
        })
        .await?
        .into_inner();
        let sub_id = created
            .subscription
            .map(|s| s.id)
            .context("subscription without id")?;
        let verifier = Verifier::new(Secret::parse(&created.secret)?);

        let (ledger, ledger_thread) = match &opts.ledger_file {
            Some(path) => {
                let (tx, thread) = spawn_ledger(path.clone())?;
                (Some(tx), Some(thread))
            }
            None => (None, None),
        };
        let cap = opts.capacity;
        let tag = format!("{name}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let state = Arc::new(RunState {
            tag,
            team: team.clone(),
            topic: topic.clone(),
            start_us: AtomicU64::new(0),
            started_unix_ms: unix_ms(),
            rate: opts.rate,
            acked: (0..cap).map(|_| AtomicU8::new(0)).collect(),
            hooks: (0..cap).map(|_| AtomicU16::new(0)).collect(),
            attempted: (0..cap).map(|_| AtomicBool::new(false)).collect(),
            sse: (0..opts.sse_clients)
                .map(|_| (0..cap).map(|_| AtomicU8::new(0)).collect())
                .collect(),
            scheduled: AtomicUsize::new(0),
            probes_delivered: AtomicU64::new(0),
            sse_connected: (0..opts.sse_clients)
                .map(|_| AtomicBool::new(false))
                .collect(),
            ack_lat: Samples::default(),
            hook_lat: Samples::default(),
            sse_lat: Samples::default(),
            bad_signatures: AtomicU64::new(0),
            publish_errors: AtomicU64::new(0),
            last_publish_error: Mutex::new(String::new()),
            sse_reconnects: AtomicU64::new(0),
            mode: AtomicU8::new(ReceiverMode::Ok as u8),
            verifier,
            ledger: Mutex::new(ledger),
        });

        let stop_all = CancellationToken::new();
        let receiver = {
            let app = axum::Router::new()
                .fallback(axum::routing::post(receive))
                .with_state(state.clone());
            let stop = stop_all.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "webhook receiver failed");
                }
            })
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .build()?;
        let sse_tasks = (0..opts.sse_clients)
            .map(|i| {
                tokio::spawn(sse_client(
                    state.clone(),
                    i,
                    http.clone(),
                    format!("{}/v1/streams/{}/{}", self.endpoints.edge, self.team, topic),
                    self.key.clone(),
                    stop_all.clone(),
                ))
            })
            .collect();

        let publisher = PublisherClient::with_interceptor(
            channel(&self.endpoints.ingest).await?,
            bearer(&self.key)?,
        )
        .max_decoding_message_size(64 << 20);
        if let Err(e) = warm_up(&state, &publisher).await {
            stop_all.cancel();
            return Err(e);
        }

        // The clock starts only now, so setup time is not charged to the first events.
        state.start_us.store(now_us(), Ordering::SeqCst);
        let stop_gen = CancellationToken::new();
        let generator = tokio::spawn(generate(
            state.clone(),
            publisher,
            opts.clone(),
            stop_gen.clone(),
        ));
        Ok(Run {
            state,
            opts,
            control: self.control.clone(),
            sub_id,
            stop_gen,
            stop_all,
            generator: Some(generator),
            ledger_thread,
            receiver: Some(receiver),
            sse_tasks,
        })
    }
}

/// Per-run state shared by the generator, the receiver and the SSE clients. Indexed by the
/// event's sequence number, which its id and payload carry.
struct RunState {
    tag: String,
    team: String,
    topic: String,
    /// `now_us()` when the generator started; scheduled and seen times are relative to it.
    start_us: AtomicU64,
    /// Wall-clock ms when the run was set up (bounds the dead-letter scan).
    started_unix_ms: i64,
    rate: f64,
    /// 0 = not sent, 1 = acknowledged, 2 = publish failed.
    acked: Vec<AtomicU8>,
    /// Successful (2xx) webhook deliveries per event.
    hooks: Vec<AtomicU16>,
    /// A delivery was attempted but answered with a failure (receiver fault modes).
    attempted: Vec<AtomicBool>,
    /// Per SSE client: times each event was seen.
    sse: Vec<Vec<AtomicU8>>,
    scheduled: AtomicUsize,
    probes_delivered: AtomicU64,
    sse_connected: Vec<AtomicBool>,
    ack_lat: Samples,
    hook_lat: Samples,
    sse_lat: Samples,
    bad_signatures: AtomicU64,
    publish_errors: AtomicU64,
    last_publish_error: Mutex<String>,
    sse_reconnects: AtomicU64,
    mode: AtomicU8,
    verifier: Verifier,
    /// Taken (closing the channel) when the run finishes, so the writer drains and exits.
    ledger: Mutex<Option<std::sync::mpsc::Sender<String>>>,
}

/// Microseconds on a monotonic clock shared by every run of the process.
pub fn now_us() -> u64 {
    static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_micros() as u64
}

fn unix_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

impl RunState {
    /// Scheduled send time of `seq`, µs since the run's start.
    fn sched_us(&self, seq: usize) -> u64 {
        (seq as f64 * 1e6 / self.rate) as u64
    }

    /// Now, µs since the run's start.
    fn rel_now(&self) -> u64 {
        now_us().saturating_sub(self.start_us.load(Ordering::Relaxed))
    }

    fn id(&self, seq: usize) -> String {
        format!("{}-{seq}", self.tag)
    }

    fn seq_of(&self, id: &str) -> Option<usize> {
        let seq: usize = id
            .strip_prefix(&self.tag)?
            .strip_prefix('-')?
            .parse()
            .ok()?;
        (seq < self.acked.len()).then_some(seq)
    }

    fn mode(&self) -> ReceiverMode {
        match self.mode.load(Ordering::Relaxed) {
            1 => ReceiverMode::Fail,
            2 => ReceiverMode::Hang,
            3 => ReceiverMode::Trickle,
            _ => ReceiverMode::Ok,
        }
    }
}

/// The ledger file is written by a plain thread so file I/O never blocks the runtime.
fn spawn_ledger(
    path: PathBuf,
) -> anyhow::Result<(std::sync::mpsc::Sender<String>, std::thread::JoinHandle<()>)> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening the ledger {}", path.display()))?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let thread = std::thread::Builder::new()
        .name("ledger".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::new(file);
            loop {
                let line = match rx.try_recv() {
                    Ok(line) => line,
                    // Flush when idle so the file is current without a syscall per event.
                    Err(std::sync::mpsc::TryRecvError::Empty) => {
                        let _ = out.flush();
                        match rx.recv() {
                            Ok(line) => line,
                            Err(_) => break,
                        }
                    }
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
                };
                if writeln!(out, "{line}").is_err() {
                    return;
                }
            }
            let _ = out.flush();
        })?;
    Ok((tx, thread))
}

#[derive(serde::Deserialize)]
struct Payload {
    seq: Option<usize>,
}

/// The webhook receiver: verifies the Standard Webhooks signature and counts per event.
async fn receive(State(state): State<Arc<RunState>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(id) = header("webhook-id") else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let seq = state.seq_of(id);
    let mode = state.mode();
    if mode != ReceiverMode::Ok
        && let Some(seq) = seq
    {
        state.attempted[seq].store(true, Ordering::Relaxed);
    }
    match mode {
        ReceiverMode::Fail => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        ReceiverMode::Hang => {
            // Dropped when the worker gives up and closes the connection.
            tokio::time::sleep(Duration::from_secs(120)).await;
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        ReceiverMode::Ok | ReceiverMode::Trickle => {}
    }
    let verdict = state.verifier.verify(
        Some(id),
        header("webhook-timestamp"),
        header("webhook-signature"),
        &body,
        unix_secs(),
    );
    if verdict.is_err() {
        state.bad_signatures.fetch_add(1, Ordering::Relaxed);
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match seq {
        Some(seq) => {
            state.hooks[seq].fetch_add(1, Ordering::Relaxed);
            state.hook_lat.push(state.sched_us(seq), state.rel_now());
        }
        None => {
            state.probes_delivered.fetch_add(1, Ordering::Relaxed);
        }
    }
    if mode == ReceiverMode::Trickle {
        // A 200 whose body never finishes within the worker's timeout: the status is the
        // answer, so this counts as delivered.
        let body = futures::stream::unfold(0u32, |n| async move {
            if n >= 40 {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            Some((
                Ok::<_, std::convert::Infallible>(Bytes::from_static(b".")),
                n + 1,
            ))
        });
        return (StatusCode::OK, Body::from_stream(body)).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// An SSE client: starts at the topic's beginning, and after any disconnect resumes with the
/// last `id:` it saw as `Last-Event-ID`.
async fn sse_client(
    state: Arc<RunState>,
    index: usize,
    http: reqwest::Client,
    url: String,
    key: String,
    stop: CancellationToken,
) {
    let mut cursor: Option<String> = None;
    let mut first = true;
    while !stop.is_cancelled() {
        if !first {
            state.sse_reconnects.fetch_add(1, Ordering::Relaxed);
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = stop.cancelled() => return,
            }
        }
        first = false;
        let mut req = http.get(&url).bearer_auth(&key);
        req = match &cursor {
            Some(c) => req.header("last-event-id", c),
            None => req.query(&[("start", "earliest")]),
        };
        let mut resp = tokio::select! {
            r = req.send() => match r {
                Ok(r) if r.status().is_success() => r,
                Ok(r) => {
                    tracing::debug!(client = index, status = %r.status(), "sse connect refused");
                    continue;
                }
                Err(e) => {
                    tracing::debug!(client = index, error = %e, "sse connect failed");
                    continue;
                }
            },
            _ = stop.cancelled() => return,
        };
        state.sse_connected[index].store(true, Ordering::Relaxed);
        let mut buf: Vec<u8> = Vec::new();
        let mut id: Option<String> = None;
        let mut data: Vec<u8> = Vec::new();
        loop {
            // Heartbeats arrive every few seconds; silence this long means a dead connection.
            let chunk = tokio::select! {
                c = tokio::time::timeout(Duration::from_secs(20), resp.chunk()) => c,
                _ = stop.cancelled() => return,
            };
            let chunk = match chunk {
                Ok(Ok(Some(c))) => c,
                _ => break,
            };
            buf.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(nl) = buf[start..].iter().position(|b| *b == b'\n') {
                let mut line = &buf[start..start + nl];
                start += nl + 1;
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                if line.is_empty() {
                    // Dispatch: an id-only block still moves the cursor.
                    if let Some(i) = id.take() {
                        cursor = Some(i);
                    }
                    if !data.is_empty() {
                        if let Ok(Payload { seq: Some(seq) }) = serde_json::from_slice(&data)
                            && seq < state.acked.len()
                        {
                            state.sse[index][seq].fetch_add(1, Ordering::Relaxed);
                            state.sse_lat.push(state.sched_us(seq), state.rel_now());
                        }
                        data.clear();
                    }
                } else if let Some(v) = line.strip_prefix(b"id:") {
                    id = Some(String::from_utf8_lossy(v).trim_start().to_owned());
                } else if let Some(v) = line.strip_prefix(b"data:") {
                    if !data.is_empty() {
                        data.push(b'\n');
                    }
                    data.extend_from_slice(v.strip_prefix(b" ").unwrap_or(v));
                }
            }
            buf.drain(..start);
        }
    }
}

/// Publishes probe events until one has come back as a webhook and every SSE client is
/// connected: the delivery group may need a rebalance to pick up a new topic.
async fn warm_up(state: &Arc<RunState>, publisher: &Publisher) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut n = 0;
    loop {
        let connected = state
            .sse_connected
            .iter()
            .all(|c| c.load(Ordering::Relaxed));
        if connected && state.probes_delivered.load(Ordering::Relaxed) > 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "warm-up: no probe delivered or SSE not connected within 90s (sse connected: {connected})"
            );
        }
        n += 1;
        let mut req = tonic::Request::new(PublishRequest {
            team: state.team.clone(),
            topic: state.topic.clone(),
            event: Some(Event {
                id: format!("probe-{}-{n}", state.tag),
                r#type: "loadgen.probe".into(),
                data: b"{\"probe\":true}".to_vec(),
                ..Default::default()
            }),
        });
        req.set_timeout(Duration::from_secs(5));
        if let Err(e) = publisher.clone().publish(req).await {
            tracing::debug!(error = %e, "probe publish failed");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The open-loop generator: event `seq` is due at `seq / rate` seconds; every `tick` all due
/// events go out in batches, each batch waiting for a slot of the concurrency bound.
async fn generate(
    state: Arc<RunState>,
    publisher: Publisher,
    opts: RunOptions,
    stop: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let cap = state.acked.len();
    let pad = "x".repeat(opts.payload_bytes.saturating_sub(40));
    let pad: Arc<str> = pad.into();
    let mut next = 0usize;
    while next < cap && !stop.is_cancelled() {
        let now = state.rel_now();
        let due = ((now as f64 * state.rate / 1e6).floor() as usize + 1).min(cap);
        if due <= next {
            let wait = state.sched_us(next).saturating_sub(now) + opts.tick.as_micros() as u64;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_micros(wait)) => {}
                _ = stop.cancelled() => break,
            }
            continue;
        }
        let end = due.min(next + opts.batch_max.max(1));
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p.expect("semaphore open"),
            _ = stop.cancelled() => break,
        };
        state.scheduled.store(end, Ordering::Relaxed);
        let (state, publisher, pad) = (state.clone(), publisher.clone(), pad.clone());
        let timeout = opts.publish_timeout;
        tokio::spawn(async move {
            publish(&state, publisher, next..end, &pad, timeout).await;
            drop(permit);
        });
        next = end;
    }
    // Wait for the batches in flight.
    let _all = slots
        .acquire_many(opts.concurrency.max(1) as u32)
        .await
        .expect("semaphore open");
}

async fn publish(
    state: &RunState,
    mut publisher: Publisher,
    seqs: std::ops::Range<usize>,
    pad: &str,
    timeout: Duration,
) {
    let events = seqs
        .clone()
        .map(|seq| Event {
            id: state.id(seq),
            r#type: "loadgen.tick".into(),
            data: format!(
                "{{\"seq\":{seq},\"t\":{},\"pad\":\"{pad}\"}}",
                state.sched_us(seq)
            )
            .into_bytes(),
            ..Default::default()
        })
        .collect();
    let mut req = tonic::Request::new(PublishBatchRequest {
        team: state.team.clone(),
        topic: state.topic.clone(),
        events,
    });
    req.set_timeout(timeout);
    let failed = |error: String| {
        state.publish_errors.fetch_add(1, Ordering::Relaxed);
        *state.last_publish_error.lock().expect("lock") = error;
    };
    match publisher.publish_batch(req).await {
        Ok(resp) => {
            let now = state.rel_now();
            for (seq, result) in seqs.zip(resp.into_inner().results) {
                match result.receipt {
                    Some(r) if result.code == 0 => {
                        state.acked[seq].store(1, Ordering::Relaxed);
                        state.ack_lat.push(state.sched_us(seq), now);
                        if let Some(l) = state.ledger.lock().expect("lock").as_ref() {
                            let _ = l.send(format!("{} {} {}", r.id, r.partition, r.offset));
                        }
                    }
                    _ => {
                        state.acked[seq].store(2, Ordering::Relaxed);
                        failed(format!("code {}: {}", result.code, result.error));
                    }
                }
            }
        }
        Err(status) => {
            for seq in seqs {
                state.acked[seq].store(2, Ordering::Relaxed);
            }
            failed(format!("{:?}: {}", status.code(), status.message()));
        }
    }
}

/// A run in progress.
pub struct Run {
    state: Arc<RunState>,
    opts: RunOptions,
    control: Control,
    sub_id: String,
    stop_gen: CancellationToken,
    stop_all: CancellationToken,
    generator: Option<JoinHandle<()>>,
    ledger_thread: Option<std::thread::JoinHandle<()>>,
    receiver: Option<JoinHandle<()>>,
    sse_tasks: Vec<JoinHandle<()>>,
}

/// The reconciliation of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Topic of the run.
    pub topic: String,
    /// Seconds of load.
    pub secs: f64,
    /// Target rate.
    pub target_rate: f64,
    /// Events scheduled (sent or attempted).
    pub scheduled: usize,
    /// Acknowledged events (the ledger).
    pub acked: usize,
    /// Acknowledged events per second achieved.
    pub acked_rate: f64,
    /// Events whose publish failed (not acknowledged; not counted as lost).
    pub publish_failed: usize,
    /// Publish calls that failed, and the last error.
    pub publish_errors: u64,
    /// The last publish error.
    pub last_publish_error: String,
    /// Acknowledged events delivered to the webhook at least once.
    pub delivered: usize,
    /// Acknowledged events attempted but not yet delivered nor dead-lettered.
    pub in_retry: usize,
    /// Acknowledged events in the dead-letter queue (and never delivered).
    pub in_dlq: usize,
    /// Acknowledged events nowhere: not delivered, not in retry, not in the DLQ.
    pub lost: usize,
    /// False when the dead-letter listing hit a bound: `lost` may then hold dead letters.
    pub dlq_listing_complete: bool,
    /// Extra webhook deliveries beyond the first, summed.
    pub duplicates: u64,
    /// Events whose publish failed but which were delivered anyway (acknowledgement lost).
    pub unacked_delivered: usize,
    /// Webhooks whose signature did not verify.
    pub bad_signatures: u64,
    /// SSE: acknowledged events some client never saw (summed over clients).
    pub sse_lost: usize,
    /// SSE: extra copies seen, summed over clients.
    pub sse_duplicates: u64,
    /// SSE reconnects (all clients).
    pub sse_reconnects: u64,
    /// Scheduled-to-acknowledged latency.
    pub ack_latency_ms: Percentiles,
    /// Scheduled-to-webhook latency (first and later deliveries).
    pub webhook_latency_ms: Percentiles,
    /// Scheduled-to-SSE latency.
    pub sse_latency_ms: Percentiles,
    /// Seconds from the end of publishing until everything was accounted for (or the timeout).
    pub drain_secs: f64,
}

impl Run {
    /// Seconds since the generator started.
    pub fn elapsed_us(&self) -> u64 {
        self.state.rel_now()
    }

    /// Switches the webhook receiver's behaviour.
    pub fn set_mode(&self, mode: ReceiverMode) {
        self.state.mode.store(mode as u8, Ordering::Relaxed);
    }

    /// Stops publishing, waits for the stragglers, reconciles, and tears the run down
    /// (receiver, SSE clients, subscription).
    pub async fn finish(mut self) -> anyhow::Result<(Report, Finished)> {
        self.stop_gen.cancel();
        if let Some(g) = self.generator.take() {
            g.await.context("generator task")?;
        }
        // Every acknowledgement is in: close the ledger and wait until it is on disk.
        self.state.ledger.lock().expect("lock").take();
        if let Some(t) = self.ledger_thread.take() {
            tokio::task::spawn_blocking(move || t.join())
                .await
                .context("ledger writer")?
                .map_err(|_| anyhow::anyhow!("the ledger writer panicked"))?;
        }
        let secs = self.state.rel_now() as f64 / 1e6;
        let s = self.state.clone();
        let scheduled = s.scheduled.load(Ordering::Relaxed);
        let acked: Vec<usize> = (0..scheduled)
            .filter(|&i| s.acked[i].load(Ordering::Relaxed) == 1)
            .collect();

        let drain_start = Instant::now();
        let mut dlq = HashSet::new();
        let dlq_complete;
        let mut last_dlq_query = None::<Instant>;
        loop {
            let hook_missing = acked
                .iter()
                .filter(|&&i| s.hooks[i].load(Ordering::Relaxed) == 0 && !dlq.contains(&i))
                .count();
            let sse_missing: usize = s
                .sse
                .iter()
                .map(|c| {
                    acked
                        .iter()
                        .filter(|&&i| c[i].load(Ordering::Relaxed) == 0)
                        .count()
                })
                .sum();
            if hook_missing == 0 && sse_missing == 0 {
                break;
            }
            if drain_start.elapsed() > self.opts.drain_timeout {
                tracing::warn!(hook_missing, sse_missing, "drain timed out");
                break;
            }
            // The DLQ is only worth reading while webhooks are missing, and not too often.
            if hook_missing > 0
                && last_dlq_query.is_none_or(|t| t.elapsed() > Duration::from_secs(3))
            {
                match self.dead_letters().await {
                    Ok((d, _)) => dlq = d,
                    Err(e) => tracing::warn!(error = %e, "listing dead letters failed"),
                }
                last_dlq_query = Some(Instant::now());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let drain_secs = drain_start.elapsed().as_secs_f64();
        match self.dead_letters().await {
            Ok((d, complete)) => (dlq, dlq_complete) = (d, complete),
            Err(e) => {
                tracing::warn!(error = %e, "listing dead letters failed");
                dlq_complete = false;
            }
        }

        let mut report = Report {
            topic: s.topic.clone(),
            secs: (secs * 10.0).round() / 10.0,
            target_rate: s.rate,
            scheduled,
            acked: acked.len(),
            acked_rate: (acked.len() as f64 / secs.max(0.001)).round(),
            publish_failed: scheduled - acked.len(),
            publish_errors: s.publish_errors.load(Ordering::Relaxed),
            last_publish_error: s.last_publish_error.lock().expect("lock").clone(),
            delivered: 0,
            in_retry: 0,
            in_dlq: 0,
            lost: 0,
            dlq_listing_complete: dlq_complete,
            duplicates: 0,
            unacked_delivered: 0,
            bad_signatures: s.bad_signatures.load(Ordering::Relaxed),
            sse_lost: 0,
            sse_duplicates: 0,
            sse_reconnects: s.sse_reconnects.load(Ordering::Relaxed),
            ack_latency_ms: s.ack_lat.all(),
            webhook_latency_ms: s.hook_lat.all(),
            sse_latency_ms: s.sse_lat.all(),
            drain_secs: (drain_secs * 10.0).round() / 10.0,
        };
        for i in 0..scheduled {
            let hooks = s.hooks[i].load(Ordering::Relaxed) as u64;
            report.duplicates += hooks.saturating_sub(1);
            for c in &s.sse {
                report.sse_duplicates += (c[i].load(Ordering::Relaxed) as u64).saturating_sub(1);
            }
            if s.acked[i].load(Ordering::Relaxed) != 1 {
                if hooks > 0 {
                    report.unacked_delivered += 1;
                }
                continue;
            }
            if hooks > 0 {
                report.delivered += 1;
            } else if dlq.contains(&i) {
                report.in_dlq += 1;
            } else if s.attempted[i].load(Ordering::Relaxed) {
                report.in_retry += 1;
            } else {
                report.lost += 1;
            }
            report.sse_lost += s
                .sse
                .iter()
                .filter(|c| c[i].load(Ordering::Relaxed) == 0)
                .count();
        }

        self.stop_all.cancel();
        for t in self.sse_tasks.drain(..) {
            let _ = t.await;
        }
        if let Some(r) = self.receiver.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), r).await;
        }
        let c = self.control.clone();
        let (team, id) = (s.team.clone(), self.sub_id.clone());
        if let Err(e) = retrying("delete subscription", || {
            let (team, id) = (team.clone(), id.clone());
            let mut c = c.clone();
            async move {
                c.delete_subscription(DeleteSubscriptionRequest { team, id })
                    .await
            }
        })
        .await
        {
            tracing::warn!(error = %e, "could not delete the run's subscription");
        }
        Ok((report, Finished(s)))
    }

    /// Sequence numbers of this run's dead letters, and whether the listing was complete.
    /// Pages go backwards in time; a page boundary is included in the next page again
    /// (`until` = oldest + 1 ms) because many tasks share a millisecond at high rates, and the
    /// overlap is deduplicated.
    async fn dead_letters(&self) -> anyhow::Result<(HashSet<usize>, bool)> {
        const PAGE: u32 = 1000;
        // Seek by time to the run's start, so older runs' dead letters are not scanned.
        let since_ms = self.state.started_unix_ms - 60_000;
        let mut out = HashSet::new();
        let mut until_ms = 0i64;
        for _ in 0..500 {
            let mut c = self.control.clone();
            let req = ListDeadLettersRequest {
                team: self.state.team.clone(),
                subscription_id: self.sub_id.clone(),
                limit: PAGE,
                since_ms,
                until_ms,
                ..Default::default()
            };
            let page = c.list_dead_letters(req).await?.into_inner();
            let before = out.len();
            let mut oldest = i64::MAX;
            for t in &page.tasks {
                oldest = oldest.min(t.dead_lettered_at_ms);
                if let Some(seq) = self.state.seq_of(&t.event_id) {
                    out.insert(seq);
                }
            }
            if !page.truncated {
                return Ok((out, true));
            }
            if out.len() == before || oldest == i64::MAX {
                // No progress: over a page of tasks in one millisecond, or the scan bound.
                return Ok((out, false));
            }
            until_ms = oldest + 1;
        }
        Ok((out, false))
    }
}

/// The samples of a finished run.
pub struct Finished(Arc<RunState>);

impl Finished {
    /// Webhook latency samples (for before/during/after windows).
    pub fn webhook_samples(&self) -> &Samples {
        &self.0.hook_lat
    }

    /// SSE latency samples.
    pub fn sse_samples(&self) -> &Samples {
        &self.0.sse_lat
    }
}
