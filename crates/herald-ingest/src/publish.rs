//! The transport-independent publish path: authorize, validate a whole request, then produce
//! every event and wait for Kafka's acknowledgements.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use herald_core::envelope::format_time;
use herald_core::{Event, Header};
use herald_kafka::{KafkaConfig, KafkaError, Producer};
use herald_proto::v1::SchemaPolicy;
use herald_watch::{Authenticator, ConfigHandle, View};
use serde::Serialize;
use time::OffsetDateTime;

use crate::catalog::{Schemas, Verdict};
use crate::dedup::{Claim, Dedup, OwnerGuard};
use crate::metrics::{Metrics, Transport};
use herald_runtime::trace;
use tracing::Instrument;

use crate::{IngestConfig, IngestError, Limits};

/// Where an accepted event was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The event id (the producer's, or the one ingest generated).
    pub id: String,
    /// Kafka partition.
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
    /// The id was already published within the idempotency window; partition and offset name
    /// the first copy and nothing new was written.
    pub duplicate: bool,
}

/// CloudEvents context attributes that extensions must not shadow.
const RESERVED_ATTRIBUTES: &[&str] = &[
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "dataschema",
    "data",
    "data_base64",
];

/// An event as a publisher sent it, before defaults are applied.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Producer's id; a UUIDv7 is generated when absent.
    pub id: Option<String>,
    /// Event type (required).
    pub ty: Option<String>,
    /// Source; defaults to `/herald/<team>/<topic>`.
    pub source: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// RFC 3339 time; defaults to now.
    pub time: Option<String>,
    /// Media type of the payload; defaults to `application/json`.
    pub content_type: Option<String>,
    /// Schema URI.
    pub data_schema: Option<String>,
    /// Partition key; defaults to the id.
    pub key: Option<String>,
    /// Per-event trace context; defaults to the request's.
    pub traceparent: Option<String>,
    /// Extension attributes.
    pub extensions: BTreeMap<String, String>,
    /// The payload.
    pub data: Vec<u8>,
}

/// A validated event ready to be produced.
pub(crate) struct Prepared {
    event: Event,
    key: String,
    headers: Vec<Header>,
    /// Whether the producer chose the id (only those take part in idempotency).
    producer_id: bool,
}

/// One librdkafka producer, replaced if it ever reports a fatal error (an idempotent producer
/// that lost its state refuses every later record until it is recreated).
struct ProducerSlot {
    kafka: KafkaConfig,
    delivery_timeout: Duration,
    current: RwLock<Producer>,
}

impl ProducerSlot {
    fn get(&self) -> Producer {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn recover_if_fatal(&self) {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if let Some(reason) = current.fatal_error() {
            tracing::error!(%reason, "kafka producer hit a fatal error, recreating it");
            match Producer::new(&self.kafka, self.delivery_timeout) {
                Ok(p) => *current = p,
                Err(error) => tracing::error!(%error, "cannot recreate the kafka producer"),
            }
        }
    }
}

/// The catalog check of one request: the view, the team and its topic's policy.
struct CatalogCheck<'a> {
    view: &'a View,
    team: &'a str,
    policy: SchemaPolicy,
}

/// Shared state of both front doors.
pub(crate) struct Core {
    producer: ProducerSlot,
    config: ConfigHandle,
    auth: Authenticator,
    limits: Limits,
    dedup: Option<Dedup>,
    schemas: Schemas,
    pub(crate) metrics: Metrics,
    pub(crate) retry_after_secs: u64,
}

impl Core {
    pub(crate) fn new(
        config: &IngestConfig,
        view: ConfigHandle,
        metrics: Metrics,
    ) -> Result<Self, IngestError> {
        let delivery_timeout = config.delivery_timeout();
        let producer = Producer::new(&config.kafka, delivery_timeout)?;
        let dedup = if config.idempotency.window.is_zero() {
            None
        } else {
            Some(Dedup::start(config)?)
        };
        Ok(Self {
            producer: ProducerSlot {
                kafka: config.kafka.clone(),
                delivery_timeout,
                current: RwLock::new(producer),
            },
            config: view,
            auth: Authenticator::new(
                Some(config.root_key.expose()),
                Some(config.internal_token.expose()),
            ),
            limits: config.limits.clone(),
            dedup,
            schemas: Schemas::new(&config.schema_base_url),
            metrics,
            retry_after_secs: config.retry_after.as_millis().div_ceil(1000) as u64,
        })
    }

