//! Attempt records and operational events.

use herald_core::Event;
use herald_kafka::TopicSpec;
use herald_proto::v1::{AttemptOutcome, AttemptRecord, DeliveryTask};
use prost::Message as _;

use crate::endpoint::Route;
use crate::http::Attempt;

use super::{Shared, now_ms};

impl Shared {
    /// Writes the attempt record; takes the task and attempt so their strings move into it.
    pub(super) fn log_attempt(
        &self,
        route: &Route,
        task: DeliveryTask,
        a: Attempt,
        outcome: AttemptOutcome,
    ) {
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
            request_excerpt: a.request_excerpt,
        };
        self.attempts
            .write(&record.subscription_id, &record.encode_to_vec());
    }

    /// Publishes an operational event on `<team>.herald` (best effort).
    pub(super) async fn operational(&self, route: &Route, ty: &str, mut data: serde_json::Value) {
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
