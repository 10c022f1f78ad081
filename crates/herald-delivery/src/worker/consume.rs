//! The consumer loop: rebalances, due tiers, dispatch, commits and lag.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt as _;
use herald_core::event_type_matches;
use herald_kafka::{GroupConsumer, KafkaConfig, RebalanceHandler, RecordStream, TopicPartition};
use herald_proto::v1::DeliveryTask;
use herald_watch::ConfigHandle;
use prost::Message as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use crate::DeliveryError;
use crate::endpoint::{Route, Routes};
use crate::share::Shares;
use crate::tracker::{Tp, Tracker};

use super::lanes::{self, Job, Lanes};
use super::payload_filter::filter_view;
use super::records::{Incoming, Payload};
use super::{Shared, now_ms};

/// Tasks of a tier partition, waiting in offset order for their due time.
#[derive(Debug, Default)]
struct WaitQueue {
    items: VecDeque<(i64, DeliveryTask)>,
    /// The bytes of the tasks' event data.
    bytes: usize,
    generation: u64,
    /// Whether the partition is paused because the queue is full.
    paused: bool,
}

/// Most tasks, and bytes of their data, a wait queue holds before its partition is paused.
/// The partition is not paused at the first task that is not due: librdkafka drops what it
/// prefetched for a paused partition and fetches it again on resume, and the dropped fetches
/// stay in the group's one queue ahead of the event topics' records until they reach its head,
/// so pausing at every head delayed every subscription behind the retries of failing ones.
const WAIT_TASKS: usize = 1024;
const WAIT_BYTES: usize = 8 << 20;

impl WaitQueue {
    fn push(&mut self, offset: i64, task: DeliveryTask) {
        self.bytes += task.data.len();
        self.items.push_back((offset, task));
    }

    fn pop(&mut self) -> Option<(i64, DeliveryTask)> {
        let item = self.items.pop_front()?;
        self.bytes -= item.1.data.len();
        Some(item)
    }

    fn full(&self) -> bool {
        self.items.len() >= WAIT_TASKS || self.bytes >= WAIT_BYTES
    }

    /// At most half full: a paused partition is fetched again from here.
    fn roomy(&self) -> bool {
        self.items.len() <= WAIT_TASKS / 2 && self.bytes <= WAIT_BYTES / 2
    }
}

type Waiting = Arc<Mutex<HashMap<Tp, WaitQueue>>>;

/// Most keys per subscription and partition whose last matched offset is remembered; past it
/// the memory starts over (the header is left out until a key is seen again).
const MAX_REMEMBERED_KEYS: usize = 10_000;

/// The last offset each subscription matched, per partition and (ordered subscriptions) per
/// key: the `herald-previous-sequence` of the next one, so a receiver tells a gap left by the
/// subscription's filter (previous = the last it saw) from a lost event. Only the consumer loop
/// touches it.
#[derive(Debug, Default)]
struct LastMatched {
    subs: HashMap<String, HashMap<Tp, PartitionLast>>,
}

#[derive(Debug, Default)]
struct PartitionLast {
    last: Option<i64>,
    keys: HashMap<bytes::Bytes, i64>,
}

impl LastMatched {
    /// Records that `sub` matched `offset` and returns the previous match it knows, if it is
    /// below `offset` (a partition read again after a rebalance starts over).
    fn matched(
        &mut self,
        sub: &str,
        tp: &Tp,
        per_key: bool,
        key: &bytes::Bytes,
        offset: i64,
    ) -> Option<i64> {
        let parts = match self.subs.get_mut(sub) {
            Some(p) => p,
            None => self.subs.entry(sub.to_owned()).or_default(),
        };
        let part = match parts.get_mut(tp) {
            Some(p) => p,
            None => parts.entry(tp.clone()).or_default(),
        };
        let previous = if per_key {
            if part.keys.len() >= MAX_REMEMBERED_KEYS && !part.keys.contains_key(key) {
                part.keys.clear();
            }
            part.keys.insert(key.clone(), offset)
        } else {
            part.last.replace(offset)
        };
        previous.filter(|p| *p < offset)
    }
}

/// The rebalance handler: on revocation, lets in-flight work of the revoked partitions finish
/// (bounded), has their progress committed, and only then lets them go.
pub(crate) struct Rebalancer {
    tracker: Arc<Tracker>,
    lanes: Arc<Lanes>,
    shares: Arc<Shares>,
    waiting: Waiting,
    revoke_timeout: Duration,
}