    /// Why publishes with a producer id cannot be served yet, if they cannot.
    pub(crate) fn idempotency_not_ready(&self) -> Option<String> {
        self.dedup.as_ref().and_then(Dedup::not_ready)
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Waits until queued records are delivered (shutdown).
    pub(crate) async fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.get().flush(timeout).await?;
        match &self.dedup {
            Some(dedup) => dedup.flush(timeout).await,
            None => Ok(()),
        }
    }

    /// Counts a request refused before any event was produced.
    pub(crate) fn reject(&self, transport: Transport, error: &IngestError, events: usize) {
        self.metrics
            .rejected(transport, error.reason(), events.max(1) as u64);
    }

    /// Authorizes the caller for `<team>.<topic>` and returns the Kafka topic. Permission is
    /// checked before existence so a key cannot probe other teams' topics.
    fn target(
        &self,
        authorization: Option<&str>,
        team: &str,
        topic: &str,
    ) -> Result<Arc<str>, IngestError> {
        if !self.config.is_synced() {
            return Err(IngestError::Unavailable(
                "configuration from the control plane is not loaded yet; retry later".to_owned(),
            ));
        }
        let view = self.config.current();
        let principal = self.auth.authenticate(&view, authorization)?;
        principal.authorize(&view, herald_watch::Action::Publish { team, topic })?;
        match view.topic(team, topic) {
            Some(t) if !t.kafka_topic.is_empty() => Ok(Arc::from(t.kafka_topic.as_str())),
            Some(_) => Ok(Arc::from(format!("{team}.{topic}"))),
            None => Err(IngestError::NotFound(format!(
                "topic {team}.{topic} does not exist"
            ))),
        }
    }

