//! The services under test as separate processes (target/release/herald-*), plus the fault
//! suite's own Kafka broker run by `deploy/local/kafka`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use rand::RngCore;

/// Which binary a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// herald-control.
    Control,
    /// herald-ingest.
    Ingest,
    /// herald-delivery.
    Delivery,
    /// herald-edge.
    Edge,
}

impl Kind {
    fn binary(self) -> &'static str {
        match self {
            Kind::Control => "herald-control",
            Kind::Ingest => "herald-ingest",
            Kind::Delivery => "herald-delivery",
            Kind::Edge => "herald-edge",
        }
    }
}

/// Settings of the stack.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// The repository root (for `deploy/local/kafka`).
    pub repo: PathBuf,
    /// Where the herald-* binaries are.
    pub bin_dir: PathBuf,
    /// Configs, logs and broker data.
    pub run_dir: PathBuf,
    /// Port of the suite's own broker (never the shared one).
    pub kafka_port: u16,
    /// Nodes of the suite's Kafka cluster (3 for the failover scenarios).
    pub kafka_nodes: u16,
    /// First of the ports the services listen on.
    pub base_port: u16,
    /// The delivery retry ladder.
    pub retry_delays: Vec<String>,
}

struct Proc {
    kind: Kind,
    child: Child,
    admin: String,
    config: PathBuf,
    log: PathBuf,
}

/// The running services.
pub struct Stack {
    opts: StackOptions,
    root_key: String,
    internal_token: String,
    master_key: String,
    token_secret: String,
    procs: BTreeMap<String, Proc>,
    /// Processes that exited without being told to: `name: status`.
    pub crashes: Vec<String>,
}

