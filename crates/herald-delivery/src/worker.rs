//! The worker: one consumer group over the event topics, the retry tiers and `herald.replay`;
//! deliveries run as independent tasks bounded per subscription; offsets are committed only up
//! to the lowest record not yet delivered or durably handed off.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use herald_core::names::internal::RETRY_TOPIC_PREFIX;
use herald_core::{Event, RetryStep, Tier, event_type_matches};
use herald_kafka::rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, MessageStream, Rebalance, StreamConsumer,
};
use herald_kafka::rdkafka::message::Headers;
use herald_kafka::rdkafka::{ClientContext, Message, Offset, TopicPartitionList};
use herald_kafka::{KafkaConfig, Producer, TopicAdmin, TopicSpec};
use herald_proto::v1::{AttemptOutcome, AttemptRecord, DeliveryTask, RecordHeader};
use herald_runtime::trace;
use herald_watch::ConfigHandle;
use prost::Message as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::config::Settings;
use crate::endpoint::{Endpoint, Gate, Route, Routes};
use crate::http::{Attempt, Outgoing, Target, Verdict, WebhookClient};
use crate::metrics::Metrics;
use crate::settle::{self, Settle};
use crate::tracker::{Tp, Tracker};
use crate::{DLQ_TOPIC, DeliveryError, REPLAY_TOPIC, SubscriptionControl};

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64
}

fn is_task_topic(topic: &str) -> bool {
    topic.starts_with(RETRY_TOPIC_PREFIX) || topic == REPLAY_TOPIC
}

fn tpl_of(tps: &[Tp]) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    for (t, p) in tps {
        tpl.add_partition(t, *p);
    }
    tpl
}

/// Tasks of a paused tier partition, waiting in offset order for their due time.
#[derive(Debug, Default)]
struct WaitQueue {
    items: VecDeque<(i64, DeliveryTask)>,
    generation: u64,
}

type Waiting = Arc<Mutex<HashMap<Tp, WaitQueue>>>;

/// The consumer context: on revocation, lets in-flight work of the revoked partitions finish
/// (bounded), commits their progress, and only then lets them go.
pub(crate) struct WorkerContext {
    tracker: Arc<Tracker>,
    waiting: Waiting,
    revoke_timeout: Duration,
}

impl ClientContext for WorkerContext {}

impl ConsumerContext for WorkerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(tpl) = rebalance else {
            return;
        };
        let tps: Vec<Tp> = tpl
            .elements()
            .iter()
            .map(|e| (Arc::<str>::from(e.topic()), e.partition()))
            .collect();
        {
            // Tasks not yet due were never begun: the next owner reads them again.
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            for tp in &tps {
                waiting.remove(tp);
            }
        }
        let wait = || self.tracker.wait_idle(Some(&tps), self.revoke_timeout);
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
        let offsets = self.tracker.committable(Some(&tps));
        // Lost (the session expired, e.g. during a broker outage): the group has moved on and a
        // commit can only fail, after blocking this thread until the coordinator answers. The
        // next owner redelivers what was not committed.
        if consumer.assignment_lost() {
            tracing::info!(partitions = tps.len(), "partitions lost, not committing");
        } else if !offsets.is_empty() {
            let mut out = TopicPartitionList::new();
            for ((t, p), o) in &offsets {
                let _ = out.add_partition_offset(t, *p, Offset::Offset(*o));
            }
            match consumer.commit(&out, CommitMode::Sync) {
                Ok(()) => tracing::info!(partitions = tps.len(), "committed revoked partitions"),
                Err(error) => tracing::warn!(%error, "commit on revoke failed"),
            }
        }
        self.tracker.forget(&tps);
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            // A partition paused under a previous assignment must not stay paused.
            let _ = consumer.resume(tpl);
            tracing::info!(partitions = tpl.count(), "partitions assigned");
        }
    }
}

type Kafka = StreamConsumer<WorkerContext>;

