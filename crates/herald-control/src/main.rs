//! `herald-control`: the control plane as a standalone service.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use herald_control::ControlConfig;
use herald_runtime::{ServiceArgs, parse_service_args, service_main};
use tokio::net::TcpListener;

/// Herald's control plane: teams, topics, keys, grants, subscriptions and the Watch stream.
#[derive(Debug, Parser)]
#[command(name = "herald-control", version, about)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

fn main() -> ExitCode {
    let args = parse_service_args::<Args, ControlConfig>();
    service_main(
        "herald-control",
        args.service,
        |config: ControlConfig, shutdown| async move {
            let grpc = TcpListener::bind(&config.grpc_listen)
                .await
                .with_context(|| format!("cannot listen on grpc_listen {}", config.grpc_listen))?;
            let admin = TcpListener::bind(&config.admin_listen)
                .await
                .with_context(|| {
                    format!("cannot listen on admin_listen {}", config.admin_listen)
                })?;
            herald_control::run(config, grpc, admin, shutdown).await?;
            Ok(())
        },
    )
}
