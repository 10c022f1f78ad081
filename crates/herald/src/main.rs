//! `herald`: the command line.

mod admin;
mod dev;
mod dev_keys;
mod health;
mod streams;
mod webhook;

use clap::{Parser, Subcommand};

// `herald dev` runs every service in this process; they allocate as their own binaries do.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Herald: event delivery on Kafka — webhooks and live browser streams.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about)]
struct Cli {
    #[command(flatten)]
    conn: admin::Connection,
    /// The HTTP API of the edge and ingest (`herald dev` prints it as HERALD_HTTP).
    #[arg(
        long,
        global = true,
        env = "HERALD_HTTP",
        default_value = "http://127.0.0.1:8081"
    )]
    http_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every Herald service in one process on an embedded broker.
    Dev(dev::DevArgs),
    /// Check a service's health endpoint: exit 0 only on a 2xx answer (container healthchecks).
    Health {
        /// The URL, e.g. http://127.0.0.1:9601/readyz.
        url: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 5)]
        timeout_secs: u64,
    },
    /// Sign or verify Standard Webhooks signatures, or receive webhooks.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Manage teams.
    #[command(subcommand)]
    Team(admin::TeamCommand),
    /// Manage a team's topics.
    #[command(subcommand)]
    Topic(admin::TopicCommand),
    /// Manage a team's event-type catalog (JSON Schemas per event type).
    #[command(subcommand)]
    EventType(admin::EventTypeCommand),
    /// Manage a team's API keys.
    #[command(subcommand)]
    Key(admin::KeyCommand),
    /// Share a team's topic with another team.
    #[command(subcommand)]
    Grant(admin::GrantCommand),
    /// Manage webhook subscriptions.
    #[command(subcommand)]
    Subscription(admin::SubscriptionCommand),
    /// Show a subscription's delivery attempts, newest first.
    Attempts(admin::AttemptsArgs),
    /// Show a subscription's dead letters, newest first.
    Dlq(admin::DlqArgs),
    /// Re-deliver dead letters or a topic to a subscription.
    #[command(subcommand)]
    Replay(admin::ReplayCommand),
    /// Show who the key is: its team, scopes and expiry.
    Whoami,
    /// Mint short-lived portal tokens for a team's console portal.
    #[command(subcommand)]
    PortalToken(admin::PortalTokenCommand),
    /// Follow a topic live (SSE or WebSocket), resuming after drops; events as JSON lines.
    Tail(streams::TailArgs),
    /// Pull a topic's events after a cursor (optionally as a named consumer); JSON lines.
    Pull(streams::PullArgs),
    /// Manage named consumers (pull positions kept on the server).
    #[command(subcommand)]
    Consumer(streams::ConsumerCommand),
    /// Publish an async request (and optionally wait for its reply).
    Request(streams::RequestArgs),
    /// Answer an async request by its reply id (no key needed).
    Reply(streams::ReplyArgs),
}

fn edge(
    cli_http: String,
    conn: admin::Connection,
    command: streams::StreamCommand,
) -> anyhow::Result<()> {
    admin::require_key(&conn)?;
    let endpoint = streams::Endpoint {
        http: cli_http,
        key: conn.key.unwrap_or_default(),
    };
    streams::run(endpoint, command)
}

fn control(conn: admin::Connection, command: admin::AdminCommand) -> anyhow::Result<()> {
    admin::require_key(&conn)?;
    admin::run(conn, command)
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev(args) => dev::run(args),
        Command::Health { url, timeout_secs } => {
            health::run(&url, std::time::Duration::from_secs(timeout_secs))
        }
        Command::Webhook(cmd) => webhook::run(cmd),
        Command::Team(c) => control(cli.conn, admin::AdminCommand::Team(c)),
        Command::Topic(c) => control(cli.conn, admin::AdminCommand::Topic(c)),
        Command::EventType(c) => control(cli.conn, admin::AdminCommand::EventType(c)),
        Command::Key(c) => control(cli.conn, admin::AdminCommand::Key(c)),
        Command::Grant(c) => control(cli.conn, admin::AdminCommand::Grant(c)),
        Command::Subscription(c) => control(cli.conn, admin::AdminCommand::Subscription(c)),
        Command::Attempts(a) => control(cli.conn, admin::AdminCommand::Attempts(a)),
        Command::Dlq(a) => control(cli.conn, admin::AdminCommand::Dlq(a)),
        Command::Replay(c) => control(cli.conn, admin::AdminCommand::Replay(c)),
        Command::Whoami => control(cli.conn, admin::AdminCommand::WhoAmI),
        Command::PortalToken(c) => control(cli.conn, admin::AdminCommand::PortalToken(c)),
        Command::Tail(a) => edge(cli.http_url, cli.conn, streams::StreamCommand::Tail(a)),
        Command::Pull(a) => edge(cli.http_url, cli.conn, streams::StreamCommand::Pull(a)),
        Command::Consumer(c) => edge(cli.http_url, cli.conn, streams::StreamCommand::Consumer(c)),
        Command::Request(a) => edge(cli.http_url, cli.conn, streams::StreamCommand::Request(a)),
        Command::Reply(a) => streams::run(
            streams::Endpoint {
                http: cli.http_url,
                key: cli.conn.key.unwrap_or_default(),
            },
            streams::StreamCommand::Reply(a),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
