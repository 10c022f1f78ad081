use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use herald_core::Header;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer as _, ProducerContext};
use rdkafka::{ClientContext, Message as _};
use tokio::sync::oneshot;

use crate::{ClientSettings, KafkaConfig, KafkaError, owned_headers};

/// How long the polling thread of an idle producer sleeps in librdkafka between checks of its
/// stop flag. It wakes at once for a delivery report, so this bounds only how long a dropped
/// producer's client lives on (it is destroyed on that thread, off the async runtime).
///
/// The extra 100 µs keeps the thread asleep: the rdkafka crate's `poll` passes librdkafka the
/// time left in whole milliseconds, rounded down, and then polls without waiting until its own
/// deadline. With a whole number of milliseconds that is a spin of up to 1 ms per call (the
/// crate's `ThreadedProducer` polls every 100 ms, so each of its threads spun ~1 % of a core);
/// with the 100 µs left over it spins at most that long, once per second.
const POLL_PERIOD: Duration = Duration::from_micros(1_000_100);

/// A librdkafka producer whose delivery reports are served by a thread of its own, which stops
/// (and destroys the client) once the last clone is dropped.
struct Polled<C: ProducerContext + 'static> {
    producer: Arc<BaseProducer<C>>,
    stop: Arc<AtomicBool>,
}

impl<C: ProducerContext + 'static> Polled<C> {
    fn new(producer: BaseProducer<C>) -> Result<Self, KafkaError> {
        let producer = Arc::new(producer);
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (producer.clone(), stop.clone());
        std::thread::Builder::new()
            .name("herald-produce".into())
            .spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    p.poll(POLL_PERIOD);
                }
            })
            .map_err(|e| KafkaError::Task(format!("starting the producer's thread: {e}")))?;
        Ok(Self { producer, stop })
    }
}

impl<C: ProducerContext + 'static> Drop for Polled<C> {
    fn drop(&mut self) {
        // Not joined: the thread notices within `POLL_PERIOD`, and waiting here would block
        // the dropping (possibly async) thread that long.
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The acknowledgement of one record, handed from the polling thread to its sender.
type Ack = oneshot::Sender<Result<Delivered, KafkaError>>;

/// Completes each record's [`Ack`].
struct AckContext;

impl ClientContext for AckContext {}

impl ProducerContext for AckContext {
    type DeliveryOpaque = Box<Ack>;

    fn delivery(&self, result: &DeliveryResult<'_>, ack: Box<Ack>) {
        let result = match result {
            Ok(m) => Ok(Delivered {
                partition: m.partition(),
                offset: m.offset(),
            }),
            Err((e, _)) => Err(e.clone().into()),
        };
        // The sender may have stopped waiting (its request was cancelled).
        let _ = ack.send(result);
    }
}

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
    inner: Arc<Polled<AckContext>>,
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
        let c = Self::settings(config, delivery_timeout).build();
        let inner = Polled::new(c.create_with_context(AckContext)?)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The producer's client settings (benchmarks build their baseline producer from them).
    pub fn settings(config: &KafkaConfig, delivery_timeout: Duration) -> ClientSettings<'_> {
        config
            .client()
            // Batches form by themselves: whatever queues while a connection's request is in
            // flight goes out together in the next. With five in flight, concurrent single
            // publishes arriving one by one each went out alone (a ProduceRequest of one or
            // two records, ~40 µs of librdkafka's broker thread apiece): 32 HTTP clients got
            // 16-18k events/s at 54-57 µs of ingest CPU each, against 22-26k/s at 35-40 µs
            // with one (docs/bench-ingest.md). A request still carries up to `message.max.bytes`, so
            // one per round trip bounds a connection at ~1 MB per RTT; raise it for links
            // with long round trips.
            .tune("max.in.flight.requests.per.connection", "1")
            // No fixed wait: a linger adds its whole wait to every call at low rates (2 ms:
            // publish p50 3.3 ms at 200/s, against 1.1 ms with 0; docs/benchmarks.md).
            .tune("linger.ms", "0")
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
        self.produce(record(topic, key, headers, Some(payload)))
            .await
    }

    /// Produces one record to `partition` (chosen by the caller, not by its key) and waits for
    /// the cluster's acknowledgement.
    pub async fn send_to(
        &self,
        topic: &str,
        partition: i32,
        payload: &[u8],
    ) -> Result<Delivered, KafkaError> {
        self.produce(record(topic, None, &[], Some(payload)).partition(partition))
            .await
    }

    /// Produces a deletion of `key` (a tombstone: a record without a value, which compaction
    /// keeps until it removes the key) and waits for the acknowledgement.
    pub async fn delete(&self, topic: &str, key: &[u8]) -> Result<Delivered, KafkaError> {
        self.produce(record(topic, Some(key), &[], None)).await
    }

    async fn produce(&self, record: BaseRecord<'_, [u8], [u8]>) -> Result<Delivered, KafkaError> {
        self.start(record)?.acknowledged().await
    }

    /// Enqueues `record`, whose acknowledgement comes through the returned [`Pending`].
    fn start(&self, record: BaseRecord<'_, [u8], [u8]>) -> Result<Pending, KafkaError> {
        let (ack, pending) = oneshot::channel();
        let record = BaseRecord {
            topic: record.topic,
            partition: record.partition,
            payload: record.payload,
            key: record.key,
            timestamp: record.timestamp,
            headers: record.headers,
            delivery_opaque: Box::new(ack),
        };
        match self.inner.producer.send(record) {
            Ok(()) => Ok(Pending(pending)),
            Err((e, _)) => Err(e.into()),
        }
    }

    /// Enqueues one record without waiting: the acknowledgement comes through the returned
    /// [`Pending`]. A full local queue fails at once ([`KafkaError::is_queue_full`]).
    pub fn enqueue(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        headers: &[Header],
        payload: &[u8],
    ) -> Result<Pending, KafkaError> {
        self.start(record(topic, key, headers, Some(payload)))
    }

    /// Enqueues one record to `partition` without waiting, like [`Producer::enqueue`]: records
    /// enqueued one after another land in that order.
    pub fn enqueue_to(
        &self,
        topic: &str,
        partition: i32,
        payload: &[u8],
    ) -> Result<Pending, KafkaError> {
        self.start(record(topic, None, &[], Some(payload)).partition(partition))
    }

    /// Why the producer became unusable for good (`code: reason`), if it did: an idempotent
    /// producer that lost its state refuses every later record until it is recreated.
    pub fn fatal_error(&self) -> Option<String> {
        self.inner
            .producer
            .client()
            .fatal_error()
            .map(|(code, reason)| format!("{code:?}: {reason}"))
    }

    /// Waits up to `timeout` for queued records to be delivered (used at shutdown).
    pub async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.producer.flush(timeout))
            .await
            .map_err(|e| KafkaError::Task(e.to_string()))?
            .map_err(KafkaError::from)
    }
}