impl Rebalancer {
    /// Drops the partitions' waiting tasks and waits, bounded, for their work in flight.
    fn settle(&self, tps: &[Tp]) {
        {
            // Tasks not yet due were never begun: the next owner reads them again.
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            for tp in tps {
                waiting.remove(tp);
            }
        }
        // Ordered lanes stop the same way: their waiting events are read again by the next
        // owner, from the committed offset at or below their heads.
        self.lanes.forget(tps);
        let wait = || self.tracker.wait_idle(Some(tps), self.revoke_timeout);
        let idle = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        };
        if !idle {
            tracing::warn!(
                partitions = tps.len(),
                "revoke timeout: releasing partitions with deliveries still in flight"
            );
        }
    }
}

fn tps_of(partitions: &[TopicPartition]) -> Vec<Tp> {
    partitions
        .iter()
        .map(|tp| (tp.topic.clone(), tp.partition))
        .collect()
}

fn to_commit(offsets: Vec<(Tp, i64)>) -> Vec<(TopicPartition, i64)> {
    offsets
        .into_iter()
        .map(|((topic, partition), o)| (TopicPartition { topic, partition }, o))
        .collect()
}

impl RebalanceHandler for Rebalancer {
    fn assigned(&self, partitions: &[TopicPartition]) {
        self.shares.assigned(partitions);
        tracing::info!(partitions = partitions.len(), "partitions assigned");
    }

    fn revoking(&self, partitions: &[TopicPartition]) -> Vec<(TopicPartition, i64)> {
        let tps = tps_of(partitions);
        self.settle(&tps);
        to_commit(self.tracker.committable(Some(&tps)))
    }

    fn revoked(&self, partitions: &[TopicPartition]) {
        self.shares.released(partitions);
        self.tracker.forget(&tps_of(partitions));
    }

    fn lost(&self, partitions: &[TopicPartition]) {
        let tps = tps_of(partitions);
        self.settle(&tps);
        tracing::info!(partitions = tps.len(), "partitions lost, not committing");
        self.shares.released(partitions);
        self.tracker.forget(&tps);
    }
}

/// Completion of one consumed record: done when every delivery of it is done.
pub(super) struct Completion {
    tracker: Arc<Tracker>,
    tp: Tp,
    offset: i64,
    remaining: AtomicUsize,
    failed: AtomicBool,
    pending_gauge: herald_runtime::prometheus_client::metrics::gauge::Gauge,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Completion {
    /// One delivery of the record is done (`ok`: delivered or durably handed off).
    pub(super) fn finish(&self, ok: bool) {
        if !ok {
            self.failed.store(true, Ordering::Relaxed);
        }
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.pending_gauge.dec();
            // A record whose handoff failed (only at shutdown) stays unfinished, so its offset is
            // never committed and the next owner delivers it again.
            if !self.failed.load(Ordering::Relaxed) {
                self.tracker.finish(&self.tp, self.offset);
            }
        }
    }
}

/// The consumer loop and everything it owns.
pub(crate) struct Worker {
    pub shared: Arc<Shared>,
    pub kafka: KafkaConfig,
    pub group_id: String,
    pub auto_offset_reset: String,
    pub view: ConfigHandle,
    pub shutdown: CancellationToken,
    pub ready: herald_runtime::Health,
}

