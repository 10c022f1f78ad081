//! Attempt records and operational events.

use herald_core::Event;
use herald_kafka::TopicSpec;
use herald_proto::v1::{AttemptOutcome, DeliveryTask};
use prost::encoding::{self, WireType};

use crate::endpoint::Route;
use crate::http::{Attempt, excerpt_text};

use super::Shared;

impl Shared {
    /// Writes the attempt record of `task`'s attempt `a`, settled at `at_ms`.
    pub(super) fn log_attempt(
        &self,
        route: &Route,
        task: &DeliveryTask,
        a: &Attempt,
        outcome: AttemptOutcome,
        at_ms: i64,
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
        let url = match &route.target {
            Some(t) => t.redacted.as_str(),
            None => route.sub.url.as_str(),
        };
        let record = encode_attempt(task, a, outcome, url, at_ms);
        self.attempts.write(&task.subscription_id, &record);
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
                    .ensure_topic(&TopicSpec::new(topic.clone(), 1))
                    .await
                {
                    Ok(()) => {
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

/// An `AttemptRecord` encoded straight from the task and the attempt, as prost would encode it
/// (fields in number order, defaults left out): building the message first would copy every
/// string of it, the request excerpt (up to 1 KiB per webhook) included.
fn encode_attempt(
    task: &DeliveryTask,
    a: &Attempt,
    outcome: AttemptOutcome,
    url: &str,
    at_ms: i64,
) -> Vec<u8> {
    let request_excerpt = excerpt_text(&a.request_excerpt);
    let mut buf = Vec::with_capacity(
        64 + task.subscription_id.len()
            + task.team.len()
            + task.event_id.len()
            + task.source_topic.len()
            + a.error.len()
            + a.excerpt.len()
            + url.len()
            + request_excerpt.len(),
    );
    let b = &mut buf;
    put_text(b, 1, &task.subscription_id);
    put_text(b, 2, &task.team);
    put_text(b, 3, &task.event_id);
    put_text(b, 4, &task.source_topic);
    put_int(b, 5, i64::from(task.source_partition));
    put_int(b, 6, task.source_offset);
    put_int(b, 7, i64::from(task.attempt));
    put_int(b, 8, i64::from(a.status));
    put_int(b, 9, a.latency.as_millis() as i64);
    put_text(b, 10, &a.error);
    put_text(b, 11, &a.excerpt);
    put_int(b, 12, at_ms);
    put_int(b, 13, outcome as i64);
    put_text(b, 14, url);
    put_text(b, 15, &request_excerpt);
    buf
}

fn put_text(buf: &mut Vec<u8>, field: u32, text: &str) {
    if text.is_empty() {
        return;
    }
    encoding::encode_key(field, WireType::LengthDelimited, buf);
    encoding::encode_varint(text.len() as u64, buf);
    buf.extend_from_slice(text.as_bytes());
}

/// A varint field (int32, int64, uint32, enum): negative values sign-extended to 64 bits, as
/// protobuf encodes int32.
fn put_int(buf: &mut Vec<u8>, field: u32, value: i64) {
    if value == 0 {
        return;
    }
    encoding::encode_key(field, WireType::Varint, buf);
    encoding::encode_varint(value as u64, buf);
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use herald_proto::v1::AttemptRecord;
    use prost::Message as _;

    use super::*;
    use crate::http::Verdict;

    #[test]
    fn attempt_records_encode_as_prost_does() {
        let task = DeliveryTask {
            subscription_id: "sub-1".into(),
            team: "acme".into(),
            event_id: "evt-é".into(),
            source_topic: "acme.orders".into(),
            source_partition: 3,
            source_offset: 1 << 40,
            attempt: 2,
            ..DeliveryTask::default()
        };
        let a = Attempt {
            status: 503,
            latency: Duration::from_millis(1234),
            error: "http status 503".into(),
            excerpt: "busy".into(),
            request_excerpt: Bytes::from_static(b"{\"a\":1}"),
            verdict: Verdict::Retry { retry_after: None },
        };
        let want = AttemptRecord {
            subscription_id: "sub-1".into(),
            team: "acme".into(),
            event_id: "evt-é".into(),
            source_topic: "acme.orders".into(),
            source_partition: 3,
            source_offset: 1 << 40,
            attempt: 2,
            status: 503,
            latency_ms: 1234,
            error: "http status 503".into(),
            response_excerpt: "busy".into(),
            at_ms: 1_700_000_000_000,
            outcome: AttemptOutcome::Retrying as i32,
            url: "https://example.com/hook".into(),
            request_excerpt: "{\"a\":1}".into(),
        };
        let got = encode_attempt(
            &task,
            &a,
            AttemptOutcome::Retrying,
            "https://example.com/hook",
            1_700_000_000_000,
        );
        assert_eq!(got, want.encode_to_vec());
        // Defaults are left out, negative numbers sign-extended, bad UTF-8 replaced.
        let task = DeliveryTask {
            source_partition: -1,
            ..DeliveryTask::default()
        };
        let a = Attempt {
            request_excerpt: Bytes::from_static(&[b'x', 0xff]),
            excerpt: String::new(),
            error: String::new(),
            status: 0,
            latency: Duration::ZERO,
            verdict: Verdict::Success,
        };
        let got = encode_attempt(&task, &a, AttemptOutcome::Succeeded, "", 0);
        let want = AttemptRecord {
            source_partition: -1,
            outcome: AttemptOutcome::Succeeded as i32,
            request_excerpt: "x\u{FFFD}".into(),
            ..AttemptRecord::default()
        };
        assert_eq!(got, want.encode_to_vec());
        assert_eq!(AttemptRecord::decode(&got[..]).unwrap(), want);
    }
}
