//! `herald`: the command line.

mod webhook;

use clap::{Parser, Subcommand};

/// Herald: event delivery on Kafka — webhooks and live browser streams.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every Herald service in one process on an embedded broker.
    Dev,
    /// Sign or verify Standard Webhooks signatures.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev => Err(anyhow::anyhow!(
            "herald dev is not available yet: the services land with the control, ingest, delivery and edge issues"
        )),
        Command::Webhook(cmd) => webhook::run(cmd),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
