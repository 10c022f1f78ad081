use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;

use crate::{KafkaConfig, KafkaError};

const MIN_INSYNC: &str = "min.insync.replicas";

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// Kafka topic name.
    pub name: String,
    /// Partition count.
    pub partitions: i32,
    /// Topic-level configs, e.g. `retention.ms`, `cleanup.policy`.
    pub configs: BTreeMap<String, String>,
}

impl TopicSpec {
    /// A topic with the given partitions and no extra configs.
    pub fn new(name: impl Into<String>, partitions: i32) -> Self {
        Self {
            name: name.into(),
            partitions,
            configs: BTreeMap::new(),
        }
    }

    /// Adds a topic-level config.
    pub fn config(mut self, key: &str, value: impl Into<String>) -> Self {
        self.configs.insert(key.to_owned(), value.into());
        self
    }
}

/// Offsets of one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionOffsets {
    /// Partition.
    pub partition: i32,
    /// First retained offset.
    pub low: i64,
    /// Next offset to be written.
    pub high: i64,
}

/// Topic administration, behind a trait so `herald dev` can back it with an in-process mock
/// cluster (which does not serve CreateTopics).
#[async_trait]
pub trait TopicAdmin: Send + Sync {
    /// Creates a topic and returns once the cluster serves it; an existing topic is `TopicExists`.
    async fn create_topic(&self, spec: &TopicSpec) -> Result<(), KafkaError>;
    /// Deletes a topic; a missing topic is `UnknownTopic`.
    async fn delete_topic(&self, name: &str) -> Result<(), KafkaError>;
    /// Offsets of every partition; a missing topic is `UnknownTopic`.
    async fn describe_topic(&self, name: &str) -> Result<Vec<PartitionOffsets>, KafkaError>;
    /// Creates the topic unless it exists already.
    async fn ensure_topic(&self, spec: &TopicSpec) -> Result<(), KafkaError> {
        match self.create_topic(spec).await {
            Ok(()) | Err(KafkaError::TopicExists(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// Topic administration against a real cluster.
pub struct KafkaAdmin {
    admin: AdminClient<DefaultClientContext>,
    metadata: Arc<BaseConsumer>,
    replication: i32,
    timeout: Duration,
}

/// The replication factor and `min.insync.replicas` (`None`: the broker's) of a new topic, for
/// the `setting` of [`KafkaAdmin::new`] on a cluster of `brokers`.
fn replication_for(setting: i32, brokers: i32) -> Result<(i32, Option<i32>), KafkaError> {
    match setting {
        -1 => Ok((-1, None)),
        // Production: three copies, and a write needs two of them, so one broker may be down
        // without refusing writes or losing acknowledged ones.
        0 if brokers >= 3 => Ok((3, Some(2))),
        0 => Ok((brokers.max(1), None)),
        factor if factor > brokers => Err(KafkaError::Replication { factor, brokers }),
        factor => Ok((factor, (factor >= 3).then_some(2))),
    }
}

impl KafkaAdmin {
    /// Connects an admin client. `replication` sets the copies of each new topic: `0` chooses by
    /// the cluster's size (3 copies and `min.insync.replicas` 2 on three or more brokers, else
    /// one per broker), `-1` takes the broker's `default.replication.factor`, any other value
    /// is that many copies (with `min.insync.replicas` 2 from 3 up); a factor the cluster
    /// cannot hold is a [`KafkaError::Replication`]. A topic's own `min.insync.replicas` wins.
    pub fn new(config: &KafkaConfig, replication: i32) -> Result<Self, KafkaError> {
        Ok(Self {
            admin: config.client_config().create()?,
            metadata: Arc::new(config.client_config().create()?),
            replication,
            timeout: Duration::from_secs(10),
        })
    }

    fn options(&self) -> AdminOptions {
        AdminOptions::new().operation_timeout(Some(self.timeout))
    }

    /// Brokers of the cluster, from its metadata.
    async fn brokers(&self) -> Result<i32, KafkaError> {
        let (client, timeout) = (self.metadata.clone(), self.timeout);
        tokio::task::spawn_blocking(move || {
            let md = client.fetch_metadata(None, timeout)?;
            Ok(md.brokers().len() as i32)
        })
        .await
        .map_err(|e| KafkaError::Task(e.to_string()))?
    }

    /// Waits until the cluster's metadata shows `name` with all its partitions: CreateTopics
    /// answers once the controller has the topic, before every broker serves it, and callers
    /// describe or produce to it right away.
    async fn await_visible(&self, name: &str, partitions: usize) {
        let (client, topic, timeout) = (self.metadata.clone(), name.to_owned(), self.timeout);
        let seen = tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + timeout;
            loop {
                let visible = client
                    .fetch_metadata(Some(&topic), timeout)
                    .ok()
                    .and_then(|md| {
                        md.topics()
                            .iter()
                            .find(|t| t.name() == topic)
                            .map(|t| t.error().is_none() && t.partitions().len() >= partitions)
                    })
                    .unwrap_or(false);
                if visible || std::time::Instant::now() >= deadline {
                    return visible;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .await
        .unwrap_or(false);
        if !seen {
            tracing::warn!(
                topic = name,
                "created topic not yet in the cluster's metadata"
            );
        }
    }
}

#[async_trait]
impl TopicAdmin for KafkaAdmin {
    async fn create_topic(&self, spec: &TopicSpec) -> Result<(), KafkaError> {
        let brokers = match self.replication {
            -1 => 0,
            _ => self.brokers().await?,
        };
        let (factor, min_insync) = replication_for(self.replication, brokers)?;
        let min_insync = min_insync.map(|m| m.to_string());
        let mut topic = NewTopic::new(&spec.name, spec.partitions, TopicReplication::Fixed(factor));
        if let Some(m) = &min_insync
            && !spec.configs.contains_key(MIN_INSYNC)
        {
            topic = topic.set(MIN_INSYNC, m);
        }
        for (k, v) in &spec.configs {
            topic = topic.set(k, v);
        }
        let results = self.admin.create_topics([&topic], &self.options()).await?;
        for r in results {
            match r {
                Ok(_) => {}
                Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => {
                    return Err(KafkaError::TopicExists(name));
                }
                // The cluster shrank between the count and the request.
                Err((_, RDKafkaErrorCode::InvalidReplicationFactor)) => {
                    return Err(KafkaError::Replication { factor, brokers });
                }
                Err((_, code)) => {
                    return Err(rdkafka::error::KafkaError::AdminOp(code).into());
                }
            }
        }
        self.await_visible(&spec.name, spec.partitions.max(1) as usize)
            .await;
        Ok(())
    }

    async fn delete_topic(&self, name: &str) -> Result<(), KafkaError> {
        let results = self.admin.delete_topics(&[name], &self.options()).await?;
        for r in results {
            match r {
                Ok(_) => {}
                Err((name, RDKafkaErrorCode::UnknownTopicOrPartition)) => {
                    return Err(KafkaError::UnknownTopic(name));
                }
                Err((_, code)) => {
                    return Err(rdkafka::error::KafkaError::AdminOp(code).into());
                }
            }
        }
        Ok(())
    }

    async fn describe_topic(&self, name: &str) -> Result<Vec<PartitionOffsets>, KafkaError> {
        let client = self.metadata.clone();
        let topic = name.to_owned();
        let timeout = self.timeout;
        tokio::task::spawn_blocking(move || {
            let md = client.fetch_metadata(Some(&topic), timeout)?;
            let Some(t) = md.topics().iter().find(|t| t.name() == topic) else {
                return Err(KafkaError::UnknownTopic(topic));
            };
            if t.error().is_some() || t.partitions().is_empty() {
                return Err(KafkaError::UnknownTopic(topic));
            }
            let mut out = Vec::with_capacity(t.partitions().len());
            for p in t.partitions() {
                let (low, high) = client.fetch_watermarks(&topic, p.id(), timeout)?;
                out.push(PartitionOffsets {
                    partition: p.id(),
                    low,
                    high,
                });
            }
            out.sort_by_key(|p| p.partition);
            Ok(out)
        })
        .await
        .map_err(|e| KafkaError::Task(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use herald_core::Classify;

    use super::*;

    #[test]
    fn replication_follows_the_setting_and_the_cluster() {
        // Chosen by size: three copies with two in sync from three brokers, else one per broker.
        assert_eq!(replication_for(0, 1).unwrap(), (1, None));
        assert_eq!(replication_for(0, 2).unwrap(), (2, None));
        assert_eq!(replication_for(0, 3).unwrap(), (3, Some(2)));
        assert_eq!(replication_for(0, 7).unwrap(), (3, Some(2)));
        // The broker's default, whatever the size.
        assert_eq!(replication_for(-1, 0).unwrap(), (-1, None));
        // Explicit factors, with two in sync from three copies.
        assert_eq!(replication_for(1, 3).unwrap(), (1, None));
        assert_eq!(replication_for(3, 5).unwrap(), (3, Some(2)));
        let refused = replication_for(3, 1).unwrap_err();
        assert!(matches!(
            refused,
            KafkaError::Replication {
                factor: 3,
                brokers: 1
            }
        ));
        let message = refused.to_string();
        assert!(
            message.contains("needs at least 3 brokers and the cluster has 1")
                && message.contains("replication_factor"),
            "{message}"
        );
        assert!(!refused.is_retryable());
    }
}
