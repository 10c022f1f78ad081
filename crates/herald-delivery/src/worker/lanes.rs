//! Ordered delivery (`ordering: key`): one runner per busy lane (subscription × key × consumed
//! partition) delivers the lane's events one at a time, in offset order.
//!
//! A failing head retries here, in process, on the retry schedule's delays, instead of going to
//! a retry tier: in a tier the key's later events (consumed meanwhile) would overtake it, and
//! routing them into the tier behind it would need a per-key marker that survives a crash. The
//! durable marker is the consumer's commit instead: a waiting head keeps its offset pending, so
//! the partition's committed offset stays at or below it, and a crash or a rebalance makes the
//! next owner read the key's events again, from the head, in order (at least once, never
//! reordered). Waiting heads and queued events are marked idle in the tracker, so a drain waits
//! only for requests in flight, and the lanes of a revoked partition are cancelled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use herald_kafka::GroupConsumer;
use herald_proto::v1::DeliveryTask;
use tokio_util::sync::CancellationToken;

use crate::endpoint::Route;
use crate::ordering::{Book, LaneKey, Limits, Next};
use crate::tracker::Tp;

use super::consume::Completion;
use super::deliver::Settled;
use super::records::Payload;
use super::{Shared, now_ms};

/// How often a paused subscription's waiting head looks again.
const PAUSED_POLL: Duration = Duration::from_secs(1);

/// One ordered delivery: an event of a lane.
pub(crate) struct Job {
    pub(super) offset: i64,
    pub(super) route: Arc<Route>,
    pub(super) task: DeliveryTask,
    pub(super) payload: Payload,
    pub(super) completion: Arc<Completion>,
}

/// Every lane of this worker, and a cancellation token per partition with lanes.
pub(crate) struct Lanes {
    book: Mutex<Book<Job>>,
    tokens: Mutex<HashMap<Tp, CancellationToken>>,
}

/// How a lane's head ended.
enum Outcome {
    /// Delivered, or the subscription is gone.
    Delivered,
    /// In the DLQ (false: the handoff failed at shutdown, so it stays pending).
    DeadLettered(bool),
    /// The partition was revoked or the worker stops: left pending for the next owner.
    Cancelled,
}

impl Lanes {
    /// No lanes yet.
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            book: Mutex::new(Book::new(limits)),
            tokens: Mutex::default(),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book<Job>> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn token(&self, tp: &Tp) -> CancellationToken {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(tp.clone())
            .or_default()
            .clone()
    }

    /// Stops the lanes of `tps` (revoked, lost): their runners leave their heads pending, their
    /// queued events are dropped unfinished, and the next owner delivers them all again.
    pub(crate) fn forget(&self, tps: &[Tp]) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let mut dropped = Vec::new();
        for tp in tps {
            if let Some(token) = tokens.remove(tp) {
                token.cancel();
            }
            dropped.extend(self.book().forget(tp));
        }
        drop(tokens);
        // Dropped outside the locks: a job's completion may release the record budget.
        drop(dropped);
    }

    /// Stops every lane (shutdown).
    pub(crate) fn clear(&self) {
        let tps: Vec<Tp> = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        self.forget(&tps);
        drop(self.book().clear());
    }
}

/// Hands `job` to its lane: it starts at once when the lane is idle, else waits behind the
/// lane's head; the partition is paused when its lanes are full.
pub(super) fn push(shared: &Arc<Shared>, consumer: &GroupConsumer, tp: Tp, job: Job) {
    let lane: LaneKey = (
        Arc::from(job.route.sub.id.as_str()),
        Bytes::from(job.task.key.clone()),
    );
    let offset = job.offset;
    let push = shared.lanes.book().push(&tp, lane.clone(), job);
    if push.pause {
        tracing::info!(topic = %tp.0, partition = tp.1, "ordered lanes full, pausing the partition");
        let _ = consumer.pause(&tp.0, tp.1);
    }
    match push.start {
        Some(job) => {
            let token = shared.lanes.token(&tp);
            let (shared, consumer) = (shared.clone(), consumer.clone());
            tokio::spawn(Box::pin(run(shared, consumer, tp, lane, job, token)));
        }
        None => shared.tracker.idle(&tp, offset),
    }
}