/// A consumed record, copied out of librdkafka's buffer once.
pub(crate) struct Incoming {
    tp: Tp,
    offset: i64,
    headers: RecordHeaders,
    data: Bytes,
}

impl Incoming {
    fn from_message<M: Message>(m: &M, topics: &mut HashMap<String, Arc<str>>) -> Self {
        // Topic names are interned: a record costs no allocation for its partition's name.
        let topic = match topics.get(m.topic()) {
            Some(t) => t.clone(),
            None => topics
                .entry(m.topic().to_owned())
                .or_insert_with(|| Arc::from(m.topic()))
                .clone(),
        };
        let mut headers = RecordHeaders::default();
        if let Some(hs) = m.headers() {
            for h in hs.iter() {
                if let Some(v) = h.value {
                    headers.push(h.key, v);
                }
            }
        }
        Self {
            tp: (topic, m.partition()),
            offset: m.offset(),
            headers,
            data: m.payload().map(Bytes::copy_from_slice).unwrap_or_default(),
        }
    }
}

/// A record's headers in one buffer: two allocations per record instead of two per header.
#[derive(Debug, Default)]
pub(crate) struct RecordHeaders {
    bytes: Vec<u8>,
    /// Per header, where its key and its value end in `bytes` (each starts where the previous
    /// part ended).
    ends: Vec<(usize, usize)>,
}

impl RecordHeaders {
    fn push(&mut self, key: &str, value: &[u8]) {
        if self.bytes.is_empty() {
            // Room for a CloudEvent's headers, so the buffer is not regrown.
            self.bytes.reserve(256);
            self.ends.reserve(8);
        }
        self.bytes.extend_from_slice(key.as_bytes());
        let key_end = self.bytes.len();
        self.bytes.extend_from_slice(value);
        self.ends.push((key_end, self.bytes.len()));
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut start = 0;
        self.ends.iter().map(move |&(key_end, end)| {
            let pair = (&self.bytes[start..key_end], &self.bytes[key_end..end]);
            start = end;
            pair
        })
    }

