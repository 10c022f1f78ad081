//! The fault suite: the services as separate processes on the suite's own broker, load from
//! [`crate::load`], and one fault at a time, each judged by the reconciliation of its run.

use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use serde_json::json;

use crate::load::{Endpoints, Harness, ReceiverMode, Report, Run, RunOptions};
use crate::malformed;
use crate::stack::{Kind, Stack, StackOptions};
use crate::stats::Percentiles;

/// The faults, in suite order.
pub const SCENARIOS: &[&str] = &[
    "delivery-sigkill",
    "rolling-restart",
    "broker-outage",
    "receiver-faults",
    "rebalance",
    "edge-restart",
    "malformed-input",
    "leader-kill",
    "broker-rolling",
    "controller-kill",
    "steady",
];

/// Scenarios run only when named: `steady` injects nothing, the undisturbed load on which
/// the whole system's CPU per event is measured (`tests/fault/sample-cpu`).
const OPT_IN_SCENARIOS: &[&str] = &["steady"];

/// Scenarios that need a replicated cluster (`--kafka-nodes 3`); skipped on one broker.
const CLUSTER_SCENARIOS: &[&str] = &["leader-kill", "broker-rolling", "controller-kill"];

/// How the suite runs.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Services and broker.
    pub stack: StackOptions,
    /// Load of each scenario.
    pub run: RunOptions,
    /// Load before the fault starts.
    pub before: Duration,
    /// Load after the fault ended.
    pub after: Duration,
    /// Length of the fault window (kill cadence, receiver faults, rebalance hold).
    pub fault: Duration,
    /// SIGKILL interval of the delivery-sigkill scenario.
    pub kill_every: Duration,
    /// How long the broker stays down.
    pub outage: Duration,
    /// Keep cycling through the scenarios until this much time has passed (0 = once).
    pub cycle_for: Duration,
    /// Only these scenarios (empty = all).
    pub only: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Phases {
    before: Percentiles,
    during: Percentiles,
    after: Percentiles,
}

#[derive(Debug, Serialize)]
struct ScenarioResult {
    scenario: String,
    pass: bool,
    lost: usize,
    sse_lost: usize,
    in_retry_after_drain: usize,
    in_dlq: usize,
    duplicates: u64,
    sse_duplicates: u64,
    recovery_secs: f64,
    fault_secs: f64,
    /// The longest time no webhook arrived during the fault and after it: how long delivery
    /// was unavailable.
    webhook_gap_secs: f64,
    /// The same for the SSE clients.
    sse_gap_secs: f64,
    webhook_ms: Phases,
    sse_ms: Phases,
    crashes: Vec<String>,
    malformed_failures: Vec<String>,
    notes: Vec<String>,
    report: Report,
}

/// Runs the suite; `Ok(true)` when every scenario passed.
pub async fn run_suite(opts: SuiteOptions) -> anyhow::Result<bool> {
    let suite_start = Instant::now();
    let mut stack = Stack::new(opts.stack.clone())?;
    // A broker left over from an interrupted run would keep old topics; start clean.
    stack.kafka("stop", false).await?;
    stack
        .kafka("start", true)
        .await
        .context("starting the suite's broker")?;
    eprintln!("fault: broker at {}", stack.bootstrap());
    // On SIGTERM/Ctrl-C (e.g. the run script's time limit) the services are still stopped.
    let result = tokio::select! {
        r = suite(&opts, &mut stack, suite_start) => r,
        _ = terminated() => Err(anyhow::anyhow!("interrupted")),
    };
    stack.shutdown().await;
    result
}

