//! `herald-ingest`: publish events over gRPC and HTTP into Kafka.

use clap::Parser;
use herald_ingest::{IngestConfig, Listeners};
use herald_runtime::{ServiceArgs, parse_service_args, service_main};

// Every event allocates payload-sized buffers (decode, headers, JSON checks) across threads;
// mimalloc is markedly cheaper than glibc malloc for that (see docs/bench-ingest.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Herald ingest: gRPC `herald.v1.Publisher` and HTTP `POST /v1/topics/{team}/{topic}/events`.
#[derive(Debug, Parser)]
#[command(name = "herald-ingest", version, about)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

fn main() -> std::process::ExitCode {
    let args = parse_service_args::<Args, IngestConfig>();
    service_main(
        "herald-ingest",
        args.service,
        |config: IngestConfig, shutdown| async move {
            let listeners = Listeners::bind(&config).await?;
            herald_ingest::run(config, listeners, shutdown).await?;
            Ok(())
        },
    )
}
