//! The herald-edge binary: SSE streams of Herald topics.

use clap::Parser;
use herald_edge::{EdgeConfig, Listeners};
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
            let listeners = Listeners::bind(&config).await?;
            herald_edge::run(config, listeners, shutdown).await?;
            Ok(())
        },
    )
}
