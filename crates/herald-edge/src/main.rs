//! The herald-edge binary: SSE streams of Herald topics.

use clap::Parser;
use herald_edge::EdgeConfig;
use herald_runtime::{ServiceArgs, parse_service_args, service_main};

#[derive(Debug, Parser)]
#[command(
    name = "herald-edge",
    about = "Herald's SSE edge: live browser streams with Last-Event-ID resume"
)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

fn main() -> std::process::ExitCode {
    let args = parse_service_args::<Args, EdgeConfig>();
    service_main(
        "herald-edge",
        args.service,
        |config: EdgeConfig, shutdown| async move {
            let http = tokio::net::TcpListener::bind(&config.http_listen).await?;
            let admin = tokio::net::TcpListener::bind(&config.admin_listen).await?;
            herald_edge::run(config, http, admin, shutdown).await?;
            Ok(())
        },
    )
}
