//! One delivery: gate, pace, attempt, and the settlement of its outcome.

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_core::cursor::Cursor;
use herald_proto::v1::{AttemptOutcome, DeliveryTask};
use herald_runtime::trace;
use tracing::Instrument;

use crate::cloudevent::{self, Rendered, Sequence};
use crate::endpoint::{Endpoint, Gate, QueuePlace, Route};
use crate::http::{Attempt, Line, Outgoing, Target, Verdict};
use crate::saved::SavedState;
use crate::settle::{self, Settle};
use crate::share::Shares;

use super::consume::Completion;
use super::records::Payload;
use super::{Shared, now_ms};

/// What became of a task after [`Shared::settle`].
pub(super) enum Settled {
    /// Delivered, or durably in a retry tier (false: the handoff failed at shutdown).
    Done(bool),
    /// Durably in the DLQ (false: the handoff failed at shutdown).
    DeadLettered(bool),
    /// An in-process retry is due at the task's `due_at_ms`; the task counts its attempts.
    RetryAt(Box<DeliveryTask>),
}

impl Settled {
    /// Whether the task is done (delivered or durably handed off).
    fn finished(self) -> bool {
        match self {
            Self::Done(ok) | Self::DeadLettered(ok) => ok,
            Self::RetryAt(_) => false,
        }
    }
}

/// A delivery waiting in its endpoint's queue for a runner (see `Endpoint::submit`).
pub(crate) struct Queued {
    route: Arc<Route>,
    task: DeliveryTask,
    payload: Payload,
    completion: Arc<Completion>,
    place: QueuePlace,
}

/// Keeps an endpoint's queue served when a runner ends by a panic (a bug): another runner
/// takes over its queue, or the runner count goes down.
struct RunnerGuard {
    shared: Arc<Shared>,
    ep: Arc<Endpoint>,
    finished: bool,
}

impl Drop for RunnerGuard {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(job) = self.ep.runner_lost()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(Box::pin(
                self.shared.clone().run_endpoint(self.ep.clone(), job),
            ));
        }
    }
}

impl Shared {
    /// Starts a delivery of `task` to `route`; `completion` learns whether it is done
    /// (delivered, or durably in a retry tier or the DLQ). The common case, an active
    /// subscription whose endpoint takes it, queues it for the endpoint's runners; the others
    /// (disabled, paused, invalid URL, slow and backlogged) take the full path in a task of
    /// their own.
    pub(super) fn start_delivery(
        self: &Arc<Self>,
        route: Arc<Route>,
        task: DeliveryTask,
        payload: Payload,
        completion: Arc<Completion>,
    ) {
        let active = !route.disabled()
            && !self.locally_disabled(&route.sub.id)
            && route.target.is_some()
            && !route.paused();
        let ep = active.then(|| self.endpoint(&route));
        let place = ep
            .as_ref()
            .and_then(|ep| ep.enqueue(self.settings.max_queued, self.settings.slow_latency));
        let (Some(ep), Some(place)) = (ep, place) else {
            let shared = self.clone();
            // Boxed: a task stores its future inline and moves it on every stage change, and
            // the delivery future (with its handoff paths) is kilobytes.
            tokio::spawn(Box::pin(async move {
                let ok = shared.deliver(route, task, payload).await;
                completion.finish(ok);
            }));
            return;
        };
        let job = Queued {
            route,
            task,
            payload,
            completion,
            place,
        };
        if let Some(first) = ep.submit(job) {
            tokio::spawn(Box::pin(self.clone().run_endpoint(ep, first)));
        }
    }

    /// One runner of an endpoint: delivers `first`, then queued jobs until none is left.
    async fn run_endpoint(self: Arc<Self>, ep: Arc<Endpoint>, first: Queued) {
        let mut guard = RunnerGuard {
            shared: self.clone(),
            ep: ep.clone(),
            finished: false,
        };
        let mut job = first;
        // One line (connection and deadline timer) for all of this runner's attempts (see
        // `WebhookClient::send`); the connection goes back to the endpoint when the runner ends.
        let mut line = ep.connections.line();
        loop {
            self.run_job(&ep, job, &mut line).await;
            match ep.next_job() {
                Some(next) => job = next,
                None => break,
            }
        }
        guard.finished = true;
    }

