//! `herald-ingest`: publish events over gRPC and HTTP into Kafka.

use clap::Parser;
use herald_ingest::IngestConfig;
use herald_runtime::{ServiceArgs, parse_service_args, service_main};
use tokio::net::TcpListener;

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
            let grpc = TcpListener::bind(config.grpc_listen).await?;
            let http = TcpListener::bind(config.http_listen).await?;
            let admin = TcpListener::bind(config.admin_listen).await?;
            herald_ingest::run(config, grpc, http, admin, shutdown).await?;
            Ok(())
        },
    )
}
