use std::time::Duration;

use herald_core::Header;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer as _};

use crate::{KafkaConfig, KafkaError, owned_headers};

/// Where a record was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Partition.
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
}

/// An idempotent, acks=all producer. Cheap to clone; clones share one librdkafka client.
#[derive(Clone)]
pub struct Producer {
    inner: FutureProducer,
    queue_timeout: Duration,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer").finish_non_exhaustive()
    }
}

impl Producer {
    /// Creates a producer; `delivery_timeout` bounds how long a record may wait for the
    /// cluster before its send fails (so callers can answer "unavailable" instead of hanging).
    pub fn new(config: &KafkaConfig, delivery_timeout: Duration) -> Result<Self, KafkaError> {
        let c = config
            .client()
            .tune("max.in.flight.requests.per.connection", "5")
            .tune("linger.ms", "2")
            .tune("compression.type", "lz4")
            .tune("queue.buffering.max.kbytes", "262144")
            // What "accepted" means: on every in-sync replica, exactly once per send.
            .require("enable.idempotence", "true")
            .require("acks", "all")
            // Bounds `send`'s wait, which callers rely on.
            .require(
                "message.timeout.ms",
                delivery_timeout.as_millis().to_string(),
            )
            .build();
        let inner: FutureProducer = c.create()?;
        Ok(Self {
            inner,
            queue_timeout: Duration::ZERO,
        })
    }

    /// Produces one record and waits for the cluster's acknowledgement. A full local queue
    /// fails at once (retryable) rather than blocking the caller.
    pub async fn send(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        headers: &[Header],
        payload: &[u8],
    ) -> Result<Delivered, KafkaError> {
        let mut record = FutureRecord::<[u8], [u8]>::to(topic)
            .payload(payload)
            .headers(owned_headers(headers));
        if let Some(key) = key {
            record = record.key(key);
        }
        match self.inner.send(record, self.queue_timeout).await {
            Ok(d) => Ok(Delivered {
                partition: d.partition,
                offset: d.offset,
            }),
            Err((e, _)) => Err(KafkaError::Client(e)),
        }
    }

    /// Waits up to `timeout` for queued records to be delivered (used at shutdown).
    pub async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.flush(timeout))
            .await
            .map_err(|e| KafkaError::Task(e.to_string()))?
            .map_err(KafkaError::from)
    }

    /// The underlying librdkafka producer.
    pub fn raw(&self) -> &FutureProducer {
        &self.inner
    }
}
