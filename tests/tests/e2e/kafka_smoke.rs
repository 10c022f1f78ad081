//! The Kafka building blocks against the real broker: CloudEvents records round-trip through
//! herald-kafka, and a consumer group with manual commits redelivers exactly what it did not
//! commit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use herald_core::Event;
use herald_kafka::{
    GroupConsumer, KafkaAdmin, KafkaError, Producer, RebalanceHandler, RecordStream, TopicAdmin,
    TopicPartition, TopicSpec,
};
use herald_tests::{kafka_config, unique};

const EVENTS: usize = 30;
const COMMITTED: usize = 20;

/// Commits nothing on a rebalance: only the explicit commit counts.
struct NoCommitOnRevoke;

impl RebalanceHandler for NoCommitOnRevoke {
    fn assigned(&self, _: &[TopicPartition]) {}
    fn revoking(&self, _: &[TopicPartition]) -> Vec<(TopicPartition, i64)> {
        Vec::new()
    }
    fn revoked(&self, _: &[TopicPartition]) {}
    fn lost(&self, _: &[TopicPartition]) {}
}

fn group_consumer(group: &str, topic: &str) -> GroupConsumer {
    let c = GroupConsumer::new(
        kafka_config().client(),
        group,
        "earliest",
        Arc::new(NoCommitOnRevoke),
    )
    .expect("consumer");
    c.subscribe(&[topic]).expect("subscribe");
    c
}

