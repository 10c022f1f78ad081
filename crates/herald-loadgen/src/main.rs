//! `herald-loadgen`: an open-loop load generator for a running Herald (`run`), and the fault
//! suite that starts Herald as separate processes and injects one fault at a time (`fault`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

mod fault;
mod load;
mod malformed;
mod stack;
mod stats;

/// Open-loop load generator and fault suite for Herald.
#[derive(Debug, Parser)]
#[command(name = "herald-loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a running Herald for a while, then reconcile and print a one-line JSON summary.
    Run(RunArgs),
    /// Start Herald as processes on a private broker and run the fault scenarios.
    Fault(FaultArgs),
}

/// Load shape, shared by both subcommands.
#[derive(Debug, Clone, Args)]
struct LoadArgs {
    /// Target events per second (default 200; the long fault suite 2,000).
    #[arg(long)]
    rate: Option<f64>,
    /// Concurrent PublishBatch calls.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Most events per PublishBatch.
    #[arg(long, default_value_t = 200)]
    batch_max: usize,
    /// Due events are gathered this many milliseconds before a batch is sent.
    #[arg(long, default_value_t = 5)]
    tick_ms: u64,
    /// Payload bytes per event.
    #[arg(long, default_value_t = 128)]
    payload_bytes: usize,
    /// SSE clients following the topic.
    #[arg(long, default_value_t = 2)]
    sse_clients: usize,
    /// Partitions of the topic.
    #[arg(long, default_value_t = 6)]
    partitions: i32,
    /// Seconds to wait after the last publish for deliveries and streams.
    #[arg(long, default_value_t = 45)]
    drain_secs: u64,
    /// Append every acknowledged event (`id partition offset`) to this file.
    #[arg(long)]
    ledger: Option<PathBuf>,
}

impl LoadArgs {
    fn options(&self, default_rate: f64, max_secs: u64) -> load::RunOptions {
        let rate = self.rate.unwrap_or(default_rate);
        load::RunOptions {
            rate,
            capacity: (rate * max_secs as f64) as usize + 1,
            concurrency: self.concurrency,
            batch_max: self.batch_max,
            tick: Duration::from_millis(self.tick_ms),
            payload_bytes: self.payload_bytes,
            sse_clients: self.sse_clients,
            partitions: self.partitions,
            publish_timeout: Duration::from_secs(15),
            drain_timeout: Duration::from_secs(self.drain_secs),
            ledger_file: self.ledger.clone(),
        }
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Control plane gRPC endpoint.
    #[arg(long, env = "HERALD_CONTROL", default_value = "http://127.0.0.1:50051")]
    control: String,
    /// Ingest gRPC endpoint.
    #[arg(long, env = "HERALD_INGEST", default_value = "http://127.0.0.1:50052")]
    ingest: String,
    /// Edge HTTP base URL.
    #[arg(long, env = "HERALD_EDGE", default_value = "http://127.0.0.1:8081")]
    edge: String,
    /// The root key (creates the team, topic, key and subscription).
    #[arg(long, env = "HERALD_ROOT_KEY", hide_env_values = true)]
    root_key: String,
    /// Team to create or reuse.
    #[arg(long, default_value = "loadgen")]
    team: String,
    /// Seconds of load.
    #[arg(long, default_value_t = 30)]
    secs: u64,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Debug, Args)]
struct FaultArgs {
    /// The long form: 2,000 ev/s by default, longer phases, scenarios cycling for `--minutes`.
    #[arg(long)]
    long: bool,
    /// Minutes the long form keeps cycling.
    #[arg(long, default_value_t = 30)]
    minutes: u64,
    /// Only these scenarios (repeat): delivery-sigkill, rolling-restart, broker-outage,
    /// receiver-faults, rebalance, edge-restart, malformed-input; with `--kafka-nodes 3` also
    /// leader-kill, broker-rolling, controller-kill; and `steady` (no fault, only when named).
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Port of the suite's own Kafka broker (never the shared one).
    #[arg(long, default_value_t = 29092)]
    kafka_port: u16,
    /// Nodes of the suite's Kafka cluster. 3 adds the failover scenarios (leader-kill,
    /// broker-rolling, controller-kill) with replication factor 3 and min.insync.replicas 2.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=5))]
    kafka_nodes: u16,
    /// First of the ports the services listen on (up to base+20).
    #[arg(long, default_value_t = 31000)]
    base_port: u16,
    /// Directory of the herald-* binaries.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// Configs, logs and broker data.
    #[arg(long, default_value = "/tmp/herald-kafka-fault")]
    run_dir: PathBuf,
    #[command(flatten)]
    load: LoadArgs,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("herald-loadgen: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Run(args) => run(args).await,
            Command::Fault(args) => fault(args).await,
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("herald-loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<bool> {
    let endpoints = load::Endpoints {
        control: args.control,
        ingest: args.ingest,
        edge: args.edge,
    };
    let harness = load::Harness::setup(endpoints, &args.root_key, &args.team).await?;
    let topic = format!("load-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let run = harness
        .start_run(&topic, args.load.options(200.0, args.secs + 5))
        .await?;
    tokio::time::sleep(Duration::from_secs(args.secs)).await;
    let (report, _) = run.finish().await?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(report.lost == 0 && report.sse_lost == 0 && report.bad_signatures == 0)
}

async fn fault(args: FaultArgs) -> anyhow::Result<bool> {
    let repo = std::env::current_dir().context("current directory")?;
    let default_rate = if args.long { 2000.0 } else { 200.0 };
    let (before, after, fault, kill_every, outage, cycle_for) = if args.long {
        (20, 20, 40, 8, 30, args.minutes * 60)
    } else {
        (6, 6, 12, 4, 10, 0)
    };
    let max_secs = before + after + fault + outage + 120;
    // Short: a ladder (7 s) shorter than the receiver's 8 s of failures, so CI also exercises
    // the dead-letter path and its accounting. Long: 18 s, still well inside a scenario.
    let ladder: &[&str] = if args.long {
        &["1s", "2s", "5s", "10s"]
    } else {
        &["1s", "2s", "4s"]
    };
    let opts = fault::SuiteOptions {
        stack: stack::StackOptions {
            repo,
            bin_dir: args.bin_dir,
            run_dir: args.run_dir,
            kafka_port: args.kafka_port,
            kafka_nodes: args.kafka_nodes,
            base_port: args.base_port,
            retry_delays: ladder.iter().map(|d| (*d).to_owned()).collect(),
        },
        run: args.load.options(default_rate, max_secs),
        before: Duration::from_secs(before),
        after: Duration::from_secs(after),
        fault: Duration::from_secs(fault),
        kill_every: Duration::from_secs(kill_every),
        outage: Duration::from_secs(outage),
        cycle_for: Duration::from_secs(cycle_for),
        only: args.scenarios,
    };
    fault::run_suite(opts).await
}