/// A record without its acknowledgement yet ([`Producer::start`] adds it).
fn record<'a>(
    topic: &'a str,
    key: Option<&'a [u8]>,
    headers: &[Header],
    payload: Option<&'a [u8]>,
) -> BaseRecord<'a, [u8], [u8]> {
    let mut record = BaseRecord::<[u8], [u8]>::to(topic);
    if !headers.is_empty() {
        record = record.headers(owned_headers(headers));
    }
    if let Some(key) = key {
        record = record.key(key);
    }
    if let Some(payload) = payload {
        record = record.payload(payload);
    }
    record
}

/// A record enqueued by [`Producer::enqueue`], not yet acknowledged.
pub struct Pending(oneshot::Receiver<Result<Delivered, KafkaError>>);

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

impl Pending {
    /// Waits for the cluster's acknowledgement.
    pub async fn acknowledged(self) -> Result<Delivered, KafkaError> {
        self.0.await.unwrap_or(Err(KafkaError::ProducerGone))
    }
}

/// Calls back on every record a [`LogProducer`] failed to write.
struct LogContext {
    on_failure: Box<dyn Fn(&KafkaError) + Send + Sync>,
}

impl ClientContext for LogContext {}

impl ProducerContext for LogContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            (self.on_failure)(&error.clone().into());
        }
    }
}

/// A fire-and-forget, idempotent, acks=all producer for logs (history, not handoffs): records
/// are enqueued without waiting, and only failures are reported, to `on_failure`. Cheap to
/// clone; clones share one librdkafka client.
#[derive(Clone)]
pub struct LogProducer {
    inner: Arc<Polled<LogContext>>,
}

impl std::fmt::Debug for LogProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogProducer").finish_non_exhaustive()
    }
}

impl LogProducer {
    /// Creates a producer with the client's tuning (linger, compression, timeouts).
    pub fn new(
        client: ClientSettings<'_>,
        on_failure: impl Fn(&KafkaError) + Send + Sync + 'static,
    ) -> Result<Self, KafkaError> {
        let c = client
            .require("enable.idempotence", "true")
            .require("acks", "all")
            // Only failures are acted on: a report per written record is work for nothing.
            .require("delivery.report.only.error", "true")
            .build();
        let inner = Polled::new(c.create_with_context(LogContext {
            on_failure: Box::new(on_failure),
        })?)?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Enqueues one record; fails at once when the local queue is full, never blocks.
    pub fn send(&self, topic: &str, key: &str, value: &[u8]) -> Result<(), KafkaError> {
        let record = BaseRecord::to(topic).key(key).payload(value);
        self.inner.producer.send(record).map_err(|(e, _)| e.into())
    }

    /// Waits up to `timeout` for queued records to be written (used at shutdown).
    pub async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        let inner = self.inner.clone();
        crate::lookup::blocking(move || Ok(inner.producer.flush(timeout)?)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producers_send_at_once_unless_the_operator_asks_for_a_linger() {
        let mut config = KafkaConfig::new("broker:9092");
        let c = Producer::settings(&config, Duration::from_secs(5)).build();
        assert_eq!(c.get("linger.ms"), Some("0"));
        assert_eq!(c.get("socket.nagle.disable"), Some("true"));
        config
            .properties
            .insert("linger.ms".to_owned(), "5".to_owned());
        let c = Producer::settings(&config, Duration::from_secs(5)).build();
        assert_eq!(c.get("linger.ms"), Some("5"));
    }
}
