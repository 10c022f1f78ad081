//! An in-process Kafka for `herald dev`: librdkafka's mock cluster, which speaks the Kafka
//! protocol on a real loopback port but keeps everything in memory. It does not serve
//! CreateTopics, so topic creation goes through the mock API behind [`TopicAdmin`].
//!
//! Its consumer groups keep librdkafka's mock defaults (30 s session, 3 s heartbeat), not the
//! 1.5 s / 250 ms a real broker gets from `deploy/local/kafka` and docs/deploy.md: the rdkafka
//! crate has no setter for them (librdkafka's `rd_kafka_mock_set_group_consumer_*` would need
//! `unsafe` FFI), and none is needed, because every service of `herald dev` runs in this one
//! process, so a delivery worker never dies while the broker lives on.

use std::collections::HashSet;
use std::sync::mpsc;
use std::thread::JoinHandle;

use async_trait::async_trait;
use rdkafka::mocking::MockCluster;

use crate::{KafkaAdmin, KafkaConfig, KafkaError, PartitionOffsets, TopicAdmin, TopicSpec};

enum Command {
    Create {
        name: String,
        partitions: i32,
        reply: tokio::sync::oneshot::Sender<Result<(), KafkaError>>,
    },
    Stop,
}

/// A running in-memory Kafka cluster; stops when dropped.
pub struct EmbeddedKafka {
    bootstrap: String,
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedKafka {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKafka")
            .field("bootstrap", &self.bootstrap)
            .finish()
    }
}

impl EmbeddedKafka {
    /// Starts a mock cluster with `brokers` brokers. The mock cluster handle is not `Send`, so
    /// one thread owns it and serves topic creation requests.
    pub fn start(brokers: i32) -> Result<Self, KafkaError> {
        let (commands, inbox) = mpsc::channel::<Command>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, KafkaError>>();
        let thread = std::thread::Builder::new()
            .name("herald-embedded-kafka".into())
            .spawn(move || {
                let cluster = match MockCluster::new(brokers) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(cluster.bootstrap_servers()));
                let mut topics = HashSet::new();
                while let Ok(cmd) = inbox.recv() {
                    match cmd {
                        Command::Create {
                            name,
                            partitions,
                            reply,
                        } => {
                            let result = if topics.contains(&name) {
                                Err(KafkaError::TopicExists(name))
                            } else {
                                cluster
                                    .create_topic(&name, partitions, 1)
                                    .map(|()| {
                                        topics.insert(name);
                                    })
                                    .map_err(KafkaError::from)
                            };
                            let _ = reply.send(result);
                        }
                        Command::Stop => break,
                    }
                }
            })
            .map_err(|e| KafkaError::Task(e.to_string()))?;
        let bootstrap = ready_rx
            .recv()
            .map_err(|_| KafkaError::Task("embedded kafka thread exited during start".into()))??;
        Ok(Self {
            bootstrap,
            commands,
            thread: Some(thread),
        })
    }

    /// The cluster's bootstrap address (`127.0.0.1:<port>`).
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    /// Client settings for this cluster.
    pub fn config(&self) -> KafkaConfig {
        KafkaConfig::new(self.bootstrap.clone())
    }

    /// Topic administration for this cluster.
    pub fn admin(&self) -> Result<EmbeddedAdmin, KafkaError> {
        Ok(EmbeddedAdmin {
            commands: self.commands.clone(),
            metadata: KafkaAdmin::new(&self.config(), 1)?,
        })
    }
}

impl Drop for EmbeddedKafka {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// [`TopicAdmin`] for the embedded cluster: creation through the mock API, descriptions through
/// ordinary metadata requests. Deletion is not supported by the mock cluster.
pub struct EmbeddedAdmin {
    commands: mpsc::Sender<Command>,
    metadata: KafkaAdmin,
}

#[async_trait]
impl TopicAdmin for EmbeddedAdmin {
    async fn create_topic(&self, spec: &TopicSpec) -> Result<(), KafkaError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.commands
            .send(Command::Create {
                name: spec.name.clone(),
                partitions: spec.partitions,
                reply,
            })
            .map_err(|_| KafkaError::Task("embedded kafka has stopped".into()))?;
        answer
            .await
            .map_err(|_| KafkaError::Task("embedded kafka has stopped".into()))?
    }

    async fn delete_topic(&self, name: &str) -> Result<(), KafkaError> {
        Err(KafkaError::Unsupported(format!(
            "deleting topic {name:?}: the embedded broker cannot delete topics"
        )))
    }

