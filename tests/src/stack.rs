//! The data plane as real processes: `herald-ingest`, `herald-delivery` and `herald-edge`
//! binaries run as children around an in-process control plane. Child processes because each
//! service installs process-wide state (the global tracer provider, signal handlers), and
//! because restarts must be real: SIGTERM, drain, exit, start again on the same ports.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::{
    CreateApiKeyRequest, CreateSubscriptionRequest, CreateTeamRequest, CreateTopicRequest, Scope,
};
use tonic::transport::Channel;

use crate::control::TestControl;
use crate::delivery::Receiver;
use crate::unique;

/// A Herald binary next to the running test binary (`target/<profile>/<name>`), built if absent.
/// The suite's runner builds every binary first (`cargo build --workspace --bins`).
pub fn service_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/e2e-xxxx -> target/debug/<name>
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join(name);
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", name, "--bin", name])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building {name} failed");
    }
    bin
}

/// A loopback address with a port that was free a moment ago (a child binds it).
///
/// The port is below the kernel's ephemeral range, so no outgoing connection of a concurrent test
/// (a Kafka or HTTP client's source port) can take it before the child binds it, and it is never
/// handed out twice in one test run. A port from the kernel (`:0`) had both races: a child once
/// failed with `Address already in use`.
pub fn free_addr() -> SocketAddr {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let high = ephemeral_start.max(12_000);
    let low = high.saturating_sub(10_000).max(2_000);
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let random = u16::from_le_bytes(
            uuid::Uuid::new_v4().as_bytes()[..2]
                .try_into()
                .unwrap_or_default(),
        );
        let port = low + random % (high - low);
        if handed_out.contains(&port) {
            continue;
        }
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            handed_out.push(port);
            return listener.local_addr().expect("free port");
        }
    }
}

/// One service binary run as a child process with a TOML config and `HERALD_*` environment;
/// its stderr goes to `<dir>/<name>.log` (appended across restarts). Killed when dropped.
pub struct ServiceProcess {
    /// Binary name, e.g. `herald-edge`.
    pub name: &'static str,
    /// Its admin listener (`/readyz`).
    pub admin: SocketAddr,
    bin: PathBuf,
    config: PathBuf,
    env: Vec<(String, String)>,
    log: PathBuf,
    child: Option<Child>,
}

