//! Control-plane latency against a real broker (not a test; run by hand):
//!
//! ```text
//! KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 cargo bench -p herald-control --bench control
//! ```
//!
//! Measures, in one process and one run: the baseline (one idempotent acks=all produce to a
//! one-partition topic, awaited), a control-plane write (UpdateSubscription: validate, produce to
//! the state topic, wait until applied locally), and how long a Watch client (`herald_watch::follow`)
//! takes to see a write (from the call, and from the RPC's return). CPU time is the whole process's (client, server
//! and librdkafka threads) divided by the operations.

use herald_core::names::internal::Deployment;
use std::time::{Duration, Instant};

use herald_control::{ControlConfig, MasterKey};
use herald_kafka::{KafkaAdmin, KafkaConfig, Producer, TopicAdmin, TopicSpec};
use herald_proto::v1::control_client::ControlClient;
use herald_proto::v1::*;
use herald_runtime::Shutdown;
use tokio_util::sync::CancellationToken;

const N: usize = 300;

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (fields 14 and 15 of /proc/self/stat).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Stats {
    p50: Duration,
    p99: Duration,
    cpu_per_op: Duration,
}

fn stats(mut samples: Vec<Duration>, cpu: f64) -> Stats {
    samples.sort();
    Stats {
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        cpu_per_op: Duration::from_secs_f64(cpu / samples.len() as f64),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| "127.0.0.1:19092".into());
    let kafka = KafkaConfig::new(bootstrap);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let (_, master) = MasterKey::generate();
    let config = ControlConfig {
        kafka: kafka.clone(),
        root_key: format!("root-{suffix}").into(),
        internal_token: format!("internal-{suffix}").into(),
        master_key: master.into(),
        deployment: Deployment::new(format!("herald-bench-{}", &suffix[..12])).unwrap(),
        ..ControlConfig::default()
    };
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", grpc.local_addr().unwrap());
    let shutdown = Shutdown::new(Duration::from_secs(5));
    let server = tokio::spawn(herald_control::run(
        config.clone(),
        herald_control::Listeners {
            grpc,
            http,
            admin: admin_listener,
        },
        shutdown.clone(),
    ));

    let channel = tonic::transport::Channel::from_shared(endpoint.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let bearer = herald_watch::Bearer::new(config.root_key.expose()).unwrap();
    let mut root = ControlClient::with_interceptor(channel, bearer);
    let team = format!("bench-{}", &suffix[..8]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while root
        .create_team(CreateTeamRequest {
            name: team.clone(),
            display_name: String::new(),
        })
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "control not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    root.create_topic(CreateTopicRequest {
        team: team.clone(),
        name: "orders".into(),
        partitions: 1,
        retention_ms: 0,
        ..Default::default()
    })
    .await
    .unwrap();
    let sub = root
        .create_subscription(CreateSubscriptionRequest {
            team: team.clone(),
            topics: vec!["orders".into()],
            url: "https://example.com/hook".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subscription
        .unwrap();

    // Baseline: the produce-and-await that every control write contains.
    let admin = KafkaAdmin::new(&kafka, 1).unwrap();
    let baseline_topic = format!("bench.baseline-{suffix}");
    admin
        .create_topic(&TopicSpec::new(&baseline_topic, 1))
        .await
        .unwrap();
    let producer = Producer::new(&kafka, Duration::from_secs(30)).unwrap();
    producer
        .send(&baseline_topic, Some(b"k"), &[], b"warmup")
        .await
        .unwrap();
    let value = vec![b'x'; 300];
    let cpu = cpu_seconds();
    let mut samples = Vec::with_capacity(N);
    for _ in 0..N {
        let t = Instant::now();
        producer
            .send(&baseline_topic, Some(b"subscription/x"), &[], &value)
            .await
            .unwrap();
        samples.push(t.elapsed());
    }
    let baseline = stats(samples, cpu_seconds() - cpu);

    // Control writes.
    let update = |i: usize| UpdateSubscriptionRequest {
        team: team.clone(),
        id: sub.id.clone(),
        rate_limit: i as u32 + 1,
        update_mask: vec!["rate_limit".into()],
        ..Default::default()
    };
    let cpu = cpu_seconds();
    let mut samples = Vec::with_capacity(N);
    for i in 0..N {
        let t = Instant::now();
        root.update_subscription(update(i)).await.unwrap();
        samples.push(t.elapsed());
    }
    let writes = stats(samples, cpu_seconds() - cpu);

    // Watch propagation: RPC return to the follower's view.
    let cancel = CancellationToken::new();
    let mut handle = herald_watch::follow(
        endpoint,
        config.internal_token.expose().to_owned(),
        cancel.clone(),
    );
    assert!(handle.wait_synced(Duration::from_secs(10)).await);
    let cpu = cpu_seconds();
    let mut samples = Vec::with_capacity(N);
    let mut after_return = Vec::with_capacity(N);
    for i in N..2 * N {
        let start = Instant::now();
        root.update_subscription(update(i)).await.unwrap();
        let returned = Instant::now();
        let want = i as u32 + 1;
        while handle.current().subscriptions[&sub.id].rate_limit != want {
            handle.changed().await;
        }
        samples.push(start.elapsed());
        after_return.push(returned.elapsed());
    }
    let watch = stats(samples, cpu_seconds() - cpu);
    let after_return = stats(after_return, 0.0);
    cancel.cancel();

    println!("| measure ({N} sequential ops) | p50 | p99 | p50 / baseline p50 | CPU per op |");
    println!("|---|---|---|---|---|");
    let ratio = |s: &Stats| s.p50.as_secs_f64() / baseline.p50.as_secs_f64();
    println!(
        "| baseline: produce acks=all, awaited | {} | {} | 1.00 | {} |",
        ms(baseline.p50),
        ms(baseline.p99),
        ms(baseline.cpu_per_op)
    );
    println!(
        "| control write (UpdateSubscription, applied) | {} | {} | {:.2} | {} |",
        ms(writes.p50),
        ms(writes.p99),
        ratio(&writes),
        ms(writes.cpu_per_op)
    );
    println!(
        "| watch: RPC start -> follower sees it | {} | {} | {:.2} | {} (write + propagation) |",
        ms(watch.p50),
        ms(watch.p99),
        ratio(&watch),
        ms(watch.cpu_per_op)
    );
    println!(
        "| watch: RPC return -> follower sees it | {} | {} | - | - |",
        ms(after_return.p50),
        ms(after_return.p99)
    );

    shutdown.trigger();
    let _ = server.await;
    let _ = admin.delete_topic(&baseline_topic).await;
}
