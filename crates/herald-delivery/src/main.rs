//! The `herald-delivery` binary: configuration in, [`herald_delivery::run`] out.

use std::process::ExitCode;

use clap::Parser;
use herald_delivery::{DeliveryConfig, Listeners};
use herald_runtime::{ServiceArgs, parse_service_args, service_main};

// The worker allocates small buffers at a high rate across threads; mimalloc is markedly
// cheaper than glibc malloc for that (see docs/bench-delivery.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Herald's webhook delivery worker.
#[derive(Debug, Parser)]
#[command(name = "herald-delivery", version, about)]
struct Args {
    #[command(flatten)]
    service: ServiceArgs,
}

fn main() -> ExitCode {
    let args = parse_service_args::<Args, DeliveryConfig>();
    service_main(
        "herald-delivery",
        args.service,
        |config: DeliveryConfig, shutdown| async move {
            let listeners = Listeners::bind(&config).await?;
            herald_delivery::run(config, listeners, shutdown).await?;
            Ok(())
        },
    )
}