    /// One queued delivery: the attempt, then its settlement (a failure's handoff in a task of
    /// its own, so the runner goes on with the next delivery meanwhile, as a delivery's
    /// concurrency permit is given back before its handoff).
    async fn run_job(self: &Arc<Self>, ep: &Arc<Endpoint>, job: Queued, line: &mut Line<'_>) {
        let Queued {
            route,
            mut task,
            payload,
            completion,
            place,
        } = job;
        let result = match route.target.as_ref() {
            Some(target) => {
                self.attempt(&route, ep, target, &mut task, &payload, line)
                    .await
            }
            None => None,
        };
        drop(place);
        match result {
            Some(attempt) if attempt.verdict == Verdict::Success => {
                let ok = self
                    .settle(&route, ep, task, &payload, attempt, false)
                    .await
                    .finished();
                completion.finish(ok);
            }
            result => {
                let (shared, ep) = (self.clone(), ep.clone());
                tokio::spawn(Box::pin(async move {
                    let ok = match result {
                        Some(attempt) => shared
                            .settle(&route, &ep, task, &payload, attempt, false)
                            .await
                            .finished(),
                        None => {
                            shared
                                .dead_letter(&route, task, &payload, "subscription disabled")
                                .await
                        }
                    };
                    completion.finish(ok);
                }));
            }
        }
    }

    /// Delivers one task to one subscription and hands it off on failure; true once the task
    /// is done (delivered, or durably in a retry tier or the DLQ).
    pub(super) async fn deliver(
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
        let result = self
            .attempt(
                &route,
                &ep,
                target,
                &mut task,
                payload,
                &mut ep.connections.line(),
            )
            .await;
        drop(place);
        match result {
            Some(attempt) => Box::pin(self.settle(&route, &ep, task, payload, attempt, false))
                .await
                .finished(),
            None => {
                self.dead_letter(&route, task, payload, "subscription disabled")
                    .await
            }
        }
    }