    /// The first value of `name` that is text.
    fn text(&self, name: &str, any_case: bool) -> Option<&str> {
        self.iter()
            .find(|(k, _)| {
                if any_case {
                    k.eq_ignore_ascii_case(name.as_bytes())
                } else {
                    *k == name.as_bytes()
                }
            })
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    fn from_records(records: Vec<RecordHeader>) -> Self {
        let mut headers = Self::default();
        for h in &records {
            headers.push(&h.key, &h.value);
        }
        headers
    }

    fn to_records(&self) -> Vec<RecordHeader> {
        self.iter()
            .map(|(k, v)| RecordHeader {
                key: String::from_utf8_lossy(k).into_owned(),
                value: v.to_vec(),
            })
            .collect()
    }
}

/// An event's record headers and value, shared by all of its deliveries (no copy per
/// subscription); only a handoff to a retry tier or the DLQ writes them into a task.
#[derive(Clone)]
pub(crate) struct Payload {
    headers: Arc<RecordHeaders>,
    data: Bytes,
}

impl Payload {
    /// Moves the payload out of a task read from a tier.
    fn take(task: &mut DeliveryTask) -> Self {
        Self {
            headers: Arc::new(RecordHeaders::from_records(std::mem::take(
                &mut task.headers,
            ))),
            data: Bytes::from(std::mem::take(&mut task.data)),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.text(name, true)
    }

    /// The full task record.
    fn encode(&self, task: &DeliveryTask) -> Vec<u8> {
        let mut full = task.clone();
        full.headers = self.headers.to_records();
        full.data = self.data.to_vec();
        full.encode_to_vec()
    }
}

/// Completion of one consumed record: done when every delivery of it is done.
struct Completion {
    tracker: Arc<Tracker>,
    tp: Tp,
    offset: i64,
    remaining: AtomicUsize,
    failed: AtomicBool,
    pending_gauge: herald_runtime::prometheus_client::metrics::gauge::Gauge,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Completion {
    fn finish(&self, ok: bool) {
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

/// State shared by the consumer loop and every delivery task.
pub(crate) struct Shared {
    pub settings: Settings,
    pub producer: Producer,
    pub attempts: crate::attempts::AttemptLog,
    pub client: WebhookClient,
    pub routes: RwLock<Arc<Routes>>,
    pub endpoints: Mutex<HashMap<String, Arc<Endpoint>>>,
    /// Subscriptions this worker disabled, with the `updated_at_ms` they had then.
    pub disabled: Mutex<HashMap<String, i64>>,
    pub tracker: Arc<Tracker>,
    pub metrics: Metrics,
    pub control: Arc<dyn SubscriptionControl>,
    pub admin: Arc<dyn TopicAdmin>,
    pub ops_topics: tokio::sync::Mutex<HashSet<String>>,
    /// Cancelled when the shutdown grace is over: handoffs stop retrying.
    pub abort: CancellationToken,
}

impl Shared {
    fn route(&self, id: &str) -> Option<Arc<Route>> {
        self.routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_id
            .get(id)
            .cloned()
    }

    fn endpoint(&self, route: &Route) -> Arc<Endpoint> {
        let limit = match route.sub.max_in_flight {
            0 => self.settings.max_in_flight,
            n => n,
        } as usize;
        let mut eps = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        let ep = eps
            .entry(route.sub.id.clone())
            .or_insert_with(|| {
                Arc::new(Endpoint::new(
                    limit,
                    self.settings.circuit_threshold,
                    self.settings.circuit_open_for,
                ))
            })
            .clone();
        ep.set_limit(limit);
        ep
    }

    fn locally_disabled(&self, id: &str) -> bool {
        self.disabled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(id)
    }

    /// Delivers one task to one subscription and hands it off on failure; true once the task
    /// is done (delivered, or durably in a retry tier or the DLQ).
    async fn deliver(
        self: Arc<Self>,
        route: Arc<Route>,
        mut task: DeliveryTask,
        payload: Payload,
    ) -> bool {
        let payload = &payload;
        if route.disabled() || self.locally_disabled(&route.sub.id) {
            return self
                .dead_letter(&route, task, payload, "subscription disabled")
                .await;
        }
        let Some(target) = route.target.as_ref() else {
            return self
                .dead_letter(&route, task, payload, "subscription url is invalid")
                .await;
        };
        if route.paused() {
            return self.defer(task, payload, "paused").await;
        }
        let ep = self.endpoint(&route);
        // A slow endpoint's new deliveries wait in the retry path instead of its queue; a fast
        // endpoint with a backlog just queues (bounded by the record budget).
        let Some(place) = ep.enqueue(self.settings.max_queued, self.settings.slow_latency) else {
            return self.defer(task, payload, "backlogged").await;
        };
        let result = self.attempt(&route, &ep, target, &mut task, payload).await;
        drop(place);
        match result {
            Some(attempt) => Box::pin(self.settle(&route, &ep, task, payload, attempt)).await,
            None => {
                self.dead_letter(&route, task, payload, "subscription disabled")
                    .await
            }
        }
    }

    /// Makes one attempt (or short-circuits it); `None` when the subscription was disabled
    /// while the delivery waited.
    async fn attempt(
        &self,
        route: &Route,
        ep: &Endpoint,
        target: &Target,
        task: &mut DeliveryTask,
        payload: &Payload,
    ) -> Option<Attempt> {
        let gate = ep.gate(Instant::now());
        if task.first_attempt_at_ms == 0 {
            task.first_attempt_at_ms = now_ms();
        }
        if gate == Gate::Reject {
            task.attempt += 1;
            return Some(Attempt {
                status: 0,
                latency: Duration::ZERO,
                error: "circuit open: endpoint keeps failing, not sent".to_owned(),
                excerpt: String::new(),
                verdict: Verdict::CircuitOpen,
            });
        }
        let _permit = ep.permit().await?;
        ep.pace(route.sub.rate_limit).await;
        if self.locally_disabled(&route.sub.id) {
            return None;
        }
        let incoming = payload.header("traceparent");
        let (span, outgoing) = attempt_span(route, task, incoming);
        // Boxed: the HTTP future is large, and spawning a delivery would otherwise copy it.
        let attempt = Box::pin(
            self.client
                .send(Outgoing {
                    target,
                    id: &task.event_id,
                    signer: &route.signer,
                    body: payload.data.clone(),
                    content_type: payload.header("content-type").unwrap_or("application/json"),
                    traceparent: outgoing.as_deref().or(incoming),
                    headers: &route.headers,
                })
                .instrument(span.clone()),
        )
        .await;
        if !span.is_disabled() {
            span.record("http.response.status_code", attempt.status);
            span.record("outcome", attempt.verdict.label());
            if attempt.verdict != Verdict::Success {
                span.record("otel.status_code", "error");
                span.record("error.message", attempt.error.as_str());
            }
        }
        task.attempt += 1;
        ep.observe_latency(attempt.latency);
        self.metrics.latency.observe(attempt.latency.as_secs_f64());
        Some(attempt)
    }

    /// Carries out the decision of [`settle::decide`] for an attempt: the endpoint's state,
    /// then the task's fate, then the attempt record.
    async fn settle(
        &self,
        route: &Route,
        ep: &Endpoint,
        mut task: DeliveryTask,
        payload: &Payload,
        attempt: Attempt,
    ) -> bool {
        task.last_status = attempt.status as i32;
        task.last_error = attempt.error.clone();
        match attempt.verdict {
            Verdict::Success => {
                if ep.on_success() {
                    self.metrics.open_circuits.dec();
                    tracing::info!(subscription = %route.sub.id, "endpoint recovered");
                    self.operational(route, "herald.endpoint.recovered", serde_json::json!({}))
                        .await;
                }
            }
            Verdict::Retry { .. } | Verdict::CircuitOpen => {
                if attempt.verdict != Verdict::CircuitOpen && ep.on_failure(Instant::now()) {
                    self.metrics.open_circuits.inc();
                    tracing::warn!(subscription = %route.sub.id, "circuit opened");
                }
                self.check_auto_disable(route, ep).await;
            }
            Verdict::Gone | Verdict::Permanent => {}
        }
        let decision = settle::decide(
            &attempt,
            task.attempt,
            &self.settings.schedule,
            now_ms(),
            rand::random::<f64>(),
        );
        match decision {
            Settle::Delivered => {
                self.log_attempt(route, task, attempt, AttemptOutcome::Succeeded);
                true
            }
            Settle::Retry {
                tier,
                due_ms,
                outcome,
            } => {
                let ok = self.to_tier(&mut task, payload, &tier, due_ms).await;
                if ok {
                    self.metrics
                        .retries
                        .get_or_create(&vec![("tier", tier.label.clone())])
                        .inc();
                    self.log_attempt(route, task, attempt, outcome);
                }
                ok
            }
            Settle::DeadLetter {
                reason,
                outcome,
                disable,
            } => {
                if disable {
                    self.disable(route, &reason).await;
                }
                self.log_attempt(route, task.clone(), attempt, outcome);
                self.dead_letter(route, task, payload, &reason).await
            }
        }
    }

    async fn check_auto_disable(&self, route: &Route, ep: &Endpoint) {
        let failing_ms = ep.failing_for_ms(now_ms());
        if failing_ms >= self.settings.auto_disable_after.as_millis() as i64 {
            let reason = format!("failing continuously for {}s", failing_ms / 1000);
            self.disable(route, &reason).await;
        }
    }

    /// Disables a subscription: locally at once, then through the control plane.
    async fn disable(&self, route: &Route, reason: &str) {
        {
            let mut d = self.disabled.lock().unwrap_or_else(|e| e.into_inner());
            if d.contains_key(&route.sub.id) {
                return;
            }
            d.insert(route.sub.id.clone(), route.sub.updated_at_ms);
        }
        tracing::warn!(subscription = %route.sub.id, team = %route.sub.team, %reason, "disabling subscription");
        let control = self.control.clone();
        let (team, id, why) = (
            route.sub.team.clone(),
            route.sub.id.clone(),
            reason.to_owned(),
        );
        let abort = self.abort.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            for _ in 0..8 {
                match control.disable(&team, &id, &why).await {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(subscription = %id, %error, "disable through the control plane failed, retrying")
                    }
                }
                tokio::select! {
                    _ = abort.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        });
        self.operational(
            route,
            "herald.subscription.disabled",
            serde_json::json!({ "reason": reason }),
        )
        .await;
    }

    /// Parks a delivery in the retry path without counting an attempt.
    async fn defer(&self, mut task: DeliveryTask, payload: &Payload, why: &'static str) -> bool {
        let step =
            self.settings
                .schedule
                .next(task.attempt.max(1), now_ms(), rand::random::<f64>(), None);
        let (tier, due_ms) = match step {
            RetryStep::Retry { tier, due_ms } => (tier, due_ms),
            RetryStep::DeadLetter => {
                let Some(tier) = self.settings.schedule.tiers().pop() else {
                    return false;
                };
                let due = now_ms() + tier.delay.as_millis() as i64;
                (tier, due)
            }
        };
        let ok = self.to_tier(&mut task, payload, &tier, due_ms).await;
        if ok {
            self.metrics
                .deferred
                .get_or_create(&vec![("reason", why.to_owned())])
                .inc();
        }
        ok
    }

    /// Writes `task` to `tier`'s topic, due at `due_ms`; true once it is durably there.
    async fn to_tier(
        &self,
        task: &mut DeliveryTask,
        payload: &Payload,
        tier: &Tier,
        due_ms: i64,
    ) -> bool {
        task.tier = tier.label.clone();
        task.due_at_ms = due_ms;
        self.produce(&tier.topic(), &task.subscription_id, payload.encode(task))
            .await
    }

    async fn dead_letter(
        &self,
        route: &Route,
        mut task: DeliveryTask,
        payload: &Payload,
        reason: &str,
    ) -> bool {
        task.tier.clear();
        task.dead_lettered_at_ms = now_ms();
        task.dead_letter_reason = reason.to_owned();
        let ok = self
            .produce(DLQ_TOPIC, &task.subscription_id, payload.encode(&task))
            .await;
        if ok {
            self.metrics.dead_lettered.inc();
            tracing::info!(subscription = %task.subscription_id, event = %task.event_id, %reason, "dead-lettered");
            self.operational(
                route,
                "herald.delivery.dead_lettered",
                serde_json::json!({
                    "event_id": task.event_id,
                    "event_type": task.event_type,
                    "source_topic": task.source_topic,
                    "attempts": task.attempt,
                    "reason": reason,
                    "last_status": task.last_status,
                }),
            )
            .await;
        }
        ok
    }

    /// Produces until the broker acknowledges, or the shutdown grace is over.
    async fn produce(&self, topic: &str, key: &str, value: Vec<u8>) -> bool {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self
                .producer
                .send(topic, Some(key.as_bytes()), &[], &value)
                .await
            {
                Ok(_) => return true,
                Err(error) => {
                    tracing::warn!(%topic, %error, "handoff produce failed, retrying");
                }
            }
            tokio::select! {
                _ = self.abort.cancelled() => return false,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    /// Writes the attempt record; takes the task and attempt so their strings move into it.
    fn log_attempt(&self, route: &Route, task: DeliveryTask, a: Attempt, outcome: AttemptOutcome) {
        let label = match outcome {
            AttemptOutcome::Succeeded => "succeeded",
            AttemptOutcome::Retrying => "retrying",
            AttemptOutcome::DeadLettered => "dead_lettered",
            AttemptOutcome::Disabled => "disabled",
            AttemptOutcome::ShortCircuited => "short_circuited",
            AttemptOutcome::Unspecified => "unspecified",
        };
        self.metrics.attempt(label).inc();
        let record = AttemptRecord {
            subscription_id: task.subscription_id,
            team: task.team,
            event_id: task.event_id,
            source_topic: task.source_topic,
            source_partition: task.source_partition,
            source_offset: task.source_offset,
            attempt: task.attempt,
            status: a.status as i32,
            latency_ms: a.latency.as_millis() as i64,
            error: a.error,
            response_excerpt: a.excerpt,
            at_ms: now_ms(),
            outcome: outcome as i32,
            url: route.shown_url(),
        };
        self.attempts
            .write(&record.subscription_id, &record.encode_to_vec());
    }

    /// Publishes an operational event on `<team>.herald` (best effort).
    async fn operational(&self, route: &Route, ty: &str, mut data: serde_json::Value) {
        let team = route.sub.team.clone();
        if team.is_empty() {
            return;
        }
        let topic = format!("{team}.herald");
        if let Some(obj) = data.as_object_mut() {
            obj.insert("subscription_id".into(), route.sub.id.clone().into());
            obj.insert("team".into(), team.clone().into());
            obj.insert("url".into(), route.shown_url().into());
        }
        {
            let mut known = self.ops_topics.lock().await;
            if !known.contains(&topic) {
                match self
                    .admin
                    .create_topic(&TopicSpec::new(topic.clone(), 1))
                    .await
                {
                    Ok(()) | Err(herald_kafka::KafkaError::TopicExists(_)) => {
                        known.insert(topic.clone());
                    }
                    Err(error) => {
                        tracing::warn!(%topic, %error, "cannot create the operational topic");
                        return;
                    }
                }
            }
        }
        let mut event = Event::new(
            uuid::Uuid::now_v7().to_string(),
            "/herald/delivery",
            ty,
            serde_json::to_vec(&data).unwrap_or_default(),
        );
        event.content_type = Some("application/json".into());
        event.subject = Some(route.sub.id.clone());
        event.time = Some(herald_core::envelope::format_time(time_now()));
        if let Err(error) = self
            .producer
            .send(
                &topic,
                Some(route.sub.id.as_bytes()),
                &event.to_headers(),
                &event.data,
            )
            .await
        {
            tracing::warn!(%topic, %error, "operational event not written");
        }
    }
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
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
        let waiting: Waiting = Arc::default();
        let context = WorkerContext {
            tracker: shared.tracker.clone(),
            waiting: waiting.clone(),
            revoke_timeout: shared.settings.revoke_timeout,
        };
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
        let consumer: Arc<Kafka> = Arc::new(herald_kafka::consumer(
            client,
            &self.group_id,
            &self.auto_offset_reset,
            context,
        )?);
        let task_topics: Vec<String> = shared
            .settings
            .schedule
            .tiers()
            .iter()
            .map(|t| t.topic())
            .chain([REPLAY_TOPIC.to_owned()])
            .collect();
        let mut subscribed: Vec<String> = Vec::new();
        self.refresh(&consumer, &task_topics, &mut subscribed)?;
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
                _ = lag_tick.tick() => spawn_lag_update(consumer.clone(), shared.clone()),
                (permit, message) = next_message(&mut stream, &budget, &mut interned) => match message {
                    Ok(m) => loop_ctx.on_message(&shared, m, permit),
                    Err(error) => {
                        if let Some((code, reason)) = consumer.client().fatal_error() {
                            // The client is unusable: stop rather than stay ready while
                            // consuming nothing; uncommitted work is redelivered.
                            tracing::error!(?code, %reason, "kafka consumer failed for good");
                            return Err(error);
                        }
                        tracing::debug!(%error, "consumer error");
                    }
                },
            }
        }

        // Graceful stop: nothing new starts, waiting tasks are left for the next owner, work in
        // flight finishes or is handed off, then the final commit, then we leave the group.
        tracing::info!(in_flight = shared.tracker.in_flight(None), "draining");
        waiting.lock().unwrap_or_else(|e| e.into_inner()).clear();
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
        let _ = tokio::task::spawn_blocking(move || {
            consumer.unsubscribe();
            drop(consumer);
        })
        .await;
        let _ = shared.producer.flush(Duration::from_secs(5)).await;
        shared.attempts.flush(Duration::from_secs(5)).await;
        Ok(())
    }

    /// Rebuilds routes from the view and follows changed topics.
    fn refresh(
        &self,
        consumer: &Kafka,
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
            *subscribed = topics;
        }
        Ok(())
    }
}

struct LoopState<'a> {
    consumer: Arc<Kafka>,
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
        } = m;
        if is_task_topic(&tp.0) {
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
                q.items.push_back((offset, task));
                return;
            }
            if shared.route(&task.subscription_id).is_none() {
                // Deleted subscription (or another deployment's): nothing to deliver.
                drop(waiting);
                return skip(shared, &tp, offset);
            }
            if task.due_at_ms > now_ms() {
                let _ = self.consumer.pause(&tpl_of(std::slice::from_ref(&tp)));
                let generation = self.generation.fetch_add(1, Ordering::Relaxed);
                self.schedule(&tp, task.due_at_ms, generation);
                let mut q = WaitQueue {
                    generation,
                    ..WaitQueue::default()
                };
                q.items.push_back((offset, task));
                waiting.insert(tp, q);
                return;
            }
            drop(waiting);
            dispatch_task(shared, tp, offset, task, Some(permit));
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
        let matched: Vec<&Arc<Route>> = candidates
            .iter()
            .filter(|r| event_type_matches(&r.sub.event_types, event_type))
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
            let task = DeliveryTask {
                subscription_id: route.sub.id.clone(),
                team: route.sub.team.clone(),
                source_topic: tp.0.to_string(),
                source_partition: tp.1,
                source_offset: offset,
                event_id,
                event_type,
                ..DeliveryTask::default()
            };
            spawn_delivery(
                shared,
                route.clone(),
                task,
                payload.clone(),
                completion.clone(),
            );
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