    /// Applies defaults and validates every event; one bad event refuses the whole request.
    fn prepare(
        &self,
        team: &str,
        topic: &str,
        drafts: Vec<Draft>,
        request_trace: &str,
        batch: bool,
    ) -> Result<Vec<Prepared>, IngestError> {
        if drafts.len() > self.limits.max_batch_events {
            return Err(IngestError::TooLarge(format!(
                "the batch has {} events, the limit is {}",
                drafts.len(),
                self.limits.max_batch_events
            )));
        }
        if drafts.is_empty() {
            return Err(IngestError::Invalid(
                "events: the batch is empty".to_owned(),
            ));
        }
        let now = format_time(OffsetDateTime::now_utc());
        let default_source = format!("/herald/{team}/{topic}");
        let view = self.config.current();
        let policy = view
            .topic(team, topic)
            .and_then(|t| SchemaPolicy::try_from(t.schema_policy).ok())
            .unwrap_or(SchemaPolicy::Off);
        let catalog = CatalogCheck {
            view: &view,
            team,
            policy,
        };
        drafts
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let at = |msg: String| {
                    if batch {
                        format!("events[{i}]: {msg}")
                    } else {
                        msg
                    }
                };
                self.prepare_one(d, request_trace, &now, &default_source, &catalog)
                    .map_err(|e| match e {
                        IngestError::Invalid(m) => IngestError::Invalid(at(m)),
                        IngestError::SchemaViolation(m) => IngestError::SchemaViolation(at(m)),
                        IngestError::TooLarge(m) => IngestError::TooLarge(at(m)),
                        other => other,
                    })
            })
            .collect()
    }

    fn prepare_one(
        &self,
        d: Draft,
        request_trace: &str,
        now: &str,
        default_source: &str,
        catalog: &CatalogCheck<'_>,
    ) -> Result<Prepared, IngestError> {
        let ty = d
            .ty
            .filter(|t| !t.is_empty())
            .ok_or_else(|| IngestError::Invalid("missing required attribute 'type'".to_owned()))?;
        let producer_id = d.id.as_deref().is_some_and(|i| !i.is_empty());
        let id = match d.id {
            Some(id) if !id.is_empty() => id,
            _ => generated_id(),
        };
        let source = d
            .source
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| default_source.to_owned());
        let mut event = Event::new(id, source, ty, d.data);
        event.time = Some(
            d.time
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| now.to_owned()),
        );
        event.subject = d.subject.filter(|s| !s.is_empty());
        event.content_type = Some(
            d.content_type
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "application/json".to_owned()),
        );
        event.data_schema = d.data_schema.filter(|s| !s.is_empty());
        event.traceparent = Some(match d.traceparent {
            Some(tp) if trace::is_valid_traceparent(&tp) => tp,
            Some(_) => {
                return Err(IngestError::Invalid(
                    "invalid attribute 'traceparent': not a W3C traceparent".to_owned(),
                ));
            }
            None => request_trace.to_owned(),
        });
        for name in d.extensions.keys() {
            if RESERVED_ATTRIBUTES.contains(&name.as_str()) || name == "traceparent" {
                return Err(IngestError::Invalid(format!(
                    "invalid attribute '{name}': reserved name, not an extension"
                )));
            }
        }
        event.extensions = d.extensions;
        event
            .validate()
            .map_err(|e| IngestError::Invalid(e.to_string()))?;
        let key = match d.key {
            Some(k) if !k.is_empty() => k,
            _ => event.id.clone(),
        };
        if key.len() > herald_core::envelope::MAX_SOURCE_LEN {
            return Err(IngestError::Invalid(format!(
                "invalid attribute 'key': {} bytes, the limit is {}",
                key.len(),
                herald_core::envelope::MAX_SOURCE_LEN
            )));
        }
        if let Verdict::Violation { reason, message } =
            self.schemas
                .check(catalog.view, catalog.team, catalog.policy, &mut event)
        {
            let enforce = catalog.policy == SchemaPolicy::Enforce;
            self.metrics
                .schema_violation(if enforce { "enforce" } else { "count" }, reason);
            if enforce {
                return Err(IngestError::SchemaViolation(message));
            }
        }
        let headers = event.to_headers();
        let size = event.data.len()
            + key.len()
            + headers
                .iter()
                .map(|h| h.key.len() + h.value.len())
                .sum::<usize>();
        if size > self.limits.max_event_bytes {
            return Err(IngestError::TooLarge(format!(
                "event {} is {size} bytes, the limit is {}",
                event.id, self.limits.max_event_bytes
            )));
        }
        Ok(Prepared {
            event,
            key,
            headers,
            producer_id,
        })
    }

    /// Authorizes the caller for `<team>.<topic>` (counting a refusal of `events` events).
    pub(crate) fn authorize(
        &self,
        transport: Transport,
        authorization: Option<&str>,
        team: &str,
        topic: &str,
        events: usize,
    ) -> Result<Arc<str>, IngestError> {
        self.target(authorization, team, topic)
            .inspect_err(|e| self.reject(transport, e, events))
    }

    /// Validates all events (all-or-nothing), then produces them concurrently to the
    /// authorized `kafka_topic`; each event has its own outcome.
    #[allow(clippy::too_many_arguments)] // one request's context, passed straight through
    pub(crate) async fn publish_to(
        &self,
        transport: Transport,
        kafka_topic: &Arc<str>,
        traceparent: Option<&str>,
        team: &str,
        topic: &str,
        drafts: Vec<Draft>,
        batch: bool,
    ) -> Result<Vec<Result<Receipt, IngestError>>, IngestError> {
        let n = drafts.len();
        // The call's span continues the caller's trace; records carry this span as parent when
        // traces are exported, else the caller's traceparent, else a new trace.
        let span = tracing::info_span!("publish", topic = %kafka_topic, events = n, ?transport);
        trace::set_remote_parent(&span, traceparent);
        let outgoing = trace::outgoing_traceparent(&span, traceparent);
        async move {
            let prepared = self
                .prepare(team, topic, drafts, &outgoing, batch)
                .inspect_err(|e| self.reject(transport, e, n))?;
            Ok(self.produce(transport, kafka_topic, prepared).await)
        }
        .instrument(span)
        .await
    }

    /// Validates one event (defaults as for `<team>.<topic>`) and produces it to the already
    /// authorized `kafka_topic`, with `extra` Kafka headers besides its CloudEvents ones (a
    /// reply's team); answers once Kafka acknowledged.
    pub(crate) async fn publish_one(
        &self,
        kafka_topic: &Arc<str>,
        traceparent: Option<&str>,
        (team, topic): (&str, &str),
        draft: Draft,
        extra: &[(&str, &str)],
    ) -> Result<Receipt, IngestError> {
        let transport = Transport::Http;
        let span = tracing::info_span!("publish", topic = %kafka_topic, events = 1, ?transport);
        trace::set_remote_parent(&span, traceparent);
        let outgoing = trace::outgoing_traceparent(&span, traceparent);
        async move {
            let mut prepared = self
                .prepare(team, topic, vec![draft], &outgoing, false)
                .inspect_err(|e| self.reject(transport, e, 1))?;
            let mut p = prepared
                .pop()
                .ok_or_else(|| IngestError::Internal("no event".into()))?;
            p.headers
                .extend(extra.iter().map(|(k, v)| herald_core::Header {
                    key: (*k).to_owned(),
                    value: v.as_bytes().to_vec(),
                }));
            self.produce(transport, kafka_topic, vec![p])
                .await
                .pop()
                .unwrap_or_else(|| Err(IngestError::Internal("no event".into())))
        }
        .instrument(span)
        .await
    }

    /// The Kafka topic of `<team>.<topic>` in the current view, without authorization (the
    /// caller holds a capability for it).
    pub(crate) fn existing_topic(&self, team: &str, topic: &str) -> Result<Arc<str>, IngestError> {
        if !self.config.is_synced() {
            return Err(IngestError::Unavailable(
                "configuration from the control plane is not loaded yet; retry later".to_owned(),
            ));
        }
        match self.config.current().topic(team, topic) {
            Some(t) if !t.kafka_topic.is_empty() => Ok(Arc::from(t.kafka_topic.as_str())),
            Some(_) => Ok(Arc::from(format!("{team}.{topic}"))),
            None => Err(IngestError::NotFound(format!(
                "the reply topic {team}.{topic} no longer exists"
            ))),
        }
    }

    /// Produces a request's events, each with its own outcome. Producer-chosen ids are claimed
    /// together and every record that may be written is enqueued before any acknowledgement is
    /// awaited; ids that must wait their turn (held elsewhere, or in flight in another request
    /// here) go on by themselves, so requests sharing ids never wait on each other.
    async fn produce(
        &self,
        transport: Transport,
        topic: &Arc<str>,
        prepared: Vec<Prepared>,
    ) -> Vec<Result<Receipt, IngestError>> {
        let mut results: Vec<Option<Result<Receipt, IngestError>>> =
            prepared.iter().map(|_| None).collect();
        let mut steps: Vec<Step> = prepared.iter().map(|_| Step::Write(None)).collect();
        if let Some(dedup) = &self.dedup {
            let mut first_of = HashMap::new();
            let mut chosen = Vec::new();
            for (i, p) in prepared.iter().enumerate().filter(|(_, p)| p.producer_id) {
                match first_of.entry(p.event.id.as_str()) {
                    Entry::Occupied(first) => steps[i] = Step::Repeat(*first.get()),
                    Entry::Vacant(slot) => {
                        slot.insert(i);
                        chosen.push(i);
                    }
                }
            }
            if !chosen.is_empty() {
                let ids: Vec<&str> = chosen
                    .iter()
                    .map(|&i| prepared[i].event.id.as_str())
                    .collect();
                let claims = dedup.claim_all(topic, &ids).await;
                for (i, claim) in chosen.into_iter().zip(claims) {
                    steps[i] = match claim {
                        None => Step::Wait,
                        Some(Ok(Claim::Owner(owner))) => Step::Write(Some(owner)),
                        Some(decided) => {
                            results[i] = Some(self.settled(transport, decided));
                            Step::Decided
                        }
                    };
                }
            }
        }
        let (mut now, mut later, mut repeats) = (Vec::new(), Vec::new(), Vec::new());
        for ((i, p), step) in prepared.into_iter().enumerate().zip(steps) {
            match step {
                Step::Write(owner) => now.push((i, p, owner)),
                Step::Wait => later.push((i, p)),
                Step::Repeat(first) => repeats.push((i, p.event.id, first)),
                Step::Decided => {}
            }
        }
        let (written, waited) =
            tokio::join!(
                self.write(transport, topic, now),
                futures::future::join_all(later.into_iter().map(|(i, p)| async move {
                    (i, self.write_in_turn(transport, topic, p).await)
                }))
            );
        for (i, result) in written.into_iter().chain(waited) {
            results[i] = Some(result);
        }
        // A later copy of an id within the request answers as its first copy did.
        for (i, id, first) in repeats {
            results[i] = Some(match &results[first] {
                Some(Ok(receipt)) => {
                    self.metrics.accepted(transport, true);
                    Ok(Receipt {
                        id,
                        duplicate: true,
                        ..receipt.clone()
                    })
                }
                Some(Err(e)) => {
                    let error = IngestError::Unavailable(format!(
                        "event id {id} appears earlier in the request, and that copy failed: {e}"
                    ));
                    self.metrics.rejected(transport, error.reason(), 1);
                    Err(error)
                }
                None => Err(IngestError::Internal("an event was not decided".into())),
            });
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(IngestError::Internal("an event was not decided".into())))
            })
            .collect()
    }

    /// Counts and answers a claim that decided the event without writing it.
    fn settled(
        &self,
        transport: Transport,
        claim: Result<Claim<'_>, IngestError>,
    ) -> Result<Receipt, IngestError> {
        match claim {
            Ok(Claim::Duplicate(receipt)) => {
                self.metrics.accepted(transport, true);
                Ok(receipt)
            }
            Ok(Claim::Owner(_)) => Err(IngestError::Internal("an owned id was not written".into())),
            Err(e) => {
                self.metrics.rejected(transport, e.reason(), 1);
                Err(e)
            }
        }
    }

    /// Waits for an id's turn, then writes its event unless it turned out to be a duplicate.
    async fn write_in_turn(
        &self,
        transport: Transport,
        topic: &Arc<str>,
        p: Prepared,
    ) -> Result<Receipt, IngestError> {
        let Some(dedup) = &self.dedup else {
            return Err(IngestError::Internal("no idempotency window".into()));
        };
        match dedup.claim(topic, &p.event.id).await {
            Ok(Claim::Owner(owner)) => self
                .write(transport, topic, vec![(0, p, Some(owner))])
                .await
                .pop()
                .map_or_else(|| Err(IngestError::Internal("no event".into())), |(_, r)| r),
            decided => self.settled(transport, decided),
        }
    }

    /// Enqueues every record before awaiting any acknowledgement, then records the owned ids'
    /// receipts in one go; owners whose event failed free their claims.
    async fn write(
        &self,
        transport: Transport,
        topic: &Arc<str>,
        events: Vec<(usize, Prepared, Option<OwnerGuard<'_>>)>,
    ) -> Vec<(usize, Result<Receipt, IngestError>)> {
        if events.is_empty() {
            return Vec::new();
        }
        let producer = self.producer.get();
        let started = Instant::now();
        let _in_flight = InFlight::enter(&self.metrics, events.len());
        let enqueued: Vec<_> = events
            .into_iter()
            .map(|(i, p, owner)| {
                let pending =
                    producer.enqueue(topic, Some(p.key.as_bytes()), &p.headers, &p.event.data);
                (i, p.event.id, owner, pending)
            })
            .collect();
        let mut results = Vec::with_capacity(enqueued.len());
        let mut done = Vec::new();
        let mut failed = false;
        for (i, id, owner, pending) in enqueued {
            let written = match pending {
                Ok(pending) => pending.acknowledged().await,
                Err(e) => Err(e),
            };
            self.metrics
                .observe_produce(started.elapsed().as_secs_f64());
            results.push((
                i,
                match written {
                    Ok(d) => {
                        if let Some(owner) = owner {
                            done.push((owner, (d.partition, d.offset)));
                        }
                        self.metrics.accepted(transport, false);
                        Ok(Receipt {
                            id,
                            partition: d.partition,
                            offset: d.offset,
                            duplicate: false,
                        })
                    }
                    Err(e) => {
                        failed = true;
                        let error = IngestError::from_produce(topic, e);
                        tracing::warn!(%topic, %id, %error, "publish failed");
                        self.metrics.rejected(transport, error.reason(), 1);
                        Err(error)
                    }
                },
            ));
        }
        if failed {
            self.producer.recover_if_fatal();
        }
        if let Some(dedup) = &self.dedup {
            dedup.complete_all(done);
        }
        results
    }
}

