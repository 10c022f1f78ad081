//! One Kafka reader per topic per node, fanned out in memory to every live stream of the topic.
//!
//! The reader is assigned every partition (no consumer group) and keeps, under one lock:
//! its positions `L` (next offset per partition), a replay window of recent events (all events
//! at offsets `>= ring_start[p]` and `< L[p]`), and the subscribers. Every record is appended
//! to the window and offered to each matching subscriber's bounded queue in the same critical
//! section, so the reader's consumption order is one total order that every subscriber sees.
//!
//! Joining (the handoff from a resuming stream's own catch-up to the live fan-out) happens under
//! that lock too: a stream whose positions `P` satisfy `P[p] >= ring_start[p]` for every
//! partition takes the window's events at offsets `>= P[p]` as its backlog and is registered
//! before the reader can process another record. So it receives every later record exactly
//! once, in order; records it already had (`offset < P[p]`) are dropped by offset. A stream
//! further behind reads Kafka with its own temporary consumer until it reaches the window.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use herald_kafka::{KafkaConfig, KafkaError, RecordRef, TailConsumer};
use herald_runtime::trace;
use herald_watch::ConfigHandle;
use tokio::sync::{OnceCell, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Span;

use crate::EdgeError;
use crate::cursor::{Cursor, MAX_CURSOR_PARTITIONS, TopicTag, encode_positions};
use crate::metrics::Metrics;
use crate::payload_filter;
use crate::sse;

const KAFKA_TIMEOUT: Duration = Duration::from_secs(10);

/// Attributes of async request-reply that streams show besides type, time and data: a
/// request's `replyto` (where to post the reply) and a reply's `correlationid` (the request's
/// id), as (header, name).
const REPLY_ATTRIBUTES: [(&str, &str); 2] = [
    ("ce_replyto", "replyto"),
    ("ce_correlationid", "correlationid"),
];

/// Why a subscription ended (read by the stream from its queue).
pub(crate) const OPEN: u8 = 0;
/// The client fell `client_buffer` events behind.
pub(crate) const SLOW: u8 = 1;
/// The reader stopped (no stream for `reader_linger`, or it failed).
pub(crate) const GONE: u8 = 2;
/// The node is shutting down.
pub(crate) const DRAINING: u8 = 3;

/// One stream's share of the fan-out: the events offered to it and the reader's signals
/// (heartbeat due, configuration changed, ended), behind a lock of its own.
///
/// Why not a tokio channel: an mpsc channel allocates its first block of 32 slots when it is
/// made, and the stream would need a timer for its heartbeat and a future per signal it waits
/// on; here an idle stream holds an empty queue (no allocation) and waits on one waker.
#[derive(Default)]
pub(crate) struct Queue(Mutex<Inbox>);

#[derive(Default)]
struct Inbox {
    events: VecDeque<Arc<LiveEvent>>,
    ended: u8,
    beat: bool,
    recheck: bool,
    waker: Option<Waker>,
}

impl Inbox {
    /// Keeps `cx`'s waker, unless the one held already wakes the same task.
    fn register(&mut self, cx: &Context<'_>) {
        if !self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            self.waker = Some(cx.waker().clone());
        }
    }
}

