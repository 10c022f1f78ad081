//! The attempt log writer: every attempt becomes one `AttemptRecord` in `herald.attempts`.
//!
//! The log is history, not a handoff, so records are enqueued without waiting for the broker's
//! acknowledgement (a failed write is logged and counted). A dedicated idempotent producer with
//! a long linger batches them, which keeps the per-delivery cost to an enqueue.

use std::time::Duration;

use herald_kafka::KafkaConfig;
use herald_kafka::rdkafka::ClientContext;
use herald_kafka::rdkafka::producer::{
    BaseRecord, DeliveryResult, Producer as _, ProducerContext, ThreadedProducer,
};
use herald_runtime::prometheus_client::metrics::counter::Counter;

use crate::{ATTEMPTS_TOPIC, DeliveryError};

/// Counts failed writes.
pub(crate) struct AttemptContext {
    failed: Counter,
}

impl ClientContext for AttemptContext {}

impl ProducerContext for AttemptContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            self.failed.inc();
            tracing::warn!(%error, "attempt record not written");
        }
    }
}

/// Fire-and-forget writer of attempt records.
pub(crate) struct AttemptLog {
    producer: ThreadedProducer<AttemptContext>,
}

impl AttemptLog {
    pub fn new(config: &KafkaConfig, failed: Counter) -> Result<Self, DeliveryError> {
        let c = config
            .client()
            // History, not a handoff: a longer linger makes fewer, larger batches (the broker
            // thread's per-wakeup partition scan showed in profiles at 20 ms).
            .tune("linger.ms", "100")
            .tune("compression.type", "lz4")
            .tune("message.timeout.ms", "60000")
            .tune("queue.buffering.max.kbytes", "65536")
            .require("enable.idempotence", "true")
            .require("acks", "all")
            // Only failures are acted on (counted): a report per written record is work for
            // nothing.
            .require("delivery.report.only.error", "true")
            .build();
        let producer = c
            .create_with_context(AttemptContext { failed })
            .map_err(|e| DeliveryError::Kafka(e.into()))?;
        Ok(Self { producer })
    }

    /// Enqueues one record; a full queue drops it (logged), never blocks a delivery.
    pub fn write(&self, key: &str, value: &[u8]) {
        let record = BaseRecord::to(ATTEMPTS_TOPIC).key(key).payload(value);
        if let Err((error, _)) = self.producer.send(record) {
            tracing::warn!(%error, "attempt record dropped");
        }
    }

    /// Waits for queued records (at shutdown).
    pub async fn flush(&self, timeout: Duration) {
        let producer = self.producer.clone();
        let _ = tokio::task::spawn_blocking(move || producer.flush(timeout)).await;
    }
}
