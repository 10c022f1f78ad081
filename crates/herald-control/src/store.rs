//! The state: an in-memory [`View`] rebuilt from the compacted topic `herald.control` and kept
//! current by following it. Writes go to the topic and count as done once this replica has
//! applied them, so a caller reads its own writes and replicas converge by offset order.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use herald_core::names::internal;
use herald_kafka::{KafkaConfig, KafkaError, Producer, TailConsumer, TopicAdmin, TopicSpec};
use herald_proto::v1::{
    ControlRecord, Entity, HeaderValues, SigningSecret, Snapshot, StoredSubscription, Subscription,
    WatchEvent, control_record, entity, watch_event,
};
use herald_watch::{ConfigPublisher, View, entity_id};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use prost::Message as _;
use tokio::sync::{Mutex, MutexGuard, broadcast, watch};
use tokio_util::sync::CancellationToken;
use tonic::Status;

use crate::crypto::MasterKey;
use crate::{ControlConfig, ControlError};

/// One applied change, as broadcast to watchers (entity in full: clear secrets, key hashes).
#[derive(Debug)]
pub(crate) struct Change {
    pub revision: i64,
    pub id: String,
    pub entity: Option<Entity>,
}

/// A write to the state topic: an entity's new state, or its deletion.
pub(crate) enum Write {
    Upsert(Box<Entity>),
    Delete(String),
}

#[derive(Clone, Default)]
struct Metrics {
    revision: Gauge,
    writes: Counter,
    watchers: Gauge,
}

/// The replica's state and its link to the state topic.
pub(crate) struct Store {
    view: RwLock<Arc<View>>,
    changes: broadcast::Sender<Arc<Change>>,
    applied: watch::Sender<i64>,
    ready: watch::Sender<bool>,
    publisher: ConfigPublisher,
    producer: Producer,
    topic: String,
    master: MasterKey,
    write_lock: Mutex<()>,
    write_timeout: Duration,
    metrics: Metrics,
}

impl Store {
    pub fn new(
        config: &ControlConfig,
        master: MasterKey,
        registry: &mut Registry,
    ) -> Result<Arc<Self>, ControlError> {
        let producer = Producer::new(&config.kafka, config.write_timeout())?;
        let metrics = Metrics::default();
        registry.register(
            "herald_control_revision",
            "Revision (next offset of the state topic) applied by this replica",
            metrics.revision.clone(),
        );
        registry.register(
            "herald_control_writes",
            "Records written to the state topic",
            metrics.writes.clone(),
        );
        registry.register(
            "herald_control_watchers",
            "Open Watch streams",
            metrics.watchers.clone(),
        );
        let (publisher, _) = ConfigPublisher::new();
        Ok(Arc::new(Self {
            view: RwLock::new(Arc::new(View::default())),
            changes: broadcast::channel(4096).0,
            applied: watch::channel(0).0,
            ready: watch::channel(false).0,
            publisher,
            producer,
            topic: config.deployment.control_topic(),
            master,
            write_lock: Mutex::new(()),
            write_timeout: config.write_timeout(),
            metrics,
        }))
    }

    /// The current view (cheap: shares the immutable snapshot).
    pub fn view(&self) -> Arc<View> {
        self.view.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The current view and a receiver of every later change, taken atomically.
    pub fn watch(&self) -> (Arc<View>, broadcast::Receiver<Arc<Change>>) {
        let guard = self.view.read().unwrap_or_else(|e| e.into_inner());
        (guard.clone(), self.changes.subscribe())
    }

    /// Counts an open Watch stream until the returned guard drops.
    pub fn watcher(&self) -> WatcherGuard {
        self.metrics.watchers.inc();
        WatcherGuard(self.metrics.watchers.clone())
    }

    /// Whether the initial load has reached the end of the state topic.
    pub fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }

    /// Waits up to `timeout` for the initial load.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        let mut rx = self.ready.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|r| *r))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// A handle on the in-process configuration (secrets included), updated after every change.
    pub fn config_handle(&self) -> herald_watch::ConfigHandle {
        self.publisher.subscribe()
    }