async fn suite(
    opts: &SuiteOptions,
    stack: &mut Stack,
    suite_start: Instant,
) -> anyhow::Result<bool> {
    stack.start("control", Kind::Control, 0).await?;
    stack.start("ingest", Kind::Ingest, 1).await?;
    stack.start("delivery-a", Kind::Delivery, 2).await?;
    stack.start("delivery-b", Kind::Delivery, 3).await?;
    stack.start("edge", Kind::Edge, 4).await?;
    eprintln!(
        "fault: services up after {:.1}s",
        suite_start.elapsed().as_secs_f64()
    );
    let endpoints = Endpoints {
        control: stack.control_endpoint(),
        ingest: stack.ingest_endpoint(),
        edge: stack.edge_http(),
    };
    let harness = Harness::setup(endpoints, stack.root_key(), "fault").await?;

    let chosen: Vec<&str> = SCENARIOS
        .iter()
        .copied()
        .filter(|s| {
            if opts.only.is_empty() {
                !OPT_IN_SCENARIOS.contains(s)
            } else {
                opts.only.iter().any(|o| o == s)
            }
        })
        .filter(|s| stack.kafka_nodes() >= 3 || !CLUSTER_SCENARIOS.contains(s))
        .collect();
    let mut results = Vec::new();
    let mut round = 0;
    loop {
        for name in &chosen {
            let r = scenario(opts, stack, &harness, name, results.len()).await;
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("fault: scenario {name} could not run: {e:#}");
                    // Whatever broke, later scenarios need every service back.
                    stack.check_alive().await;
                    return Err(e);
                }
            };
            println!("{}", serde_json::to_string(&r)?);
            results.push(r);
        }
        round += 1;
        if suite_start.elapsed() >= opts.cycle_for {
            break;
        }
        eprintln!(
            "fault: round {round} done after {:.0}s, cycling",
            suite_start.elapsed().as_secs_f64()
        );
    }
    print_table(&results);
    let pass = results.iter().all(|r| r.pass) && stack.crashes.is_empty();
    println!(
        "{}",
        json!({
            "suite": if pass { "pass" } else { "FAIL" },
            "scenarios": results.len(),
            "rounds": round,
            "secs": suite_start.elapsed().as_secs(),
            "rate": opts.run.rate,
            "acked": results.iter().map(|r| r.report.acked).sum::<usize>(),
            "lost": results.iter().map(|r| r.lost + r.sse_lost).sum::<usize>(),
            "crashes": stack.crashes,
        })
    );
    Ok(pass)
}