/// What a stream takes from its [`Queue`], most urgent first.
pub(crate) enum Signal {
    /// The subscription ended ([`SLOW`], [`GONE`] or [`DRAINING`]).
    Ended(u8),
    /// The configuration changed: re-check the stream's authorization.
    Recheck,
    /// The next live event.
    Event(Arc<LiveEvent>),
    /// A heartbeat is due.
    Beat,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Inbox> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the inbox and wakes the stream.
    fn signal(&self, f: impl FnOnce(&mut Inbox)) {
        let mut inbox = self.lock();
        f(&mut inbox);
        let waker = inbox.waker.take();
        drop(inbox);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Queues `event` unless `capacity` events are already waiting; whether it was queued.
    fn offer(&self, event: &Arc<LiveEvent>, capacity: usize) -> bool {
        let mut inbox = self.lock();
        if inbox.events.len() >= capacity {
            inbox.ended = SLOW;
        } else {
            inbox.events.push_back(event.clone());
        }
        let queued = inbox.ended == OPEN;
        let waker = inbox.waker.take();
        drop(inbox);
        if let Some(waker) = waker {
            waker.wake();
        }
        queued
    }

    /// The next signal; registers the stream's waker when there is none. A cut or a drain ends
    /// the stream at once (what is queued would only delay the reason); a stopped reader's
    /// queued events come first.
    pub fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Signal> {
        let mut inbox = self.lock();
        if matches!(inbox.ended, SLOW | DRAINING) {
            return Poll::Ready(Signal::Ended(inbox.ended));
        }
        if std::mem::take(&mut inbox.recheck) {
            return Poll::Ready(Signal::Recheck);
        }
        if let Some(event) = inbox.events.pop_front() {
            return Poll::Ready(Signal::Event(event));
        }
        if inbox.ended != OPEN {
            return Poll::Ready(Signal::Ended(inbox.ended));
        }
        if std::mem::take(&mut inbox.beat) {
            return Poll::Ready(Signal::Beat);
        }
        inbox.register(cx);
        Poll::Pending
    }

    /// Ready once the reader cut the stream for falling behind; registers the stream's waker
    /// until then.
    pub fn poll_cut(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut inbox = self.lock();
        if inbox.ended == SLOW {
            return Poll::Ready(());
        }
        inbox.register(cx);
        Poll::Pending
    }

    /// The next queued event, if the subscription is still open.
    pub fn try_next(&self) -> Option<Arc<LiveEvent>> {
        let mut inbox = self.lock();
        if inbox.ended != OPEN {
            return None;
        }
        inbox.events.pop_front()
    }

    /// Whether nothing is queued and the subscription is open: the stream has taken every
    /// event the reader offered it.
    pub fn is_drained(&self) -> bool {
        let inbox = self.lock();
        inbox.events.is_empty() && inbox.ended == OPEN
    }

    /// Why the subscription ended, or [`OPEN`].
    #[cfg(test)]
    pub fn ended(&self) -> u8 {
        self.lock().ended
    }
}

/// One record as every stream of the topic sends it.
#[derive(Debug)]
pub(crate) struct LiveEvent {
    pub partition: i32,
    pub offset: i64,
    /// CloudEvents type; empty for records that are not CloudEvents (never delivered).
    pub ty: Box<str>,
    /// `event:` and `data:` lines.
    pub body: Bytes,
    /// CloudEvents time, as the producer set it; empty when absent.
    pub time: Box<str>,
    /// The JSON form's members after `id` (`"type":...}`), made when a WebSocket first needs it.
    json: OnceLock<Bytes>,
    /// The reader's positions just after this record.
    pub positions: Box<[i64]>,
    /// `positions` encoded.
    pub cursor: Box<str>,
    /// The record's `traceparent`, kept only while spans are exported.
    pub traceparent: Option<Box<str>>,
    /// [`REPLY_ATTRIBUTES`] the record has, as JSON members (`,"replyto":"..."`).
    reply_members: Option<Box<str>>,
    /// What payload filters read besides `ty`, `time` and the payload.
    attrs: payload_filter::Attrs,
}

impl LiveEvent {
    /// Builds the shared form of a record.
    pub fn from_record(message: &RecordRef<'_>, topic: TopicTag, positions: Box<[i64]>) -> Self {
        let header = |name: &str| {
            message
                .header(name)
                .and_then(|v| std::str::from_utf8(v).ok())
        };
        let ty = header("ce_type").unwrap_or_default();
        let time = header("ce_time").unwrap_or_default();
        let traceparent = trace::exporting()
            .then(|| header("traceparent"))
            .flatten()
            .map(Box::from);
        let mut sse_fields = String::new();
        let mut reply_members = String::new();
        for (name, value) in REPLY_ATTRIBUTES.iter().filter_map(|(h, name)| {
            header(h)
                .filter(|v| !v.is_empty() && !v.contains(['\r', '\n']))
                .map(|v| (name, v))
        }) {
            // SSE: a field EventSource ignores, for clients that read the raw fields.
            sse_fields.push_str(&format!("{name}: {value}\n"));
            reply_members.push_str(&format!(",\"{name}\":{}", json_string(value)));
        }
        let body = if ty.is_empty() {
            Bytes::new()
        } else if sse_fields.is_empty() {
            sse::event_body(ty, message.payload().unwrap_or_default())
        } else {
            let body = sse::event_body(ty, message.payload().unwrap_or_default());
            [sse_fields.as_bytes(), &body].concat().into()
        };
        Self {
            partition: message.partition(),
            offset: message.offset(),
            ty: ty.into(),
            body,
            time: time.into(),
            json: OnceLock::new(),
            cursor: encode_positions(topic, &positions).into(),
            positions,
            traceparent,
            reply_members: Some(reply_members.into_boxed_str()).filter(|m| !m.is_empty()),
            attrs: payload_filter::Attrs::of(message),
        }
    }

    fn size(&self) -> usize {
        // Without the JSON form, made on demand: a size must not change while the event is in
        // the window (`replay_bytes` says so).
        self.body.len()
            + self.time.len()
            + self.cursor.len()
            + self.positions.len() * 8
            + self.attrs.size()
            + 64
    }

    /// `"type":...,"time":...,"data":...}`: the members of the event's JSON form after `id`,
    /// shared by every WebSocket of the topic. `data` is the payload itself when it is JSON,
    /// else a JSON string of it.
    pub fn json_tail(&self) -> &[u8] {
        self.json.get_or_init(|| {
            let data = sse_data(&self.body);
            let mut out = Vec::with_capacity(data.len() + self.ty.len() + self.time.len() + 40);
            out.extend_from_slice(b"\"type\":");
            out.extend_from_slice(json_string(&self.ty).as_bytes());
            if !self.time.is_empty() {
                out.extend_from_slice(b",\"time\":");
                out.extend_from_slice(json_string(&self.time).as_bytes());
            }
            if let Some(members) = &self.reply_members {
                out.extend_from_slice(members.as_bytes());
            }
            out.extend_from_slice(b",\"data\":");
            if serde_json::from_slice::<serde::de::IgnoredAny>(&data).is_ok() {
                out.extend_from_slice(&data);
            } else {
                out.extend_from_slice(json_string(&String::from_utf8_lossy(&data)).as_bytes());
            }
            out.push(b'}');
            Bytes::from(out)
        })
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// The payload as the SSE body carries it: its `data:` lines joined by line feeds (the
/// payload's own line breaks, normalized).
fn sse_data(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut lines = body
        .split(|b| *b == b'\n')
        .filter_map(|line| line.strip_prefix(b"data: "));
    let first = lines.next().unwrap_or_default();
    let Some(second) = lines.next() else {
        return first.into();
    };
    let mut joined = first.to_vec();
    for line in std::iter::once(second).chain(lines) {
        joined.push(b'\n');
        joined.extend_from_slice(line);
    }
    joined.into()
}

/// Applies `event` (in the reader's order) to a stream at `pos`. Returns whether the stream
/// must send it (it did not have it yet), whether the stream is now ahead of the reader on
/// some partition (so the event's shared cursor does not describe the stream), and whether
/// `pos` moved. Everything the reader processed before `event` was offered to the stream, so
/// `pos` may take the reader's positions.
pub(crate) fn advance(pos: &mut [i64], event: &LiveEvent) -> (bool, bool, bool) {
    let fresh = pos
        .get(event.partition as usize)
        .is_some_and(|p| event.offset >= *p);
    let mut ahead = false;
    let mut moved = false;
    for (mine, theirs) in pos.iter_mut().zip(event.positions.iter()) {
        if *theirs > *mine {
            *mine = *theirs;
            moved = true;
        } else if *mine > *theirs {
            ahead = true;
        }
    }
    (fresh, ahead, moved)
}

/// What one stream sends: `?types=` (exact types and `prefix.*` patterns; none passes every
/// type) and, for a named consumer's member, only its partitions.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    types: Vec<String>,
    /// Per partition, whether it is sent; `None`: all.
    partitions: Option<Vec<bool>>,
    /// `?filter=`: the payload filter, parsed once per stream.
    expr: Option<Arc<herald_core::Filter>>,
}

impl Filter {
    /// Events of `types` (exact or `prefix.*`; empty: every type).
    pub fn types(types: Vec<String>) -> Self {
        Self {
            types,
            partitions: None,
            expr: None,
        }
    }