    /// A paused tier partition's head came due: deliver every due task, then wait for the next
    /// or resume the partition.
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
            let Some((offset, task)) = q.items.pop_front() else {
                break;
            };
            dispatch_task(shared, tp.clone(), offset, task, None);
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
                let _ = self.consumer.resume(&tpl_of(std::slice::from_ref(&tp)));
            }
        }
    }
}

/// The span of one webhook request and the `traceparent` to send with it.
///
/// The span's parent is the record's `traceparent` (the publish span, also for attempts from a
/// retry tier: a `DeliveryTask` carries the record's headers), and the request carries the span
/// itself, so the receiver's spans are children of this attempt. Without an exporter no span is
/// made (`None`: send the record's `traceparent` as is), which keeps the hot path as it was.
fn attempt_span(
    route: &Route,
    task: &DeliveryTask,
    incoming: Option<&str>,
) -> (tracing::Span, Option<String>) {
    if !trace::exporting() {
        return (tracing::Span::none(), None);
    }
    let tier = match task.tier.as_str() {
        "" if task.replay => "replay",
        "" => "live",
        tier => tier,
    };
    let span = tracing::info_span!(
        "webhook.attempt",
        otel.kind = "client",
        subscription_id = %route.sub.id,
        event_id = %task.event_id,
        attempt = task.attempt + 1,
        tier,
        http.response.status_code = tracing::field::Empty,
        outcome = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        error.message = tracing::field::Empty,
    );
    trace::set_remote_parent(&span, incoming);
    let outgoing = trace::outgoing_traceparent(&span, incoming);
    (span, Some(outgoing))
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
    spawn_delivery(shared, route, task, payload, completion);
}