    async fn describe_topic(&self, name: &str) -> Result<Vec<PartitionOffsets>, KafkaError> {
        self.metadata.describe_topic(name).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use herald_core::Event;

    use super::*;
    use crate::{
        GroupConsumer, PartitionRange, Producer, RebalanceHandler, ScanReader, TailConsumer,
        TopicPartition,
    };

    /// Records the rebalance calls it gets.
    #[derive(Default)]
    struct Calls(Mutex<Vec<String>>);

    impl RebalanceHandler for Calls {
        fn assigned(&self, partitions: &[TopicPartition]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("assigned {}", partitions.len()));
        }
        fn revoking(&self, partitions: &[TopicPartition]) -> Vec<(TopicPartition, i64)> {
            self.0
                .lock()
                .unwrap()
                .push(format!("revoking {}", partitions.len()));
            Vec::new()
        }
        fn revoked(&self, partitions: &[TopicPartition]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("revoked {}", partitions.len()));
        }
        fn lost(&self, partitions: &[TopicPartition]) {
            self.0
                .lock()
                .unwrap()
                .push(format!("lost {}", partitions.len()));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_produce_consume_and_commits() {
        let kafka = EmbeddedKafka::start(1).unwrap();
        let admin = kafka.admin().unwrap();
        admin
            .create_topic(&TopicSpec::new("demo.orders", 2))
            .await
            .unwrap();
        assert!(matches!(
            admin.create_topic(&TopicSpec::new("demo.orders", 2)).await,
            Err(KafkaError::TopicExists(_))
        ));
        assert!(matches!(
            admin.delete_topic("demo.orders").await,
            Err(KafkaError::Unsupported(_))
        ));
        let producer = Producer::new(&kafka.config(), Duration::from_secs(10)).unwrap();
        let e = Event::new("e1", "/dev", "order.created", b"{}".to_vec());
        let d = producer
            .send("demo.orders", Some(b"k"), &e.to_headers(), &e.data)
            .await
            .unwrap();
        let offsets = admin.describe_topic("demo.orders").await.unwrap();
        assert_eq!(offsets.len(), 2);
        assert_eq!(offsets[d.partition as usize].high, d.offset + 1);

        let calls = Arc::new(Calls::default());
        let c =
            GroupConsumer::new(kafka.config().client(), "g1", "earliest", calls.clone()).unwrap();
        c.subscribe(&["demo.orders"]).unwrap();
        let mut stream = c.stream();
        let msg = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(msg.event().unwrap(), e);
        assert_eq!(msg.key(), Some(&b"k"[..]));
        assert_eq!(msg.header("ce_type"), Some(&b"order.created"[..]));
        let tp = TopicPartition {
            topic: "demo.orders".into(),
            partition: msg.partition(),
        };
        let next = msg.offset() + 1;
        drop(msg);
        c.commit(&[(tp, next)]).await.unwrap();
        assert_eq!(calls.0.lock().unwrap().as_slice(), ["assigned 2"]);
        drop(stream);
        c.close().await;
        assert_eq!(
            calls.0.lock().unwrap().as_slice(),
            ["assigned 2", "revoking 2", "revoked 2"]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_scan_to_the_end_and_tail_from_offsets() {
        let kafka = EmbeddedKafka::start(1).unwrap();
        let admin = kafka.admin().unwrap();
        admin
            .create_topic(&TopicSpec::new("demo.log", 1))
            .await
            .unwrap();
        let producer = Producer::new(&kafka.config(), Duration::from_secs(10)).unwrap();
        for i in 0..5u8 {
            producer
                .send("demo.log", Some(b"k"), &[], &[i])
                .await
                .unwrap();
        }
        producer.delete("demo.log", b"k").await.unwrap();

        let (tx, rx) = std::sync::mpsc::channel();
        let config = kafka.config();
        tokio::task::spawn_blocking(move || {
            let reader = ScanReader::new(config.client(), "scan").unwrap();
            let timeout = Duration::from_secs(10);
            assert_eq!(reader.partitions("demo.none", timeout).unwrap(), None);
            assert_eq!(
                reader.partitions("demo.log", timeout).unwrap(),
                Some(vec![0])
            );
            assert_eq!(
                reader.watermarks("demo.log", &[0], timeout).unwrap(),
                [(0, 6)]
            );
            let range = PartitionRange {
                partition: 0,
                start: 2,
                end: 6,
            };
            let deadline = Instant::now() + timeout;
            let mut seen = Vec::new();
            let scanned = reader
                .scan("demo.log", &[range], u64::MAX, deadline, |r| {
                    seen.push((r.offset(), r.payload().map(<[u8]>::to_vec)));
                    true
                })
                .unwrap();
            assert!(scanned.complete);
            assert_eq!(scanned.records, 4);
            tx.send(seen).unwrap();
        })
        .await
        .unwrap();
        let seen = rx.recv().unwrap();
        assert_eq!(
            seen,
            [
                (2, Some(vec![2])),
                (3, Some(vec![3])),
                (4, Some(vec![4])),
                (5, None)
            ]
        );

        let tail = TailConsumer::new(kafka.config().client(), "tail", false).unwrap();
        tail.assign("demo.log", &[(0, 4)]).unwrap();
        let r = tokio::time::timeout(Duration::from_secs(20), tail.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((r.offset(), r.payload()), (4, Some(&[4u8][..])));
        drop(r);
        let marks = tail
            .watermarks("demo.log", vec![0], Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(marks, [(0, 6)]);
    }
}