    /// Also only events the payload filter `expr` accepts.
    pub fn with_expr(mut self, expr: Option<Arc<herald_core::Filter>>) -> Self {
        self.expr = expr;
        self
    }

    /// The payload filter.
    pub fn expr(&self) -> Option<Arc<herald_core::Filter>> {
        self.expr.clone()
    }

    /// Only events of `partitions`.
    pub fn only_partitions(mut self, partitions: &[i32]) -> Self {
        let n = partitions.iter().max().map_or(0, |p| *p as usize + 1);
        let mut mask = vec![false; n];
        for p in partitions {
            mask[*p as usize] = true;
        }
        self.partitions = Some(mask);
        self
    }

    /// Whether this filter passes every event.
    pub fn is_all(&self) -> bool {
        self.types.is_empty() && self.partitions.is_none() && self.expr.is_none()
    }

    /// Whether the stream sends `event`.
    pub fn passes(&self, event: &LiveEvent) -> bool {
        !event.ty.is_empty()
            && self
                .partitions
                .as_ref()
                .is_none_or(|mask| mask.get(event.partition as usize).copied().unwrap_or(false))
            && herald_core::event_type_matches(&self.types, &event.ty)
            && self.expr.as_ref().is_none_or(|f| {
                let data = sse_data(&event.body);
                f.matches(&event.attrs.view(&event.ty, &event.time, &data))
            })
    }
}

/// Tells the connection of a cut client to close once it had time to read why.
#[derive(Debug, Clone)]
pub struct ConnKill(pub CancellationToken);

impl ConnKill {
    fn cut_after(&self, grace: Duration) {
        let token = self.0.clone();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            token.cancel();
        });
    }
}

/// Who a stream serves, as the hub needs it when it cuts the stream.
#[derive(Debug, Clone, Default)]
pub(crate) struct Client {
    /// The credential: a key, or one access token (so a cut is told to that client only).
    pub who: Arc<str>,
    /// Closes the connection of a cut client.
    pub kill: Option<ConnKill>,
}

/// Streams cut for falling behind, remembered per credential and topic, so the client's next
/// stream says why the last one ended: the final event of a cut stream sits behind data the
/// client never read, and the connection closes before it gets there.
#[derive(Debug, Default)]
pub(crate) struct Cuts(Mutex<HashMap<(Arc<str>, String), Instant>>);

/// How long a cut is remembered: a client that reconnects later learns nothing new from it.
const CUT_MEMORY: Duration = Duration::from_secs(600);
/// Most cuts remembered on a node; the oldest go first.
const MAX_CUTS: usize = 10_000;

impl Cuts {
    fn lock(&self) -> MutexGuard<'_, HashMap<(Arc<str>, String), Instant>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, who: &Arc<str>, topic: &str) {
        let mut cuts = self.lock();
        cuts.retain(|_, at| at.elapsed() < CUT_MEMORY);
        if cuts.len() >= MAX_CUTS
            && let Some(oldest) = cuts
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(k, _)| k.clone())
        {
            cuts.remove(&oldest);
        }
        cuts.insert((who.clone(), topic.to_owned()), Instant::now());
    }

    /// How long ago `who`'s last stream of `topic` was cut, if it was recently; forgets it.
    pub fn take(&self, who: &str, topic: &str) -> Option<Duration> {
        let at = self.lock().remove(&(Arc::from(who), topic.to_owned()))?;
        Some(at.elapsed()).filter(|ago| *ago < CUT_MEMORY)
    }
}

struct Sub {
    id: u64,
    filter: Arc<Filter>,
    queue: Arc<Queue>,
    client: Client,
}

struct State {
    positions: Vec<i64>,
    ring: VecDeque<Arc<LiveEvent>>,
    ring_bytes: usize,
    ring_start: Vec<i64>,
    subs: Vec<Sub>,
    closed: bool,
    idle_since: Option<Instant>,
}

/// Settings shared by all readers.
#[derive(Debug, Clone)]
pub(crate) struct HubSettings {
    pub client_buffer: usize,
    pub replay_events: usize,
    pub replay_bytes: usize,
    pub linger: Duration,
    pub slow_grace: Duration,
    pub max_catchup_readers: usize,
    pub heartbeat: Duration,
}

