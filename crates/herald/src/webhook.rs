//! `herald webhook sign|verify`: Standard Webhooks signatures from the command line, for
//! receivers checking their implementation (and for the cross-library tests).

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Args, Subcommand};
use herald_core::{Secret, Signer, Verifier};

/// Webhook signature tools; the body is read from standard input.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Print the `webhook-signature` header for a body read from stdin.
    Sign(SignArgs),
    /// Verify a body read from stdin against its headers; exits non-zero on failure.
    Verify(VerifyArgs),
}

/// Arguments of `herald webhook sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Signing secret(s), `whsec_<base64>`; repeat for a rotation overlap.
    #[arg(long = "secret", required = true, env = "HERALD_WEBHOOK_SECRET")]
    secrets: Vec<String>,
    /// The `webhook-id`.
    #[arg(long)]
    id: String,
    /// The `webhook-timestamp` (unix seconds); defaults to now.
    #[arg(long)]
    timestamp: Option<i64>,
}

/// Arguments of `herald webhook verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Signing secret, `whsec_<base64>`.
    #[arg(long, env = "HERALD_WEBHOOK_SECRET")]
    secret: String,
    /// The `webhook-id` header.
    #[arg(long)]
    id: String,
    /// The `webhook-timestamp` header.
    #[arg(long)]
    timestamp: String,
    /// The `webhook-signature` header.
    #[arg(long)]
    signature: String,
    /// Verify as if the clock read this (unix seconds); defaults to now.
    #[arg(long)]
    now: Option<i64>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn read_body() -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .context("reading the body from stdin")?;
    Ok(body)
}

/// Runs a webhook subcommand.
pub fn run(cmd: WebhookCommand) -> anyhow::Result<()> {
    match cmd {
        WebhookCommand::Sign(args) => {
            let secrets = args
                .secrets
                .iter()
                .map(|s| Secret::parse(s))
                .collect::<Result<Vec<_>, _>>()?;
            let body = read_body()?;
            let ts = args.timestamp.unwrap_or_else(now);
            println!("{}", Signer::new(secrets).sign(&args.id, ts, &body));
            Ok(())
        }
        WebhookCommand::Verify(args) => {
            let verifier = Verifier::new(Secret::parse(&args.secret)?);
            let body = read_body()?;
            verifier.verify(
                Some(&args.id),
                Some(&args.timestamp),
                Some(&args.signature),
                &body,
                args.now.unwrap_or_else(now),
            )?;
            println!("ok");
            Ok(())
        }
    }
}
