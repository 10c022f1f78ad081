//! `herald-control`: the control plane as a standalone service.

use std::process::ExitCode;

use clap::Parser;
use herald_control::{ControlConfig, Listeners};
use herald_runtime::{ServiceArgs, parse_service_args, service_main};

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
            let listeners = Listeners::bind(&config).await?;
            herald_control::run(config, listeners, shutdown).await?;
            Ok(())
        },
    )
}