/// The live reader of one topic.
pub(crate) struct TopicReader {
    pub topic: String,
    /// The identity every cursor of this reader's streams carries.
    pub tag: TopicTag,
    pub partitions: usize,
    /// High watermarks when the reader started: a `now` stream never starts below them, even
    /// while the reader still replays from an earlier start.
    start_high: Vec<i64>,
    state: Mutex<State>,
    consumer: TailConsumer,
    next_id: AtomicU64,
    settings: HubSettings,
    metrics: Metrics,
    cuts: Arc<Cuts>,
}

/// Outcome of [`TopicReader::join`].
pub(crate) enum Join {
    /// Registered; send `backlog` first, then the queue.
    Joined(LiveSub, Vec<Arc<LiveEvent>>),
    /// The stream is behind the replay window: catch up from Kafka first.
    Behind,
    /// The reader stopped; get a new one.
    Closed,
}

/// A stream's registration with a reader; dropping it unsubscribes.
pub(crate) struct LiveSub {
    reader: Arc<TopicReader>,
    id: u64,
    pub queue: Arc<Queue>,
}

impl Drop for LiveSub {
    fn drop(&mut self) {
        let mut state = self.reader.lock();
        state.subs.retain(|s| s.id != self.id);
        if state.subs.is_empty() && state.idle_since.is_none() {
            state.idle_since = Some(Instant::now());
        }
    }
}

impl TopicReader {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated in a way that
        // matters more than losing the reader, so keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The reader's positions now.
    pub fn positions(&self) -> Vec<i64> {
        self.lock().positions.clone()
    }

    /// Where a `now` stream starts: the live position, but never before the end of the topic
    /// as it was when the reader started.
    pub fn now_positions(&self) -> Vec<i64> {
        let mut pos = self.positions();
        for (p, high) in pos.iter_mut().zip(&self.start_high) {
            *p = (*p).max(*high);
        }
        pos
    }

    /// Registers a stream at `pos` if the replay window covers it (see the module doc).
    pub fn join(self: &Arc<Self>, pos: &[i64], filter: &Arc<Filter>, client: &Client) -> Join {
        let mut state = self.lock();
        if state.closed {
            return Join::Closed;
        }
        if pos
            .iter()
            .zip(&state.ring_start)
            .any(|(p, start)| p < start)
        {
            return Join::Behind;
        }
        let backlog: Vec<Arc<LiveEvent>> = state
            .ring
            .iter()
            .filter(|e| e.offset >= pos[e.partition as usize] && filter.passes(e))
            .cloned()
            .collect();
        if !backlog.is_empty() {
            self.metrics.replay_joins.inc();
        }
        let queue = Arc::new(Queue::default());
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        state.subs.push(Sub {
            id,
            filter: filter.clone(),
            queue: queue.clone(),
            client: client.clone(),
        });
        state.idle_since = None;
        drop(state);
        Join::Joined(
            LiveSub {
                reader: self.clone(),
                id,
                queue,
            },
            backlog,
        )
    }

    /// Low and high watermark of every partition.
    pub async fn watermarks(&self) -> Result<Vec<(i64, i64)>, EdgeError> {
        let partitions = (0..self.partitions as i32).collect();
        Ok(self
            .consumer
            .watermarks(&self.topic, partitions, KAFKA_TIMEOUT)
            .await?)
    }

    /// For each partition, the first offset at or after `timestamp_ms` (the high watermark where
    /// there is none).
    pub async fn offsets_for_time(&self, timestamp_ms: i64) -> Result<Vec<i64>, EdgeError> {
        let found = self
            .consumer
            .offsets_for_time(
                &self.topic,
                (0..self.partitions as i32).collect(),
                timestamp_ms,
                KAFKA_TIMEOUT,
            )
            .await?;
        let marks = self.watermarks().await?;
        let mut out: Vec<i64> = marks.iter().map(|(_, high)| *high).collect();
        for (p, offset) in found {
            if let (Some(o), Some(slot)) = (offset, out.get_mut(p as usize)) {
                *slot = o;
            }
        }
        Ok(out)
    }

    /// The span of one event's fan-out on this node, a child of the record's `traceparent`.
    ///
    /// One span per event per node, not one per stream: a topic may have thousands of streams
    /// here, and a span each would multiply the export volume and the time spent under the
    /// reader's lock by the audience size while telling no more than the `streams` count does.
    /// Catch-up reads (resumes far behind) make none: they re-send old events, one stream each.
    fn fanout_span(&self, event: &LiveEvent) -> Span {
        let Some(tp) = event
            .traceparent
            .as_deref()
            .filter(|_| !event.body.is_empty())
        else {
            return Span::none();
        };
        let span = tracing::info_span!(
            "sse.fanout",
            otel.kind = "producer",
            topic = %self.topic,
            partition = event.partition,
            offset = event.offset,
            event_type = %event.ty,
            streams = tracing::field::Empty,
        );
        trace::set_remote_parent(&span, Some(tp));
        span
    }

