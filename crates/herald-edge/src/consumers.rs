//! Named consumers for pull: a team's consumer of a topic keeps its position on the server, as
//! the committed offsets of the Kafka consumer group `herald.consumer.{team}.{name}`, and the
//! pullers of one named consumer share the topic's partitions as members of that group.
//!
//! A member (`?member=`, default `default`) is a real group member on the edge node that served
//! its first pull: it joins on that pull and leaves when its puller asks (`DELETE`) or after
//! `consumer_member_timeout` without a pull, and Kafka then gives its partitions to the other
//! members. The member's Kafka client never reads records (its partitions are paused): a pull
//! reads through the topic's shared reader like any stream, from the committed offsets (or the
//! puller's own cursor) of the member's partitions only, and a commit stores the puller's
//! cursor for those partitions. Nothing is lost when a puller dies: its successor starts at the
//! last commit (at-least-once for what was pulled but not committed).

use herald_core::names::internal::Deployment;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use herald_kafka::{GroupConsumer, KafkaConfig, KafkaError, RebalanceHandler, TopicPartition};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::EdgeError;

const KAFKA_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a new member waits for its first assignment.
const JOIN_WAIT: Duration = Duration::from_secs(10);
/// Longest consumer and member name.
const MAX_NAME: usize = 64;

/// Checks a consumer or member name: 1 to 64 of `A-Z a-z 0-9 . _ -`.
pub(crate) fn check_name(kind: &str, name: &str) -> Result<(), EdgeError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(EdgeError::BadRequest(format!(
            "invalid {kind} name {name:?}: 1 to {MAX_NAME} of A-Z a-z 0-9 . _ -"
        )))
    }
}

/// The partitions a member owns now (`None` until its first assignment).
struct Owned(watch::Sender<Option<BTreeSet<i32>>>);

impl RebalanceHandler for Owned {
    fn assigned(&self, partitions: &[TopicPartition]) {
        self.0.send_modify(|owned| {
            owned
                .get_or_insert_default()
                .extend(partitions.iter().map(|tp| tp.partition));
        });
    }

    fn revoking(&self, partitions: &[TopicPartition]) -> Vec<(TopicPartition, i64)> {
        // Nothing to settle: only the puller's commits store progress.
        self.lost(partitions);
        Vec::new()
    }

    fn revoked(&self, _partitions: &[TopicPartition]) {}

    fn lost(&self, partitions: &[TopicPartition]) {
        self.0.send_modify(|owned| {
            if let Some(owned) = owned {
                for tp in partitions {
                    owned.remove(&tp.partition);
                }
            }
        });
    }
}

/// One puller's membership in its named consumer's group.
pub(crate) struct Member {
    consumer: GroupConsumer,
    /// The Kafka topic the consumer reads.
    pub topic: String,
    /// The same topic's name in its team.
    pub team_topic: String,
    owned: watch::Receiver<Option<BTreeSet<i32>>>,
    last_used: Mutex<Instant>,
    gone: CancellationToken,
}

impl Member {
    fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        self.last_used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }

    /// The partitions this member owns, once the group assigned them (possibly none: more
    /// members than partitions).
    pub async fn partitions(&self) -> Result<Vec<i32>, EdgeError> {
        let mut owned = self.owned.clone();
        let assigned = tokio::time::timeout(JOIN_WAIT, owned.wait_for(Option::is_some)).await;
        match assigned {
            Ok(Ok(owned)) => Ok(owned.iter().flatten().copied().collect()),
            _ => Err(EdgeError::Unavailable(format!(
                "the consumer group did not assign partitions within {}s; try again",
                JOIN_WAIT.as_secs()
            ))),
        }
    }

    /// The group's committed offset of each of `partitions` (`None` where there is none).
    pub async fn committed(
        &self,
        partitions: &[i32],
    ) -> Result<Vec<(i32, Option<i64>)>, EdgeError> {
        Ok(self
            .consumer
            .committed(&self.topic, partitions.to_vec(), KAFKA_TIMEOUT)
            .await?)
    }

    /// Commits `offsets` (each the next offset to read) of the partitions this member owns;
    /// returns what was committed and the partitions it does not own.
    pub async fn commit(
        &self,
        offsets: &BTreeMap<i32, i64>,
    ) -> Result<(BTreeMap<i32, i64>, Vec<i32>), EdgeError> {
        self.touch();
        let owned: BTreeSet<i32> = self.owned.borrow().iter().flatten().copied().collect();
        let (mine, others): (BTreeMap<i32, i64>, BTreeMap<i32, i64>) =
            offsets.iter().partition(|(p, _)| owned.contains(p));
        let list: Vec<(TopicPartition, i64)> = mine
            .iter()
            .map(|(p, o)| {
                (
                    TopicPartition {
                        topic: Arc::from(self.topic.as_str()),
                        partition: *p,
                    },
                    *o,
                )
            })
            .collect();
        if !list.is_empty() {
            self.consumer.commit(&list).await?;
        }
        Ok((mine, others.into_keys().collect()))
    }
}

/// Key of a member: team, consumer name, member name.
type MemberKey = (String, String, String);