/// Receives one record as (partition, offset, event), or None after `wait` of silence.
async fn next(stream: &mut RecordStream<'_>, wait: Duration) -> Option<(i32, i64, Event)> {
    let msg = tokio::time::timeout(wait, stream.next())
        .await
        .ok()?
        .expect("kafka error while consuming");
    let event = msg.event().expect("record is a CloudEvent");
    Some((msg.partition(), msg.offset(), event))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncommitted_records_are_redelivered_and_none_are_lost() {
    let config = kafka_config();
    let admin = KafkaAdmin::new(&config, 1).expect("admin");
    let topic = unique("smoke.orders");
    admin
        .create_topic(&TopicSpec::new(&topic, 3))
        .await
        .expect("create topic");

    let producer = Producer::new(&config, Duration::from_secs(30)).expect("producer");
    let mut published = BTreeMap::new();
    for i in 0..EVENTS {
        let mut e = Event::new(
            format!("evt-{i}"),
            "/smoke",
            "order.created",
            format!("{{\"n\":{i}}}").into_bytes(),
        );
        e.content_type = Some("application/json".into());
        e.time = Some("2026-11-23T10:00:00Z".into());
        let d = producer
            .send(&topic, Some(e.id.as_bytes()), &e.to_headers(), &e.data)
            .await
            .expect("acknowledged");
        published.insert(e.id.clone(), (d.partition, d.offset, e));
    }

    // First member: read everything, commit only the first COMMITTED records, then die.
    let group = unique("smoke-group");
    let first = group_consumer(&group, &topic);
    let mut stream = first.stream();
    let mut seen = Vec::new();
    while seen.len() < EVENTS {
        let (p, o, e) = next(&mut stream, Duration::from_secs(30))
            .await
            .expect("all records arrive");
        let (pp, po, original) = &published[&e.id];
        assert_eq!(
            (p, o),
            (*pp, *po),
            "record position matches the produce acknowledgement"
        );
        assert_eq!(&e, original, "headers and payload round-trip exactly");
        seen.push((p, o, e.id));
    }
    let mut next_offsets: BTreeMap<i32, i64> = BTreeMap::new();
    for (p, o, _) in &seen[..COMMITTED] {
        let n = next_offsets.entry(*p).or_default();
        *n = (*n).max(o + 1);
    }
    let commit: Vec<(TopicPartition, i64)> = next_offsets
        .iter()
        .map(|(p, n)| {
            let tp = TopicPartition {
                topic: topic.as_str().into(),
                partition: *p,
            };
            (tp, *n)
        })
        .collect();
    first.commit(&commit).await.expect("commit");
    let uncommitted: BTreeSet<String> = seen
        .iter()
        .filter(|(p, o, _)| *o >= next_offsets.get(p).copied().unwrap_or(0))
        .map(|(_, _, id)| id.clone())
        .collect();
    assert_eq!(uncommitted.len(), EVENTS - COMMITTED);
    drop(stream);
    first.close().await;

    // Second member: gets exactly the uncommitted records, nothing more.
    let second = group_consumer(&group, &topic);
    let mut stream = second.stream();
    let mut redelivered = BTreeSet::new();
    while redelivered.len() < uncommitted.len() {
        let (_, _, e) = next(&mut stream, Duration::from_secs(30))
            .await
            .expect("uncommitted records arrive");
        assert!(
            redelivered.insert(e.id.clone()),
            "duplicate redelivery of {}",
            e.id
        );
    }
    assert!(
        next(&mut stream, Duration::from_secs(2)).await.is_none(),
        "nothing beyond the uncommitted records is redelivered"
    );
    assert_eq!(redelivered, uncommitted);
    let committed: BTreeSet<String> = seen[..COMMITTED]
        .iter()
        .map(|(_, _, id)| id.clone())
        .collect();
    let all: BTreeSet<String> = committed.union(&redelivered).cloned().collect();
    assert_eq!(all, published.keys().cloned().collect(), "no record lost");
    admin.delete_topic(&topic).await.expect("delete topic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_admin_reports_typed_errors_and_offsets() {
    let config = kafka_config();
    let admin = KafkaAdmin::new(&config, 1).expect("admin");
    let topic = unique("smoke.admin");
    let spec = TopicSpec::new(&topic, 2).config("retention.ms", "3600000");
    admin.create_topic(&spec).await.expect("create");
    assert!(matches!(
        admin.create_topic(&spec).await,
        Err(KafkaError::TopicExists(_))
    ));
    admin
        .ensure_topic(&spec)
        .await
        .expect("ensure is idempotent");

    let producer = Producer::new(&config, Duration::from_secs(30)).expect("producer");
    let e = Event::new("a", "/smoke", "t", b"x".to_vec());
    let d = producer
        .send(&topic, None, &e.to_headers(), &e.data)
        .await
        .expect("send");
    let offsets = admin.describe_topic(&topic).await.expect("describe");
    assert_eq!(offsets.len(), 2);
    assert_eq!(offsets[d.partition as usize].high, d.offset + 1);

    admin.delete_topic(&topic).await.expect("delete");
    let missing = unique("smoke.missing");
    assert!(matches!(
        admin.describe_topic(&missing).await,
        Err(KafkaError::UnknownTopic(_))
    ));
    assert!(matches!(
        admin.delete_topic(&missing).await,
        Err(KafkaError::UnknownTopic(_))
    ));
}

/// New topics get the copies the replication setting asks for, and a factor the cluster cannot
/// hold is refused with the reason before anything is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_is_chosen_by_the_cluster_size_or_refused_with_the_reason() {
    // The test broker is a single node: "by size" means one copy, three copies cannot be.
    let by_size = KafkaAdmin::new(&kafka_config(), 0).expect("admin");
    let topic = unique("replication");
    by_size
        .create_topic(&TopicSpec::new(&topic, 1))
        .await
        .expect("one copy on one broker");
    assert_eq!(
        by_size.describe_topic(&topic).await.expect("exists").len(),
        1
    );
    let three = KafkaAdmin::new(&kafka_config(), 3).expect("admin");
    let refused = three
        .create_topic(&TopicSpec::new(unique("replication"), 1))
        .await
        .expect_err("three copies on one broker");
    assert!(
        matches!(
            refused,
            KafkaError::Replication {
                factor: 3,
                brokers: 1
            }
        ),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains("lower the replication setting"),
        "{refused}"
    );
}