    fn process(&self, event: LiveEvent) {
        let span = self.fanout_span(&event);
        let _entered = span.enter();
        let event = Arc::new(event);
        let mut state = self.lock();
        let p = event.partition as usize;
        if p >= state.positions.len() || event.offset < state.positions[p] {
            return;
        }
        state.positions[p] = event.offset + 1;
        let size = event.size();
        state.ring.push_back(event.clone());
        state.ring_bytes += size;
        while state.ring.len() > self.settings.replay_events.max(1)
            || (state.ring_bytes > self.settings.replay_bytes && state.ring.len() > 1)
        {
            let Some(old) = state.ring.pop_front() else {
                break;
            };
            state.ring_bytes -= old.size();
            let slot = &mut state.ring_start[old.partition as usize];
            *slot = (*slot).max(old.offset + 1);
        }
        if event.body.is_empty() {
            return;
        }
        let mut slow = 0;
        let mut streams = 0u64;
        let grace = self.settings.slow_grace;
        let capacity = self.settings.client_buffer.max(1);
        state.subs.retain(|s| {
            if !s.filter.passes(&event) {
                return true;
            }
            if s.queue.offer(&event, capacity) {
                streams += 1;
                return true;
            }
            self.cuts.record(&s.client.who, &self.topic);
            if let Some(kill) = &s.client.kill {
                kill.cut_after(grace);
            }
            slow += 1;
            false
        });
        span.record("streams", streams);
        if slow > 0 {
            self.metrics.slow_disconnects.inc_by(slow);
            tracing::info!(topic = %self.topic, clients = slow, "cut slow consumers");
        }
        if state.subs.is_empty() && state.idle_since.is_none() {
            state.idle_since = Some(Instant::now());
        }
    }

    /// Stops serving: subscribers see their queue end with `reason` ([`GONE`] or [`DRAINING`]).
    fn close(&self, reason: u8) {
        let mut state = self.lock();
        state.closed = true;
        for s in state.subs.drain(..) {
            s.queue.signal(|inbox| inbox.ended = reason);
        }
    }

    /// Tells the streams whose turn it is in heartbeat round `round` of `rounds` to send one.
    /// Each stream's turn comes once per `rounds` ticks, and the turns are spread over the
    /// rounds so thousands of idle streams do not all write at the same instant.
    fn beat(&self, round: u64, rounds: u64) {
        let state = self.lock();
        for s in state
            .subs
            .iter()
            .filter(|s| s.id % rounds == round % rounds)
        {
            s.queue.signal(|inbox| inbox.beat = true);
        }
    }

    /// Tells every stream to re-check its authorization against a new configuration.
    fn recheck(&self) {
        let state = self.lock();
        for s in &state.subs {
            s.queue.signal(|inbox| inbox.recheck = true);
        }
    }

    fn idle_for(&self, linger: Duration) -> bool {
        let state = self.lock();
        state.subs.is_empty() && state.idle_since.is_some_and(|t| t.elapsed() >= linger)
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

/// Readers by Kafka topic and identity: a topic deleted and created again under the same name
/// gets a reader of its own rather than the lingering one of its predecessor.
type SlotMap = HashMap<(String, TopicTag), Arc<OnceCell<Arc<TopicReader>>>>;
type Slots = Arc<Mutex<SlotMap>>;

/// All readers of this node.
pub(crate) struct Hub {
    kafka: KafkaConfig,
    pub settings: HubSettings,
    slots: Slots,
    pub catchup: Arc<Semaphore>,
    pub metrics: Metrics,
    pub shutdown: CancellationToken,
    tracker: TaskTracker,
    /// Recent slow-consumer cuts of every reader of this node.
    pub cuts: Arc<Cuts>,
    /// The filter of every stream that takes every event, shared.
    pub all: Arc<Filter>,
}

fn lock_slots(slots: &Slots) -> MutexGuard<'_, SlotMap> {
    slots.lock().unwrap_or_else(|e| e.into_inner())
}

/// A consumer without a group (partitions are assigned explicitly); never commits.
pub(crate) fn assign_consumer(
    kafka: &KafkaConfig,
    prefetch_kbytes: u32,
) -> Result<TailConsumer, KafkaError> {
    let client = kafka
        .client()
        .tune("fetch.wait.max.ms", "100")
        .tune("queued.max.messages.kbytes", prefetch_kbytes.to_string());
    TailConsumer::new(client, "herald-edge-unused", false)
}

impl Hub {
    pub fn new(
        kafka: KafkaConfig,
        settings: HubSettings,
        metrics: Metrics,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) -> Self {
        Self {
            kafka,
            catchup: Arc::new(Semaphore::new(settings.max_catchup_readers.max(1))),
            settings,
            slots: Arc::default(),
            metrics,
            shutdown,
            tracker,
            cuts: Arc::default(),
            all: Arc::default(),
        }
    }

    pub fn kafka(&self) -> &KafkaConfig {
        &self.kafka
    }

