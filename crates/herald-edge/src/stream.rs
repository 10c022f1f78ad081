//! One stream (SSE or WebSocket, see `wire`): optional catch-up from Kafka with a temporary
//! consumer, then the live fan-out (see `hub` for the handoff), heartbeats, and the final frames.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use herald_kafka::TailConsumer;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::cursor::{Cursor, encode_positions};
use crate::guard::Guard;
use crate::hub::{
    Client, Filter, Hub, Join, LiveEvent, LiveSub, SLOW, TopicReader, advance, assign_consumer,
};
use crate::limits::StreamSlot;
use crate::wire::{End, Wire};
use crate::ws::{self, ClientOp, Violation};
use crate::{http, sse};

/// Most bytes gathered into one body chunk before it is handed to the connection.
const CHUNK: usize = 32 * 1024;

enum Phase {
    /// Waiting for a catch-up permit.
    NeedCatchUp,
    /// Reading Kafka with a temporary consumer.
    CatchUp {
        consumer: TailConsumer,
        /// Held while reading: bounds concurrent catch-up consumers.
        _permit: OwnedSemaphorePermit,
    },
    /// Receiving from the live reader.
    Live(LiveSub),
}

/// What let a stream in and keeps it in: its place under the connection limits and the
/// authorization it re-checks on every configuration change.
pub(crate) struct Admission {
    /// Held for the stream's life.
    pub slot: StreamSlot,
    /// Ends the stream when its access is revoked.
    pub guard: Guard,
}

/// The state of one open stream; [`EventStream::next_chunk`] yields the body.
pub(crate) struct EventStream {
    wire: Wire,
    hub: Arc<Hub>,
    reader: Arc<TopicReader>,
    filter: Arc<Filter>,
    /// Next offset per partition: everything below it was sent (or filtered out).
    pos: Vec<i64>,
    /// The positions of the last `id:` sent.
    sent: Vec<i64>,
    phase: Phase,
    out: BytesMut,
    heartbeat: Interval,
    shutdown: CancellationToken,
    client: Client,
    guard: Guard,
    ended: bool,
    /// Most events this stream sends (a pull answer's `limit`); `None`: no end.
    budget: Option<usize>,
    /// Events sent so far.
    delivered: usize,
    _slot: StreamSlot,
}