    /// Serialises this replica's writes, so validation against the view and the write it
    /// allows are not interleaved with another local write.
    pub async fn lock(&self) -> MutexGuard<'_, ()> {
        self.write_lock.lock().await
    }

    /// Writes the changes in order and waits until this replica has applied them; returns the
    /// revision that includes them. The caller holds [`Store::lock`].
    pub async fn write(
        &self,
        _guard: &MutexGuard<'_, ()>,
        writes: Vec<Write>,
    ) -> Result<i64, Status> {
        let mut last = None;
        for w in writes {
            let (id, value) = match w {
                Write::Upsert(e) => {
                    let id = entity_id::id_of(&e)
                        .ok_or_else(|| Status::internal("entity without a kind"))?;
                    let record = to_record(&self.master, *e);
                    (id, Some(record.encode_to_vec()))
                }
                Write::Delete(id) => (id, None),
            };
            let sent = match value.as_deref() {
                Some(v) => {
                    self.producer
                        .send(&self.topic, Some(id.as_bytes()), &[], v)
                        .await
                }
                None => self.producer.delete(&self.topic, id.as_bytes()).await,
            };
            let delivered = sent
                .map_err(|e| Status::unavailable(format!("cannot write the state topic: {e}")))?;
            self.metrics.writes.inc();
            last = Some(delivered.offset);
        }
        let Some(offset) = last else {
            return Ok(*self.applied.borrow());
        };
        let mut rx = self.applied.subscribe();
        match tokio::time::timeout(self.write_timeout, rx.wait_for(|next| *next > offset)).await {
            Ok(Ok(_)) => Ok(offset + 1),
            _ => Err(Status::unavailable(
                "the write was stored but this replica has not applied it yet; retry the read shortly",
            )),
        }
    }

    /// Applies one record of the state topic.
    fn apply(&self, offset: i64, key: Option<&[u8]>, value: Option<&[u8]>) {
        let revision = offset + 1;
        let id = key
            .and_then(|k| std::str::from_utf8(k).ok())
            .map(str::to_owned);
        let entity = match value {
            None => None,
            Some(v) => match ControlRecord::decode(v) {
                Ok(r) => decode_record(&self.master, r),
                Err(error) => {
                    tracing::error!(offset, %error, "skipping an undecodable state record");
                    None
                }
            },
        };
        let change = match (id, entity) {
            (Some(id), Some(e)) if entity_id::id_of(&e).as_deref() == Some(id.as_str()) => {
                Some(Change {
                    revision,
                    id,
                    entity: Some(e),
                })
            }
            (Some(id), None) if value.is_none() => Some(Change {
                revision,
                id,
                entity: None,
            }),
            _ => {
                if value.is_some() {
                    tracing::warn!(
                        offset,
                        "skipping a state record whose key does not match its value"
                    );
                }
                None
            }
        };
        {
            let mut guard = self.view.write().unwrap_or_else(|e| e.into_inner());
            let view = Arc::make_mut(&mut guard);
            if let Some(c) = &change {
                match &c.entity {
                    Some(e) => view.upsert(e.clone()),
                    None => view.delete(&c.id),
                }
            }
            view.revision = revision;
            if let Some(c) = change {
                // No receivers is fine: nobody is watching.
                let _ = self.changes.send(Arc::new(c));
            }
        }
        self.applied.send_replace(revision);
        self.metrics.revision.set(revision);
        if self.is_ready() {
            self.publish_config();
        }
    }

    fn mark_ready(&self) {
        if !self.ready.send_replace(true) {
            let view = self.view();
            tracing::info!(
                revision = view.revision,
                teams = view.teams.len(),
                subscriptions = view.subscriptions.len(),
                "control state loaded"
            );
            self.publish_config();
        }
    }

    fn publish_config(&self) {
        let view = self.view();
        let now = now_ms();
        let entities = view.entities().into_iter().map(|e| internal_entity(e, now));
        self.publisher
            .publish(View::from_entities(view.revision, entities));
    }
}

/// The stored form: subscription secrets and custom headers encrypted, bound to the
/// subscription id.
fn to_record(master: &MasterKey, entity: Entity) -> ControlRecord {
    let kind = match entity.kind {
        Some(entity::Kind::Team(t)) => control_record::Kind::Team(t),
        Some(entity::Kind::Topic(t)) => control_record::Kind::Topic(t),
        Some(entity::Kind::ApiKey(k)) => control_record::Kind::ApiKey(k),
        Some(entity::Kind::Grant(g)) => control_record::Kind::Grant(g),
        Some(entity::Kind::EventType(t)) => control_record::Kind::EventType(t),
        Some(entity::Kind::Subscription(mut s)) => {
            let secrets = std::mem::take(&mut s.secrets)
                .into_iter()
                .map(|sec| master.encrypt(&s.id, &sec.secret, sec.expires_at_ms))
                .collect();
            let headers = std::mem::take(&mut s.headers);
            let headers = (!headers.is_empty()).then(|| {
                let clear = HeaderValues { headers }.encode_to_vec();
                master.encrypt_bytes(&headers_aad(&s.id), &clear, 0)
            });
            control_record::Kind::Subscription(StoredSubscription {
                subscription: Some(s),
                secrets,
                headers,
            })
        }
        None => return ControlRecord { kind: None },
    };
    ControlRecord { kind: Some(kind) }
}