/// Delivers a lane's events one by one until it is idle or cancelled.
async fn run(
    shared: Arc<Shared>,
    consumer: GroupConsumer,
    tp: Tp,
    lane: LaneKey,
    mut job: Job,
    cancel: CancellationToken,
) {
    let mut queued = false;
    loop {
        if queued {
            shared.tracker.working(&tp, job.offset);
        }
        let held = shared.lanes.book().held(&tp, &lane);
        let outcome = if held {
            // Behind a dead letter of its key (`on_dead_letter: hold`): into the DLQ after it,
            // so a replay of the DLQ delivers the key in order.
            let Job {
                route,
                task,
                payload,
                ..
            } = &job;
            let reason = "held behind a dead-lettered event of the same key";
            Outcome::DeadLettered(
                shared
                    .dead_letter(route, task.clone(), payload, reason)
                    .await,
            )
        } else {
            deliver(&shared, &tp, &mut job, &cancel).await
        };
        match outcome {
            Outcome::Cancelled => return,
            Outcome::Delivered => job.completion.finish(true),
            Outcome::DeadLettered(ok) => {
                let hold = shared
                    .route(&job.route.sub.id)
                    .map_or(job.route.hold, |r| r.hold);
                if ok && hold && !held {
                    shared.lanes.book().hold(&tp, &lane);
                }
                job.completion.finish(ok);
            }
        }
        if cancel.is_cancelled() {
            return;
        }
        let Next { job: next, resume } = shared.lanes.book().done(&tp, &lane);
        if resume {
            tracing::info!(topic = %tp.0, partition = tp.1, "ordered lanes drained, resuming the partition");
            let _ = consumer.resume(&tp.0, tp.1);
        }
        match next {
            Some(next) => {
                job = next;
                queued = true;
            }
            None => return,
        }
    }
}

/// Delivers a lane's head, retrying in process until it is delivered or dead-lettered.
async fn deliver(
    shared: &Arc<Shared>,
    tp: &Tp,
    job: &mut Job,
    cancel: &CancellationToken,
) -> Outcome {
    loop {
        // The subscription as it is now: it may have been paused, changed or deleted while the
        // head waited.
        let Some(route) = shared.route(&job.task.subscription_id) else {
            return Outcome::Delivered;
        };
        job.route = route.clone();
        if route.disabled() || shared.locally_disabled(&route.sub.id) {
            let task = job.task.clone();
            return Outcome::DeadLettered(
                shared
                    .dead_letter(&route, task, &job.payload, "subscription disabled")
                    .await,
            );
        }
        let Some(target) = route.target.as_ref() else {
            let task = job.task.clone();
            return Outcome::DeadLettered(
                shared
                    .dead_letter(&route, task, &job.payload, "subscription url is invalid")
                    .await,
            );
        };
        let due_ms = if route.paused() {
            now_ms() + PAUSED_POLL.as_millis() as i64
        } else {
            let ep = shared.endpoint(&route);
            let mut task = job.task.clone();
            let Some(attempt) = shared
                .attempt(
                    &route,
                    &ep,
                    target,
                    &mut task,
                    &job.payload,
                    &mut ep.connections.line(),
                )
                .await
            else {
                return Outcome::DeadLettered(
                    shared
                        .dead_letter(&route, task, &job.payload, "subscription disabled")
                        .await,
                );
            };
            match Box::pin(shared.settle(&route, &ep, task, &job.payload, attempt, true)).await {
                Settled::Done(true) => return Outcome::Delivered,
                // Only a failed handoff at shutdown: the record stays pending.
                Settled::Done(false) => return Outcome::Cancelled,
                Settled::DeadLettered(ok) => return Outcome::DeadLettered(ok),
                Settled::RetryAt(task) => {
                    job.task = *task;
                    job.task.due_at_ms
                }
            }
        };
        // Not a sleep in a message handler: this is the lane's own task, and the key's later
        // events wait behind it anyway.
        let wait = Duration::from_millis((due_ms - now_ms()).max(0) as u64);
        shared.tracker.idle(tp, job.offset);
        let cancelled = tokio::select! {
            _ = cancel.cancelled() => true,
            _ = tokio::time::sleep(wait) => false,
        };
        if cancelled {
            return Outcome::Cancelled;
        }
        shared.tracker.working(tp, job.offset);
    }
}