impl EventStream {
    /// A stream at `pos` whose first frames are already in `preamble`, ending after `limit`
    /// events if given.
    // One argument per part the request handler resolved; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        wire: Wire,
        hub: Arc<Hub>,
        reader: Arc<TopicReader>,
        filter: Arc<Filter>,
        (pos, limit): (Vec<i64>, Option<usize>),
        preamble: BytesMut,
        client: Client,
        admission: Admission,
    ) -> Self {
        let heartbeat = hub.settings.heartbeat;
        let shutdown = hub.shutdown.clone();
        let mut interval =
            tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut stream = Self {
            wire,
            hub,
            reader,
            filter,
            sent: pos.clone(),
            pos,
            phase: Phase::NeedCatchUp,
            out: preamble,
            heartbeat: interval,
            shutdown,
            client,
            guard: admission.guard,
            ended: false,
            budget: limit,
            delivered: 0,
            _slot: admission.slot,
        };
        stream.try_join();
        stream
    }

    /// The next piece of the body; `None` ends the response.
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            if !self.out.is_empty() {
                // Hand the whole buffer over (not `split`, which would keep its spare capacity
                // here): an idle stream then holds no buffer at all.
                return Some(std::mem::take(&mut self.out).freeze());
            }
            if self.ended || self.spent() {
                return None;
            }
            self.step().await;
        }
    }

    fn spent(&self) -> bool {
        self.budget.is_some_and(|b| self.delivered >= b)
    }

    /// Events sent so far.
    pub fn delivered(&self) -> usize {
        self.delivered
    }

    /// Whether the topic holds records past this stream's position that it has not yet read
    /// (a live stream's queue is not counted: it is read without waiting).
    pub fn behind(&self) -> bool {
        !matches!(self.phase, Phase::Live(_))
    }

    /// The cursor of everything sent (or skipped by the filter) so far.
    pub fn cursor(&mut self) -> String {
        self.skip_to_reader();
        encode_positions(self.reader.tag, &self.pos)
    }

    fn end(&mut self, end: End) {
        self.wire.end(&mut self.out, end);
        self.ended = true;
    }

    /// Applies a WebSocket client's message: an acknowledgement must name this topic; a new
    /// type filter applies from the stream's position on (it re-joins the reader with it).
    pub fn apply(&mut self, op: ClientOp) -> Result<(), Violation> {
        let refuse = |reason: String| Violation {
            code: ws::POLICY,
            reason,
        };
        match op {
            ClientOp::Ack { id } => {
                let cursor = Cursor::decode(&id).map_err(|e| refuse(e.to_string()))?;
                if cursor.topic.is_some_and(|t| t != self.reader.tag) {
                    return Err(refuse(
                        "the acknowledged id belongs to another topic".into(),
                    ));
                }
                self.hub.metrics.ws_acks.inc();
            }
            ClientOp::Filter { types, filter } => {
                let filter = match filter {
                    Some(expr) => http::parse_filter(Some(&types), Some(&expr)),
                    None => http::parse_filter(Some(&types), None)
                        .map(|f| f.with_expr(self.filter.expr())),
                }
                .map_err(|e| refuse(e.to_string()))?;
                self.filter = Arc::new(filter);
                if matches!(self.phase, Phase::Live(_)) {
                    // Dropping the subscription leaves its queued events unsent; the stream's
                    // positions are below them, so the re-join takes them from the window.
                    self.phase = Phase::NeedCatchUp;
                    self.try_join();
                }
            }
        }
        Ok(())
    }

    /// Ends a stream cut for falling behind with a `herald.cut` event a client can read, then
    /// the transport's own end (the SSE comment older clients look for, a WebSocket close).
    fn end_slow(&mut self) {
        let data = serde_json::json!({
            "reason": "slow_consumer",
            "message": format!(
                "this stream fell more than {} events behind and was cut; reconnect with \
                 the last id to resume",
                self.hub.settings.client_buffer
            ),
        });
        self.wire.notice(&mut self.out, sse::CUT, None, &data);
        self.end(End::Slow);
    }

    /// Ends the stream with a final `herald.revoked` event if the configuration no longer
    /// allows it; the client's reconnect is then refused by the same check.
    fn recheck(&mut self) {
        if let Some(reason) = self.guard.revoked() {
            let data = serde_json::json!({ "message": format!("access revoked: {reason}") });
            self.wire.notice(&mut self.out, sse::REVOKED, None, &data);
            self.end(End::Revoked);
            self.hub.metrics.streams_revoked.inc();
        }
    }

    /// Tries to hand over to the live fan-out; on success the backlog is queued.
    fn try_join(&mut self) {
        if matches!(self.phase, Phase::Live(_)) {
            return;
        }
        match self.reader.join(&self.pos, &self.filter, &self.client) {
            Join::Joined(sub, backlog) => {
                for event in backlog {
                    self.deliver(&event);
                }
                self.phase = Phase::Live(sub);
            }
            Join::Behind => {}
            Join::Closed => self.end(End::ReaderGone),
        }
    }

    /// Sends one event of the reader's order unless the stream had it already.
    fn deliver(&mut self, event: &LiveEvent) {
        if self.spent() {
            // Not taken: the position stays before it, so the next stream starts with it.
            return;
        }
        let (fresh, ahead) = advance(&mut self.pos, event);
        if fresh {
            if ahead {
                let cursor = encode_positions(self.reader.tag, &self.pos);
                self.wire.event(&mut self.out, &cursor, event);
            } else {
                self.wire.event(&mut self.out, &event.cursor, event);
            }
            self.sent.copy_from_slice(&self.pos);
            self.delivered += 1;
            self.hub.metrics.events_sent.inc();
        }
    }

    /// Heartbeat; also moves the client's cursor past events its filter skipped.
    fn beat(&mut self) {
        self.skip_to_reader();
        if self.pos != self.sent {
            let cursor = encode_positions(self.reader.tag, &self.pos);
            self.wire.cursor(&mut self.out, &cursor);
            self.sent.copy_from_slice(&self.pos);
        }
        self.wire.heartbeat(&mut self.out);
    }

    /// Moves a live stream with nothing queued to the reader's positions: what it skipped there
    /// did not pass its filter.
    fn skip_to_reader(&mut self) {
        if self.spent() {
            // Events past the budget were left behind (in the queue, or a join's backlog).
            return;
        }
        if let Phase::Live(sub) = &self.phase {
            // Read the reader's positions first: every record below them was already offered to
            // this stream's queue, so if the queue is empty (and the stream was not cut) the
            // stream has sent everything below them that passes its filter.
            let live = self.reader.positions();
            if sub.rx.is_empty() && sub.ended.load(Ordering::Acquire) == crate::hub::OPEN {
                for (mine, theirs) in self.pos.iter_mut().zip(live) {
                    *mine = (*mine).max(theirs);
                }
            }
        }
    }

    async fn step(&mut self) {
        if !matches!(self.phase, Phase::Live(_)) {
            // Boxed: catching up is transient, and every idle live stream's future would
            // otherwise be sized for a Kafka receive with its timeout (about 1 KB more). The
            // box is made in a statement of its own, or the temporary would keep that room.
            let catching_up = Box::pin(self.catch_up_step());
            return catching_up.await;
        }
        let shutdown = self.shutdown.clone();
        let Phase::Live(sub) = &mut self.phase else {
            return;
        };
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => self.end(End::Draining),
            event = sub.rx.recv() => match event {
                // Cut: what is still queued would only delay the reason further behind
                // data the client is not reading; it resumes from its cursor anyway.
                Some(_) if sub.ended.load(Ordering::Acquire) == SLOW => self.end_slow(),
                Some(event) => {
                    self.deliver(&event);
                    while self.out.len() < CHUNK && !self.spent() {
                        let Phase::Live(sub) = &mut self.phase else { break };
                        match sub.rx.try_recv() {
                            Ok(event) => self.deliver(&event),
                            Err(_) => break,
                        }
                    }
                }
                None => {
                    if sub.ended.load(Ordering::Acquire) == SLOW {
                        self.end_slow();
                    } else {
                        self.end(End::ReaderGone);
                    }
                }
            },
            _ = self.heartbeat.tick() => self.beat(),
            _ = self.guard.changed() => self.recheck(),
        }
    }

    /// One step of a stream that is not live yet: wait for a catch-up permit, or read Kafka.
    async fn catch_up_step(&mut self) {
        let shutdown = self.shutdown.clone();
        match &mut self.phase {
            Phase::Live(_) => {}
            Phase::NeedCatchUp => {
                let semaphore = self.hub.catchup.clone();
                tokio::select! {
                    biased;
                    _ = shutdown.cancelled() => self.end(End::Draining),
                    permit = semaphore.acquire_owned() => match permit {
                        Ok(permit) => match self.open_catchup() {
                            Ok(consumer) => {
                                self.hub.metrics.catchup_streams.inc();
                                self.phase = Phase::CatchUp { consumer, _permit: permit };
                            }
                            Err(error) => {
                                tracing::warn!(topic = %self.reader.topic, %error, "cannot start a catch-up reader");
                                self.end(End::ReaderGone);
                            }
                        },
                        Err(_) => self.end(End::Draining),
                    },
                    _ = self.heartbeat.tick() => self.beat(),
                    _ = self.guard.changed() => self.recheck(),
                }
            }
            Phase::CatchUp { consumer, .. } => {
                let mut read = None;
                tokio::select! {
                    biased;
                    _ = shutdown.cancelled() => self.end(End::Draining),
                    message = tokio::time::timeout(Duration::from_millis(200), consumer.recv()) => match message {
                        Ok(Ok(m)) => {
                            let p = m.partition() as usize;
                            if p < self.pos.len() && m.offset() >= self.pos[p] {
                                let mut positions = self.pos.clone();
                                positions[p] = m.offset() + 1;
                                read = Some(LiveEvent::from_record(&m, self.reader.tag, positions.into_boxed_slice()));
                            }
                        }
                        Ok(Err(error)) => {
                            tracing::warn!(topic = %self.reader.topic, %error, "catch-up reader: kafka error");
                            // Back off so a persistent error does not spin this stream.
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(_) => {
                            // Nothing new: offsets may skip records that are never delivered
                            // (transaction markers), so take the consumer's own position.
                            if let Ok(positions) = consumer.positions() {
                                for (p, o) in positions {
                                    if let Some(mine) = self.pos.get_mut(p as usize) {
                                        *mine = (*mine).max(o);
                                    }
                                }
                            }
                        }
                    },
                    _ = self.heartbeat.tick() => self.beat(),
                    _ = self.guard.changed() => self.recheck(),
                }
                if let Some(event) = read {
                    self.hub.metrics.catchup_reads.inc();
                    if self.filter.passes(&event) {
                        self.deliver(&event);
                    } else {
                        self.pos[event.partition as usize] = event.offset + 1;
                    }
                }
                if !self.ended {
                    self.try_join();
                }
            }
        }
    }

    fn open_catchup(&self) -> Result<TailConsumer, herald_kafka::KafkaError> {
        let consumer = assign_consumer(self.hub.kafka(), 2048)?;
        let starts: Vec<(i32, i64)> = self
            .pos
            .iter()
            .enumerate()
            .map(|(p, o)| (p as i32, *o))
            .collect();
        consumer.assign(&self.reader.topic, &starts)?;
        Ok(consumer)
    }
}
