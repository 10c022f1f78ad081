//! Producer-supplied idempotency across ingest replicas and restarts, with Kafka as the only
//! state.
//!
//! Every replica follows the log `<deployment>.idempotency` into an in-memory index. Ids are
//! the first 128 bits of the SHA-256 of `<topic>/<event id>`, and every record about an id goes
//! to the log partition the id names, so that partition orders them, whichever replica wrote
//! them. A publish of a producer-chosen id:
//!
//! 1. is answered from the index when the id is done: no Kafka round trip;
//! 2. otherwise writes a *claim* (a random nonce) and reads the log back up to it. The index
//!    then names the holder: the first claim that is neither freed, done nor older than the
//!    lease. Every replica folds the same log the same way, so they all agree;
//! 3. the holder produces the event and writes *done* with the receipt before it answers; a
//!    holder whose produce failed writes *free*. Everyone else waits for done (and answers
//!    with that receipt, `duplicate = true`), or for the claim to be freed or to outlive its
//!    lease, and claims again.
//!
//! A request's ids are claimed together: one write of their claims, one wait to read them back,
//! and one write of their receipts, whatever the batch size. The log's records are written by
//! one task per replica that gathers what concurrent publishes ask for into one record per
//! partition, at most two in flight: a busy replica writes a record or two per round trip,
//! whatever the number of publishes.
//!
//! Limit: a replica that dies between its event and its done record leaves a claim that only
//! its lease ends; a retry after that writes the event a second time.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use herald_kafka::{KafkaConfig, KafkaError, Producer, TailConsumer};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::{IngestConfig, IngestError, Receipt};

/// Most items in one log record: 29 bytes each, so at most 290 KB, within the broker's
/// default 1 MB batch. One record goes out per round trip, so this bounds the log's rate.
const MAX_ITEMS: usize = 10_000;

/// Log writes in flight at once: two, so that a claim never waits behind the receipts of the
/// publish before it, which nobody waits for.
const WRITES_IN_FLIGHT: usize = 2;

/// The first byte of a log record: the version of its layout.
const FORMAT: u8 = 1;

/// What the log says of one id.
///
/// A log record is [`FORMAT`], then items of: the id (16 bytes, big-endian), a tag byte and
/// the tag's fields, big-endian: `1` claim (nonce, 8 bytes), `2` done (partition, 4 bytes;
/// offset, 8 bytes), `3` free (nonce, 8 bytes). Binary, because every replica reads every
/// item: a 29-byte item decodes in nanoseconds where its JSON took a microsecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    /// A replica asks for the id (its nonce).
    Claim(u64),
    /// The event was written at (partition, offset).
    Done(i32, i64),
    /// The claim with this nonce gave up (its produce failed).
    Free(u64),
}

/// What the log says of one id. A claim and a receipt never coexist (a receipt ends the
/// claim), so one variant holds either: 24 bytes a slot, which keeps a million-id index in
/// fewer cache lines and pages than a slot with room for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    /// No claim holds it (the last one was freed).
    Open,
    /// Held by the claim with this nonce, written at `at` (ms since the epoch).
    Claimed { nonce: u64, at: i64 },
    /// Written at (partition, offset); the receipt was written at `at`.
    Done {
        partition: i32,
        offset: i64,
        at: i64,
    },
}

/// Hashes an id by its low 64 bits: ids are SHA-256 output already, as evenly spread as any
/// hash of them, and the index hashes one per log item.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u128(&mut self, id: u128) {
        self.0 = id as u64;
    }
}

/// A map keyed by id.
type IdMap<V> = HashMap<u128, V, BuildHasherDefault<IdHasher>>;

/// The fold of the log.
struct Index {
    window_ms: i64,
    lease_ms: i64,
    max_entries: usize,
    entries: IdMap<Entry>,
    /// Done ids by time, forgotten after the window.
    done_order: VecDeque<(i64, u128)>,
    /// Claims by time: an id still held by its claim is forgotten after the lease.
    claim_order: VecDeque<(i64, u128)>,
}

impl Index {
    fn new(window: Duration, lease: Duration, max_entries: usize) -> Self {
        Self {
            window_ms: millis(window),
            lease_ms: millis(lease),
            max_entries: max_entries.max(1),
            entries: IdMap::default(),
            done_order: VecDeque::new(),
            claim_order: VecDeque::new(),
        }
    }