impl Worker {
    pub async fn run(mut self) -> Result<(), DeliveryError> {
        // Tier tasks are matched against the view: never read them before it is authoritative.
        while !self.view.is_synced() {
            tokio::select! {
                _ = self.shutdown.cancelled() => return Ok(()),
                synced = self.view.wait_synced(Duration::from_secs(5)) => {
                    if !synced { tracing::info!("waiting for the control plane's configuration"); }
                }
            }
        }
        let shared = self.shared.clone();
        // Circuits and failure clocks of the previous workers, read while the group is joined
        // (each takes a few broker round trips) and in place before the first record is read.
        let kafka = self.kafka.clone();
        let topic = shared.settings.topics.endpoint_state.clone();
        let reader = shared.settings.deployment.reader_group("delivery-state");
        let loading =
            tokio::task::spawn_blocking(move || crate::saved::load(&kafka, &topic, &reader));
        let waiting: Waiting = Arc::default();
        let rebalancer = Arc::new(Rebalancer {
            tracker: shared.tracker.clone(),
            lanes: shared.lanes.clone(),
            shares: shared.shares.clone(),
            waiting: waiting.clone(),
            revoke_timeout: shared.settings.revoke_timeout,
        });
        let client = self
            .kafka
            .client()
            // Bound librdkafka's prefetch (64 MiB by default) so memory stays flat with a
            // backlog; the record budget already keeps enough work queued.
            .tune("queued.max.messages.kbytes", "16384")
            // A resumed tier partition is fetched only when the broker answers the fetch in
            // flight: a short long-poll keeps retries within tens of milliseconds of their due
            // time.
            .tune("fetch.wait.max.ms", "50");
        let consumer =
            GroupConsumer::new(client, &self.group_id, &self.auto_offset_reset, rebalancer)?;
        let topics = &shared.settings.topics;
        let task_topics: Vec<String> = topics
            .tiers
            .iter()
            .chain([&topics.replay])
            .cloned()
            .collect();
        let mut subscribed: Vec<String> = Vec::new();
        self.refresh(&consumer, &task_topics, &mut subscribed)?;
        match loading.await {
            Ok(Ok(saved)) => {
                tracing::info!(subscriptions = saved.len(), "endpoint state loaded");
                *shared.saved.lock().unwrap_or_else(|e| e.into_inner()) = saved;
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot load the endpoint state; starting fresh")
            }
            Err(error) => tracing::warn!(%error, "endpoint state loader failed; starting fresh"),
        }
        self.ready.set_ready(true);

        let budget = Arc::new(Semaphore::new(shared.settings.max_pending));
        let (due_tx, mut due_rx) = mpsc::unbounded_channel::<(Tp, u64)>();
        let generation = AtomicU64::new(0);
        let mut interned: HashMap<String, Arc<str>> = HashMap::new();
        // One stream for the worker's life: `recv()` would register and drop a waker slot (two
        // lock round trips) per record.
        let mut stream = consumer.stream();
        let mut commit_tick = tokio::time::interval(shared.settings.commit_interval);
        commit_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut lag_tick = tokio::time::interval(Duration::from_secs(10));
        lag_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut view_open = true;
        let committing = Arc::new(AtomicBool::new(false));
        let mut loop_ctx = LoopState {
            consumer: consumer.clone(),
            last: LastMatched::default(),
            waiting: waiting.clone(),
            due_tx,
            generation: &generation,
        };

        loop {
            tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => break,
                Some((tp, generation)) = due_rx.recv() => loop_ctx.on_due(&shared, tp, generation),
                changed = self.view.changed(), if view_open => {
                    if changed {
                        self.refresh(&consumer, &task_topics, &mut subscribed)?;
                    } else {
                        view_open = false;
                    }
                }
                _ = commit_tick.tick() => {
                    // Off the loop: a commit round trip must not delay the next record.
                    if !committing.swap(true, Ordering::AcqRel) {
                        let (consumer, shared, committing) = (consumer.clone(), shared.clone(), committing.clone());
                        tokio::spawn(async move {
                            commit(&consumer, &shared.tracker).await;
                            committing.store(false, Ordering::Release);
                        });
                    }
                }
                _ = lag_tick.tick() => {
                    shared.close_idle_connections();
                    spawn_lag_update(consumer.clone(), shared.clone());
                    // Partitions may be added to a topic: its shares follow.
                    spawn_partition_counts(consumer.clone(), shared.clone(), subscribed.clone());
                }
                (permit, message) = next_message(&mut stream, &budget, &mut interned) => {
                    let mut next = Some((permit, message));
                    let mut dispatched = 0;
                    // Records already fetched go out in one turn: every turn of this select
                    // polls the shutdown token, the view, the due channel and two timers, which
                    // cost about as much as dispatching a record. Bounded, so the other
                    // branches still get their turn.
                    while let Some((permit, message)) = next.take() {
                        match message {
                            Ok(m) => loop_ctx.on_message(&shared, m, permit),
                            Err(error) => {
                                consumer_error(&consumer, error)?;
                                break;
                            }
                        }
                        dispatched += 1;
                        if dispatched < DISPATCH_BATCH {
                            next = next_message(&mut stream, &budget, &mut interned).now_or_never();
                        }
                    }
                }
            }
        }

