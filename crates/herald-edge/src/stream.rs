//! One stream (SSE or WebSocket, see `wire`): optional catch-up from Kafka with a temporary
//! consumer, then the live fan-out (see `hub` for the handoff), heartbeats, and the final frames.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use herald_kafka::TailConsumer;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Interval, MissedTickBehavior, Sleep};

use crate::cursor::{Cursor, encode_positions};
use crate::guard::Guard;
use crate::hub::{
    Client, DRAINING, Filter, Hub, Join, LiveEvent, LiveSub, SLOW, Signal, TopicReader, advance,
    assign_consumer,
};
use crate::limits::StreamSlot;
use crate::wire::{End, Wire};
use crate::ws::{self, ClientOp, Violation};
use crate::{http, sse};

/// Most bytes gathered into one body chunk before it is handed to the connection.
const CHUNK: usize = 32 * 1024;

enum Phase {
    /// Not in the live fan-out yet: catching up from Kafka. Boxed, as it is transient and
    /// most streams are live.
    Behind(Box<Behind>),
    /// Receiving from the live reader, which also sends its heartbeats and re-checks.
    Live(LiveSub),
}

/// A stream that reads Kafka on its own before it joins the live fan-out.
struct Behind {
    /// The stream's own heartbeat until it joins (the reader's beats reach only its streams).
    heartbeat: Interval,
    /// The temporary consumer, and the permit that bounds concurrent ones, once it has them.
    reading: Option<(TailConsumer, OwnedSemaphorePermit)>,
}

fn behind(heartbeat: Duration) -> Phase {
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    Phase::Behind(Box::new(Behind {
        heartbeat: interval,
        reading: None,
    }))
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
    /// Whether `pos` moved past the last `id:` sent (a flag, not a copy of the positions: they
    /// only grow).
    moved: bool,
    phase: Phase,
    out: BytesMut,
    client: Client,
    guard: Guard,
    /// When the stream's key expires, for a key that does (a portal token); boxed as few do.
    expiry: Option<Pin<Box<Sleep>>>,
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
        let expiry = admission
            .guard
            .expires_at()
            .map(|at| Box::pin(tokio::time::sleep_until(at)));
        let mut stream = Self {
            wire,
            phase: behind(hub.settings.heartbeat),
            hub,
            reader,
            filter,
            moved: false,
            pos,
            out: preamble,
            client,
            guard: admission.guard,
            expiry,
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

    /// Ready, with how long the client may still take to read why, once the reader cut this
    /// stream for falling behind: a writer blocked by a client that stopped reading gives up
    /// then (the stream's own next chunk says why when the client reads on).
    pub fn poll_cut(&self, cx: &mut Context<'_>) -> Poll<Duration> {
        match &self.phase {
            Phase::Live(sub) => sub
                .queue
                .poll_cut(cx)
                .map(|()| self.hub.settings.slow_grace),
            Phase::Behind(_) => Poll::Pending,
        }
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
                    self.phase = behind(self.hub.settings.heartbeat);
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
                // From here the node's configuration follower tells this stream about changes;
                // one may have come after the stream's last check and before it joined.
                self.recheck();
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
        let (fresh, ahead, moved) = advance(&mut self.pos, event);
        self.moved |= moved;
        if fresh {
            if ahead {
                let cursor = encode_positions(self.reader.tag, &self.pos);
                self.wire.event(&mut self.out, &cursor, event);
            } else {
                self.wire.event(&mut self.out, &event.cursor, event);
            }
            self.moved = false;
            self.delivered += 1;
            self.hub.metrics.events_sent.inc();
        }
    }

    /// Heartbeat; also moves the client's cursor past events its filter skipped.
    fn beat(&mut self) {
        self.skip_to_reader();
        if self.moved {
            let cursor = encode_positions(self.reader.tag, &self.pos);
            self.wire.cursor(&mut self.out, &cursor);
            self.moved = false;
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
            if sub.queue.is_drained() {
                for (mine, theirs) in self.pos.iter_mut().zip(live) {
                    if theirs > *mine {
                        *mine = theirs;
                        self.moved = true;
                    }
                }
            }
        }
    }

    async fn step(&mut self) {
        if matches!(self.phase, Phase::Live(_)) {
            return std::future::poll_fn(|cx| self.poll_live(cx)).await;
        }
        // Boxed: catching up is transient, and every idle live stream's future would otherwise
        // be sized for a Kafka receive with its timeout. The box is made in a statement of its
        // own, or the temporary would keep that room.
        let catching_up = Box::pin(self.catch_up_step());
        catching_up.await
    }

    /// A live stream: takes what its queue holds; ready once there is something to send, the
    /// stream ended, or it is no longer live. An idle stream waits here on its queue's waker
    /// alone (and the expiry of its key, if it has one).
    fn poll_live(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if !self.out.is_empty() || self.ended || self.spent() {
                return Poll::Ready(());
            }
            if let Some(expiry) = self.expiry.as_mut()
                && expiry.as_mut().poll(cx).is_ready()
            {
                self.expiry = None;
                self.recheck();
                continue;
            }
            let Phase::Live(sub) = &self.phase else {
                return Poll::Ready(());
            };
            match ready!(sub.queue.poll_next(cx)) {
                Signal::Ended(SLOW) => self.end_slow(),
                Signal::Ended(DRAINING) => self.end(End::Draining),
                Signal::Ended(_) => self.end(End::ReaderGone),
                Signal::Recheck => self.recheck(),
                Signal::Beat => self.beat(),
                Signal::Event(event) => {
                    self.deliver(&event);
                    while self.out.len() < CHUNK && !self.spent() {
                        let Phase::Live(sub) = &self.phase else { break };
                        match sub.queue.try_next() {
                            Some(event) => self.deliver(&event),
                            None => break,
                        }
                    }
                }
            }
        }
    }

    /// One step of a stream that is not live yet: wait for a catch-up permit, or read Kafka.
    async fn catch_up_step(&mut self) {
        let shutdown = self.hub.shutdown.clone();
        let Phase::Behind(behind) = &mut self.phase else {
            return;
        };
        let Some((consumer, _)) = &behind.reading else {
            let semaphore = self.hub.catchup.clone();
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => self.end(End::Draining),
                permit = semaphore.acquire_owned() => match permit {
                    Ok(permit) => match self.open_catchup() {
                        Ok(consumer) => {
                            self.hub.metrics.catchup_streams.inc();
                            if let Phase::Behind(behind) = &mut self.phase {
                                behind.reading = Some((consumer, permit));
                            }
                        }
                        Err(error) => {
                            tracing::warn!(topic = %self.reader.topic, %error, "cannot start a catch-up reader");
                            self.end(End::ReaderGone);
                        }
                    },
                    Err(_) => self.end(End::Draining),
                },
                _ = behind.heartbeat.tick() => self.beat(),
                _ = self.guard.changed() => self.recheck(),
            }
            return;
        };
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
                            if let Some(mine) = self.pos.get_mut(p as usize)
                                && o > *mine
                            {
                                *mine = o;
                                self.moved = true;
                            }
                        }
                    }
                }
            },
            _ = behind.heartbeat.tick() => self.beat(),
            _ = self.guard.changed() => self.recheck(),
        }
        if let Some(event) = read {
            self.hub.metrics.catchup_reads.inc();
            if self.filter.passes(&event) {
                self.deliver(&event);
            } else {
                self.pos[event.partition as usize] = event.offset + 1;
                self.moved = true;
            }
        }
        if !self.ended {
            self.try_join();
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