    /// Applies one record written at `at` (ms); the log's order is the only order.
    fn apply(&mut self, id: u128, record: Record, at: i64) {
        let entry = self.entries.entry(id).or_insert(Entry::Open);
        match (record, *entry) {
            (_, Entry::Done { .. }) => {}
            (Record::Claim(_), Entry::Claimed { at: t, .. }) if at < t + self.lease_ms => {}
            (Record::Claim(nonce), _) => {
                *entry = Entry::Claimed { nonce, at };
                self.claim_order.push_back((at, id));
            }
            (Record::Done(partition, offset), _) => {
                *entry = Entry::Done {
                    partition,
                    offset,
                    at,
                };
                self.done_order.push_back((at, id));
            }
            (Record::Free(nonce), Entry::Claimed { nonce: holder, .. }) if holder == nonce => {
                *entry = Entry::Open;
            }
            (Record::Free(_), _) => {}
        }
    }

    /// Forgets ids done longer than the window ago, claims older than the lease, and the
    /// oldest ids beyond `max_entries`.
    fn expire(&mut self, now: i64) {
        while let Some(&(at, id)) = self.done_order.front() {
            if at + self.window_ms > now && self.entries.len() <= self.max_entries {
                break;
            }
            self.done_order.pop_front();
            if matches!(self.entries.get(&id), Some(Entry::Done { at: t, .. }) if *t == at) {
                self.entries.remove(&id);
            }
        }
        // A claim's place in the queue is spent once its id is done, freed or claimed again,
        // which is within milliseconds for nearly all of them: the queue drops those at once
        // and only waits at a claim that still holds its id, so it stays as short as the
        // claims in flight instead of a lease's worth of every claim.
        while let Some(&(at, id)) = self.claim_order.front() {
            let over = self.entries.len() > self.max_entries;
            let stale = match self.entries.get(&id) {
                Some(Entry::Open) => true,
                Some(Entry::Claimed { at: t, .. }) if *t == at => {
                    if at + self.lease_ms > now && !over {
                        break;
                    }
                    true
                }
                _ => false,
            };
            self.claim_order.pop_front();
            if stale {
                self.entries.remove(&id);
            }
        }
    }

    /// What the log says of `id`, in one lookup.
    fn get(&self, id: u128) -> Entry {
        self.entries.get(&id).copied().unwrap_or(Entry::Open)
    }

    fn done(&self, id: u128) -> Option<(i32, i64)> {
        match self.entries.get(&id)? {
            Entry::Done {
                partition, offset, ..
            } => Some((*partition, *offset)),
            _ => None,
        }
    }

    /// When the current claim on `id` ends by its lease (ms), if one holds it at `now`.
    fn claimed_until(&self, id: u128, now: i64) -> Option<i64> {
        match self.entries.get(&id)? {
            Entry::Claimed { at, .. } => Some(at + self.lease_ms).filter(|end| *end > now),
            _ => None,
        }
    }

    fn holder(&self, id: u128) -> Option<u64> {
        match self.entries.get(&id)? {
            Entry::Claimed { nonce, .. } => Some(*nonce),
            _ => None,
        }
    }
}

/// The index and how far it has read the log.
struct State {
    index: Index,
    /// Next offset to apply, per partition.
    applied: HashMap<i32, i64>,
    /// Whether the log was read up to where it ended when this replica started.
    ready: bool,
    /// Why the log cannot be read, while it cannot.
    problem: Option<String>,
    /// Ids this replica is claiming or producing now: repeats here wait for them.
    local: HashSet<u128, BuildHasherDefault<IdHasher>>,
    /// Publishes waiting for a change of one id (done, freed, released here).
    id_waiters: IdMap<Vec<oneshot::Sender<()>>>,
    /// Publishes waiting to read their claim back: partition → offset → waiters.
    read_waiters: HashMap<i32, BTreeMap<i64, Vec<oneshot::Sender<()>>>>,
    /// Partitions of the log, once it was opened.
    partitions: u32,
}

impl State {
    /// Wakes the publishes waiting on `id`. Waking only them keeps ten thousand claims in
    /// flight from waking each other on every record.
    fn changed(&mut self, id: u128) {
        if self.id_waiters.is_empty() {
            return;
        }
        for waiter in self.id_waiters.remove(&id).into_iter().flatten() {
            let _ = waiter.send(());
        }
    }

    /// Records that `partition` was applied up to `next` and wakes who waited for that.
    fn applied(&mut self, partition: i32, next: i64) {
        self.applied.insert(partition, next);
        if let Some(waiting) = self.read_waiters.get_mut(&partition) {
            let later = waiting.split_off(&next);
            for waiter in std::mem::replace(waiting, later).into_values().flatten() {
                let _ = waiter.send(());
            }
        }
    }
}