/// The in-memory form: secrets and headers decrypted. Records written before headers were
/// encrypted carry them in clear and still load (the next write of the subscription encrypts
/// them). A secret that does not decrypt (wrong master key) is dropped with an error log, so the
/// subscription stays visible but cannot be signed.
fn decode_record(master: &MasterKey, record: ControlRecord) -> Option<Entity> {
    let kind = match record.kind? {
        control_record::Kind::Team(t) => entity::Kind::Team(t),
        control_record::Kind::Topic(t) => entity::Kind::Topic(t),
        control_record::Kind::ApiKey(k) => entity::Kind::ApiKey(k),
        control_record::Kind::Grant(g) => entity::Kind::Grant(g),
        control_record::Kind::EventType(t) => entity::Kind::EventType(t),
        control_record::Kind::Subscription(stored) => {
            let mut s: Subscription = stored.subscription?;
            s.secrets = stored
                .secrets
                .iter()
                .filter_map(|enc| match master.decrypt(&s.id, enc) {
                    Some(secret) => Some(SigningSecret {
                        secret,
                        expires_at_ms: enc.expires_at_ms,
                    }),
                    None => {
                        tracing::error!(subscription = %s.id, "cannot decrypt a signing secret: is HERALD_MASTER_KEY the key it was written with?");
                        None
                    }
                })
                .collect();
            if let Some(sealed) = &stored.headers {
                match master
                    .decrypt_bytes(&headers_aad(&s.id), sealed)
                    .and_then(|clear| HeaderValues::decode(clear.as_slice()).ok())
                {
                    Some(values) => s.headers = values.headers,
                    None => {
                        tracing::error!(subscription = %s.id, "cannot decrypt the custom headers: is HERALD_MASTER_KEY the key they were written with?");
                    }
                }
            }
            entity::Kind::Subscription(s)
        }
    };
    Some(Entity { kind: Some(kind) })
}

/// Decrements the watcher gauge on drop.
pub(crate) struct WatcherGuard(Gauge);

impl Drop for WatcherGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// An entity as the data plane's credential sees it: secrets that still sign, key hashes.
pub(crate) fn internal_entity(mut e: Entity, now: i64) -> Entity {
    if let Some(entity::Kind::Subscription(s)) = &mut e.kind {
        s.secrets
            .retain(|sec| sec.expires_at_ms == 0 || sec.expires_at_ms > now);
    }
    e
}

/// Associated data binding encrypted custom headers to their subscription (and apart from its
/// secrets).
fn headers_aad(subscription: &str) -> String {
    format!("{subscription}/headers")
}

/// A subscription as anyone but the data plane sees it: no secrets, header names only.
pub(crate) fn public_subscription(s: &mut Subscription) {
    s.secrets.clear();
    for value in s.headers.values_mut() {
        herald_runtime::REDACTED.clone_into(value);
    }
}

/// An entity as anyone else sees it: no secrets, no header values, no key hashes.
pub(crate) fn public_entity(mut e: Entity) -> Entity {
    match &mut e.kind {
        Some(entity::Kind::Subscription(s)) => public_subscription(s),
        Some(entity::Kind::ApiKey(k)) => k.key_hash.clear(),
        _ => {}
    }
    e
}

/// A Watch message for a change, as `internal` or public callers see it.
pub(crate) fn change_event(change: &Change, internal: bool) -> WatchEvent {
    let event = match &change.entity {
        Some(e) if internal => watch_event::Event::Upsert(internal_entity(e.clone(), now_ms())),
        Some(e) => watch_event::Event::Upsert(public_entity(e.clone())),
        None => watch_event::Event::Deleted(change.id.clone()),
    };
    WatchEvent {
        revision: change.revision,
        event: Some(event),
    }
}

/// A snapshot message of `view`.
pub(crate) fn snapshot_event(view: &View, internal: bool) -> WatchEvent {
    let now = now_ms();
    let entities = view
        .entities()
        .into_iter()
        .map(|e| {
            if internal {
                internal_entity(e, now)
            } else {
                public_entity(e)
            }
        })
        .collect();
    WatchEvent {
        revision: view.revision,
        event: Some(watch_event::Event::Snapshot(Snapshot { entities })),
    }
}