fn spawn_delivery(
    shared: &Arc<Shared>,
    route: Arc<Route>,
    task: DeliveryTask,
    payload: Payload,
    completion: Arc<Completion>,
) {
    let shared = shared.clone();
    // Boxed: a task stores its future inline and moves it on every stage change, and the
    // delivery future (with its handoff paths) is kilobytes; a box is one small allocation.
    tokio::spawn(Box::pin(async move {
        let ok = shared.deliver(route, task, payload).await;
        completion.finish(ok);
    }));
}

async fn next_message(
    stream: &mut MessageStream<'_, WorkerContext>,
    budget: &Arc<Semaphore>,
    topics: &mut HashMap<String, Arc<str>>,
) -> (OwnedSemaphorePermit, Result<Incoming, DeliveryError>) {
    // The budget is never closed, so acquiring only waits.
    let permit = match budget.clone().acquire_owned().await {
        Ok(p) => p,
        Err(_) => std::future::pending().await,
    };
    // A consumer's stream never ends.
    let Some(message) = stream.next().await else {
        return std::future::pending().await;
    };
    let message = message
        .map(|m| Incoming::from_message(&m, topics))
        .map_err(|e| DeliveryError::Kafka(e.into()));
    (permit, message)
}

async fn commit(consumer: &Arc<Kafka>, tracker: &Tracker) {
    let offsets = tracker.committable(None);
    if offsets.is_empty() {
        return;
    }
    let mut tpl = TopicPartitionList::new();
    for ((t, p), o) in &offsets {
        let _ = tpl.add_partition_offset(t, *p, Offset::Offset(*o));
    }
    let c = consumer.clone();
    match tokio::task::spawn_blocking(move || c.commit(&tpl, CommitMode::Sync)).await {
        Ok(Ok(())) => tracker.committed(&offsets),
        Ok(Err(error)) => tracing::warn!(%error, "commit failed"),
        Err(error) => tracing::warn!(%error, "commit task failed"),
    }
}