struct Shared {
    state: Mutex<State>,
    /// Woken when the log becomes readable or read.
    ready: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the index as consistent as any prefix of the log.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The idempotency window: one index per replica, fed by the shared log.
pub(crate) struct Dedup {
    shared: Arc<Shared>,
    topic: Arc<str>,
    /// The log's producer (shared with its writer task).
    producer: Producer,
    /// To the task that writes the log.
    writes: mpsc::UnboundedSender<Write>,
    /// How long a publish may wait for the log or for another claim.
    wait: Duration,
    _follower: DropGuard,
}

/// The outcome of [`Dedup::claim`].
pub(crate) enum Claim<'a> {
    /// This id was written already.
    Duplicate(Receipt),
    /// The caller must produce the event, then hand the guard to [`Dedup::complete_all`].
    Owner(OwnerGuard<'a>),
}

/// The right and duty to produce one id; dropping it uncompleted (a failure) frees the id.
/// It borrows its window rather than holding counted handles: a batch makes a hundred.
pub(crate) struct OwnerGuard<'a> {
    dedup: &'a Dedup,
    id: u128,
    nonce: u64,
    /// Nothing is left to write: done is recorded, or the claim never was written or held.
    completed: bool,
    /// This replica no longer marks the id as its own.
    released: bool,
}

/// Where the log's writer put one [`Write`]: the offset of its record in each partition.
type Written = Result<HashMap<i32, i64>, String>;

/// Items for the log, and who waits for their acknowledgement.
struct Write {
    items: Vec<(u128, Record)>,
    acked: Option<oneshot::Sender<Written>>,
}