/// Creates the state topic if needed (compacted, one partition) and refuses one with more
/// partitions, whose offsets would not order writes.
pub(crate) async fn ensure_state_topic(
    admin: &dyn TopicAdmin,
    config: &ControlConfig,
) -> Result<(), ControlError> {
    let spec = TopicSpec::new(config.deployment.control_topic(), 1)
        .config("cleanup.policy", "compact")
        .config("min.compaction.lag.ms", "0");
    match admin.create_topic(&spec).await {
        Ok(()) => {
            tracing::info!(topic = %config.deployment.control_topic(), "created the state topic")
        }
        Err(KafkaError::TopicExists(_)) => {}
        Err(e) => return Err(e.into()),
    }
    // A topic just created may take a moment to appear in the brokers' metadata.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let partitions = loop {
        match admin
            .describe_topic(&config.deployment.control_topic())
            .await
        {
            Err(KafkaError::UnknownTopic(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => break other?,
        }
    };
    if partitions.len() != 1 {
        return Err(ControlError::StateTopic(format!(
            "{} has {} partitions; the state topic must have exactly one",
            config.deployment.control_topic(),
            partitions.len()
        )));
    }
    Ok(())
}

/// Creates the delivery topics the history and replay RPCs read and write, if missing.
pub(crate) async fn ensure_delivery_topics(
    admin: &dyn TopicAdmin,
    config: &ControlConfig,
) -> Result<(), ControlError> {
    for (name, retention) in [
        (
            &config.deployment.attempts_topic(),
            internal::ATTEMPTS_RETENTION_MS,
        ),
        (&config.deployment.dlq_topic(), internal::DLQ_RETENTION_MS),
        (
            &config.deployment.replay_topic(),
            internal::REPLAY_RETENTION_MS,
        ),
    ] {
        let spec = TopicSpec::new(name, config.internal_partitions.max(1))
            .config("retention.ms", retention.to_string());
        match admin.create_topic(&spec).await {
            Ok(()) => tracing::info!(topic = %name, "created a delivery topic"),
            Err(KafkaError::TopicExists(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Loads the state topic from the beginning, then follows it until `shutdown`; retries with
/// backoff on failure, resuming after the last applied record.
pub(crate) async fn follow_state(
    store: Arc<Store>,
    config: ControlConfig,
    admin: Arc<dyn TopicAdmin>,
    shutdown: CancellationToken,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        let result = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = follow_once(&store, &config, admin.as_ref(), &shutdown) => r,
        };
        match result {
            Ok(()) => return,
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "following the state topic failed");
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

fn state_consumer(kafka: &KafkaConfig) -> Result<TailConsumer, KafkaError> {
    // Catching up means reaching every partition's end. librdkafka's fetch wait (500 ms) is
    // kept: a broker answers a fetch as soon as a record arrives (the embedded one too, through
    // its relay), so the wait only bounds how often an idle reader asks.
    TailConsumer::new(kafka.client(), "herald-control-state-reader", true)
}

async fn follow_once(
    store: &Arc<Store>,
    config: &ControlConfig,
    admin: &dyn TopicAdmin,
    shutdown: &CancellationToken,
) -> Result<(), ControlError> {
    ensure_state_topic(admin, config).await?;
    if let Err(error) = ensure_delivery_topics(admin, config).await {
        // History and replay need them, the state does not: serve the state anyway.
        tracing::warn!(%error, "cannot create the delivery topics");
    }
    let consumer = state_consumer(&config.kafka)?;
    let start = *store.applied.borrow();
    // Asked before the assignment: once the first fetch waits at the broker, a request on the
    // same connection waits behind it.
    let high = consumer
        .watermarks(
            &config.deployment.control_topic(),
            vec![0],
            Duration::from_secs(10),
        )
        .await?
        .first()
        .map_or(0, |(_, high)| *high);
    consumer.assign(&config.deployment.control_topic(), &[(0, start)])?;
    if high <= start {
        store.mark_ready();
    }
    loop {
        let message = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            m = consumer.recv() => m,
        };
        match message {
            Ok(m) => {
                store.apply(m.offset(), m.key(), m.payload());
                if m.offset() + 1 >= high {
                    store.mark_ready();
                }
            }
            Err(error) if error.end_of_partition().is_some() => store.mark_ready(),
            Err(error) => {
                tracing::warn!(%error, "state topic consumer error");
                if error.is_unknown_topic() {
                    return Err(KafkaError::UnknownTopic(config.deployment.control_topic()).into());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn subscription(headers: &[(&str, &str)]) -> Subscription {
        Subscription {
            id: "sub_1".into(),
            team: "acme".into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            secrets: vec![SigningSecret {
                secret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0".into(),
                expires_at_ms: 0,
            }],
            ..Default::default()
        }
    }

    fn stored(record: &ControlRecord) -> &StoredSubscription {
        match &record.kind {
            Some(control_record::Kind::Subscription(s)) => s,
            other => panic!("not a subscription: {other:?}"),
        }
    }

    fn decoded(master: &MasterKey, record: ControlRecord) -> Subscription {
        match decode_record(master, record).and_then(|e| e.kind) {
            Some(entity::Kind::Subscription(s)) => s,
            other => panic!("not a subscription: {other:?}"),
        }
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    #[test]
    fn header_values_are_stored_encrypted_and_read_back() {
        let (master, _) = MasterKey::generate();
        let sub = subscription(&[("authorization", "Bearer partner-credential")]);
        let record = to_record(
            &master,
            Entity {
                kind: Some(entity::Kind::Subscription(sub.clone())),
            },
        );
        let bytes = record.encode_to_vec();
        assert!(
            !contains(&bytes, "partner-credential"),
            "header value in clear"
        );
        assert!(
            !contains(&bytes, "authorization"),
            "header names are sealed too"
        );
        let s = stored(&record);
        assert!(s.subscription.as_ref().unwrap().headers.is_empty());
        assert!(s.headers.as_ref().is_some_and(|h| h.nonce.len() == 12));
        assert_eq!(
            decoded(&master, record),
            sub,
            "the data plane gets the real values"
        );
    }

    #[test]
    fn sealed_headers_are_bound_to_their_subscription() {
        let (master, _) = MasterKey::generate();
        let mut record = to_record(
            &master,
            Entity {
                kind: Some(entity::Kind::Subscription(subscription(&[("x-key", "k1")]))),
            },
        );
        // Moving the ciphertext to another subscription must not make it readable there.
        if let Some(control_record::Kind::Subscription(s)) = &mut record.kind {
            s.subscription.as_mut().unwrap().id = "sub_2".into();
        }
        let moved = decoded(&master, record);
        assert!(moved.headers.is_empty(), "{:?}", moved.headers);
    }

    #[test]
    fn records_with_clear_headers_still_load_and_are_encrypted_on_the_next_write() {
        let (master, _) = MasterKey::generate();
        // As written before headers were encrypted: in clear in the public fields.
        let mut legacy = subscription(&[("authorization", "Bearer legacy-credential")]);
        let secrets = std::mem::take(&mut legacy.secrets);
        let old = ControlRecord {
            kind: Some(control_record::Kind::Subscription(StoredSubscription {
                subscription: Some(legacy.clone()),
                secrets: secrets
                    .iter()
                    .map(|s| master.encrypt(&legacy.id, &s.secret, s.expires_at_ms))
                    .collect(),
                headers: None,
            })),
        };
        let loaded = decoded(&master, old);
        assert_eq!(
            loaded.headers,
            HashMap::from([("authorization".into(), "Bearer legacy-credential".into())])
        );
        assert_eq!(loaded.secrets, secrets);
        let rewritten = to_record(
            &master,
            Entity {
                kind: Some(entity::Kind::Subscription(loaded.clone())),
            },
        );
        assert!(!contains(&rewritten.encode_to_vec(), "legacy-credential"));
        assert_eq!(decoded(&master, rewritten), loaded);
    }

    #[test]
    fn answers_to_others_show_header_names_only() {
        let (master, _) = MasterKey::generate();
        let sub = subscription(&[("authorization", "Bearer x"), ("x-tenant", "t1")]);
        let record = to_record(
            &master,
            Entity {
                kind: Some(entity::Kind::Subscription(sub)),
            },
        );
        let entity = decode_record(&master, record).unwrap();
        let Some(entity::Kind::Subscription(public)) = public_entity(entity.clone()).kind else {
            panic!("not a subscription");
        };
        assert!(public.secrets.is_empty());
        let mut names: Vec<&str> = public.headers.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["authorization", "x-tenant"]);
        assert!(
            public
                .headers
                .values()
                .all(|v| v == herald_runtime::REDACTED)
        );
        let Some(entity::Kind::Subscription(internal)) = internal_entity(entity, now_ms()).kind
        else {
            panic!("not a subscription");
        };
        assert_eq!(internal.headers["authorization"], "Bearer x");
        assert_eq!(internal.secrets.len(), 1);
    }
}
