//! A consumer-group member that never commits on its own: the caller commits only what it has
//! fully handled, and a [`RebalanceHandler`] settles revoked partitions before they go.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, MessageStream, Rebalance, StreamConsumer,
};
use rdkafka::{ClientContext, TopicPartitionList};

use crate::lookup::{self, blocking};
use crate::record::partition_list;
use crate::{ClientSettings, KafkaError, RecordRef, TopicPartition};

/// What a group member does when the group moves its partitions. The calls run on librdkafka's
/// thread inside the rebalance, so the group waits for them: they may block, briefly.
pub trait RebalanceHandler: Send + Sync + 'static {
    /// `partitions` were assigned (each resumed first, in case it was paused under a previous
    /// assignment).
    fn assigned(&self, partitions: &[TopicPartition]);

    /// `partitions` are being revoked: settle their work and return the offsets (each the next
    /// to read) to commit before they are released.
    fn revoking(&self, partitions: &[TopicPartition]) -> Vec<(TopicPartition, i64)>;

    /// The revoked `partitions` are gone (their offsets committed, or the commit failed).
    fn revoked(&self, partitions: &[TopicPartition]);

    /// `partitions` were lost (the session expired, e.g. during a broker outage): the group has
    /// moved on, so nothing is committed for them; the next owner redelivers.
    fn lost(&self, partitions: &[TopicPartition]);
}

/// The librdkafka context that hands rebalances to the handler.
struct GroupContext {
    handler: Arc<dyn RebalanceHandler>,
}

impl ClientContext for GroupContext {}

impl ConsumerContext for GroupContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(tpl) = rebalance else {
            return;
        };
        let partitions = TopicPartition::all_of(tpl);
        // A commit of lost partitions can only fail, after blocking this thread until the
        // coordinator answers.
        if consumer.assignment_lost() {
            self.handler.lost(&partitions);
            return;
        }
        let offsets = self.handler.revoking(&partitions);
        if !offsets.is_empty() {
            match commit_list(&offsets).and_then(|tpl| Ok(consumer.commit(&tpl, CommitMode::Sync)?))
            {
                Ok(()) => tracing::info!(
                    partitions = partitions.len(),
                    "committed revoked partitions"
                ),
                Err(error) => tracing::warn!(%error, "commit on revoke failed"),
            }
        }
        self.handler.revoked(&partitions);
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            // A partition paused under a previous assignment must not stay paused.
            let _ = consumer.resume(tpl);
            self.handler.assigned(&TopicPartition::all_of(tpl));
        }
    }
}

fn commit_list(offsets: &[(TopicPartition, i64)]) -> Result<TopicPartitionList, KafkaError> {
    partition_list(
        offsets
            .iter()
            .map(|(tp, o)| (&*tp.topic, tp.partition, Some(*o))),
    )
}

/// A consumer-group member with manual commits. Cheap to clone; clones share one client.
#[derive(Clone)]
pub struct GroupConsumer {
    inner: Arc<StreamConsumer<GroupContext>>,
}

impl std::fmt::Debug for GroupConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupConsumer").finish_non_exhaustive()
    }
}

