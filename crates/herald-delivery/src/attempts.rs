//! The attempt log writer: every attempt becomes one `AttemptRecord` in `<deployment>.attempts`.
//!
//! The log is history, not a handoff, so records are enqueued without waiting for the broker's
//! acknowledgement (a failed write is logged and counted). A dedicated idempotent producer with
//! a long linger batches them, which keeps the per-delivery cost to an enqueue.

use std::time::Duration;

use herald_kafka::{KafkaConfig, LogProducer};
use herald_runtime::prometheus_client::metrics::counter::Counter;

use crate::DeliveryError;

/// Fire-and-forget writer of attempt records.
pub(crate) struct AttemptLog {
    producer: LogProducer,
    topic: String,
}

impl AttemptLog {
    /// A writer to `topic` (the deployment's attempt log).
    pub fn new(
        config: &KafkaConfig,
        topic: String,
        failed: Counter,
    ) -> Result<Self, DeliveryError> {
        let client = config
            .client()
            // History, not a handoff: a longer linger makes fewer, larger batches (the broker
            // thread's per-wakeup partition scan showed in profiles at 20 ms).
            .tune("linger.ms", "100")
            .tune("compression.type", "lz4")
            .tune("message.timeout.ms", "60000")
            .tune("queue.buffering.max.kbytes", "65536");
        let producer = LogProducer::new(client, move |error| {
            failed.inc();
            tracing::warn!(%error, "attempt record not written");
        })?;
        Ok(Self { producer, topic })
    }

    /// Enqueues one record; a full queue drops it (logged), never blocks a delivery.
    pub fn write(&self, key: &str, value: &[u8]) {
        if let Err(error) = self.producer.send(&self.topic, key, value) {
            tracing::warn!(%error, "attempt record dropped");
        }
    }

    /// Waits for queued records (at shutdown).
    pub async fn flush(&self, timeout: Duration) {
        let _ = self.producer.flush(timeout).await;
    }
}