/// The named-consumer members on this node.
pub(crate) struct Consumers {
    kafka: KafkaConfig,
    deployment: Deployment,
    members: Mutex<HashMap<MemberKey, Arc<Member>>>,
    idle: Duration,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl Consumers {
    /// Members leave after `idle` without a pull or commit.
    pub fn new(
        kafka: KafkaConfig,
        deployment: Deployment,
        idle: Duration,
        shutdown: CancellationToken,
        tasks: TaskTracker,
    ) -> Arc<Self> {
        let consumers = Arc::new(Self {
            kafka,
            deployment,
            members: Mutex::default(),
            idle: idle.max(Duration::from_secs(1)),
            shutdown,
            tasks,
        });
        consumers
            .tasks
            .spawn(reap(Arc::downgrade(&consumers), consumers.shutdown.clone()));
        consumers
    }

    /// The Kafka group of team `team`'s consumer `name`.
    pub fn group_id(&self, team: &str, name: &str) -> String {
        self.deployment.consumer_group(team, name)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<MemberKey, Arc<Member>>> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The member `member` of team `team`'s consumer `name` of `team_topic` (Kafka topic
    /// `topic`), joining the group if it is not active on this node.
    pub fn member(
        &self,
        (team, name, member): (&str, &str, &str),
        team_topic: &str,
        topic: &str,
    ) -> Result<Arc<Member>, EdgeError> {
        let key = (team.to_owned(), name.to_owned(), member.to_owned());
        let mut members = self.lock();
        if let Some(m) = members.get(&key) {
            if m.topic != topic {
                return Err(EdgeError::Conflict(format!(
                    "member {member} of consumer {name} reads kafka topic {}, not {topic}",
                    m.topic
                )));
            }
            m.touch();
            return Ok(m.clone());
        }
        let (tx, rx) = watch::channel(None);
        let consumer = GroupConsumer::new(
            self.kafka.client(),
            &self.group_id(team, name),
            "earliest",
            Arc::new(Owned(tx)),
        )?;
        consumer.subscribe(&[topic])?;
        let m = Arc::new(Member {
            consumer,
            topic: topic.to_owned(),
            team_topic: team_topic.to_owned(),
            owned: rx,
            last_used: Mutex::new(Instant::now()),
            gone: CancellationToken::new(),
        });
        self.tasks
            .spawn(serve_member(m.clone(), self.shutdown.clone()));
        tracing::info!(
            team,
            consumer = name,
            member,
            topic,
            "named consumer member joined"
        );
        members.insert(key, m.clone());
        Ok(m)
    }

    /// The member if it is active on this node.
    pub fn active(&self, team: &str, name: &str, member: &str) -> Option<Arc<Member>> {
        let key = (team.to_owned(), name.to_owned(), member.to_owned());
        self.lock().get(&key).cloned()
    }

    /// Makes the member leave the group now; whether it was active here.
    pub fn leave(&self, team: &str, name: &str, member: &str) -> bool {
        let key = (team.to_owned(), name.to_owned(), member.to_owned());
        let removed = self.lock().remove(&key);
        removed.map(|m| m.gone.cancel()).is_some()
    }

    /// Creates team `team`'s consumer `name` of Kafka topic `topic`, starting at the earliest
    /// retained event or at the end, unless it already has a position there; returns the
    /// position of every partition and whether it was new.
    pub async fn create(
        &self,
        team: &str,
        name: &str,
        topic: &str,
        earliest: bool,
    ) -> Result<(Vec<(i32, Option<i64>)>, bool), EdgeError> {
        // A client that never subscribes: it reads and commits offsets without joining.
        let (tx, _rx) = watch::channel(None);
        let admin = GroupConsumer::new(
            self.kafka.client(),
            &self.group_id(team, name),
            "earliest",
            Arc::new(Owned(tx)),
        )?;
        let partitions = admin
            .partitions(topic, KAFKA_TIMEOUT)
            .await?
            .ok_or_else(|| EdgeError::NotFound(format!("kafka topic {topic} does not exist")))?;
        let existing = admin
            .committed(topic, partitions.clone(), KAFKA_TIMEOUT)
            .await?;
        if existing.iter().any(|(_, o)| o.is_some()) {
            return Ok((existing, false));
        }
        let marks = admin
            .watermarks(topic, partitions.clone(), KAFKA_TIMEOUT)
            .await?;
        let starts: Vec<(i32, i64)> = partitions
            .iter()
            .zip(marks)
            .map(|(p, (low, high))| (*p, if earliest { low } else { high }))
            .collect();
        let offsets: Vec<(TopicPartition, i64)> = starts
            .iter()
            .map(|(p, o)| {
                let tp = TopicPartition {
                    topic: Arc::from(topic),
                    partition: *p,
                };
                (tp, *o)
            })
            .collect();
        admin.commit(&offsets).await.map_err(|e| match e {
            KafkaError::Client(inner) => EdgeError::Conflict(format!(
                "cannot create the consumer while its group has active members: {inner}"
            )),
            e => e.into(),
        })?;
        Ok((
            starts.into_iter().map(|(p, o)| (p, Some(o))).collect(),
            true,
        ))
    }
}

/// Drives a member's group membership (rebalances are served while its stream is polled) and
/// keeps its partitions paused: pulls read through the shared topic reader.
async fn serve_member(member: Arc<Member>, shutdown: CancellationToken) {
    {
        let mut records = member.consumer.stream();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = member.gone.cancelled() => break,
                record = records.next() => match record {
                    Ok(record) => {
                        let p = record.partition();
                        drop(record);
                        if let Err(error) = member.consumer.pause(&member.topic, p) {
                            tracing::warn!(topic = %member.topic, partition = p, %error, "cannot pause a member's partition");
                        }
                    }
                    Err(error) => {
                        tracing::warn!(topic = %member.topic, %error, "named consumer member: kafka error");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                },
            }
        }
    }
    member.consumer.clone().close().await;
    tracing::info!(topic = %member.topic, "named consumer member left");
}

/// Removes members idle longer than the timeout.
async fn reap(consumers: std::sync::Weak<Consumers>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Some(consumers) = consumers.upgrade() else {
            return;
        };
        let idle = consumers.idle;
        consumers.lock().retain(|_, m| {
            let keep = m.idle_for() < idle;
            if !keep {
                m.gone.cancel();
            }
            keep
        });
    }
}