        // Graceful stop: nothing new starts, waiting tasks are left for the next owner, work in
        // flight finishes or is handed off, then the final commit, then we leave the group.
        tracing::info!(in_flight = shared.tracker.in_flight(None), "draining");
        waiting.lock().unwrap_or_else(|e| e.into_inner()).clear();
        shared.lanes.clear();
        let tracker = shared.tracker.clone();
        let grace = shared.settings.shutdown_grace;
        let idle = tokio::task::spawn_blocking(move || tracker.wait_idle(None, grace))
            .await
            .unwrap_or(false);
        if !idle {
            tracing::warn!(
                in_flight = shared.tracker.in_flight(None),
                "shutdown grace over, abandoning in-flight deliveries"
            );
        }
        shared.abort.cancel();
        commit(&consumer, &shared.tracker).await;
        drop(stream);
        drop(loop_ctx);
        consumer.close().await;
        let _ = shared.producer.flush(Duration::from_secs(5)).await;
        shared.attempts.flush(Duration::from_secs(5)).await;
        Ok(())
    }

    /// Rebuilds routes from the view and follows changed topics.
    fn refresh(
        &self,
        consumer: &GroupConsumer,
        task_topics: &[String],
        subscribed: &mut Vec<String>,
    ) -> Result<(), DeliveryError> {
        let view = self.view.current();
        let shared = &self.shared;
        let routes = {
            let previous = shared
                .routes
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            Arc::new(Routes::build(&view, &previous, now_ms()))
        };
        {
            // Forget local disables the control plane has caught up with or overridden.
            let mut d = shared.disabled.lock().unwrap_or_else(|e| e.into_inner());
            d.retain(|id, at| match routes.by_id.get(id) {
                None => false,
                Some(r) => !r.disabled() && r.sub.updated_at_ms <= *at,
            });
        }
        let mut topics = routes.topics();
        topics.extend(task_topics.iter().cloned());
        topics.sort();
        topics.dedup();
        *shared.routes.write().unwrap_or_else(|e| e.into_inner()) = routes;
        if topics != *subscribed {
            let names: Vec<&str> = topics.iter().map(String::as_str).collect();
            consumer.subscribe(&names)?;
            tracing::info!(topics = ?names, "subscribed");
            spawn_partition_counts(consumer.clone(), shared.clone(), topics.clone());
            *subscribed = topics;
        }
        Ok(())
    }
}

struct LoopState<'a> {
    consumer: GroupConsumer,
    last: LastMatched,
    waiting: Waiting,
    due_tx: mpsc::UnboundedSender<(Tp, u64)>,
    generation: &'a AtomicU64,
}

