//! History and recovery: bounded reads of `herald.attempts` and `herald.dlq`, and replays that
//! write `DeliveryTask`s to `herald.replay`. Kafka reads run on the blocking pool and stop at a
//! record budget and a deadline, so an RPC never hangs on a large topic.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use herald_core::Header;
use herald_core::event_type_matches;
use herald_kafka::{
    KafkaConfig, KafkaError, PartitionRange, Pending, Producer, RecordRef, ScanReader, Scanned,
};
use herald_proto::v1::{
    AttemptRecord, DeadLetterRef, DeliveryTask, RecordHeader, Redrive, ReplayDeadLettersRequest,
    ReplayResponse, Subscription, replay_topic_request,
};
use prost::Message as _;
use tokio::sync::mpsc;
use tonic::Status;

use crate::ControlConfig;
use crate::store::now_ms;

/// Default and largest page of the list RPCs.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 1000;
/// Delivery futures awaited together while a replay produces.
const PRODUCE_BATCH: usize = 1000;
/// Dead letters one redrive mark names at most: a replay may send 100 000, and one mark for
/// all of them could pass Kafka's default 1 MB record limit (up to 18 bytes a letter).
const MARKS_PER_RECORD: usize = 10_000;

/// Reads the delivery topics and writes replays.
pub(crate) struct History {
    kafka: KafkaConfig,
    attempts_topic: String,
    dlq_topic: String,
    replay_topic: String,
    delivery_group: String,
    producer: Producer,
    window: i64,
    replay_scan: u64,
    replay_max: u32,
    timeout: Duration,
}

/// One partition to read: `[start, end)`.
#[derive(Debug, Clone, Copy)]
struct Range {
    partition: i32,
    low: i64,
    start: i64,
    end: i64,
}

/// Where to start reading a partition.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// The last `n` records.
    Tail(i64),
    /// The first offset (clamped to the retained range).
    Offset(i64),
    /// The first record at or after this time.
    Time(i64),
}

fn unavailable(e: KafkaError) -> Status {
    Status::unavailable(format!("kafka: {e}"))
}

fn scan_consumer(kafka: &KafkaConfig) -> Result<ScanReader, KafkaError> {
    ScanReader::new(kafka.client(), "herald-control-history")
}

/// Ranges to read in `topic`, from `start` to the current end of every partition. A missing
/// topic has no ranges.
fn ranges(
    consumer: &ScanReader,
    topic: &str,
    start: Start,
    timeout: Duration,
) -> Result<Vec<Range>, KafkaError> {
    let Some(partitions) = consumer.partitions(topic, timeout)? else {
        return Ok(Vec::new());
    };
    let marks = consumer.watermarks(topic, &partitions, timeout)?;
    let mut out: Vec<Range> = partitions
        .iter()
        .zip(marks)
        .map(|(p, (low, high))| Range {
            partition: *p,
            low,
            start: low,
            end: high,
        })
        .collect();
    match start {
        Start::Tail(n) => out
            .iter_mut()
            .for_each(|r| r.start = (r.end - n).max(r.low)),
        Start::Offset(o) => out.iter_mut().for_each(|r| r.start = o.clamp(r.low, r.end)),
        Start::Time(ms) => {
            let found = consumer.offsets_for_time(topic, &partitions, ms, timeout)?;
            let by_partition: HashMap<i32, Option<i64>> = found.into_iter().collect();
            for r in &mut out {
                r.start = match by_partition.get(&r.partition) {
                    Some(Some(o)) => (*o).clamp(r.low, r.end),
                    _ => r.end,
                };
            }
        }
    }
    out.sort_by_key(|r| r.partition);
    Ok(out)
}

