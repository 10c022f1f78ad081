use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;

use crate::{KafkaConfig, KafkaError};

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
    /// Creates a topic; an existing topic is `TopicExists`.
    async fn create_topic(&self, spec: &TopicSpec) -> Result<(), KafkaError>;
    /// Deletes a topic; a missing topic is `UnknownTopic`.
    async fn delete_topic(&self, name: &str) -> Result<(), KafkaError>;
    /// Offsets of every partition; a missing topic is `UnknownTopic`.
    async fn describe_topic(&self, name: &str) -> Result<Vec<PartitionOffsets>, KafkaError>;
}

/// Topic administration against a real cluster.
pub struct KafkaAdmin {
    admin: AdminClient<DefaultClientContext>,
    metadata: Arc<BaseConsumer>,
    replication: i32,
    timeout: Duration,
}

impl KafkaAdmin {
    /// Connects an admin client; `replication` is the replication factor for new topics.
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

    /// Creates the topic unless it exists already.
    pub async fn ensure_topic(&self, spec: &TopicSpec) -> Result<(), KafkaError> {
        match self.create_topic(spec).await {
            Ok(()) | Err(KafkaError::TopicExists(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl TopicAdmin for KafkaAdmin {
    async fn create_topic(&self, spec: &TopicSpec) -> Result<(), KafkaError> {
        let mut topic = NewTopic::new(
            &spec.name,
            spec.partitions,
            TopicReplication::Fixed(self.replication),
        );
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
                Err((_, code)) => {
                    return Err(rdkafka::error::KafkaError::AdminOp(code).into());
                }
            }
        }
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