async fn scenario(
    opts: &SuiteOptions,
    stack: &mut Stack,
    harness: &Harness,
    name: &str,
    index: usize,
) -> anyhow::Result<ScenarioResult> {
    eprintln!("fault: --- {name}");
    let crashes_before = stack.crashes.len();
    let topic = format!("s{index}-{name}");
    let run = harness.start_run(&topic, opts.run.clone()).await?;
    tokio::time::sleep(opts.before).await;
    let fault_start = run.elapsed_us();
    let mut notes = Vec::new();
    let mut malformed_failures = Vec::new();
    inject(
        opts,
        stack,
        harness,
        &run,
        name,
        &topic,
        &mut notes,
        &mut malformed_failures,
    )
    .await?;
    let fault_end = run.elapsed_us();
    tokio::time::sleep(opts.after).await;
    let end = run.elapsed_us();
    let (report, run) = run.finish().await?;
    stack.check_alive().await;
    let crashes: Vec<String> = stack.crashes[crashes_before..].to_vec();

    // An event sent before the fault but still in flight when it struck belongs to "during":
    // "before" is the undisturbed baseline.
    let phases = |s: &crate::stats::Samples| Phases {
        before: s.select(|x| x.sched_us < fault_start && x.seen_us < fault_start),
        during: s.select(|x| {
            (x.sched_us >= fault_start && x.sched_us < fault_end)
                || (x.sched_us < fault_start && x.seen_us >= fault_start)
        }),
        after: s.window(fault_end, end),
    };
    let webhook_ms = phases(run.webhook_samples());
    let sse_ms = phases(run.sse_samples());
    // Recovered = no event arrives much later than in the baseline any more.
    let threshold_us = ((webhook_ms.before.p99 * 3.0).max(500.0) * 1000.0) as u64;
    let recovery_secs = run
        .webhook_samples()
        .last_late_seen(fault_start, threshold_us)
        .into_iter()
        .chain(run.sse_samples().last_late_seen(fault_start, threshold_us))
        .max()
        .map_or(0.0, |t| t.saturating_sub(fault_end) as f64 / 1e6);
    let pass = report.lost == 0
        && report.sse_lost == 0
        && report.in_retry == 0
        && report.bad_signatures == 0
        && crashes.is_empty()
        && malformed_failures.is_empty();
    let r = ScenarioResult {
        scenario: name.to_owned(),
        pass,
        lost: report.lost,
        sse_lost: report.sse_lost,
        in_retry_after_drain: report.in_retry,
        in_dlq: report.in_dlq,
        duplicates: report.duplicates,
        sse_duplicates: report.sse_duplicates,
        recovery_secs: (recovery_secs * 10.0).round() / 10.0,
        webhook_gap_secs: (run.webhook_samples().longest_gap_us(fault_start, end) as f64 / 1e5)
            .round()
            / 10.0,
        sse_gap_secs: (run.sse_samples().longest_gap_us(fault_start, end) as f64 / 1e5).round()
            / 10.0,
        fault_secs: ((fault_end - fault_start) as f64 / 1e5).round() / 10.0,
        webhook_ms,
        sse_ms,
        crashes,
        malformed_failures,
        notes,
        report,
    };
    eprintln!(
        "fault: {name}: {} acked={} lost={} sse_lost={} in_retry={} dlq={} dup={} sse_dup={} \
         recovery={}s webhook p50/p99 before {}/{} during {}/{} after {}/{} ms",
        if r.pass { "PASS" } else { "FAIL" },
        r.report.acked,
        r.lost,
        r.sse_lost,
        r.in_retry_after_drain,
        r.in_dlq,
        r.duplicates,
        r.sse_duplicates,
        r.recovery_secs,
        r.webhook_ms.before.p50,
        r.webhook_ms.before.p99,
        r.webhook_ms.during.p50,
        r.webhook_ms.during.p99,
        r.webhook_ms.after.p50,
        r.webhook_ms.after.p99,
    );
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
async fn inject(
    opts: &SuiteOptions,
    stack: &mut Stack,
    harness: &Harness,
    run: &Run,
    name: &str,
    topic: &str,
    notes: &mut Vec<String>,
    malformed_failures: &mut Vec<String>,
) -> anyhow::Result<()> {
    let window_end = Instant::now() + opts.fault;
    match name {
        "delivery-sigkill" => {
            let mut k = 0;
            while Instant::now() < window_end {
                let tick = Instant::now();
                let workers = stack.deliveries();
                let victim = workers[k % workers.len()].clone();
                stack
                    .signal(&victim, "KILL", Duration::from_secs(10))
                    .await?;
                stack.restart(&victim).await?;
                notes.push(format!(
                    "SIGKILL {victim}, back after {:.1}s",
                    tick.elapsed().as_secs_f64()
                ));
                k += 1;
                tokio::time::sleep(opts.kill_every.saturating_sub(tick.elapsed())).await;
            }
        }
        "rolling-restart" => {
            for victim in stack.names() {
                let tick = Instant::now();
                let stopped = stack
                    .signal(&victim, "TERM", Duration::from_secs(40))
                    .await?;
                stack.restart(&victim).await?;
                notes.push(format!(
                    "SIGTERM {victim}: exited in {:.1}s, ready again after {:.1}s",
                    stopped.as_secs_f64(),
                    tick.elapsed().as_secs_f64()
                ));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        "broker-outage" => {
            let tick = Instant::now();
            stack.kafka("stop", false).await?;
            let down = tick.elapsed();
            tokio::time::sleep(opts.outage).await;
            stack.kafka("start", false).await?;
            notes.push(format!(
                "broker stopped in {:.1}s, down {:.0}s, answering again after {:.1}s",
                down.as_secs_f64(),
                opts.outage.as_secs_f64(),
                tick.elapsed().as_secs_f64()
            ));
        }
        "receiver-faults" => {
            let third = opts.fault / 3;
            for mode in [
                ReceiverMode::Fail,
                ReceiverMode::Hang,
                ReceiverMode::Trickle,
            ] {
                run.set_mode(mode);
                notes.push(format!("receiver {mode:?} for {:.0}s", third.as_secs_f64()));
                tokio::time::sleep(third).await;
            }
            run.set_mode(ReceiverMode::Ok);
        }
        "rebalance" => {
            let tick = Instant::now();
            stack.start("delivery-c", Kind::Delivery, 5).await?;
            notes.push(format!(
                "delivery-c joined after {:.1}s",
                tick.elapsed().as_secs_f64()
            ));
            tokio::time::sleep(opts.fault / 2).await;
            let tick = Instant::now();
            stack.remove("delivery-c").await?;
            notes.push(format!(
                "delivery-c left (SIGTERM) in {:.1}s",
                tick.elapsed().as_secs_f64()
            ));
        }
        "edge-restart" => {
            for signal in ["KILL", "TERM"] {
                let tick = Instant::now();
                stack
                    .signal("edge", signal, Duration::from_secs(20))
                    .await?;
                stack.restart("edge").await?;
                notes.push(format!(
                    "SIG{signal} edge, ready again after {:.1}s",
                    tick.elapsed().as_secs_f64()
                ));
                tokio::time::sleep(opts.fault / 3).await;
            }
        }
        "malformed-input" => {
            let targets = malformed::Targets {
                ingest_http: stack.ingest_http(),
                ingest_grpc: stack.ingest_endpoint(),
                edge_http: stack.edge_http(),
                control_grpc: stack.control_endpoint(),
                team: harness.team().to_owned(),
                topic: topic.to_owned(),
                key: harness.key().to_owned(),
                root_key: stack.root_key().to_owned(),
            };
            let mut rounds = 0;
            let mut probes = 0;
            while Instant::now() < window_end || rounds == 0 {
                let o = malformed::probe_all(&targets).await?;
                probes += o.probes;
                for f in o.failures {
                    if !malformed_failures.contains(&f) {
                        malformed_failures.push(f);
                    }
                }
                rounds += 1;
                let dead = stack.check_alive().await;
                if !dead.is_empty() {
                    malformed_failures.push(format!("crashed: {}", dead.join(", ")));
                }
            }
            notes.push(format!("{rounds} rounds, {probes} malformed requests"));
        }
        "steady" => tokio::time::sleep_until(window_end.into()).await,
        "leader-kill" => {
            // The busiest partition is as good as any: the load spreads over all of them.
            let kafka_topic = format!("{}.{topic}", harness.team());
            let leader = stack
                .kafka_script(&["leader", &kafka_topic, "0"], false)
                .await?;
            let tick = Instant::now();
            stack.kafka_script(&["kill-node", &leader], false).await?;
            notes.push(format!(
                "SIGKILL node {leader}, the leader of {kafka_topic}/0"
            ));
            tokio::time::sleep(opts.fault / 2).await;
            stack.kafka_script(&["start-node", &leader], false).await?;
            notes.push(format!(
                "node {leader} answering again after {:.1}s",
                tick.elapsed().as_secs_f64()
            ));
        }
        "broker-rolling" => {
            for node in 1..=stack.kafka_nodes() {
                let node = node.to_string();
                let tick = Instant::now();
                stack.kafka_script(&["stop-node", &node], false).await?;
                let stopped = tick.elapsed();
                stack.kafka_script(&["start-node", &node], false).await?;
                notes.push(format!(
                    "node {node}: stopped in {:.1}s, answering again after {:.1}s",
                    stopped.as_secs_f64(),
                    tick.elapsed().as_secs_f64()
                ));
                // Let it catch up before the next one goes, as a careful rolling restart does.
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
        "controller-kill" => {
            let controller = stack.kafka_script(&["controller"], false).await?;
            let tick = Instant::now();
            stack
                .kafka_script(&["kill-node", &controller], false)
                .await?;
            let next = stack.kafka_script(&["controller"], false).await?;
            notes.push(format!(
                "SIGKILL node {controller}, the active controller; node {next} leads after {:.1}s",
                tick.elapsed().as_secs_f64()
            ));
            tokio::time::sleep(opts.fault / 2).await;
            stack
                .kafka_script(&["start-node", &controller], false)
                .await?;
        }
        other => anyhow::bail!("unknown scenario {other}"),
    }
    Ok(())
}

fn print_table(results: &[ScenarioResult]) {
    eprintln!();
    eprintln!(
        "{:<18} {:>5} {:>7} {:>5} {:>5} {:>5} {:>6} {:>6} {:>8} {:>6} {:>15} {:>15} {:>15}",
        "scenario",
        "pass",
        "acked",
        "lost",
        "sseL",
        "dlq",
        "dup",
        "sseDup",
        "recov_s",
        "gap_s",
        "before p50/p99",
        "during p50/p99",
        "after p50/p99"
    );
    for r in results {
        let pp = |p: &Percentiles| format!("{:.0}/{:.0}", p.p50, p.p99);
        eprintln!(
            "{:<18} {:>5} {:>7} {:>5} {:>5} {:>5} {:>6} {:>6} {:>8.1} {:>6.1} {:>15} {:>15} {:>15}",
            r.scenario,
            if r.pass { "yes" } else { "NO" },
            r.report.acked,
            r.lost + r.in_retry_after_drain,
            r.sse_lost,
            r.in_dlq,
            r.duplicates,
            r.sse_duplicates,
            r.recovery_secs,
            r.webhook_gap_secs,
            pp(&r.webhook_ms.before),
            pp(&r.webhook_ms.during),
            pp(&r.webhook_ms.after),
        );
        for c in &r.crashes {
            eprintln!("    crash: {c}");
        }
        for f in &r.malformed_failures {
            eprintln!("    malformed: {f}");
        }
    }
}

async fn terminated() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