    /// Makes one attempt (or short-circuits it) on `line`; `None` when the subscription was
    /// disabled while the delivery waited.
    pub(super) async fn attempt(
        &self,
        route: &Route,
        ep: &Endpoint,
        target: &Target,
        task: &mut DeliveryTask,
        payload: &Payload,
        line: &mut Line<'_>,
    ) -> Option<Attempt> {
        if ep.gate() == Gate::Reject {
            if task.first_attempt_at_ms == 0 {
                task.first_attempt_at_ms = now_ms();
            }
            task.attempt += 1;
            return Some(Attempt {
                status: 0,
                latency: Duration::ZERO,
                error: "circuit open: endpoint keeps failing, not sent".to_owned(),
                excerpt: String::new(),
                request_excerpt: bytes::Bytes::new(),
                verdict: Verdict::CircuitOpen,
            });
        }
        let _permit = ep.permit().await?;
        if route.sub.rate_limit > 0 {
            let share = self.shares.share(&route.sub.topics);
            ep.pace(Shares::scaled(route.sub.rate_limit, share)).await;
        }
        if self.locally_disabled(&route.sub.id) {
            return None;
        }
        // One clock read for the first attempt's time and the signed `webhook-timestamp`.
        let now = now_ms();
        if task.first_attempt_at_ms == 0 {
            task.first_attempt_at_ms = now;
        }
        let incoming = payload.traceparent();
        let (span, outgoing) = attempt_span(route, task, incoming);
        let event = self.render(route, task, payload);
        // Not boxed: a runner's future holds it once for all of its attempts (boxing cost an
        // allocation and a copy of the future per webhook); the spawned paths box theirs.
        let attempt = self
            .client
            .send(
                Outgoing {
                    target,
                    id: &task.event_id,
                    timestamp: now.div_euclid(1000),
                    signer: &route.signer,
                    event,
                    traceparent: outgoing.as_deref().or(incoming),
                    headers: &route.headers,
                },
                line,
            )
            .instrument(span.clone())
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

    /// The event as the subscription's content mode sends it, with its sequence headers.
    fn render(&self, route: &Route, task: &DeliveryTask, payload: &Payload) -> Rendered {
        let tag = self
            .routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .tags
            .get(&task.source_topic)
            .copied();
        // The cursor names the event's partition just past the event: a stream resumed from it
        // starts with the next event of that partition.
        let cursor = tag
            .map(|tag| Cursor {
                topic: Some(tag),
                offsets: [(task.source_partition, task.source_offset + 1)].into(),
            })
            .map(|c| c.encode())
            .unwrap_or_default();
        cloudevent::render(
            route.content_mode,
            payload.headers.iter(),
            &payload.headers.bytes,
            &payload.data,
            &Sequence {
                partition: task.source_partition,
                offset: task.source_offset,
                previous: task.previous_offset,
                cursor: &cursor,
                key: &task.key,
            },
        )
    }

    /// Carries out the decision of [`settle::decide`] for an attempt: the endpoint's state,
    /// then the task's fate, then the attempt record. With `in_process` (an ordered key's
    /// head) a retry is left to the caller, which waits for it in its lane, instead of going to
    /// a retry tier where the key's later events could overtake it.
    pub(super) async fn settle(
        &self,
        route: &Route,
        ep: &Endpoint,
        mut task: DeliveryTask,
        payload: &Payload,
        attempt: Attempt,
        in_process: bool,
    ) -> Settled {
        task.last_status = attempt.status as i32;
        task.last_error = attempt.error.clone();
        // The attempt's end: when its retry is due from, and its record's time.
        let now = now_ms();
        match attempt.verdict {
            Verdict::Success => {
                let (recovered, was_failing) = ep.on_success();
                if recovered {
                    self.metrics.open_circuits.dec();
                    tracing::info!(subscription = %route.sub.id, "endpoint recovered");
                    self.operational(route, "herald.endpoint.recovered", serde_json::json!({}))
                        .await;
                }
                if was_failing {
                    self.save_state(route, None);
                }
            }
            Verdict::Retry { .. } | Verdict::CircuitOpen => {
                let opened =
                    attempt.verdict != Verdict::CircuitOpen && ep.on_failure(Instant::now());
                if opened {
                    self.metrics.open_circuits.inc();
                    tracing::warn!(subscription = %route.sub.id, "circuit opened");
                }
                let started = self.check_auto_disable(route, ep).await;
                if opened || started {
                    let open_until_ms = opened
                        .then(|| now_ms() + self.settings.circuit_open_for.as_millis() as i64);
                    let state = SavedState {
                        failing_since_ms: ep.failing_since_ms(),
                        open_until_ms,
                    };
                    self.save_state(route, Some(state));
                }
            }
            Verdict::Gone | Verdict::Permanent => {}
        }
        let decision = settle::decide(
            &attempt,
            task.attempt,
            &self.settings.schedule,
            now,
            rand::random::<f64>(),
        );
        match decision {
            Settle::Delivered => {
                self.log_attempt(route, &task, &attempt, AttemptOutcome::Succeeded, now);
                Settled::Done(true)
            }
            Settle::Retry {
                tier,
                due_ms,
                outcome,
            } if in_process => {
                task.tier = tier.label;
                task.due_at_ms = due_ms;
                self.log_attempt(route, &task, &attempt, outcome, now);
                Settled::RetryAt(Box::new(task))
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
                    self.log_attempt(route, &task, &attempt, outcome, now);
                }
                Settled::Done(ok)
            }
            Settle::DeadLetter {
                reason,
                outcome,
                disable,
            } => {
                if disable {
                    self.disable(route, &reason).await;
                }
                self.log_attempt(route, &task, &attempt, outcome, now);
                Settled::DeadLettered(self.dead_letter(route, task, payload, &reason).await)
            }
        }
    }

    /// Disables the subscription once it has failed for `auto_disable_after`; returns whether
    /// this failure started a run of failures.
    pub(super) async fn check_auto_disable(&self, route: &Route, ep: &Endpoint) -> bool {
        let (failing_ms, started) = ep.failing_for_ms(now_ms());
        if failing_ms >= self.settings.auto_disable_after.as_millis() as i64 {
            let reason = format!("failing continuously for {}s", failing_ms / 1000);
            self.disable(route, &reason).await;
        }
        started
    }

    /// Saves the subscription's endpoint state for the next worker (`None`: healthy again, a
    /// tombstone), off the delivery path.
    fn save_state(&self, route: &Route, state: Option<SavedState>) {
        let producer = self.producer.clone();
        let id = route.sub.id.clone();
        let topic = self.settings.topics.endpoint_state.clone();
        tokio::spawn(async move {
            let written = match state {
                Some(state) => {
                    let value = serde_json::to_vec(&state).unwrap_or_default();
                    producer
                        .send(&topic, Some(id.as_bytes()), &[], &value)
                        .await
                }
                None => producer.delete(&topic, id.as_bytes()).await,
            };
            if let Err(error) = written {
                tracing::warn!(subscription = %id, %error, "cannot save the endpoint state");
            }
        });
    }

    /// Disables a subscription: locally at once, then through the control plane.
    pub(super) async fn disable(&self, route: &Route, reason: &str) {
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