impl LoopState<'_> {
    fn on_message(&mut self, shared: &Arc<Shared>, m: Incoming, permit: OwnedSemaphorePermit) {
        let Incoming {
            tp,
            offset,
            headers,
            data,
            key,
        } = m;
        if shared.settings.topics.holds_tasks(&tp.0) {
            let task = match DeliveryTask::decode(data) {
                Ok(t) => t,
                Err(_) => {
                    tracing::warn!(topic = %tp.0, offset, "skipping a record that is not a delivery task");
                    // An empty task has no subscription: dispatching it just marks it done.
                    DeliveryTask::default()
                }
            };
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(q) = waiting.get_mut(&tp) {
                // Behind a waiting head everything waits, even tasks to skip: finishing a later
                // offset first would let the commit pass the head.
                q.push(offset, task);
                if !q.paused && q.full() {
                    let _ = self.consumer.pause(&tp.0, tp.1);
                    q.paused = true;
                }
                return;
            }
            if shared.route(&task.subscription_id).is_none() {
                // Deleted subscription (or another deployment's): nothing to deliver.
                drop(waiting);
                return skip(shared, &tp, offset);
            }
            if task.due_at_ms > now_ms() {
                let generation = self.generation.fetch_add(1, Ordering::Relaxed);
                self.schedule(&tp, task.due_at_ms, generation);
                let mut q = WaitQueue {
                    generation,
                    ..WaitQueue::default()
                };
                q.push(offset, task);
                waiting.insert(tp, q);
                return;
            }
            drop(waiting);
            dispatch_task(shared, &self.consumer, tp, offset, task, Some(permit));
            return;
        }
        let (Some(event_id), Some(event_type)) =
            (headers.text("ce_id", false), headers.text("ce_type", false))
        else {
            tracing::warn!(topic = %tp.0, offset, "skipping a record that is not a CloudEvent in binary mode");
            return skip(shared, &tp, offset);
        };
        let routes = shared
            .routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let empty = Vec::new();
        let candidates = routes.by_topic.get(&*tp.0).unwrap_or(&empty);
        let mut event = || {
            filter_view(
                &headers,
                event_id,
                event_type,
                (!key.is_empty()).then_some(&key[..]),
                &data,
            )
        };
        let matched: Vec<&Arc<Route>> = candidates
            .iter()
            .filter(|r| event_type_matches(&r.sub.event_types, event_type) && r.accepts(&mut event))
            .collect();
        if matched.is_empty() {
            return skip(shared, &tp, offset);
        }
        let n = matched.len();
        let (mut event_id, mut event_type) = (event_id.to_owned(), event_type.to_owned());
        let payload = Payload {
            headers: Arc::new(headers),
            data,
        };
        let completion = begin(shared, &tp, offset, n, Some(permit));
        for (i, route) in matched.into_iter().enumerate() {
            // The last delivery takes the event's strings, the others copy them.
            let (event_id, event_type) = if i + 1 == n {
                (
                    std::mem::take(&mut event_id),
                    std::mem::take(&mut event_type),
                )
            } else {
                (event_id.clone(), event_type.clone())
            };
            let previous_offset =
                self.last
                    .matched(&route.sub.id, &tp, route.ordered, &key, offset);
            let task = DeliveryTask {
                subscription_id: route.sub.id.clone(),
                team: route.sub.team.clone(),
                // Not `to_string`: an `Arc<str>` has no fast path and goes through `fmt`.
                source_topic: String::from(&*tp.0),
                source_partition: tp.1,
                source_offset: offset,
                event_id,
                event_type,
                key: key.to_vec(),
                previous_offset,
                ..DeliveryTask::default()
            };
            if route.ordered {
                let job = Job {
                    offset,
                    route: route.clone(),
                    task,
                    payload: payload.clone(),
                    completion: completion.clone(),
                };
                lanes::push(shared, &self.consumer, tp.clone(), job);
            } else {
                shared.start_delivery(route.clone(), task, payload.clone(), completion.clone());
            }
        }
    }

    fn schedule(&self, tp: &Tp, due_ms: i64, generation: u64) {
        let wait = Duration::from_millis((due_ms - now_ms()).max(0) as u64);
        let tx = self.due_tx.clone();
        let tp = tp.clone();
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let _ = tx.send((tp, generation));
        });
    }

    /// A tier partition's head came due: deliver every due task, then wait for the next; a
    /// partition paused for a full queue is fetched again once the queue is half empty.
    fn on_due(&mut self, shared: &Arc<Shared>, tp: Tp, generation: u64) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let Some(q) = waiting.get_mut(&tp).filter(|q| q.generation == generation) else {
            return;
        };
        let now = now_ms();
        // Due tasks go out; so do tasks nobody here delivers (they must not hold the partition).
        while q
            .items
            .front()
            .is_some_and(|(_, t)| t.due_at_ms <= now || shared.route(&t.subscription_id).is_none())
        {
            let Some((offset, task)) = q.pop() else {
                break;
            };
            dispatch_task(shared, &self.consumer, tp.clone(), offset, task, None);
        }
        if q.paused && q.roomy() {
            let _ = self.consumer.resume(&tp.0, tp.1);
            q.paused = false;
        }
        match q.items.front() {
            Some((_, head)) => {
                let next = self.generation.fetch_add(1, Ordering::Relaxed);
                q.generation = next;
                let due = head.due_at_ms;
                self.schedule(&tp, due, next);
            }
            None => {
                waiting.remove(&tp);
            }
        }
    }
}

fn skip(shared: &Shared, tp: &Tp, offset: i64) {
    shared.tracker.begin(tp, offset);
    shared.tracker.finish(tp, offset);
}

