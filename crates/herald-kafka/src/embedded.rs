//! An in-process Kafka for `herald dev`: librdkafka's mock cluster, which speaks the Kafka
//! protocol on a real loopback port but keeps everything in memory. It does not serve
//! CreateTopics, so topic creation goes through the mock API behind [`TopicAdmin`]. Clients
//! reach it through a relay that gives its fetches a real broker's long poll (see
//! `longpoll.rs`), so a consumer's `fetch.wait.max.ms` costs no latency here either.
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

/// How to stop the relay, and its thread.
type Relay = (tokio::sync::oneshot::Sender<()>, JoinHandle<()>);

/// A running in-memory Kafka cluster; stops when dropped.
pub struct EmbeddedKafka {
    bootstrap: String,
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<()>>,
    relay: Option<Relay>,
}

impl std::fmt::Debug for EmbeddedKafka {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKafka")
            .field("bootstrap", &self.bootstrap)
            .finish()
    }
}

impl EmbeddedKafka {
    /// Starts a mock cluster of one broker (the relay serves one) and its relay. The mock
    /// cluster handle is not `Send`, so one thread owns it and serves topic creation requests.
    pub fn start() -> Result<Self, KafkaError> {
        let (commands, inbox) = mpsc::channel::<Command>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, KafkaError>>();
        let thread = std::thread::Builder::new()
            .name("herald-embedded-kafka".into())
            .spawn(move || {
                let cluster = match MockCluster::new(1) {
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
        let broker = ready_rx
            .recv()
            .map_err(|_| KafkaError::Task("embedded kafka thread exited during start".into()))??;
        // Whole before the relay starts, so that a failed start stops the cluster (on drop).
        let mut kafka = Self {
            bootstrap: String::new(),
            commands,
            thread: Some(thread),
            relay: None,
        };
        let (bootstrap, relay) = start_relay(&broker)?;
        kafka.bootstrap = bootstrap;
        kafka.relay = Some(relay);
        Ok(kafka)
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

/// Starts the long-poll relay to the mock broker at `broker` on a thread of its own; returns
/// its address and how to stop it.
fn start_relay(broker: &str) -> Result<(String, Relay), KafkaError> {
    let task = |e: std::io::Error| KafkaError::Task(format!("embedded kafka relay: {e}"));
    let broker: std::net::SocketAddr = broker
        .parse()
        .map_err(|e| KafkaError::Task(format!("embedded kafka address {broker:?}: {e}")))?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(task)?;
    listener.set_nonblocking(true).map_err(task)?;
    let address = listener.local_addr().map_err(task)?.to_string();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(task)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("herald-embedded-relay".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(error) => {
                        tracing::error!(%error, "embedded kafka relay cannot listen");
                        return;
                    }
                };
                tokio::select! {
                    () = crate::longpoll::serve(listener, broker) => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here closes every relayed connection.
        })
        .map_err(task)?;
    Ok((address, (stop, thread)))
}

impl Drop for EmbeddedKafka {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.relay.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
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
        let kafka = EmbeddedKafka::start().unwrap();
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

    /// librdkafka's mock broker alone would answer this fetch after its whole wait (5 s).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_fetch_is_answered_when_a_record_arrives() {
        let kafka = EmbeddedKafka::start().unwrap();
        let admin = kafka.admin().unwrap();
        admin
            .create_topic(&TopicSpec::new("demo.wait", 1))
            .await
            .unwrap();
        let config = kafka.config();
        let producer = Producer::new(&config, Duration::from_secs(10)).unwrap();
        producer.send("demo.wait", None, &[], b"a").await.unwrap();
        let tail = TailConsumer::new(
            config.client().tune("fetch.wait.max.ms", "5000"),
            "wait",
            false,
        )
        .unwrap();
        tail.assign("demo.wait", &[(0, 0)]).unwrap();
        let first = tokio::time::timeout(Duration::from_secs(20), tail.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.payload(), Some(&b"a"[..]));
        drop(first);
        // The next fetch is now waiting at the broker.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = Instant::now();
        producer.send("demo.wait", None, &[], b"b").await.unwrap();
        let second = tokio::time::timeout(Duration::from_secs(20), tail.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(second.payload(), Some(&b"b"[..]));
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "took {:?}",
            sent.elapsed()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_scan_to_the_end_and_tail_from_offsets() {
        let kafka = EmbeddedKafka::start().unwrap();
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