/// Reads `ranges` of `topic`, calling `visit` per record until it returns false, every range is
/// done, `max_records` were read or `deadline` passed.
fn scan(
    consumer: &ScanReader,
    topic: &str,
    ranges: &[Range],
    max_records: u64,
    deadline: Instant,
    visit: impl FnMut(&RecordRef<'_>) -> bool,
) -> Result<Scanned, KafkaError> {
    let ranges: Vec<PartitionRange> = ranges
        .iter()
        .map(|r| PartitionRange {
            partition: r.partition,
            start: r.start,
            end: r.end,
        })
        .collect();
    consumer.scan(topic, &ranges, max_records, deadline, visit)
}

fn limit_of(limit: u32) -> usize {
    match limit {
        0 => DEFAULT_LIMIT as usize,
        l => l.min(MAX_LIMIT) as usize,
    }
}

fn key_is(m: &RecordRef<'_>, id: &str) -> bool {
    m.key().is_none_or(|k| k == id.as_bytes())
}

fn in_range(at: i64, since: i64, until: i64) -> bool {
    at >= since && (until == 0 || at < until)
}

fn record_time(m: &RecordRef<'_>) -> i64 {
    m.timestamp_ms().unwrap_or_default()
}

/// The record header that tells a [`Redrive`] mark from a dead letter in herald.dlq.
const RECORD_KIND: &str = "herald-record";
const REDRIVE: &[u8] = b"redrive";

fn is_redrive(m: &RecordRef<'_>) -> bool {
    m.headers()
        .any(|(key, value)| key == RECORD_KIND && value == Some(REDRIVE))
}

/// Reads subscription `id`'s dead letters dead-lettered in `[since, until)` from `ranges` of
/// the DLQ, with their place in it and when each was last redriven (the redrive marks follow
/// the letters they mark in the same partition, so one pass sees both).
fn read_dead_letters(
    consumer: &ScanReader,
    topic: &str,
    ranges: &[Range],
    max_records: u64,
    deadline: Instant,
    id: &str,
    (since, until): (i64, i64),
) -> Result<(Vec<DeliveryTask>, Scanned), KafkaError> {
    let mut letters: Vec<DeliveryTask> = Vec::new();
    let mut marks: Vec<Redrive> = Vec::new();
    let scanned = scan(consumer, topic, ranges, max_records, deadline, |m| {
        if !key_is(m, id) {
            return true;
        }
        let Some(payload) = m.payload() else {
            return true;
        };
        if is_redrive(m) {
            marks.extend(Redrive::decode(payload).ok());
            return true;
        }
        if let Ok(mut t) = DeliveryTask::decode(payload)
            && t.subscription_id == id
        {
            if t.dead_lettered_at_ms <= 0 {
                t.dead_lettered_at_ms = record_time(m);
            }
            if in_range(t.dead_lettered_at_ms, since, until) {
                t.dlq_partition = m.partition();
                t.dlq_offset = m.offset();
                letters.push(t);
            }
        }
        true
    })?;
    mark_redriven(&mut letters, &marks);
    Ok((letters, scanned))
}

/// An attempt record with its time, partition and offset (the order of attempt pages).
type Found = (i64, i32, i64, AttemptRecord);

/// Reads subscription `id`'s attempt records from `ranges` of the attempts topic; `each` sees
/// every record read, the subscription's or not.
fn read_attempts(
    consumer: &ScanReader,
    topic: &str,
    ranges: &[Range],
    deadline: Instant,
    id: &str,
    mut each: impl FnMut(&RecordRef<'_>),
) -> Result<(Vec<Found>, Scanned), KafkaError> {
    let mut found = Vec::new();
    let scanned = scan(consumer, topic, ranges, u64::MAX, deadline, |m| {
        each(m);
        if key_is(m, id)
            && let Some(a) = m.payload().and_then(|p| AttemptRecord::decode(p).ok())
            && a.subscription_id == id
        {
            found.push((a.at_ms, m.partition(), m.offset(), a));
        }
        true
    })?;
    Ok((found, scanned))
}

/// Sets each letter's `redriven_at_ms` to the latest of the `marks` naming its place in the DLQ.
fn mark_redriven(letters: &mut [DeliveryTask], marks: &[Redrive]) {
    let mut redriven: HashMap<(i32, i64), i64> = HashMap::new();
    for mark in marks {
        for l in &mark.letters {
            let at = redriven.entry((l.partition, l.offset)).or_default();
            *at = (*at).max(mark.at_ms);
        }
    }
    for t in letters {
        t.redriven_at_ms = redriven
            .get(&(t.dlq_partition, t.dlq_offset))
            .copied()
            .unwrap_or_default();
    }
}

/// The dead letters a replay sends: not yet redriven unless `include_redriven`, only
/// `event_ids` when given, at most `max`; and whether some were left for a later replay.
fn pick(
    letters: Vec<DeliveryTask>,
    req: &ReplayDeadLettersRequest,
    max: usize,
) -> (Vec<DeliveryTask>, bool) {
    let mut picked: Vec<DeliveryTask> = letters
        .into_iter()
        .filter(|t| req.include_redriven || t.redriven_at_ms == 0)
        .filter(|t| req.event_ids.is_empty() || req.event_ids.contains(&t.event_id))
        .collect();
    let limit_hit = picked.len() > max;
    picked.truncate(max);
    (picked, limit_hit)
}

impl History {
    pub fn new(config: &ControlConfig, producer: Producer) -> Self {
        Self {
            kafka: config.kafka.clone(),
            attempts_topic: config.deployment.attempts_topic(),
            dlq_topic: config.deployment.dlq_topic(),
            replay_topic: config.deployment.replay_topic(),
            delivery_group: config.deployment.delivery_group(),
            producer,
            window: config.history_scan_records.max(1),
            replay_scan: config.replay_scan_records.max(1),
            replay_max: config.replay_max_tasks.max(1),
            timeout: config.scan_timeout(),
        }
    }

    /// The subscription's most recent attempts, newest first; `true` when older history was
    /// not examined.
    pub async fn attempts(
        &self,
        subscription: &str,
        limit: u32,
    ) -> Result<(Vec<AttemptRecord>, bool), Status> {
        let kafka = self.kafka.clone();
        let topic = self.attempts_topic.clone();
        let id = subscription.to_owned();
        let (window, timeout) = (self.window, self.timeout);
        let limit = limit_of(limit);
        blocking(move || {
            let deadline = Instant::now() + timeout;
            let consumer = scan_consumer(&kafka)?;
            let ranges = ranges(&consumer, &topic, Start::Tail(window), timeout)?;
            let (mut found, scanned) =
                read_attempts(&consumer, &topic, &ranges, deadline, &id, |_| {})?;
            found.sort_by_key(|f| std::cmp::Reverse((f.0, f.1, f.2)));
            let truncated =
                !scanned.complete || ranges.iter().any(|r| r.start > r.low) || found.len() > limit;
            Ok((
                found.into_iter().take(limit).map(|f| f.3).collect(),
                truncated,
            ))
        })
        .await
    }

    /// The subscription's attempts made at or after `since_ms`, in no order, and whether the
    /// scan's bound (`history_scan_records` per partition, or the deadline) stopped before
    /// reaching `since_ms`.
    pub async fn attempts_since(
        &self,
        subscription: &str,
        since_ms: i64,
    ) -> Result<(Vec<AttemptRecord>, bool), Status> {
        let kafka = self.kafka.clone();
        let topic = self.attempts_topic.clone();
        let id = subscription.to_owned();
        let (window, timeout) = (self.window, self.timeout);
        blocking(move || {
            let deadline = Instant::now() + timeout;
            let consumer = scan_consumer(&kafka)?;
            // The newest `window` records of each partition, like attempt pages (a time lookup
            // is not served by every broker, e.g. `herald dev`'s embedded one).
            let ranges = ranges(&consumer, &topic, Start::Tail(window), timeout)?;
            // Per partition, the time of the oldest record read: if a partition was cut by
            // the bound and that time is inside the window, older attempts may be missing.
            let mut oldest: HashMap<i32, i64> = HashMap::new();
            let (found, scanned) = read_attempts(&consumer, &topic, &ranges, deadline, &id, |m| {
                let at = oldest.entry(m.partition()).or_insert(i64::MAX);
                *at = (*at).min(record_time(m));
            })?;
            let found = found
                .into_iter()
                .map(|f| f.3)
                .filter(|a| a.at_ms >= since_ms)
                .collect();
            let cut = ranges.iter().any(|r| {
                r.start > r.low && oldest.get(&r.partition).is_none_or(|at| *at >= since_ms)
            });
            Ok((found, cut || !scanned.complete))
        })
        .await
    }

    /// The offset the delivery group committed in each of `partitions` of `topic`; partitions
    /// without a commit are left out.
    pub async fn delivery_committed(
        &self,
        topic: &str,
        partitions: Vec<i32>,
    ) -> Result<HashMap<i32, i64>, Status> {
        let kafka = self.kafka.clone();
        let group = self.delivery_group.clone();
        let topic = topic.to_owned();
        let timeout = self.timeout;
        blocking(move || {
            let reader = ScanReader::new(kafka.client(), &group)?;
            Ok(reader
                .committed(&topic, &partitions, timeout)?
                .into_iter()
                .filter_map(|(p, o)| o.map(|o| (p, o)))
                .collect())
        })
        .await
    }

    /// Writes one task to the replay topic, where delivery picks it up at once (a test event).
    pub async fn send_task(&self, task: DeliveryTask) -> Result<(), Status> {
        let (tx, rx) = mpsc::channel(1);
        // The channel has room for the one task: this cannot fail.
        let _ = tx.try_send(task);
        drop(tx);
        self.produce(rx).await.map(|_| ())
    }

    /// The subscription's dead letters in `[since, until)`, newest first, each with where it
    /// sits in the DLQ and when it was last redriven.
    pub async fn dead_letters(
        &self,
        subscription: &str,
        limit: u32,
        since: i64,
        until: i64,
    ) -> Result<(Vec<DeliveryTask>, bool), Status> {
        let kafka = self.kafka.clone();
        let topic = self.dlq_topic.clone();
        let id = subscription.to_owned();
        let (window, timeout) = (self.window, self.timeout);
        let limit = limit_of(limit);
        blocking(move || {
            let deadline = Instant::now() + timeout;
            let consumer = scan_consumer(&kafka)?;
            let start = if since > 0 {
                Start::Time(since)
            } else {
                Start::Tail(window)
            };
            let ranges = ranges(&consumer, &topic, start, timeout)?;
            let (mut found, scanned) = read_dead_letters(
                &consumer,
                &topic,
                &ranges,
                window as u64 * 4,
                deadline,
                &id,
                (since, until),
            )?;
            found.sort_by_key(|t| std::cmp::Reverse(t.dead_lettered_at_ms));
            let truncated = !scanned.complete
                || (since == 0 && ranges.iter().any(|r| r.start > r.low))
                || found.len() > limit;
            found.truncate(limit);
            Ok((found, truncated))
        })
        .await
    }

    /// Writes the subscription's dead letters in `[since, until)` (only `event_ids` when not
    /// empty; skipping those already redriven unless `include_redriven`) to the replay topic,
    /// then marks them redriven in the DLQ.
    pub async fn replay_dead_letters(
        &self,
        sub: &Subscription,
        req: &ReplayDeadLettersRequest,
    ) -> Result<ReplayResponse, Status> {
        let kafka = self.kafka.clone();
        let topic = self.dlq_topic.clone();
        let id = sub.id.clone();
        let (since, until) = (req.since_ms, req.until_ms);
        let (max_scan, timeout) = (self.replay_scan, self.timeout);
        let (letters, scanned) = blocking(move || {
            let deadline = Instant::now() + timeout;
            let consumer = scan_consumer(&kafka)?;
            let start = if since > 0 {
                Start::Time(since)
            } else {
                Start::Offset(0)
            };
            let ranges = ranges(&consumer, &topic, start, timeout)?;
            read_dead_letters(
                &consumer,
                &topic,
                &ranges,
                max_scan,
                deadline,
                &id,
                (since, until),
            )
        })
        .await?;
        let max_tasks = match req.limit {
            0 => self.replay_max,
            l => l.min(self.replay_max),
        } as usize;
        let (picked, limit_hit) = pick(letters, req, max_tasks);
        let redriven: Vec<DeadLetterRef> = picked
            .iter()
            .map(|t| DeadLetterRef {
                partition: t.dlq_partition,
                offset: t.dlq_offset,
            })
            .collect();
        let at_ms = now_ms();
        let (tx, rx) = mpsc::channel(picked.len().max(1));
        for mut t in picked {
            t.team = sub.team.clone();
            t.attempt = 0;
            t.due_at_ms = now_ms();
            t.tier.clear();
            t.replay = true;
            t.dead_lettered_at_ms = 0;
            t.dead_letter_reason.clear();
            t.last_status = 0;
            t.last_error.clear();
            t.first_attempt_at_ms = 0;
            t.dlq_partition = 0;
            t.dlq_offset = 0;
            t.redriven_at_ms = 0;
            // The channel holds every task: this cannot fail.
            let _ = tx.try_send(t);
        }
        drop(tx);
        let replayed = self.produce(rx).await?;
        for letters in redriven.chunks(MARKS_PER_RECORD) {
            let marks = Redrive {
                letters: letters.to_vec(),
                at_ms,
            };
            self.producer
                .send(
                    &self.dlq_topic,
                    Some(sub.id.as_bytes()),
                    &[Header {
                        key: RECORD_KIND.to_owned(),
                        value: REDRIVE.to_vec(),
                    }],
                    &marks.encode_to_vec(),
                )
                .await
                .map_err(|e| {
                    Status::unavailable(format!(
                        "replayed {replayed} dead letters but could not mark them all redriven ({e}): a second replay would send some again"
                    ))
                })?;
        }
        Ok(ReplayResponse {
            replayed,
            scanned: scanned.records,
            truncated: limit_hit || !scanned.complete,
        })
    }

    /// Writes the events of `topic` from `from` (up to the current end) that the subscription's
    /// filter accepts to the replay topic.
    pub async fn replay_topic(
        &self,
        sub: &Subscription,
        topic: &str,
        from: replay_topic_request::From,
        limit: u32,
    ) -> Result<ReplayResponse, Status> {
        let start = match from {
            replay_topic_request::From::FromOffset(o) if o < 0 => {
                return Err(Status::invalid_argument(format!(
                    "from_offset must be 0 or more, got {o}"
                )));
            }
            replay_topic_request::From::FromOffset(o) => Start::Offset(o),
            replay_topic_request::From::FromTimeMs(ms) if ms < 0 => {
                return Err(Status::invalid_argument(format!(
                    "from_time_ms must be 0 or more, got {ms}"
                )));
            }
            replay_topic_request::From::FromTimeMs(ms) => Start::Time(ms),
        };
        let id = sub.id.clone();
        let team = sub.team.clone();
        let filters = sub.event_types.clone();
        // Stored filters were parsed at creation: one that no longer parses selects nothing.
        let payload_filter = (!sub.filter.is_empty())
            .then(|| herald_core::Filter::parse(&sub.filter).map_err(|_| ()))
            .transpose();
        let source = topic.to_owned();
        self.replay(topic.to_owned(), start, limit, move |m| {
            let event = m.event().ok()?;
            if !event_type_matches(&filters, &event.ty) {
                return None;
            }
            match &payload_filter {
                Ok(Some(f)) if !f.matches(&herald_core::EventView::of(&event, m.key())) => {
                    return None;
                }
                Err(()) => return None,
                _ => {}
            }
            let headers = m
                .headers()
                .map(|(key, value)| RecordHeader {
                    key: key.to_owned(),
                    value: value.map(<[u8]>::to_vec).unwrap_or_default(),
                })
                .collect();
            Some(DeliveryTask {
                subscription_id: id.clone(),
                team: team.clone(),
                source_topic: source.clone(),
                source_partition: m.partition(),
                source_offset: m.offset(),
                event_id: event.id.clone(),
                event_type: event.ty.clone(),
                headers,
                data: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
                attempt: 0,
                due_at_ms: now_ms(),
                replay: true,
                ..Default::default()
            })
        })
        .await
    }

    /// Scans `topic` on the blocking pool and produces every task `pick` returns to the replay
    /// topic (key = subscription id), in order, awaiting the acknowledgements in batches.
    async fn replay(
        &self,
        topic: String,
        start: Start,
        limit: u32,
        mut pick: impl FnMut(&RecordRef<'_>) -> Option<DeliveryTask> + Send + 'static,
    ) -> Result<ReplayResponse, Status> {
        let max_tasks = match limit {
            0 => self.replay_max,
            l => l.min(self.replay_max),
        } as u64;
        let kafka = self.kafka.clone();
        let (max_scan, timeout) = (self.replay_scan, self.timeout);
        let (tx, rx) = mpsc::channel::<DeliveryTask>(512);
        let scanner =
            tokio::task::spawn_blocking(move || -> Result<(Scanned, bool), KafkaError> {
                let deadline = Instant::now() + timeout;
                let consumer = scan_consumer(&kafka)?;
                let ranges = ranges(&consumer, &topic, start, timeout)?;
                let mut picked = 0u64;
                let mut limit_hit = false;
                let scanned = scan(&consumer, &topic, &ranges, max_scan, deadline, |m| {
                    let Some(task) = pick(m) else { return true };
                    if tx.blocking_send(task).is_err() {
                        return false;
                    }
                    picked += 1;
                    if picked >= max_tasks {
                        limit_hit = true;
                        return false;
                    }
                    true
                })?;
                Ok((scanned, limit_hit))
            });
        let replayed = self.produce(rx).await?;
        let (scanned, limit_hit) = scanner
            .await
            .map_err(|e| Status::internal(format!("replay scan task failed: {e}")))?
            .map_err(unavailable)?;
        Ok(ReplayResponse {
            replayed,
            scanned: scanned.records,
            truncated: limit_hit || !scanned.complete,
        })
    }

    /// Writes every task of `rx` to the replay topic; the number acknowledged.
    async fn produce(&self, mut rx: mpsc::Receiver<DeliveryTask>) -> Result<u64, Status> {
        let mut pending = Vec::new();
        let mut replayed = 0u64;
        while let Some(task) = rx.recv().await {
            let payload = task.encode_to_vec();
            let key = task.subscription_id.as_bytes();
            loop {
                match self
                    .producer
                    .enqueue(&self.replay_topic, Some(key), &[], &payload)
                {
                    Ok(f) => {
                        pending.push(f);
                        break;
                    }
                    Err(e) if e.is_queue_full() => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(e) => {
                        return Err(Status::unavailable(format!(
                            "cannot write {}: {e}",
                            self.replay_topic
                        )));
                    }
                }
            }
            if pending.len() >= PRODUCE_BATCH {
                replayed += self.acknowledge(&mut pending).await?;
            }
        }
        replayed += self.acknowledge(&mut pending).await?;
        Ok(replayed)
    }

    async fn acknowledge(&self, pending: &mut Vec<Pending>) -> Result<u64, Status> {
        let mut n = 0;
        for f in pending.drain(..) {
            match f.acknowledged().await {
                Ok(_) => n += 1,
                Err(KafkaError::ProducerGone) => {
                    return Err(Status::unavailable(
                        "the producer went away during a replay",
                    ));
                }
                Err(e) => {
                    return Err(Status::unavailable(format!(
                        "writing {} failed after {n} tasks of this batch: {e}",
                        self.replay_topic
                    )));
                }
            }
        }
        Ok(n)
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KafkaError> + Send + 'static,
) -> Result<T, Status> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Status::internal(format!("history task failed: {e}")))?
        .map_err(unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(event: &str, partition: i32, offset: i64) -> DeliveryTask {
        DeliveryTask {
            event_id: event.into(),
            dlq_partition: partition,
            dlq_offset: offset,
            ..Default::default()
        }
    }

    fn mark(at_ms: i64, letters: &[(i32, i64)]) -> Redrive {
        Redrive {
            letters: letters
                .iter()
                .map(|&(partition, offset)| DeadLetterRef { partition, offset })
                .collect(),
            at_ms,
        }
    }

    #[test]
    fn letters_carry_their_latest_redrive() {
        let mut letters = [letter("a", 0, 5), letter("b", 1, 5), letter("c", 0, 6)];
        mark_redriven(
            &mut letters,
            &[
                mark(100, &[(0, 5), (0, 6)]),
                mark(300, &[(0, 5)]),
                mark(200, &[(2, 5)]),
            ],
        );
        let at: Vec<i64> = letters.iter().map(|t| t.redriven_at_ms).collect();
        assert_eq!(at, [300, 0, 100], "marks name a partition and an offset");
    }

    #[test]
    fn a_full_redrive_mark_fits_a_kafka_record() {
        let worst = DeadLetterRef {
            partition: i32::MAX,
            offset: i64::MAX,
        };
        let marks = Redrive {
            letters: vec![worst; MARKS_PER_RECORD],
            at_ms: i64::MAX,
        };
        assert!(marks.encoded_len() < 500_000, "{}", marks.encoded_len());
    }

    #[test]
    fn a_replay_skips_what_was_redriven_unless_asked() {
        let mut letters = vec![letter("a", 0, 1), letter("b", 0, 2), letter("c", 0, 3)];
        letters[1].redriven_at_ms = 100;
        let ids = |(picked, _): (Vec<DeliveryTask>, bool)| -> Vec<String> {
            picked.into_iter().map(|t| t.event_id).collect()
        };
        let mut req = ReplayDeadLettersRequest::default();
        assert_eq!(ids(pick(letters.clone(), &req, 10)), ["a", "c"]);
        req.include_redriven = true;
        assert_eq!(ids(pick(letters.clone(), &req, 10)), ["a", "b", "c"]);
        req.event_ids = vec!["b".into()];
        assert_eq!(ids(pick(letters.clone(), &req, 10)), ["b"]);
        let (picked, more) = pick(letters, &ReplayDeadLettersRequest::default(), 1);
        assert_eq!(
            (picked.len(), more),
            (1, true),
            "the rest waits for the next replay"
        );
    }
}
