//! The `herald-delivery` binary: configuration in, [`herald_delivery::run`] out.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use herald_delivery::DeliveryConfig;
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
            let listener = tokio::net::TcpListener::bind(&config.admin_listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.admin_listen))?;
            tracing::info!(admin = %listener.local_addr()?, "herald-delivery starting");
            herald_delivery::run(config, listener, shutdown).await?;
            Ok(())
        },
    )
}
