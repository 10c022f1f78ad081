//! `herald team|topic|event-type|key|grant|subscription|attempts|dlq|replay|whoami|portal-token`: the
//! control plane's gRPC API
//! from the command line. Tables for people by default, `--output json` for scripts.

mod catalog;
mod console;
mod grants;
mod history;
mod keys;
mod output;
mod subscriptions;
mod teams;
mod topics;

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use herald_proto::v1::control_client::ControlClient;
use herald_proto::v1::*;
use herald_watch::Bearer;
use serde_json::{Value, json};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

pub use catalog::EventTypeCommand;
pub use console::PortalTokenCommand;
pub use grants::GrantCommand;
pub use history::{AttemptsArgs, DlqArgs, ReplayCommand};
pub use keys::KeyCommand;
use output::{Printed, print};
pub use subscriptions::SubscriptionCommand;
pub use teams::TeamCommand;
pub use topics::TopicCommand;

/// Where the control plane is and who is calling; shared by every control subcommand.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The control plane's gRPC endpoint.
    #[arg(
        long,
        global = true,
        env = "HERALD_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    pub server: String,
    /// API key (or the root key) sent as `authorization: Bearer <key>`.
    #[arg(long, global = true, env = "HERALD_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
}

/// One control-plane command.
#[derive(Debug)]
pub enum AdminCommand {
    /// `herald team …`.
    Team(TeamCommand),
    /// `herald topic …`.
    Topic(TopicCommand),
    /// `herald event-type …`.
    EventType(EventTypeCommand),
    /// `herald key …`.
    Key(KeyCommand),
    /// `herald grant …`.
    Grant(GrantCommand),
    /// `herald subscription …`.
    Subscription(SubscriptionCommand),
    /// `herald attempts …`.
    Attempts(AttemptsArgs),
    /// `herald dlq …`.
    Dlq(DlqArgs),
    /// `herald replay …`.
    Replay(ReplayCommand),
    /// `herald whoami`.
    WhoAmI,
    /// `herald portal-token …`.
    PortalToken(PortalTokenCommand),
}

type Client = ControlClient<InterceptedService<Channel, Bearer>>;

/// Runs one control-plane command and prints its result.
pub fn run(conn: Connection, command: AdminCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let channel = Channel::from_shared(conn.server.clone())
            .with_context(|| format!("invalid --server {:?}", conn.server))?
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .connect()
            .await
            .with_context(|| format!("cannot connect to the control plane at {}", conn.server))?;
        let bearer = match &conn.key {
            Some(k) => Bearer::new(k.trim()).context("--key")?,
            None => Bearer::none(),
        };
        let mut client = ControlClient::with_interceptor(channel, bearer);
        let out = execute(&mut client, command)
            .await
            .map_err(|s| anyhow::anyhow!("{}: {}", code_name(s.code()), s.message()))?;
        print(conn.output, out)
    })
}

fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code as C;
    match code {
        C::Unauthenticated => "unauthenticated",
        C::PermissionDenied => "permission denied",
        C::InvalidArgument => "invalid argument",
        C::NotFound => "not found",
        C::AlreadyExists => "already exists",
        C::FailedPrecondition => "failed precondition",
        C::Unavailable => "unavailable",
        C::DeadlineExceeded => "deadline exceeded",
        _ => "error",
    }
}

async fn execute(c: &mut Client, command: AdminCommand) -> Result<Printed, tonic::Status> {
    match command {
        AdminCommand::Team(cmd) => teams::execute(c, cmd).await,
        AdminCommand::Topic(cmd) => topics::execute(c, cmd).await,
        AdminCommand::EventType(cmd) => catalog::execute(c, cmd).await,
        AdminCommand::Key(cmd) => keys::execute(c, cmd).await,
        AdminCommand::Grant(cmd) => grants::execute(c, cmd).await,
        AdminCommand::Subscription(cmd) => subscriptions::execute(c, cmd).await,
        history @ (AdminCommand::Attempts(_) | AdminCommand::Dlq(_) | AdminCommand::Replay(_)) => {
            history::execute(c, history).await
        }
        AdminCommand::WhoAmI => console::who_am_i(c).await,
        AdminCommand::PortalToken(cmd) => console::execute(c, cmd).await,
    }
}

/// Refuses a command that needs a key when none was given, with a hint.
pub fn require_key(conn: &Connection) -> anyhow::Result<()> {
    if conn.key.as_deref().is_none_or(str::is_empty) {
        bail!("no key: pass --key <api key> or set HERALD_KEY (the root key for team management)");
    }
    Ok(())
}