fn secret(prefix: &str) -> String {
    let mut b = [0u8; 24];
    rand::rng().fill_bytes(&mut b);
    format!("{prefix}_{}", hex(&b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Stack {
    /// A stack with fresh credentials; nothing runs yet.
    pub fn new(opts: StackOptions) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&opts.run_dir)
            .with_context(|| format!("creating {}", opts.run_dir.display()))?;
        let mut mk = [0u8; 32];
        rand::rng().fill_bytes(&mut mk);
        Ok(Self {
            opts,
            root_key: secret("hrk"),
            internal_token: secret("hit"),
            master_key: base64::engine::general_purpose::STANDARD.encode(mk),
            token_secret: secret("hts"),
            procs: BTreeMap::new(),
            crashes: Vec::new(),
        })
    }

    /// The root key every service accepts.
    pub fn root_key(&self) -> &str {
        &self.root_key
    }

    /// The cluster's bootstrap addresses (`deploy/local/kafka`'s layout: consecutive ports).
    pub fn bootstrap(&self) -> String {
        (0..self.opts.kafka_nodes)
            .map(|i| format!("127.0.0.1:{}", self.opts.kafka_port + i))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Nodes of the cluster.
    pub fn kafka_nodes(&self) -> u16 {
        self.opts.kafka_nodes
    }

    fn port(&self, offset: u16) -> u16 {
        self.opts.base_port + offset
    }

    /// Control gRPC endpoint.
    pub fn control_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port(0))
    }

    /// Ingest gRPC endpoint.
    pub fn ingest_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port(1))
    }

    /// Ingest HTTP base URL.
    pub fn ingest_http(&self) -> String {
        format!("http://127.0.0.1:{}", self.port(2))
    }

    /// Edge HTTP base URL.
    pub fn edge_http(&self) -> String {
        format!("http://127.0.0.1:{}", self.port(3))
    }

    /// Runs `deploy/local/kafka <cmd>` against the suite's broker. `fresh` wipes its data on
    /// start; otherwise a stopped broker restarts on its existing data (an outage, not a loss).
    pub async fn kafka(&self, cmd: &'static str, fresh: bool) -> anyhow::Result<()> {
        self.kafka_script(&[cmd], fresh).await.map(drop)
    }

    /// Runs `deploy/local/kafka ARGS...` (a node command or a query, e.g. `leader T 0`) and
    /// returns what it printed.
    pub async fn kafka_script(&self, args: &[&str], fresh: bool) -> anyhow::Result<String> {
        let script = self.opts.repo.join("deploy/local/kafka");
        let run = self.opts.run_dir.join("kafka");
        let port = self.opts.kafka_port.to_string();
        let nodes = self.opts.kafka_nodes.to_string();
        let owned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let output = tokio::task::spawn_blocking(move || {
            Command::new("bash")
                .arg(script)
                .args(&owned)
                .env("HERALD_KAFKA_PORT", port)
                .env("HERALD_KAFKA_NODES", nodes)
                .env("HERALD_KAFKA_RUN", run)
                .env("HERALD_KAFKA_KEEP_DATA", if fresh { "0" } else { "1" })
                .stderr(Stdio::inherit())
                .output()
        })
        .await??;
        if !output.status.success() {
            bail!(
                "deploy/local/kafka {} failed: {}",
                args.join(" "),
                output.status
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn config(&self, kind: Kind, admin_port: u16) -> String {
        let tables = format!(
            "[kafka]\nbootstrap_servers = \"{}\"\n[telemetry]\nlog_filter = \"info\"\n",
            self.bootstrap()
        );
        let own = match kind {
            Kind::Control => format!(
                "grpc_listen = \"127.0.0.1:{}\"\nroot_key = \"{}\"\ninternal_token = \"{}\"\n\
                 master_key = \"{}\"\ndefault_partitions = 6\ninternal_partitions = 3\n\
                 replication_factor = {}\n",
                self.port(0),
                self.root_key,
                self.internal_token,
                self.master_key,
                self.opts.kafka_nodes.min(3)
            ),
            Kind::Ingest => format!(
                "grpc_listen = \"127.0.0.1:{}\"\nhttp_listen = \"127.0.0.1:{}\"\n\
                 control_endpoint = \"{}\"\nroot_key = \"{}\"\ninternal_token = \"{}\"\n\
                 shutdown_grace = \"10s\"\n",
                self.port(1),
                self.port(2),
                self.control_endpoint(),
                self.root_key,
                self.internal_token
            ),
            Kind::Delivery => {
                let delays: Vec<String> = self
                    .opts
                    .retry_delays
                    .iter()
                    .map(|d| format!("\"{d}\""))
                    .collect();
                // A short ladder, timeouts and circuit so every retry finishes inside a scenario.
                format!(
                    "control_endpoint = \"{}\"\ninternal_token = \"{}\"\n\
                     allow_private_targets = true\nrequest_timeout = \"2s\"\n\
                     connect_timeout = \"1s\"\ncommit_interval = \"200ms\"\n\
                     revoke_timeout = \"5s\"\nshutdown_grace = \"10s\"\n\
                     [retry]\ndelays = [{}]\njitter = 0.1\n\
                     [circuit]\nfailure_threshold = 20\nopen_for = \"2s\"\n",
                    self.control_endpoint(),
                    self.internal_token,
                    delays.join(", ")
                )
            }
            Kind::Edge => format!(
                "http_listen = \"127.0.0.1:{}\"\ncontrol_endpoint = \"{}\"\nroot_key = \"{}\"\n\
                 internal_token = \"{}\"\ntoken_secret = \"{}\"\nheartbeat = \"2s\"\n\
                 client_retry = \"250ms\"\nshutdown_grace = \"1s\"\nclient_buffer = 65536\n",
                self.port(3),
                self.control_endpoint(),
                self.root_key,
                self.internal_token,
                self.token_secret
            ),
        };
        // Top-level keys first: after a `[table]` header they would land in that table.
        // Every service of the stack is one deployment of its own.
        format!(
            "admin_listen = \"127.0.0.1:{admin_port}\"\ndeployment = \"herald-fault\"\n{own}{tables}"
        )
    }

    /// Starts process `name` of `kind` (admin port offset `admin`) and waits until `/readyz`.
    pub async fn start(&mut self, name: &str, kind: Kind, admin: u16) -> anyhow::Result<()> {
        let admin_port = self.port(10 + admin);
        let config = self.opts.run_dir.join(format!("{name}.toml"));
        std::fs::write(&config, self.config(kind, admin_port))?;
        let log = self.opts.run_dir.join(format!("{name}.log"));
        let proc = Proc {
            kind,
            child: spawn(&self.opts.bin_dir, kind, &config, &log)?,
            admin: format!("http://127.0.0.1:{admin_port}"),
            config,
            log,
        };
        self.procs.insert(name.to_owned(), proc);
        self.wait_ready(name).await
    }

    /// Starts a stopped (or killed) process again with the same configuration.
    pub async fn restart(&mut self, name: &str) -> anyhow::Result<()> {
        let p = self.procs.get_mut(name).context("no such process")?;
        p.child = spawn(&self.opts.bin_dir, p.kind, &p.config, &p.log)?;
        self.wait_ready(name).await
    }

    async fn wait_ready(&mut self, name: &str) -> anyhow::Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let p = self.procs.get_mut(name).context("no such process")?;
            if let Some(status) = p.child.try_wait()? {
                bail!(
                    "{name} exited during start: {status} (see {})",
                    p.log.display()
                );
            }
            let ok = http
                .get(format!("{}/readyz", p.admin))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{name} not ready within 90s (see {})", p.log.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends `signal` (`KILL`, `TERM`) and waits for the exit (SIGKILL after `grace`).
    /// Returns how long the process took to exit.
    pub async fn signal(
        &mut self,
        name: &str,
        signal: &str,
        grace: Duration,
    ) -> anyhow::Result<Duration> {
        let p = self.procs.get_mut(name).context("no such process")?;
        let pid = p.child.id().to_string();
        let started = Instant::now();
        let status = Command::new("kill").args(["-s", signal, &pid]).status()?;
        if !status.success() {
            bail!("kill -s {signal} {pid} failed");
        }
        loop {
            if p.child.try_wait()?.is_some() {
                return Ok(started.elapsed());
            }
            if started.elapsed() > grace {
                self.crashes.push(format!(
                    "{name}: did not exit within {grace:?} of SIG{signal}"
                ));
                p.child.kill()?;
                p.child.wait()?;
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops and forgets a process (SIGTERM, then SIGKILL after 30 s).
    pub async fn remove(&mut self, name: &str) -> anyhow::Result<()> {
        self.signal(name, "TERM", Duration::from_secs(30)).await?;
        self.procs.remove(name);
        Ok(())
    }

    /// Processes that died on their own since the last check; they are recorded as crashes
    /// and started again so the suite can go on.
    pub async fn check_alive(&mut self) -> Vec<String> {
        let mut dead = Vec::new();
        for (name, p) in &mut self.procs {
            if let Ok(Some(status)) = p.child.try_wait() {
                dead.push(name.clone());
                self.crashes.push(format!(
                    "{name}: exited on its own ({status}); log {}",
                    p.log.display()
                ));
            }
        }
        for name in &dead {
            if let Err(e) = self.restart(name).await {
                self.crashes.push(format!("{name}: restart failed: {e:#}"));
            }
        }
        dead
    }

    /// Names of the running delivery workers.
    pub fn deliveries(&self) -> Vec<String> {
        self.procs
            .iter()
            .filter(|(_, p)| p.kind == Kind::Delivery)
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Every process, in start order for a rolling restart (control first).
    pub fn names(&self) -> Vec<String> {
        let order = |k: Kind| match k {
            Kind::Control => 0,
            Kind::Ingest => 1,
            Kind::Delivery => 2,
            Kind::Edge => 3,
        };
        let mut v: Vec<(u8, String)> = self
            .procs
            .iter()
            .map(|(n, p)| (order(p.kind), n.clone()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, n)| n).collect()
    }

    /// SIGTERMs everything and stops the broker.
    pub async fn shutdown(&mut self) {
        let names: Vec<String> = self.names().into_iter().rev().collect();
        for name in names {
            let _ = self.signal(&name, "TERM", Duration::from_secs(30)).await;
        }
        self.procs.clear();
        if let Err(e) = self.kafka("stop", false).await {
            tracing::warn!(error = %e, "stopping the broker failed");
        }
    }
}

fn spawn(bin_dir: &Path, kind: Kind, config: &Path, log: &Path) -> anyhow::Result<Child> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let bin = bin_dir.join(kind.binary());
    let mut cmd = Command::new(&bin);
    // The config file is the whole truth: HERALD_* variables of the caller would override it.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("HERALD_") {
            cmd.env_remove(k);
        }
    }
    cmd.arg("--config")
        .arg(config)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))
}
