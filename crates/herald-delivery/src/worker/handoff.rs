//! Handing tasks to the retry tiers and the DLQ.

use std::time::Duration;

use herald_core::{RetryStep, Tier};
use herald_proto::v1::DeliveryTask;

use crate::endpoint::Route;

use super::records::Payload;
use super::{Shared, now_ms};

impl Shared {
    /// Parks a delivery in the retry path without counting an attempt.
    pub(super) async fn defer(
        &self,
        mut task: DeliveryTask,
        payload: &Payload,
        why: &'static str,
    ) -> bool {
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
    pub(super) async fn to_tier(
        &self,
        task: &mut DeliveryTask,
        payload: &Payload,
        tier: &Tier,
        due_ms: i64,
    ) -> bool {
        task.tier = tier.label.clone();
        task.due_at_ms = due_ms;
        let topic = tier.topic(&self.settings.deployment);
        self.produce(&topic, &task.subscription_id, payload.encode(task))
            .await
    }

    pub(super) async fn dead_letter(
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
            .produce(
                &self.settings.topics.dlq,
                &task.subscription_id,
                payload.encode(&task),
            )
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
    pub(super) async fn produce(&self, topic: &str, key: &str, value: Vec<u8>) -> bool {
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
}