    /// Follows `view`: on every change, each live stream re-checks its authorization (one
    /// task per node instead of a watch future per stream).
    pub fn follow_config(&self, mut view: ConfigHandle) {
        let slots = self.slots.clone();
        let shutdown = self.shutdown.clone();
        view.mark_seen();
        self.tracker.spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    alive = view.changed() => if !alive {
                        return;
                    },
                }
                let readers: Vec<Arc<TopicReader>> = lock_slots(&slots)
                    .values()
                    .filter_map(|slot| slot.get().cloned())
                    .collect();
                for reader in readers {
                    reader.recheck();
                }
            }
        });
    }

    /// The live reader of `topic`, started if needed (concurrent callers share one start).
    ///
    /// `hint` is the cursor of the request that may start it: when it is at most
    /// `replay_events` records behind the end, the reader starts there instead of at the end.
    /// After a node restart, a reconnect storm carries cursors close to each other, so all of
    /// them join the reader at once instead of each reading Kafka with its own consumer.
    pub async fn reader(
        &self,
        topic: &str,
        tag: TopicTag,
        hint: Option<&Cursor>,
    ) -> Result<Arc<TopicReader>, EdgeError> {
        let key = (topic.to_owned(), tag);
        loop {
            if self.shutdown.is_cancelled() {
                return Err(EdgeError::Unavailable("the edge is shutting down".into()));
            }
            let slot = lock_slots(&self.slots)
                .entry(key.clone())
                .or_default()
                .clone();
            match slot.get_or_try_init(|| self.start(topic, tag, hint)).await {
                Ok(reader) if !reader.is_closed() => return Ok(reader.clone()),
                result => {
                    let mut slots = lock_slots(&self.slots);
                    if slots.get(&key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                        slots.remove(&key);
                    }
                    result?;
                }
            }
        }
    }

    async fn start(
        &self,
        topic: &str,
        tag: TopicTag,
        hint: Option<&Cursor>,
    ) -> Result<Arc<TopicReader>, EdgeError> {
        let consumer = assign_consumer(&self.kafka, 16 * 1024)?;
        let hint: Option<std::collections::BTreeMap<i32, i64>> = hint.map(|c| c.offsets.clone());
        let budget = self.settings.replay_events as i64;
        let (starts, highs) =
            open_reader(&consumer, topic, hint, budget)
                .await
                .map_err(|e| match e {
                    KafkaError::UnknownTopic(t) => {
                        EdgeError::NotFound(format!("kafka topic {t} does not exist"))
                    }
                    KafkaError::Unsupported(message) => EdgeError::BadRequest(message),
                    e => EdgeError::Kafka(e),
                })?;
        let reader = Arc::new(TopicReader {
            topic: topic.to_owned(),
            tag,
            partitions: highs.len(),
            start_high: highs,
            state: Mutex::new(State {
                ring_start: starts.clone(),
                positions: starts,
                ring: VecDeque::new(),
                ring_bytes: 0,
                subs: Vec::new(),
                closed: false,
                idle_since: Some(Instant::now()),
            }),
            consumer,
            next_id: AtomicU64::new(0),
            settings: self.settings.clone(),
            metrics: self.metrics.clone(),
            cuts: self.cuts.clone(),
        });
        self.metrics.live_readers.inc();
        tracing::info!(
            topic,
            partitions = reader.partitions,
            "topic reader started"
        );
        self.tracker.spawn(read_loop(
            reader.clone(),
            self.slots.clone(),
            self.shutdown.clone(),
            self.metrics.clone(),
        ));
        Ok(reader)
    }
}

/// Assigns every partition of `name` to `consumer`, each at the `hint` (clamped to what Kafka
/// retains) when the hint is at most `budget` records behind in all, else at the end; returns
/// the start and the high watermark of every partition.
async fn open_reader(
    consumer: &TailConsumer,
    name: &str,
    hint: Option<std::collections::BTreeMap<i32, i64>>,
    budget: i64,
) -> Result<(Vec<i64>, Vec<i64>), KafkaError> {
    let partitions = consumer
        .partitions(name, KAFKA_TIMEOUT)
        .await?
        .map(|p| p.len())
        .filter(|n| *n > 0)
        .ok_or_else(|| KafkaError::UnknownTopic(name.to_owned()))?;
    if partitions as u64 > MAX_CURSOR_PARTITIONS {
        return Err(KafkaError::Unsupported(format!(
            "topic {name} has {partitions} partitions; streams support at most \
             {MAX_CURSOR_PARTITIONS} (the resume cursor must fit in a header)"
        )));
    }
    let marks = consumer
        .watermarks(name, (0..partitions as i32).collect(), KAFKA_TIMEOUT)
        .await?;
    let mut highs = Vec::with_capacity(partitions);
    let mut starts = Vec::with_capacity(partitions);
    for (p, (low, high)) in marks.into_iter().enumerate() {
        let wanted = hint
            .as_ref()
            .and_then(|h| h.get(&(p as i32)))
            .copied()
            .unwrap_or(high);
        starts.push(wanted.clamp(low, high));
        highs.push(high);
    }
    let behind: i64 = highs.iter().zip(&starts).map(|(h, s)| h - s).sum();
    if behind > budget {
        starts.clone_from(&highs);
    }
    let assignment: Vec<(i32, i64)> = starts
        .iter()
        .enumerate()
        .map(|(p, start)| (p as i32, *start))
        .collect();
    consumer.assign(name, &assignment)?;
    Ok((starts, highs))
}

async fn read_loop(
    reader: Arc<TopicReader>,
    slots: Slots,
    shutdown: CancellationToken,
    metrics: Metrics,
) {
    let mut positions = reader.positions();
    // The reader's tick also drives its streams' heartbeats (see `TopicReader::beat`).
    let heartbeat = reader.settings.heartbeat;
    let period = heartbeat.min(Duration::from_millis(250));
    let rounds = (heartbeat.as_millis() / period.as_millis().max(1)).max(1) as u64;
    let mut tick = tokio::time::interval(period);
    let mut round = 0u64;
    let linger = reader.settings.linger;
    let mut errors = ErrorLog::default();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if reader.idle_for(linger) {
                    break;
                }
                round += 1;
                reader.beat(round, rounds);
            }
            message = reader.consumer.recv() => match message {
                Ok(m) => {
                    let p = m.partition() as usize;
                    if p < positions.len() && m.offset() >= positions[p] {
                        positions[p] = m.offset() + 1;
                        let event = LiveEvent::from_record(&m, reader.tag, positions.clone().into_boxed_slice());
                        drop(m);
                        reader.process(event);
                    }
                }
                Err(error) => {
                    errors.report(&reader.topic, &error);
                    // Back off so a persistent error does not spin the reader.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    reader.close(if shutdown.is_cancelled() {
        DRAINING
    } else {
        GONE
    });
    {
        let mut slots = lock_slots(&slots);
        let key = (reader.topic.clone(), reader.tag);
        if slots
            .get(&key)
            .and_then(|s| s.get())
            .is_some_and(|r| Arc::ptr_eq(r, &reader))
        {
            slots.remove(&key);
        }
    }
    metrics.live_readers.dec();
    tracing::info!(topic = %reader.topic, "topic reader stopped");
}