impl ServiceProcess {
    /// Describes a service; nothing runs until [`ServiceProcess::start`].
    pub fn new(
        name: &'static str,
        dir: &Path,
        toml: &str,
        admin: SocketAddr,
        env: Vec<(String, String)>,
    ) -> Self {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, toml).expect("write service config");
        Self {
            name,
            admin,
            bin: service_binary(name),
            config,
            env,
            log: dir.join(format!("{name}.log")),
            child: None,
        }
    }

    /// Spawns the process.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open service log");
        let child = Command::new(&self.bin)
            .env("HERALD_CONFIG", &self.config)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.name));
        self.child = Some(child);
    }

    /// Waits until `/readyz` answers 200; panics (with the log's tail) if the process exits or
    /// `timeout` passes.
    pub async fn wait_ready(&mut self, timeout: Duration) {
        let url = format!("http://{}/readyz", self.admin);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        loop {
            let ready = client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "{} exited during startup ({status}):\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready within {timeout:?}:\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGTERM and waits for the process to exit; panics (after SIGKILL) if it takes longer
    /// than `timeout`.
    pub async fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("service running");
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {} failed", child.id());
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("wait for child") {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} did not exit within {timeout:?} of SIGTERM:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The last lines of the service's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A control plane in this process with one team, one topic (2 partitions), a publish and
/// subscribe key and a webhook subscription to a local receiver; ingest, delivery and edge as
/// child processes following it.
pub struct Stack {
    /// The control plane.
    pub control: TestControl,
    /// Team name.
    pub team: String,
    /// Topic name within the team.
    pub topic: String,
    /// The API key (publish and subscribe scopes).
    pub key: String,
    /// The webhook subscription's id.
    pub subscription_id: String,
    /// The webhook endpoint (always answers 200).
    pub receiver: Receiver,
    /// `herald-ingest`.
    pub ingest: ServiceProcess,
    /// `herald-delivery`.
    pub delivery: ServiceProcess,
    /// `herald-edge`.
    pub edge: ServiceProcess,
    grpc: SocketAddr,
    edge_http: SocketAddr,
    dir: PathBuf,
}

impl Stack {
    /// Starts everything and waits until every service is ready. With `otlp_endpoint`, the
    /// services export their spans there (quickly: a 100 ms batch delay).
    pub async fn start(otlp_endpoint: Option<&str>) -> Self {
        let control = TestControl::start(crate::control::test_config()).await;
        let mut root = control.root().await;
        let team = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let topic = "orders".to_owned();
        root.create_team(CreateTeamRequest {
            name: team.clone(),
            display_name: team.clone(),
        })
        .await
        .expect("create team");
        root.create_topic(CreateTopicRequest {
            team: team.clone(),
            name: topic.clone(),
            partitions: 2,
            retention_ms: 3_600_000,
            ..Default::default()
        })
        .await
        .expect("create topic");
        let key = root
            .create_api_key(CreateApiKeyRequest {
                team: team.clone(),
                name: "stack".into(),
                scopes: vec![Scope::Publish as i32, Scope::Subscribe as i32],
                topics: vec![],
            })
            .await
            .expect("create key")
            .into_inner()
            .secret;
        let receiver = Receiver::ok().await;
        let subscription_id = root
            .create_subscription(CreateSubscriptionRequest {
                team: team.clone(),
                topics: vec![topic.clone()],
                url: receiver.url(),
                ..Default::default()
            })
            .await
            .expect("create subscription")
            .into_inner()
            .subscription
            .expect("subscription")
            .id;

        let dir = std::env::temp_dir().join(unique("herald-stack"));
        std::fs::create_dir_all(&dir).expect("stack dir");
        // Info logs: the rolling-restart test reads the drain logs. With an exporter the logs
        // are quiet, which also shows that spans follow `trace_filter`, not `log_filter`.
        let log_filter = if otlp_endpoint.is_some() {
            "warn"
        } else {
            "info"
        };
        let mut env = vec![
            (
                "HERALD_TELEMETRY__LOG_FILTER".to_owned(),
                log_filter.to_owned(),
            ),
            ("NO_COLOR".to_owned(), "1".to_owned()),
        ];
        if let Some(endpoint) = otlp_endpoint {
            env.push((
                "HERALD_TELEMETRY__OTLP_ENDPOINT".to_owned(),
                endpoint.to_owned(),
            ));
            env.push(("OTEL_BSP_SCHEDULE_DELAY".to_owned(), "100".to_owned()));
        }
        let common = format!(
            "control_endpoint = \"{endpoint}\"\ninternal_token = \"{token}\"\ndeployment = \"{deployment}\"\n",
            endpoint = control.endpoint,
            token = control.internal_token(),
            deployment = control.config.deployment,
        );
        let kafka = format!("[kafka]\nbootstrap_servers = \"{}\"\n", crate::bootstrap());

        let grpc = free_addr();
        let ingest_admin = free_addr();
        let ingest = ServiceProcess::new(
            "herald-ingest",
            &dir,
            &format!(
                "grpc_listen = \"{grpc}\"\nhttp_listen = \"{http}\"\nadmin_listen = \"{ingest_admin}\"\nshutdown_grace = \"15s\"\n{common}{kafka}",
                http = free_addr(),
            ),
            ingest_admin,
            env.clone(),
        );
        let delivery_admin = free_addr();
        let delivery = ServiceProcess::new(
            "herald-delivery",
            &dir,
            &format!(
                "admin_listen = \"{delivery_admin}\"\nallow_private_targets = true\ncommit_interval = \"200ms\"\ninternal_replication = 1\ninternal_partitions = 2\nshutdown_grace = \"15s\"\n{common}{kafka}[retry]\ndelays = [\"1s\", \"2s\", \"5s\"]\njitter = 0.0\n",
            ),
            delivery_admin,
            env.clone(),
        );
        let edge_http = free_addr();
        let edge_admin = free_addr();
        let edge = ServiceProcess::new(
            "herald-edge",
            &dir,
            &format!(
                "http_listen = \"{edge_http}\"\nadmin_listen = \"{edge_admin}\"\nheartbeat = \"500ms\"\nclient_retry = \"100ms\"\nshutdown_grace = \"2s\"\n{common}{kafka}",
            ),
            edge_admin,
            env,
        );
        let mut stack = Self {
            control,
            team,
            topic,
            key,
            subscription_id,
            receiver,
            ingest,
            delivery,
            edge,
            grpc,
            edge_http,
            dir,
        };
        stack.ingest.start();
        stack.delivery.start();
        stack.edge.start();
        let ready = Duration::from_secs(60);
        stack.ingest.wait_ready(ready).await;
        stack.delivery.wait_ready(ready).await;
        stack.edge.wait_ready(ready).await;
        stack
    }

    /// `http://<ingest grpc>`.
    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// A gRPC publisher client of ingest (connects lazily, so it survives ingest restarts).
    pub fn publisher(&self) -> PublisherClient<Channel> {
        let channel = Channel::from_shared(self.grpc_url())
            .expect("grpc url")
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(15))
            .connect_lazy();
        PublisherClient::new(channel)
    }

    /// The SSE stream URL of the stack's topic on the edge.
    pub fn stream_url(&self) -> String {
        format!(
            "http://{}/v1/streams/{}/{}",
            self.edge_http, self.team, self.topic
        )
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // A failed test keeps the service logs for a look.
        if std::thread::panicking() {
            eprintln!("service logs kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