fn begin(
    shared: &Shared,
    tp: &Tp,
    offset: i64,
    deliveries: usize,
    permit: Option<OwnedSemaphorePermit>,
) -> Arc<Completion> {
    shared.tracker.begin(tp, offset);
    shared.metrics.pending_records.inc();
    Arc::new(Completion {
        tracker: shared.tracker.clone(),
        tp: tp.clone(),
        offset,
        remaining: AtomicUsize::new(deliveries),
        failed: AtomicBool::new(false),
        pending_gauge: shared.metrics.pending_records.clone(),
        _permit: permit,
    })
}

fn dispatch_task(
    shared: &Arc<Shared>,
    consumer: &GroupConsumer,
    tp: Tp,
    offset: i64,
    task: DeliveryTask,
    permit: Option<OwnedSemaphorePermit>,
) {
    let Some(route) = shared.route(&task.subscription_id) else {
        return skip(shared, &tp, offset);
    };
    let mut task = task;
    let payload = Payload::take(&mut task);
    let completion = begin(shared, &tp, offset, 1, permit);
    // A replay to an ordered subscription (its dead letters, or a topic from an offset) keeps
    // each key's order too: replay tasks of one subscription share a partition of
    // herald.replay, in the order they were written.
    if route.ordered && *tp.0 == shared.settings.topics.replay {
        let job = Job {
            offset,
            route,
            task,
            payload,
            completion,
        };
        return lanes::push(shared, consumer, tp, job);
    }
    shared.start_delivery(route, task, payload, completion);
}

/// Most records dispatched in one turn of the consumer loop.
const DISPATCH_BATCH: usize = 64;

/// A consumer error: the worker stops when the client is unusable for good (rather than stay
/// ready while consuming nothing; uncommitted work is redelivered), else it goes on.
fn consumer_error(consumer: &GroupConsumer, error: DeliveryError) -> Result<(), DeliveryError> {
    if let Some(reason) = consumer.fatal_error() {
        tracing::error!(%reason, "kafka consumer failed for good");
        return Err(error);
    }
    tracing::debug!(%error, "consumer error");
    Ok(())
}

/// The next record with its place in the record budget. Polled without a waker too (to drain
/// what is already fetched): the loop always polls it again with its own before waiting.
async fn next_message(
    stream: &mut RecordStream<'_>,
    budget: &Arc<Semaphore>,
    topics: &mut HashMap<String, Arc<str>>,
) -> (OwnedSemaphorePermit, Result<Incoming, DeliveryError>) {
    // The budget is never closed, so acquiring only waits.
    let permit = match budget.clone().acquire_owned().await {
        Ok(p) => p,
        Err(_) => std::future::pending().await,
    };
    let message = stream
        .next()
        .await
        .map(|m| Incoming::from_record(&m, topics))
        .map_err(DeliveryError::Kafka);
    (permit, message)
}

async fn commit(consumer: &GroupConsumer, tracker: &Tracker) {
    let offsets = tracker.committable(None);
    if offsets.is_empty() {
        return;
    }
    match consumer.commit(&to_commit(offsets.clone())).await {
        Ok(()) => tracker.committed(&offsets),
        Err(error) => tracing::warn!(%error, "commit failed"),
    }
}

fn spawn_lag_update(consumer: GroupConsumer, shared: Arc<Shared>) {
    tokio::spawn(async move {
        let timeout = Duration::from_secs(5);
        let positions = shared.tracker.committable_positions();
        let mut per_topic: HashMap<String, i64> = HashMap::new();
        for ((t, p), pos) in positions {
            if let Ok(marks) = consumer.watermarks(&t, vec![p], timeout).await
                && let Some((_, high)) = marks.first()
            {
                *per_topic.entry(t.to_string()).or_default() += (high - pos).max(0);
            }
        }
        for (t, lag) in per_topic {
            shared
                .metrics
                .lag
                .get_or_create(&vec![("topic", t)])
                .set(lag);
        }
        match retained(&consumer, &shared.settings.topics.dlq, timeout).await {
            Ok(records) => {
                shared.metrics.dlq_records.set(records);
            }
            Err(error) => tracing::debug!(%error, "cannot read the dead-letter topic's size"),
        }
    });
}