impl GroupConsumer {
    /// Joins `group_id` when it subscribes; never commits or stores offsets on its own.
    /// `auto_offset_reset` is `earliest` or `latest`; `client` carries the caller's tuning.
    pub fn new(
        client: ClientSettings<'_>,
        group_id: &str,
        auto_offset_reset: &str,
        handler: Arc<dyn RebalanceHandler>,
    ) -> Result<Self, KafkaError> {
        let c = Self::settings(client, group_id, auto_offset_reset).build();
        let inner = c.create_with_context(GroupContext { handler })?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The group consumer's client settings (benchmarks build their baseline consumer from
    /// them).
    ///
    /// The group protocol is KIP-848's `consumer` unless the operator sets `group.protocol =
    /// "classic"` (brokers before Kafka 4.0): the broker assigns partitions incrementally on
    /// heartbeats, so a new topic is picked up in a fraction of a second and members joining or
    /// leaving never stop the others, where a classic rebalance waits for every member to
    /// rejoin (seconds on a real cluster, up to two session timeouts on librdkafka's mock
    /// cluster under `herald dev`). Session timeout and heartbeat interval are then the
    /// broker's `group.consumer.*` settings. Both protocols assign incrementally, which is what
    /// the revocation handling needs.
    pub fn settings<'a>(
        client: ClientSettings<'a>,
        group_id: &str,
        auto_offset_reset: &str,
    ) -> ClientSettings<'a> {
        let classic = client
            .property("group.protocol")
            .is_some_and(|p| p.eq_ignore_ascii_case("classic"));
        let client = if classic {
            client
                .tune("session.timeout.ms", "10000")
                .tune("heartbeat.interval.ms", "1000")
                .require("partition.assignment.strategy", "cooperative-sticky")
        } else {
            // The broker's default (uniform) balances each member's partition count over all
            // topics together, stickily: one member may keep every partition of an event topic
            // while the others hold retry tiers. `range` spreads each topic over the members,
            // so a topic's load (and a subscription's limit shares) is split between them.
            client
                .tune("group.protocol", "consumer")
                .tune("group.remote.assignor", "range")
        };
        client
            .require("group.id", group_id)
            .require("enable.auto.commit", "false")
            .require("enable.auto.offset.store", "false")
            .require("auto.offset.reset", auto_offset_reset)
            .require("enable.partition.eof", "false")
            .require("isolation.level", "read_committed")
    }

    /// Follows exactly `topics` (replacing the previous subscription).
    pub fn subscribe(&self, topics: &[&str]) -> Result<(), KafkaError> {
        Ok(self.inner.subscribe(topics)?)
    }

    /// The records of the assigned partitions; one stream for the consumer's life is cheaper
    /// than a `recv` per record (which registers and drops a waker slot each time).
    pub fn stream(&self) -> RecordStream<'_> {
        RecordStream {
            inner: self.inner.stream(),
        }
    }

    /// Stops fetching `topic`'s `partition` until [`GroupConsumer::resume`].
    pub fn pause(&self, topic: &str, partition: i32) -> Result<(), KafkaError> {
        Ok(self
            .inner
            .pause(&partition_list([(topic, partition, None)])?)?)
    }

    /// Fetches a paused partition again.
    pub fn resume(&self, topic: &str, partition: i32) -> Result<(), KafkaError> {
        Ok(self
            .inner
            .resume(&partition_list([(topic, partition, None)])?)?)
    }

    /// Synchronously commits `offsets` (each the next offset to read) on the blocking pool.
    pub async fn commit(&self, offsets: &[(TopicPartition, i64)]) -> Result<(), KafkaError> {
        let tpl = commit_list(offsets)?;
        let c = self.inner.clone();
        blocking(move || Ok(c.commit(&tpl, CommitMode::Sync)?)).await
    }

    /// For each of `partitions` of `topic`, the group's committed offset (`None` where it has
    /// none).
    pub async fn committed(
        &self,
        topic: &str,
        partitions: Vec<i32>,
        timeout: Duration,
    ) -> Result<Vec<(i32, Option<i64>)>, KafkaError> {
        let (c, topic) = (self.inner.clone(), topic.to_owned());
        blocking(move || lookup::committed(c.as_ref(), &topic, &partitions, timeout)).await
    }

    /// Why the client became unusable for good (`code: reason`), if it did.
    pub fn fatal_error(&self) -> Option<String> {
        self.inner
            .client()
            .fatal_error()
            .map(|(code, reason)| format!("{code:?}: {reason}"))
    }

    /// The partitions of `topic`; `None` when it does not exist.
    pub async fn partitions(
        &self,
        topic: &str,
        timeout: Duration,
    ) -> Result<Option<Vec<i32>>, KafkaError> {
        let (c, topic) = (self.inner.clone(), topic.to_owned());
        blocking(move || lookup::partitions(c.as_ref(), &topic, timeout)).await
    }

    /// Low and high watermark of each of `partitions`, in their order.
    pub async fn watermarks(
        &self,
        topic: &str,
        partitions: Vec<i32>,
        timeout: Duration,
    ) -> Result<Vec<(i64, i64)>, KafkaError> {
        let (c, topic) = (self.inner.clone(), topic.to_owned());
        blocking(move || lookup::watermarks(c.as_ref(), &topic, &partitions, timeout)).await
    }

    /// Leaves the group (on the blocking pool: it runs the final rebalance).
    pub async fn close(self) {
        let _ = tokio::task::spawn_blocking(move || {
            self.inner.unsubscribe();
            drop(self);
        })
        .await;
    }
}

/// The records of a [`GroupConsumer`], in arrival order.
pub struct RecordStream<'a> {
    inner: MessageStream<'a, GroupContext>,
}

impl std::fmt::Debug for RecordStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordStream").finish_non_exhaustive()
    }
}

impl<'a> RecordStream<'a> {
    /// The next record (or a consumer error, after which the stream goes on).
    pub async fn next(&mut self) -> Result<RecordRef<'a>, KafkaError> {
        match self.inner.next().await {
            Some(message) => Ok(RecordRef::new(message?)),
            // A consumer's stream never ends.
            None => std::future::pending().await,
        }
    }
}