/// What becomes of one event of a request once its id is claimed.
enum Step<'a> {
    /// Write it now (owning its id when it has a producer-chosen one).
    Write(Option<OwnerGuard<'a>>),
    /// Its id is busy: claim it in turn, then write.
    Wait,
    /// A later copy of the id at this index in the same request.
    Repeat(usize),
    /// Answered by its claim (a duplicate, or an error).
    Decided,
}

/// A UUIDv7 for an event without a producer id. The random part comes from the thread's
/// generator: `Uuid::now_v7` asks the kernel for every id, a system call per event.
fn generated_id() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random())
        .into_uuid()
        .to_string()
}

/// Counts events as in flight for as long as they live (also when the caller goes away).
struct InFlight<'a>(&'a Metrics, i64);

impl<'a> InFlight<'a> {
    fn enter(metrics: &'a Metrics, events: usize) -> Self {
        let events = events as i64;
        metrics.in_flight().inc_by(events);
        Self(metrics, events)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight().dec_by(self.1);
    }
}

#[cfg(test)]
mod tests {
    use super::generated_id;

    #[test]
    fn generated_ids_are_distinct_time_ordered_uuids() {
        let a = uuid::Uuid::parse_str(&generated_id()).expect("a uuid");
        let b = uuid::Uuid::parse_str(&generated_id()).expect("a uuid");
        assert_eq!(a.get_version_num(), 7);
        assert_ne!(a, b);
        let (sa, _) = a.get_timestamp().expect("v7 has a time").to_unix();
        let (sb, _) = b.get_timestamp().expect("v7 has a time").to_unix();
        assert!(sa <= sb && sb - sa < 2);
    }
}