fn spawn_lag_update(consumer: Arc<Kafka>, shared: Arc<Shared>) {
    tokio::spawn(async move {
        let positions = shared.tracker.committable_positions();
        let mut per_topic: HashMap<String, i64> = HashMap::new();
        for ((t, p), pos) in positions {
            let c = consumer.clone();
            let topic = t.to_string();
            let high = tokio::task::spawn_blocking(move || {
                c.fetch_watermarks(&topic, p, Duration::from_secs(5))
            })
            .await;
            if let Ok(Ok((_, high))) = high {
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
        let dlq = tokio::task::spawn_blocking(move || retained(&consumer, DLQ_TOPIC)).await;
        match dlq {
            Ok(Ok(records)) => {
                shared.metrics.dlq_records.set(records);
            }
            Ok(Err(error)) => tracing::debug!(%error, "cannot read the dead-letter topic's size"),
            Err(_) => {}
        }
    });
}

/// Records `topic` retains now: the sum over its partitions of high minus low watermark.
fn retained(
    consumer: &Kafka,
    topic: &str,
) -> Result<i64, herald_kafka::rdkafka::error::KafkaError> {
    let timeout = Duration::from_secs(5);
    let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
    let mut total = 0;
    for t in metadata.topics() {
        for p in t.partitions() {
            let (low, high) = consumer.fetch_watermarks(topic, p.id(), timeout)?;
            total += (high - low).max(0);
        }
    }
    Ok(total)
}