impl Dedup {
    /// Starts following the log; `delivery_timeout` bounds every wait and sets the lease.
    pub(crate) fn start(config: &IngestConfig) -> Result<Self, IngestError> {
        let delivery_timeout = config.delivery_timeout();
        let mut kafka = config.kafka.clone();
        kafka.properties.insert("linger.ms".into(), "0".into());
        kafka
            .properties
            .insert("compression.type".into(), "none".into());
        // The log's own producer, without linger: its records are on the publish's critical
        // path, two round trips besides the event's. Uncompressed: its items are mostly hash
        // output, which no codec shrinks, so librdkafka compressed every batch and then sent
        // it as it was.
        let producer = Producer::new(&kafka, delivery_timeout)?;
        // A holder needs up to one delivery timeout for its event and one for its done record.
        let lease = delivery_timeout * 2 + Duration::from_secs(5);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                index: Index::new(
                    config.idempotency.window,
                    lease,
                    config.idempotency.max_entries,
                ),
                applied: HashMap::new(),
                ready: false,
                problem: None,
                local: HashSet::default(),
                id_waiters: IdMap::default(),
                read_waiters: HashMap::new(),
                partitions: 0,
            }),
            ready: Notify::new(),
        });
        let topic: Arc<str> = Arc::from(config.deployment.idempotency_topic());
        let token = CancellationToken::new();
        let follower = Follower {
            shared: shared.clone(),
            kafka: config.kafka.clone(),
            topic: config.deployment.idempotency_topic(),
            reader: config.deployment.reader_group("ingest"),
        };
        let stop = token.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = follower.run() => {}
            }
        });
        let (writes, queue) = mpsc::unbounded_channel();
        tokio::spawn(write(
            shared.clone(),
            producer.clone(),
            topic.clone(),
            queue,
        ));
        Ok(Self {
            shared,
            topic,
            producer,
            writes,
            wait: delivery_timeout,
            _follower: token.drop_guard(),
        })
    }

    /// Why ids cannot be decided yet (the log is not read up to where it ended at start).
    pub(crate) fn not_ready(&self) -> Option<String> {
        let state = self.shared.lock();
        (!state.ready).then(|| {
            state.problem.clone().unwrap_or_else(|| {
                format!("the idempotency log {} is still being read", self.topic)
            })
        })
    }

    /// Claims the ids of one request in the Kafka topic `topic` that nobody holds, together:
    /// each a duplicate answer, the duty to produce it, or `None` when it must wait its turn
    /// ([`Dedup::claim`]): a repeat in flight here, a claim held elsewhere, a log not read yet.
    pub(crate) async fn claim_all(
        &self,
        topic: &str,
        ids: &[&str],
    ) -> Vec<Option<Result<Claim<'_>, IngestError>>> {
        let deadline = Instant::now() + self.wait;
        let mut out: Vec<Option<Result<Claim, IngestError>>> = ids.iter().map(|_| None).collect();
        let mut owners = Vec::new();
        // One nonce for the request's claims: it only has to tell this claim of an id from
        // other claims of the same id.
        let nonce = rand::random();
        {
            let mut state = self.shared.lock();
            if state.ready {
                let now = now_ms();
                state.index.expire(now);
                let lease = state.index.lease_ms;
                for (i, event_id) in ids.iter().enumerate() {
                    let id = hash(topic, event_id);
                    match state.index.get(id) {
                        Entry::Done {
                            partition, offset, ..
                        } => {
                            let receipt = duplicate(event_id, (partition, offset));
                            out[i] = Some(Ok(Claim::Duplicate(receipt)));
                        }
                        Entry::Claimed { at, .. } if at + lease > now => {}
                        _ => {
                            if state.local.insert(id) {
                                owners.push((i, self.owner(id, nonce)));
                            }
                        }
                    }
                }
            }
        }
        if owners.is_empty() {
            return out;
        }
        let claims = owners
            .iter()
            .map(|(_, o)| (o.id, Record::Claim(o.nonce)))
            .collect();
        let taken = match self.write(claims).await {
            Ok(written) => self.read_back(&written, deadline).await,
            Err(e) => {
                for (_, owner) in &mut owners {
                    owner.completed = true;
                }
                Err(self.not_taken(&e))
            }
        };
        match taken {
            Ok(()) => {
                let mut state = self.shared.lock();
                for (i, mut owner) in owners {
                    match state.index.get(owner.id) {
                        Entry::Claimed { nonce, .. } if nonce == owner.nonce => {
                            out[i] = Some(Ok(Claim::Owner(owner)));
                        }
                        Entry::Done {
                            partition, offset, ..
                        } => {
                            owner.completed = true;
                            owner.release(&mut state);
                            let receipt = duplicate(ids[i], (partition, offset));
                            out[i] = Some(Ok(Claim::Duplicate(receipt)));
                        }
                        _ => {
                            // Another replica's claim came first: this one waits for it like
                            // any repeat.
                            owner.completed = true;
                            owner.release(&mut state);
                        }
                    }
                }
            }
            Err(e) => {
                let message = e.to_string();
                for (i, _) in owners {
                    out[i] = Some(Err(IngestError::Unavailable(message.clone())));
                }
            }
        }
        out
    }

    /// Claims `id` in the Kafka topic `topic` once it is its turn: a duplicate answer, or the
    /// duty to produce it.
    pub(crate) async fn claim(&self, topic: &str, id: &str) -> Result<Claim<'_>, IngestError> {
        self.claim_one(hash(topic, id), id, Instant::now() + self.wait)
            .await
    }

    /// Claims one id once it is its turn: a duplicate answer, or the duty to produce it.
    async fn claim_one(
        &self,
        id: u128,
        event_id: &str,
        deadline: Instant,
    ) -> Result<Claim<'_>, IngestError> {
        loop {
            if let Some(receipt) = self.wait_for_turn(id, event_id, deadline).await? {
                return Ok(Claim::Duplicate(receipt));
            }
            let mut owner = self.owner(id, rand::random());
            let written = self
                .write(vec![(id, Record::Claim(owner.nonce))])
                .await
                .map_err(|e| {
                    owner.completed = true;
                    self.not_taken(&e)
                })?;
            self.read_back(&written, deadline).await?;
            let mut state = self.shared.lock();
            if let Some(receipt) = state.index.done(id) {
                owner.completed = true;
                owner.release(&mut state);
                return Ok(Claim::Duplicate(duplicate(event_id, receipt)));
            }
            if state.index.holder(id) == Some(owner.nonce) {
                return Ok(Claim::Owner(owner));
            }
            // Another replica's claim came first: wait for it like any repeat.
            owner.completed = true;
            owner.release(&mut state);
        }
    }

    /// Records the receipts of the events their owners wrote: at once in this replica's index,
    /// and in the log in one write that is not waited for. The events are acknowledged, so
    /// waiting would only delay the answer: a replica that dies before the receipt lands
    /// leaves claims that their lease ends, as it would while waiting.
    pub(crate) fn complete_all(&self, done: Vec<(OwnerGuard<'_>, (i32, i64))>) {
        if done.is_empty() {
            return;
        }
        let mut items = Vec::with_capacity(done.len());
        {
            let mut state = self.shared.lock();
            let now = now_ms();
            for (mut owner, (partition, offset)) in done {
                let record = Record::Done(partition, offset);
                state.index.apply(owner.id, record, now);
                items.push((owner.id, record));
                owner.completed = true;
                owner.release(&mut state);
            }
        }
        if self.writes.send(Write { items, acked: None }).is_err() {
            tracing::warn!(topic = %self.topic, "cannot record idempotency receipts");
        }
    }

    /// Waits up to `timeout` for the log's records in flight to be written (shutdown).
    pub(crate) async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.flush(timeout).await
    }

    fn owner(&self, id: u128, nonce: u64) -> OwnerGuard<'_> {
        OwnerGuard {
            dedup: self,
            id,
            nonce,
            completed: false,
            released: false,
        }
    }

    /// Hands `items` to the log's writer and waits for their acknowledgement.
    async fn write(&self, items: Vec<(u128, Record)>) -> Written {
        let (acked, ack) = oneshot::channel();
        self.writes
            .send(Write {
                items,
                acked: Some(acked),
            })
            .map_err(|_| "the log's writer stopped".to_owned())?;
        ack.await
            .unwrap_or_else(|_| Err("the log's writer stopped".to_owned()))
    }

    fn not_taken(&self, error: &str) -> IngestError {
        IngestError::Unavailable(format!(
            "the idempotency log {} did not take the claim, nothing was accepted; retry later ({error})",
            self.topic
        ))
    }

    /// Waits until `id` may be claimed here (marking it as claimed locally), or answers with
    /// its receipt when it is done.
    async fn wait_for_turn(
        &self,
        id: u128,
        event_id: &str,
        deadline: Instant,
    ) -> Result<Option<Receipt>, IngestError> {
        loop {
            let ready = self.shared.ready.notified();
            tokio::pin!(ready);
            ready.as_mut().enable();
            let (changed, until, why) = {
                let mut state = self.shared.lock();
                let now = now_ms();
                state.index.expire(now);
                if !state.ready {
                    let why = state.problem.clone().unwrap_or_else(|| {
                        format!("the idempotency log {} is still being read", self.topic)
                    });
                    (None, deadline, why)
                } else if let Some(receipt) = state.index.done(id) {
                    return Ok(Some(duplicate(event_id, receipt)));
                } else {
                    let until = if state.local.contains(&id) {
                        deadline
                    } else if let Some(end) = state.index.claimed_until(id, now) {
                        let left = Duration::from_millis((end - now).max(0) as u64);
                        (Instant::now() + left).min(deadline)
                    } else {
                        state.local.insert(id);
                        return Ok(None);
                    };
                    let (tx, rx) = oneshot::channel();
                    state.id_waiters.entry(id).or_default().push(tx);
                    (Some(rx), until, busy(event_id))
                }
            };
            if Instant::now() >= deadline {
                return Err(IngestError::Unavailable(why));
            }
            match changed {
                Some(rx) => drop(tokio::time::timeout_at(until.into(), rx).await),
                None => drop(tokio::time::timeout_at(until.into(), ready).await),
            }
        }
    }

    /// Waits until the index has applied the log's records at `written` (partition → offset).
    async fn read_back(
        &self,
        written: &HashMap<i32, i64>,
        deadline: Instant,
    ) -> Result<(), IngestError> {
        let reads = {
            let mut state = self.shared.lock();
            let mut reads = Vec::new();
            for (&partition, &offset) in written {
                if state
                    .applied
                    .get(&partition)
                    .is_some_and(|next| *next > offset)
                {
                    continue;
                }
                let (tx, rx) = oneshot::channel();
                state
                    .read_waiters
                    .entry(partition)
                    .or_default()
                    .entry(offset)
                    .or_default()
                    .push(tx);
                reads.push(rx);
            }
            reads
        };
        for read in reads {
            if !matches!(
                tokio::time::timeout_at(deadline.into(), read).await,
                Ok(Ok(()))
            ) {
                return Err(IngestError::Unavailable(format!(
                    "the idempotency log {} was not read back in time; retry later",
                    self.topic
                )));
            }
        }
        Ok(())
    }
}