/// Looks up the partition count of each of `topics` for the limit shares (off the loop).
fn spawn_partition_counts(consumer: GroupConsumer, shared: Arc<Shared>, topics: Vec<String>) {
    tokio::spawn(async move {
        for topic in topics
            .iter()
            .filter(|t| !shared.settings.topics.holds_tasks(t) && **t != shared.settings.topics.dlq)
        {
            match consumer.partitions(topic, Duration::from_secs(5)).await {
                Ok(Some(partitions)) => shared.shares.set_total(topic, partitions.len()),
                Ok(None) => {}
                Err(error) => {
                    tracing::debug!(%topic, %error, "cannot read a topic's partition count")
                }
            }
        }
    });
}

/// Records `topic` retains now: the sum over its partitions of high minus low watermark.
async fn retained(
    consumer: &GroupConsumer,
    topic: &str,
    timeout: Duration,
) -> Result<i64, herald_kafka::KafkaError> {
    let partitions = consumer
        .partitions(topic, timeout)
        .await?
        .unwrap_or_default();
    let marks = consumer.watermarks(topic, partitions, timeout).await?;
    Ok(marks.iter().map(|(low, high)| (high - low).max(0)).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_queue_is_full_at_either_bound_and_roomy_again_at_half() {
        let task = |bytes: usize| DeliveryTask {
            data: vec![0u8; bytes],
            ..DeliveryTask::default()
        };
        // Many small tasks: the task bound.
        let mut q = WaitQueue::default();
        for offset in 0..WAIT_TASKS as i64 - 1 {
            q.push(offset, task(1));
        }
        assert!(!q.full());
        q.push(WAIT_TASKS as i64, task(1));
        assert!(q.full() && !q.roomy());
        while q.items.len() > WAIT_TASKS / 2 + 1 {
            q.pop();
        }
        assert!(!q.roomy());
        assert_eq!(
            q.pop().map(|(offset, _)| offset),
            Some(WAIT_TASKS as i64 / 2 - 1)
        );
        assert!(q.roomy());
        assert_eq!(q.bytes, WAIT_TASKS / 2);
        // A few large events: the byte bound, counted down as they leave in offset order.
        let mut q = WaitQueue::default();
        q.push(7, task(WAIT_BYTES / 2));
        assert!(!q.full() && q.roomy());
        q.push(8, task(WAIT_BYTES / 2));
        assert!(q.full() && !q.roomy());
        assert_eq!(q.pop().map(|(offset, _)| offset), Some(7));
        assert!(!q.full() && q.roomy());
        assert_eq!(q.bytes, WAIT_BYTES / 2);
    }

    #[test]
    fn previous_matches_are_per_partition_or_per_key_and_never_ahead() {
        let mut last = LastMatched::default();
        let tp: Tp = (Arc::from("acme.orders"), 0);
        let (a, b) = (
            bytes::Bytes::from_static(b"a"),
            bytes::Bytes::from_static(b"b"),
        );
        // Unordered: the previous match in the partition, whatever its key.
        assert_eq!(last.matched("s1", &tp, false, &a, 3), None);
        assert_eq!(last.matched("s1", &tp, false, &b, 7), Some(3));
        // Ordered: the previous match of the same key; another subscription is apart.
        assert_eq!(last.matched("s2", &tp, true, &a, 3), None);
        assert_eq!(last.matched("s2", &tp, true, &b, 7), None);
        assert_eq!(last.matched("s2", &tp, true, &a, 9), Some(3));
        // A partition read again from an earlier offset (after a rebalance) claims nothing.
        assert_eq!(last.matched("s1", &tp, false, &a, 5), None);
        assert_eq!(last.matched("s1", &tp, false, &a, 6), Some(5));
    }

    #[test]
    fn remembered_keys_are_bounded() {
        let mut last = LastMatched::default();
        let tp: Tp = (Arc::from("acme.orders"), 1);
        for k in 0..=MAX_REMEMBERED_KEYS {
            last.matched("s", &tp, true, &bytes::Bytes::from(k.to_string()), k as i64);
        }
        let remembered = last.subs["s"][&tp].keys.len();
        assert!(remembered <= MAX_REMEMBERED_KEYS, "{remembered}");
        // A key forgotten by the bound has no previous: the header is left out.
        assert_eq!(
            last.matched("s", &tp, true, &bytes::Bytes::from("0"), 99_999),
            None
        );
    }
}
