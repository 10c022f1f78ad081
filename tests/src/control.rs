//! Harness for herald-control tests: a control plane on 127.0.0.1 port 0 with its own state
//! and delivery topics, authenticated gRPC clients, and raw reads of Kafka topics.

use std::time::Duration;

use herald_control::{ControlConfig, MasterKey};
use herald_proto::v1::control_client::ControlClient;
use herald_runtime::Shutdown;
use herald_watch::Bearer;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError as RdError;
use rdkafka::{Message, Offset, TopicPartitionList};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::{kafka_config, unique};

/// A Control client that sends one key.
pub type Client = ControlClient<InterceptedService<Channel, Bearer>>;

/// A configuration with unique state and delivery topics, fresh keys and port-0 listeners.
pub fn test_config() -> ControlConfig {
    let (_, master) = MasterKey::generate();
    ControlConfig {
        kafka: kafka_config(),
        grpc_listen: ([127, 0, 0, 1], 0).into(),
        http_listen: ([127, 0, 0, 1], 0).into(),
        admin_listen: ([127, 0, 0, 1], 0).into(),
        root_key: unique("root").into(),
        internal_token: unique("internal").into(),
        master_key: master.into(),
        deployment: crate::unique_deployment(),
        default_partitions: 2,
        internal_partitions: 2,
        // Test endpoints listen on loopback.
        allow_private_targets: true,
        ..ControlConfig::default()
    }
}

/// A running control plane.
pub struct TestControl {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// The HTTP/JSON API's base URL.
    pub http_url: String,
    /// The admin HTTP base URL.
    pub admin_url: String,
    /// The configuration it runs with (restart with the same one to reload the same state).
    pub config: ControlConfig,
    shutdown: Shutdown,
    task: JoinHandle<Result<(), herald_control::ControlError>>,
}

impl TestControl {
    /// Starts a control plane with `config` and waits until it has loaded its state.
    pub async fn start(config: ControlConfig) -> Self {
        Self::start_on(config, "127.0.0.1:0").await
    }

    /// Like [`TestControl::start`], with gRPC on `grpc_addr` (e.g. the address of a stopped
    /// instance, to test reconnecting clients).
    pub async fn start_on(config: ControlConfig, grpc_addr: &str) -> Self {
        let grpc = TcpListener::bind(grpc_addr).await.expect("bind grpc");
        let http = TcpListener::bind("127.0.0.1:0").await.expect("bind http");
        let admin = TcpListener::bind("127.0.0.1:0").await.expect("bind admin");
        let endpoint = format!("http://{}", grpc.local_addr().unwrap());
        let http_url = format!("http://{}", http.local_addr().unwrap());
        let admin_url = format!("http://{}", admin.local_addr().unwrap());
        let shutdown = Shutdown::new(Duration::from_secs(5));
        let task = tokio::spawn(herald_control::run(
            config.clone(),
            herald_control::Listeners { grpc, http, admin },
            shutdown.clone(),
        ));
        let control = Self {
            endpoint,
            http_url,
            admin_url,
            config,
            shutdown,
            task,
        };
        control.wait_ready().await;
        control
    }

    async fn wait_ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let ready = reqwest::get(format!("{}/readyz", self.admin_url))
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return;
            }
            assert!(
                !self.task.is_finished(),
                "herald-control exited during startup"
            );
            assert!(
                tokio::time::Instant::now() < deadline,
                "herald-control not ready within 60s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The root key.
    pub fn root_key(&self) -> &str {
        self.config.root_key.expose()
    }

    /// The internal service token.
    pub fn internal_token(&self) -> &str {
        self.config.internal_token.expose()
    }

    /// A client sending `key` (None = no credentials).
    pub async fn client(&self, key: Option<&str>) -> Client {
        let channel = Channel::from_shared(self.endpoint.clone())
            .unwrap()
            .connect()
            .await
            .expect("connect to control");
        let bearer = key.map_or_else(Bearer::none, |k| Bearer::new(k).expect("ascii key"));
        ControlClient::with_interceptor(channel, bearer)
    }

    /// A client with the root key.
    pub async fn root(&self) -> Client {
        self.client(Some(self.root_key())).await
    }

    /// Stops it and waits for it to finish.
    pub async fn stop(self) {
        self.shutdown.trigger();
        let result = tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("control stops within 20s")
            .expect("control task");
        result.expect("control ran cleanly");
    }
}

/// Every record of `topic` (all partitions) as (key, value), read to the current end.
pub async fn read_topic(topic: &str) -> Vec<(Option<Vec<u8>>, Option<Vec<u8>>)> {
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut c = kafka_config().client_config();
        c.set("group.id", unique("test-reader"))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .set("auto.offset.reset", "earliest");
        let consumer: BaseConsumer = c.create().expect("consumer");
        let md = consumer
            .fetch_metadata(Some(&topic), Duration::from_secs(10))
            .expect("metadata");
        let partitions: Vec<i32> = md.topics()[0].partitions().iter().map(|p| p.id()).collect();
        let mut tpl = TopicPartitionList::new();
        for p in &partitions {
            tpl.add_partition_offset(&topic, *p, Offset::Beginning)
                .unwrap();
        }
        consumer.assign(&tpl).expect("assign");
        let mut open = partitions.len();
        let mut out = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while open > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "reading {topic} took over 30s"
            );
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(m)) => {
                    out.push((m.key().map(<[u8]>::to_vec), m.payload().map(<[u8]>::to_vec)))
                }
                Some(Err(RdError::PartitionEOF(_))) => open -= 1,
                Some(Err(e)) => panic!("reading {topic}: {e}"),
                None => {}
            }
        }
        out
    })
    .await
    .expect("reader task")
}

/// Creates a team named `prefix` plus a unique suffix, with one topic `topic` (1 partition, one
/// hour of retention); returns the team.
pub async fn team_with_topic(c: &mut Client, prefix: &str, topic: &str) -> String {
    use herald_proto::v1::{CreateTeamRequest, CreateTopicRequest};
    let team = crate::unique(prefix);
    c.create_team(CreateTeamRequest {
        name: team.clone(),
        display_name: String::new(),
    })
    .await
    .expect("create team");
    c.create_topic(CreateTopicRequest {
        team: team.clone(),
        name: topic.into(),
        partitions: 1,
        retention_ms: 3_600_000,
        ..Default::default()
    })
    .await
    .expect("create topic");
    team
}