impl OwnerGuard<'_> {
    /// Stops marking the id as this replica's and wakes who waits for it.
    fn release(&mut self, state: &mut State) {
        if !self.released {
            self.released = true;
            state.local.remove(&self.id);
            state.changed(self.id);
        }
    }
}

impl Drop for OwnerGuard<'_> {
    fn drop(&mut self) {
        let dedup = self.dedup;
        if !self.completed {
            // Best effort: if it is lost, the claim still ends with its lease.
            let free = Write {
                items: vec![(self.id, Record::Free(self.nonce))],
                acked: None,
            };
            if dedup.writes.send(free).is_err() {
                tracing::warn!(topic = %dedup.topic, "cannot free an idempotency claim");
            }
        }
        if !self.released {
            self.release(&mut dedup.shared.lock());
        }
    }
}

/// Reads the log into the index, from its start, for as long as the replica lives.
struct Follower {
    shared: Arc<Shared>,
    kafka: KafkaConfig,
    topic: String,
    reader: String,
}

impl Follower {
    async fn run(self) {
        loop {
            match self.open().await {
                Ok(opened) => self.follow(opened).await,
                Err(error) => {
                    tracing::warn!(topic = %self.topic, %error,
                        "cannot open the idempotency log, retrying");
                    self.shared.lock().problem = Some(format!(
                        "the idempotency log {} cannot be read: {error}",
                        self.topic
                    ));
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }

    /// Assigns every partition of the log from where the index stands (its start the first
    /// time). Whoever runs ingest creates the log ([`crate::idempotency_topic`]).
    async fn open(&self) -> Result<(TailConsumer, HashMap<i32, i64>), KafkaError> {
        let consumer = TailConsumer::new(self.kafka.client(), &self.reader, false)?;
        let timeout = Duration::from_secs(10);
        let topic = &self.topic;
        let partitions = consumer
            .partitions(topic, timeout)
            .await?
            .ok_or_else(|| KafkaError::Task(format!("topic {topic} does not exist")))?;
        let marks = consumer
            .watermarks(topic, partitions.clone(), timeout)
            .await?;
        if partitions.is_empty() {
            return Err(KafkaError::Task(format!("topic {topic} has no partitions")));
        }
        let mut starts = Vec::with_capacity(partitions.len());
        let mut ends = HashMap::new();
        {
            let mut state = self.shared.lock();
            state.partitions = partitions.len() as u32;
            for (p, (low, high)) in partitions.into_iter().zip(marks) {
                let next = *state.applied.entry(p).or_insert(low);
                starts.push((p, next.max(low)));
                ends.insert(p, high);
            }
        }
        consumer.assign(topic, &starts)?;
        Ok((consumer, ends))
    }

    /// Applies the log's records as they come; librdkafka reconnects by itself.
    async fn follow(&self, (consumer, ends): (TailConsumer, HashMap<i32, i64>)) {
        self.mark_ready_if_read(&ends);
        let mut unreadable = 0u64;
        loop {
            let record = match consumer.recv().await {
                Ok(r) => r,
                Err(error) => {
                    tracing::debug!(%error, "idempotency log read error");
                    continue;
                }
            };
            let parsed = record.payload().and_then(decode);
            {
                let mut state = self.shared.lock();
                let at = record.timestamp_ms().unwrap_or_else(now_ms);
                for (id, r) in parsed.iter().flatten() {
                    state.index.apply(*id, *r, at);
                    state.changed(*id);
                }
                state.applied(record.partition(), record.offset() + 1);
            }
            if parsed.is_none() {
                unreadable += 1;
            }
            // The first of a run and then every 10,000th: a foreign writer must not flood the log.
            if parsed.is_none() && unreadable % 10_000 == 1 {
                tracing::warn!(
                    unreadable,
                    partition = record.partition(),
                    offset = record.offset(),
                    "skipping an unreadable idempotency record"
                );
            }
            self.mark_ready_if_read(&ends);
        }
    }

    fn mark_ready_if_read(&self, ends: &HashMap<i32, i64>) {
        let mut state = self.shared.lock();
        if state.ready {
            return;
        }
        let read = ends
            .iter()
            .all(|(p, end)| state.applied.get(p).is_some_and(|next| next >= end));
        if read {
            state.ready = true;
            state.problem = None;
            tracing::info!(ids = state.index.entries.len(), "idempotency log read");
            drop(state);
            self.shared.ready.notify_waiters();
        }
    }
}

/// Writes the log: takes every item queued at that moment, one record per partition, each
/// acknowledgement handed back to the writes that had items in it. At most
/// [`WRITES_IN_FLIGHT`] writes are in flight, so what queues meanwhile goes out together: an
/// idle log writes a claim at once, a busy one a record or two per round trip rather than one
/// per publish (each a produce request the broker handles and a fetch every replica reads).
async fn write(
    shared: Arc<Shared>,
    producer: Producer,
    topic: Arc<str>,
    mut queue: mpsc::UnboundedReceiver<Write>,
) {
    let turn = Arc::new(Semaphore::new(WRITES_IN_FLIGHT));
    while let Some(first) = queue.recv().await {
        let Ok(permit) = turn.clone().acquire_owned().await else {
            return;
        };
        let mut items = first.items.len();
        let mut batch = vec![first];
        while items < MAX_ITEMS {
            match queue.try_recv() {
                Ok(w) => {
                    items += w.items.len();
                    batch.push(w);
                }
                Err(_) => break,
            }
        }
        let partitions = u128::from(shared.lock().partitions.max(1));
        let partition = move |id: u128| (id % partitions) as i32;
        let mut records: HashMap<i32, Vec<(u128, Record)>> = HashMap::new();
        // Partitions with items nobody waits for (receipts, frees): only a log line tells of
        // their failure.
        let mut unwaited = HashSet::new();
        for w in &batch {
            for &(id, record) in &w.items {
                records.entry(partition(id)).or_default().push((id, record));
                if w.acked.is_none() {
                    unwaited.insert(partition(id));
                }
            }
        }
        // Enqueued here, in the order the writes came, so the log keeps that order (a free
        // never lands before the claim it frees); only the acknowledgements are awaited apart.
        let pending: Vec<_> = records
            .into_iter()
            .map(|(p, items)| (p, producer.enqueue_to(&topic, p, &encode(&items))))
            .collect();
        let topic = topic.clone();
        tokio::spawn(async move {
            let _turn = permit;
            let sent =
                futures::future::join_all(pending.into_iter().map(|(p, pending)| async move {
                    let written = match pending {
                        Ok(pending) => pending.acknowledged().await,
                        Err(e) => Err(e),
                    };
                    (p, written.map(|d| d.offset).map_err(|e| e.to_string()))
                }))
                .await
                .into_iter()
                .collect::<HashMap<_, _>>();
            for (p, sent) in &sent {
                if let (Err(error), true) = (sent, unwaited.contains(p)) {
                    tracing::warn!(%topic, partition = p, %error,
                        "cannot write idempotency receipts or frees; their claims end with their lease");
                }
            }
            for w in batch {
                let Some(acked) = w.acked else { continue };
                let mine: Written = w
                    .items
                    .iter()
                    .map(|&(id, _)| {
                        let p = partition(id);
                        match sent.get(&p) {
                            Some(Ok(offset)) => Ok((p, *offset)),
                            Some(Err(e)) => Err(e.clone()),
                            None => Err("the log's writer lost a record".to_owned()),
                        }
                    })
                    .collect();
                let _ = acked.send(mine);
            }
        });
    }
}

/// One log record of `items` (see [`Record`]).
fn encode(items: &[(u128, Record)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + items.len() * 29);
    out.push(FORMAT);
    for (id, record) in items {
        out.extend_from_slice(&id.to_be_bytes());
        match *record {
            Record::Claim(nonce) => {
                out.push(1);
                out.extend_from_slice(&nonce.to_be_bytes());
            }
            Record::Done(partition, offset) => {
                out.push(2);
                out.extend_from_slice(&partition.to_be_bytes());
                out.extend_from_slice(&offset.to_be_bytes());
            }
            Record::Free(nonce) => {
                out.push(3);
                out.extend_from_slice(&nonce.to_be_bytes());
            }
        }
    }
    out
}

/// The items of one log record; `None` when it is not one (another format or writer).
fn decode(bytes: &[u8]) -> Option<Vec<(u128, Record)>> {
    fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
        let (head, rest) = bytes.split_first_chunk::<N>()?;
        *bytes = rest;
        Some(*head)
    }
    let (&FORMAT, mut rest) = bytes.split_first()? else {
        return None;
    };
    let mut items = Vec::with_capacity(rest.len() / 25);
    while !rest.is_empty() {
        let id = u128::from_be_bytes(take(&mut rest)?);
        let [tag] = take(&mut rest)?;
        let record = match tag {
            1 => Record::Claim(u64::from_be_bytes(take(&mut rest)?)),
            2 => Record::Done(
                i32::from_be_bytes(take(&mut rest)?),
                i64::from_be_bytes(take(&mut rest)?),
            ),
            3 => Record::Free(u64::from_be_bytes(take(&mut rest)?)),
            _ => return None,
        };
        items.push((id, record));
    }
    Some(items)
}

/// The log's id of event `id` in the Kafka topic `topic`.
fn hash(topic: &str, id: &str) -> u128 {
    let digest = Sha256::new()
        .chain_update(topic.as_bytes())
        .chain_update(b"/")
        .chain_update(id.as_bytes())
        .finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

fn duplicate(id: &str, (partition, offset): (i32, i64)) -> Receipt {
    Receipt {
        id: id.to_owned(),
        partition,
        offset,
        duplicate: true,
    }
}

fn busy(id: &str) -> String {
    format!("a publish of event id {id} is in progress elsewhere; retry later")
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(25);

    fn index() -> Index {
        Index::new(Duration::from_secs(60), LEASE, 10)
    }

    #[test]
    fn the_first_live_claim_holds_the_id_until_done() {
        let mut ix = index();
        ix.apply(1, Record::Claim(10), 1_000);
        ix.apply(1, Record::Claim(20), 1_001);
        assert_eq!(ix.holder(1), Some(10));
        assert_eq!(ix.claimed_until(1, 1_002), Some(26_000));
        ix.apply(1, Record::Done(2, 7), 1_500);
        assert_eq!(ix.done(1), Some((2, 7)));
        // A claim read after the receipt changes nothing; nor does a second receipt.
        ix.apply(1, Record::Claim(30), 1_600);
        ix.apply(1, Record::Done(0, 99), 1_700);
        assert_eq!((ix.holder(1), ix.done(1)), (None, Some((2, 7))));
    }

    #[test]
    fn a_freed_or_expired_claim_lets_the_next_one_hold() {
        let mut ix = index();
        ix.apply(1, Record::Claim(10), 1_000);
        ix.apply(1, Record::Free(99), 1_100);
        assert_eq!(ix.holder(1), Some(10), "only the holder's nonce frees it");
        ix.apply(1, Record::Free(10), 1_200);
        ix.apply(1, Record::Claim(20), 1_300);
        assert_eq!(ix.holder(1), Some(20));
        // Past the lease, a new claim takes over a holder that never finished.
        ix.apply(1, Record::Claim(30), 1_300 + 25_000);
        assert_eq!(ix.holder(1), Some(30));
        assert_eq!(ix.claimed_until(1, 1_300 + 50_001), None);
    }

    #[test]
    fn ids_are_forgotten_after_the_window_the_lease_or_the_bound() {
        let mut ix = index();
        ix.apply(1, Record::Claim(1), 0);
        ix.apply(1, Record::Done(0, 1), 10);
        ix.apply(2, Record::Claim(2), 20);
        ix.expire(30_000);
        assert_eq!(
            (ix.done(1), ix.entries.contains_key(&2)),
            (Some((0, 1)), false)
        );
        ix.expire(60_011);
        assert_eq!(ix.done(1), None);
        for id in 0..15 {
            ix.apply(id, Record::Done(0, id as i64), 70_000 + id as i64);
        }
        ix.expire(70_100);
        assert_eq!(ix.entries.len(), 10);
        assert_eq!(ix.done(14), Some((0, 14)));
        assert_eq!(ix.done(0), None, "the oldest go first");
        assert_eq!(
            std::mem::size_of::<Entry>(),
            24,
            "a slot holds a claim or a receipt"
        );
    }

    #[test]
    fn the_claim_queue_only_keeps_claims_that_still_hold() {
        let mut ix = index();
        for id in 0..5 {
            ix.apply(id, Record::Claim(id as u64), 1_000);
            ix.apply(id, Record::Done(0, id as i64), 1_001);
        }
        ix.apply(5, Record::Claim(5), 1_002);
        ix.apply(6, Record::Claim(6), 1_003);
        ix.apply(6, Record::Free(6), 1_004);
        ix.apply(7, Record::Claim(7), 1_005);
        ix.expire(1_010);
        assert_eq!(ix.claim_order.len(), 3, "done claims leave at once");
        assert_eq!(ix.holder(5), Some(5));
        ix.apply(5, Record::Done(0, 5), 1_020);
        ix.expire(1_030);
        assert_eq!(
            ix.claim_order.len(),
            1,
            "then the freed one, behind the held one"
        );
        assert!(!ix.entries.contains_key(&6));
        assert_eq!(ix.holder(7), Some(7));
        assert_eq!(ix.done(5), Some((0, 5)));
    }

    #[test]
    fn records_read_back_as_written() {
        let items = vec![
            (u128::MAX, Record::Claim(u64::MAX)),
            (1, Record::Done(3, 42)),
            (hash("a.b", "x"), Record::Free(7)),
            (0, Record::Done(-1, i64::MIN)),
        ];
        assert_eq!(decode(&encode(&items)), Some(items));
        let mut done = vec![1];
        done.extend_from_slice(&1u128.to_be_bytes());
        done.extend_from_slice(&[2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 42]);
        assert_eq!(encode(&[(1, Record::Done(3, 42))]), done);
        assert_eq!(decode(&[FORMAT]), Some(Vec::new()));
        // Another format, a cut record, an unknown tag, JSON: none is read as items.
        let mut cut = encode(&[(1, Record::Claim(9))]);
        cut.pop();
        let mut unknown = encode(&[(1, Record::Claim(9))]);
        unknown[17] = 4;
        for bad in [&[2u8][..], &cut, &unknown, br#"[["01",{"claim":1}]]"#, &[]] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
        assert_ne!(hash("a.b", "x"), hash("a.c", "x"));
        assert_eq!(hash("a.b", "x"), {
            let d = Sha256::digest(b"a.b/x");
            u128::from_be_bytes(d[..16].try_into().unwrap())
        });
    }
}
