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
    /// Receive webhooks on a local port, verify them, and print one JSON line per delivery.
    Listen(ListenArgs),
}

/// Arguments of `herald webhook listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9999")]
    listen: String,
    /// The subscription's signing secret; deliveries that do not verify are answered 401.
    #[arg(long, env = "HERALD_WEBHOOK_SECRET")]
    secret: String,
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
        WebhookCommand::Listen(args) => listen(args),
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

fn listen(args: ListenArgs) -> anyhow::Result<()> {
    use axum::http::{HeaderMap, StatusCode};

    let verifier = Verifier::new(Secret::parse(&args.secret)?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("binding {}", args.listen))?;
        eprintln!(
            "listening for webhooks on http://{}/",
            listener.local_addr()?
        );
        let receive = move |headers: HeaderMap, body: axum::body::Bytes| {
            let verifier = verifier.clone();
            async move {
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
                let verdict = verifier.verify(
                    header("webhook-id"),
                    header("webhook-timestamp"),
                    header("webhook-signature"),
                    &body,
                    now(),
                );
                let line = serde_json::json!({
                    "webhook_id": header("webhook-id"),
                    "verified": verdict.is_ok(),
                    "error": verdict.as_ref().err().map(ToString::to_string),
                    "body": String::from_utf8_lossy(&body),
                });
                println!("{line}");
                match verdict {
                    Ok(()) => StatusCode::NO_CONTENT,
                    Err(_) => StatusCode::UNAUTHORIZED,
                }
            }
        };
        let app = axum::Router::new().fallback(axum::routing::post(receive));
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")
    })
}