/// Warns of a reader's Kafka errors at most every ten seconds: during a broker outage the reader
/// retries every 100 ms and would otherwise log hundreds of identical lines.
#[derive(Default)]
struct ErrorLog {
    last: Option<std::time::Instant>,
    suppressed: u64,
}

impl ErrorLog {
    fn report(&mut self, topic: &str, error: &impl std::fmt::Display) {
        let due = self
            .last
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(10));
        if due {
            tracing::warn!(%topic, %error, suppressed = self.suppressed, "topic reader: kafka error");
            self.last = Some(std::time::Instant::now());
            self.suppressed = 0;
        } else {
            self.suppressed += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_errors_are_logged_at_most_every_ten_seconds() {
        let mut log = ErrorLog::default();
        for _ in 0..5 {
            log.report("t", &"broker down");
        }
        assert!(log.last.is_some());
        assert_eq!(
            log.suppressed, 4,
            "the first is logged, the next four counted"
        );
    }

    fn reader(partitions: usize, replay_events: usize, client_buffer: usize) -> Arc<TopicReader> {
        let kafka = KafkaConfig::new("127.0.0.1:1");
        Arc::new(TopicReader {
            topic: "t".into(),
            tag: TopicTag::default(),
            partitions,
            start_high: vec![0; partitions],
            state: Mutex::new(State {
                positions: vec![0; partitions],
                ring: VecDeque::new(),
                ring_bytes: 0,
                ring_start: vec![0; partitions],
                subs: Vec::new(),
                closed: false,
                idle_since: None,
            }),
            consumer: assign_consumer(&kafka, 1024).expect("consumer"),
            next_id: AtomicU64::new(0),
            settings: HubSettings {
                client_buffer,
                replay_events,
                replay_bytes: usize::MAX,
                linger: Duration::from_secs(1),
                slow_grace: Duration::from_secs(1),
                max_catchup_readers: 1,
                heartbeat: Duration::from_secs(1),
            },
            metrics: Metrics::default(),
            cuts: Arc::default(),
        })
    }

    fn event(partition: i32, offset: i64, positions: &[i64], ty: &str) -> LiveEvent {
        LiveEvent {
            partition,
            offset,
            ty: ty.into(),
            body: sse::event_body(ty, format!("{partition}:{offset}").as_bytes()),
            time: "".into(),
            json: OnceLock::new(),
            positions: positions.into(),
            cursor: encode_positions(TopicTag::default(), positions).into(),
            traceparent: None,
            reply_members: None,
            attrs: Default::default(),
        }
    }

    #[test]
    fn payload_filters_read_the_type_and_the_data() {
        let filter = |expr: &str| {
            Filter::types(Vec::new())
                .with_expr(Some(Arc::new(herald_core::Filter::parse(expr).unwrap())))
        };
        let mut e = event(0, 0, &[1], "order.created");
        e.body = sse::event_body("order.created", b"{\"amount\": 120,\n\"tier\": \"gold\"}");
        assert!(filter("type == 'order.created' && data.amount > 100").passes(&e));
        assert!(filter("data.tier == 'gold'").passes(&e));
        assert!(!filter("data.amount > 200").passes(&e));
        assert!(!filter("has(subject)").passes(&e));
    }

    #[test]
    fn request_reply_attributes_join_the_json_form() {
        let mut e = event(0, 0, &[1], "rpc.ask");
        e.reply_members = Some(r#","replyto":"/v1/replies/x""#.into());
        assert_eq!(
            std::str::from_utf8(e.json_tail()).unwrap(),
            r#""type":"rpc.ask","replyto":"/v1/replies/x","data":"0:0"}"#
        );
    }

    struct ModelClient {
        start: Vec<i64>,
        pos: Vec<i64>,
        sub: Option<LiveSub>,
        got: Vec<(i32, i64)>,
        filter: Arc<Filter>,
    }

    impl ModelClient {
        fn take(&mut self, e: &LiveEvent) {
            let (fresh, _, _) = advance(&mut self.pos, e);
            if fresh && self.filter.passes(e) {
                self.got.push((e.partition, e.offset));
            }
        }
    }

    /// The handoff, as a model check: random record orders, random resume points (behind the
    /// window, inside it, ahead of the reader), catch-up reads from the log interleaved with the
    /// reader's progress, random filters. Every client must get exactly the records at or after
    /// its start that pass its filter, each once, in partition order.
    #[tokio::test]
    async fn handoff_is_exact() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n.max(1)
        };
        for round in 0..200 {
            let partitions = 1 + rand(4) as usize;
            let r = reader(partitions, 1 + rand(12) as usize, 10_000);
            // The log, and the reader's order over it.
            let mut log: Vec<Vec<String>> = vec![Vec::new(); partitions];
            let mut read = vec![0i64; partitions];
            let types = ["a.x", "a.y", "b"];
            let mut clients: Vec<ModelClient> = Vec::new();
            for _step in 0..300 {
                match rand(10) {
                    // Produce a record.
                    0..=2 => {
                        let p = rand(partitions as u64) as usize;
                        log[p].push(types[rand(3) as usize].to_owned());
                    }
                    // The live reader consumes the next record of a partition.
                    3..=5 => {
                        let p = rand(partitions as u64) as usize;
                        if (read[p] as usize) < log[p].len() {
                            let o = read[p];
                            read[p] += 1;
                            r.process(event(p as i32, o, &read, &log[p][o as usize]));
                        }
                    }
                    // A client arrives with a cursor somewhere in the log (or beyond the reader).
                    6 => {
                        let start: Vec<i64> = (0..partitions)
                            .map(|p| rand(log[p].len() as u64 + 1) as i64)
                            .collect();
                        let filter = Arc::new(match rand(3) {
                            0 => Filter::default(),
                            1 => Filter::types(vec!["a.*".into()]),
                            _ => Filter::types(vec!["b".into()]),
                        });
                        clients.push(ModelClient {
                            pos: start.clone(),
                            start,
                            sub: None,
                            got: Vec::new(),
                            filter,
                        });
                    }
                    // Clients make progress: catch-up read, join attempt, or draining the queue.
                    _ => {
                        for c in clients.iter_mut() {
                            if let Some(sub) = c.sub.take() {
                                while let Some(e) = sub.queue.try_next() {
                                    c.take(&e);
                                }
                                c.sub = Some(sub);
                                continue;
                            }
                            match r.join(&c.pos, &c.filter, &Client::default()) {
                                Join::Joined(sub, backlog) => {
                                    for e in &backlog {
                                        c.take(e);
                                    }
                                    c.sub = Some(sub);
                                }
                                Join::Behind => {
                                    // Catch-up consumer: the next record of some partition.
                                    let p = rand(partitions as u64) as usize;
                                    let o = c.pos[p];
                                    if (o as usize) < log[p].len() {
                                        let mut positions = c.pos.clone();
                                        positions[p] = o + 1;
                                        c.take(&event(
                                            p as i32,
                                            o,
                                            &positions,
                                            &log[p][o as usize],
                                        ));
                                    }
                                }
                                Join::Closed => unreachable!(),
                            }
                        }
                    }
                }
            }
            // Drain: the reader reads everything, clients finish catching up and draining.
            for p in 0..partitions {
                while (read[p] as usize) < log[p].len() {
                    let o = read[p];
                    read[p] += 1;
                    r.process(event(p as i32, o, &read, &log[p][o as usize]));
                }
            }
            for c in clients.iter_mut() {
                for _ in 0..10_000 {
                    if c.sub.is_some() {
                        break;
                    }
                    match r.join(&c.pos, &c.filter, &Client::default()) {
                        Join::Joined(sub, backlog) => {
                            for e in &backlog {
                                c.take(e);
                            }
                            c.sub = Some(sub);
                        }
                        _ => {
                            let p = (0..partitions)
                                .find(|p| c.pos[*p] < r.lock().ring_start[*p])
                                .expect("behind somewhere");
                            let o = c.pos[p];
                            let mut positions = c.pos.clone();
                            positions[p] = o + 1;
                            c.take(&event(p as i32, o, &positions, &log[p][o as usize]));
                        }
                    }
                }
                let sub = c.sub.take().expect("joined");
                while let Some(e) = sub.queue.try_next() {
                    c.take(&e);
                }
                let mut want = Vec::new();
                for (p, records) in log.iter().enumerate() {
                    for (o, ty) in records.iter().enumerate().skip(c.start[p] as usize) {
                        if herald_core::event_type_matches(&c.filter.types, ty) {
                            want.push((p as i32, o as i64));
                        }
                    }
                }
                let mut got = c.got.clone();
                for p in 0..partitions as i32 {
                    let offsets: Vec<i64> = got
                        .iter()
                        .filter(|(q, _)| *q == p)
                        .map(|(_, o)| *o)
                        .collect();
                    assert!(
                        offsets.windows(2).all(|w| w[0] < w[1]),
                        "round {round}: partition {p} out of order or duplicated: {offsets:?}"
                    );
                }
                got.sort_unstable();
                assert_eq!(got, want, "round {round}: start {:?}", c.start);
                if c.filter.types.is_empty() {
                    assert_eq!(
                        c.pos, read,
                        "round {round}: the cursor ends at the reader's position"
                    );
                }
                assert!(
                    c.pos.iter().zip(&read).all(|(a, b)| a <= b),
                    "round {round}: cursor beyond the log"
                );
            }
        }
    }

    #[tokio::test]
    async fn slow_subscriber_is_cut_and_others_are_not() {
        let r = reader(1, 16, 2);
        let all = Arc::new(Filter::default());
        let client = |who: &str| Client {
            who: who.into(),
            kill: None,
        };
        let Join::Joined(fast, _) = r.join(&[0], &all, &client("fast")) else {
            panic!("join")
        };
        let Join::Joined(slow, _) = r.join(&[0], &all, &client("slow")) else {
            panic!("join")
        };
        for o in 0..5 {
            r.process(event(0, o, &[o + 1], "a"));
            while fast.queue.try_next().is_some() {}
        }
        assert_eq!(slow.queue.ended(), SLOW);
        assert_eq!(fast.queue.ended(), OPEN);
        assert_eq!(r.lock().subs.len(), 1);
        // The cut is remembered for the slow client's next stream, once.
        assert!(r.cuts.take("slow", "t").is_some());
        assert!(r.cuts.take("slow", "t").is_none());
        assert!(r.cuts.take("fast", "t").is_none());
    }
}
