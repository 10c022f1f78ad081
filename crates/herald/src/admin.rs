//! `herald team|topic|key|grant|subscription|attempts|dlq|replay`: the control plane's gRPC API
//! from the command line. Tables for people by default, `--output json` for scripts.

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

/// Teams.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team (root key).
    Create {
        /// Team name: lowercase letters, digits and '-'.
        name: String,
        /// Human-readable name.
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// Show a team.
    Get {
        /// Team name.
        name: String,
    },
    /// List teams (a team key sees its own).
    List,
    /// Delete a team (root key; it must own no topics or subscriptions).
    Delete {
        /// Team name.
        name: String,
    },
}

/// A team's topics.
#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic (the Kafka topic `<team>.<name>`).
    Create {
        /// Owning team.
        team: String,
        /// Topic name.
        name: String,
        /// Partitions (default: the server's).
        #[arg(long, default_value_t = 0)]
        partitions: i32,
        /// Retention in milliseconds (-1 = forever; default: the server's).
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        retention_ms: i64,
    },
    /// List a team's topics.
    List {
        /// Team.
        team: String,
    },
    /// Show a topic with its partitions and offsets.
    Describe {
        /// Team.
        team: String,
        /// Topic name.
        name: String,
    },
    /// Delete a topic and its Kafka topic (it must have no subscriptions).
    Delete {
        /// Team.
        team: String,
        /// Topic name.
        name: String,
    },
}

/// Scopes of an API key.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// Publish events.
    Publish,
    /// Read topics (SSE, subscriptions).
    Subscribe,
    /// Manage the team.
    Admin,
}

/// A team's API keys.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a key; it is printed once and cannot be shown again.
    Create {
        /// Team.
        team: String,
        /// Scopes (repeat).
        #[arg(long = "scope", value_enum, required = true)]
        scopes: Vec<ScopeArg>,
        /// Restrict to these topics (repeat; default: every topic of the team).
        #[arg(long = "topic")]
        topics: Vec<String>,
        /// A label for the key.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List a team's keys (without the keys themselves).
    List {
        /// Team.
        team: String,
    },
    /// Revoke a key.
    Revoke {
        /// Team.
        team: String,
        /// Key id.
        id: String,
    },
}

/// Grants of a team's topics to other teams.
#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Let `grantee` subscribe to `team`'s `topic`.
    Create {
        /// Owning team.
        team: String,
        /// Topic name.
        topic: String,
        /// The team receiving access.
        grantee: String,
    },
    /// List grants given or received by a team.
    List {
        /// Team.
        team: String,
    },
    /// Revoke a grant (the grantee's subscriptions to the topic are disabled).
    Revoke {
        /// Owning team.
        team: String,
        /// Grant id.
        id: String,
    },
}

/// Settings shared by `subscription create` and `update`.
#[derive(Debug, Args)]
pub struct SubscriptionSettings {
    /// Endpoint URL (http or https).
    #[arg(long)]
    url: Option<String>,
    /// Topics: `<topic>` of the team or `<team>.<topic>` granted to it (repeat).
    #[arg(long = "topic")]
    topics: Vec<String>,
    /// Event-type filters: exact, or a prefix like `order.*` (repeat; default: all).
    #[arg(long = "event-type")]
    event_types: Vec<String>,
    /// Custom header `name=value` (repeat).
    #[arg(long = "header", value_parser = parse_header)]
    headers: Vec<(String, String)>,
    /// Deliveries per second (0 = unlimited).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Concurrent deliveries (0 = the default).
    #[arg(long)]
    max_in_flight: Option<u32>,
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .ok_or_else(|| format!("header {s:?} must be name=value"))
}

/// Webhook subscriptions.
#[derive(Debug, Subcommand)]
pub enum SubscriptionCommand {
    /// Create a subscription; its signing secret is printed once.
    Create {
        /// Team.
        team: String,
        #[command(flatten)]
        settings: SubscriptionSettings,
    },
    /// Show a subscription.
    Get {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
    },
    /// List a team's subscriptions.
    List {
        /// Team.
        team: String,
    },
    /// Change a subscription; only the given settings change.
    Update {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
        #[command(flatten)]
        settings: SubscriptionSettings,
        /// Remove every event-type filter (deliver all types).
        #[arg(long)]
        clear_event_types: bool,
        /// Remove every custom header.
        #[arg(long)]
        clear_headers: bool,
    },
    /// Stop deliveries until resumed (events wait in Kafka).
    Pause {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
    },
    /// Resume a paused or disabled subscription.
    Resume {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
    },
    /// Disable a subscription with a reason.
    Disable {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Issue a new signing secret; the old one keeps signing for the overlap.
    RotateSecret {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
        /// How long the old secrets keep signing, in milliseconds: 0 cuts them at once (a
        /// leaked secret); omitted, the server's default (24 h).
        #[arg(long)]
        overlap_ms: Option<i64>,
    },
    /// Delete a subscription.
    Delete {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
    },
}

/// Arguments of `herald attempts`.
#[derive(Debug, Args)]
pub struct AttemptsArgs {
    /// Team.
    team: String,
    /// Subscription id.
    subscription: String,
    /// At most this many (newest first).
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

/// Arguments of `herald dlq`.
#[derive(Debug, Args)]
pub struct DlqArgs {
    /// Team.
    team: String,
    /// Subscription id.
    subscription: String,
    /// At most this many (newest first).
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Dead-lettered at or after (RFC 3339 or unix ms).
    #[arg(long, value_parser = parse_time)]
    since: Option<i64>,
    /// Dead-lettered before (RFC 3339 or unix ms).
    #[arg(long, value_parser = parse_time)]
    until: Option<i64>,
}

/// Replays.
#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// Send a subscription's dead letters back to delivery (those not yet redriven).
    Dlq {
        /// Which dead letters.
        #[command(flatten)]
        range: DlqArgs,
        /// Also those already redriven.
        #[arg(long)]
        include_redriven: bool,
        /// Only this event (repeat for several).
        #[arg(long = "event-id")]
        event_ids: Vec<String>,
    },
    /// Re-deliver a topic to one subscription from an offset or a time.
    Topic {
        /// Team.
        team: String,
        /// Subscription id.
        subscription: String,
        /// Topic (`<topic>` or `<team>.<topic>`), one of the subscription's.
        topic: String,
        /// Start at this offset in every partition.
        #[arg(
            long,
            conflicts_with = "from_time",
            required_unless_present = "from_time"
        )]
        from_offset: Option<i64>,
        /// Start at this time (RFC 3339 or unix ms).
        #[arg(long, value_parser = parse_time)]
        from_time: Option<i64>,
        /// At most this many events (0 = the server's bound).
        #[arg(long, default_value_t = 0)]
        limit: u32,
    },
}

fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|e| format!("{s:?} is neither unix milliseconds nor RFC 3339: {e}"))
}

/// One control-plane command.
#[derive(Debug)]
pub enum AdminCommand {
    /// `herald team …`.
    Team(TeamCommand),
    /// `herald topic …`.
    Topic(TopicCommand),
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

/// What a command produced: JSON for scripts, and a table or a message for people.
struct Printed {
    json: Value,
    table: Option<(Vec<&'static str>, Vec<Vec<String>>)>,
    /// Lines printed after the table (e.g. a secret shown once).
    notes: Vec<String>,
}

impl Printed {
    fn rows(json: Value, columns: Vec<&'static str>, rows: Vec<Vec<String>>) -> Self {
        Self {
            json,
            table: Some((columns, rows)),
            notes: Vec::new(),
        }
    }

    fn done(message: String) -> Self {
        Self {
            json: json!({ "ok": true }),
            table: None,
            notes: vec![message],
        }
    }

    fn note(mut self, line: String) -> Self {
        self.notes.push(line);
        self
    }
}

fn print(output: Output, p: Printed) -> anyhow::Result<()> {
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&p.json)?),
        Output::Table => {
            if let Some((columns, rows)) = p.table {
                print_table(&columns, &rows);
            }
            for n in p.notes {
                println!("{n}");
            }
        }
    }
    Ok(())
}

fn print_table(columns: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.len()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let s: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", s.join("  ").trim_end());
    };
    line(columns.iter().map(|c| c.to_uppercase()).collect());
    for r in rows {
        line(r.clone());
    }
}

fn time(ms: i64) -> String {
    if ms <= 0 {
        return "-".into();
    }
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

fn scope_name(s: i32) -> &'static str {
    match Scope::try_from(s) {
        Ok(Scope::Publish) => "publish",
        Ok(Scope::Subscribe) => "subscribe",
        Ok(Scope::Admin) => "admin",
        _ => "unspecified",
    }
}

fn state_name(s: i32) -> &'static str {
    match SubscriptionState::try_from(s) {
        Ok(SubscriptionState::Active) => "active",
        Ok(SubscriptionState::Paused) => "paused",
        Ok(SubscriptionState::Disabled) => "disabled",
        _ => "unspecified",
    }
}

fn outcome_name(o: i32) -> &'static str {
    match AttemptOutcome::try_from(o) {
        Ok(AttemptOutcome::Succeeded) => "succeeded",
        Ok(AttemptOutcome::Retrying) => "retrying",
        Ok(AttemptOutcome::DeadLettered) => "dead-lettered",
        Ok(AttemptOutcome::Disabled) => "disabled",
        Ok(AttemptOutcome::ShortCircuited) => "short-circuited",
        _ => "unspecified",
    }
}

fn team_json(t: &Team) -> Value {
    json!({ "name": t.name, "display_name": t.display_name, "created_at": time(t.created_at_ms) })
}

fn topic_json(t: &Topic) -> Value {
    json!({
        "team": t.team, "name": t.name, "kafka_topic": t.kafka_topic, "partitions": t.partitions,
        "retention_ms": t.retention_ms, "created_at": time(t.created_at_ms),
    })
}

fn key_json(k: &ApiKey) -> Value {
    json!({
        "id": k.id, "team": k.team, "name": k.name,
        "scopes": k.scopes.iter().map(|s| scope_name(*s)).collect::<Vec<_>>(),
        "topics": k.topics, "created_at": time(k.created_at_ms),
    })
}

fn grant_json(g: &Grant) -> Value {
    json!({ "id": g.id, "team": g.team, "topic": g.topic, "grantee": g.grantee, "created_at": time(g.created_at_ms) })
}

fn sub_json(s: &Subscription) -> Value {
    let headers: BTreeMap<_, _> = s.headers.iter().collect();
    json!({
        "id": s.id, "team": s.team, "topics": s.topics, "url": s.url, "event_types": s.event_types,
        "headers": headers, "rate_limit": s.rate_limit, "max_in_flight": s.max_in_flight,
        "state": state_name(s.state), "disabled_reason": s.disabled_reason,
        "created_at": time(s.created_at_ms), "updated_at": time(s.updated_at_ms),
    })
}

fn attempt_json(a: &AttemptRecord) -> Value {
    json!({
        "at": time(a.at_ms), "event_id": a.event_id, "attempt": a.attempt, "status": a.status,
        "outcome": outcome_name(a.outcome), "latency_ms": a.latency_ms, "error": a.error,
        "url": a.url, "source_topic": a.source_topic, "source_partition": a.source_partition,
        "source_offset": a.source_offset, "response_excerpt": a.response_excerpt,
    })
}

fn task_json(t: &DeliveryTask) -> Value {
    json!({
        "event_id": t.event_id, "event_type": t.event_type, "source_topic": t.source_topic,
        "source_partition": t.source_partition, "source_offset": t.source_offset,
        "attempt": t.attempt, "last_status": t.last_status, "last_error": t.last_error,
        "dead_lettered_at": time(t.dead_lettered_at_ms), "reason": t.dead_letter_reason,
        "redriven_at": (t.redriven_at_ms > 0).then(|| time(t.redriven_at_ms)),
        "data": String::from_utf8_lossy(&t.data),
    })
}

fn teams_out(teams: &[Team]) -> Printed {
    Printed::rows(
        json!(teams.iter().map(team_json).collect::<Vec<_>>()),
        vec!["name", "display name", "created"],
        teams
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    t.display_name.clone(),
                    time(t.created_at_ms),
                ]
            })
            .collect(),
    )
}

fn retention(ms: i64) -> String {
    match ms {
        -1 => "forever".into(),
        ms if ms % 86_400_000 == 0 => format!("{}d", ms / 86_400_000),
        ms if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms => format!("{ms}ms"),
    }
}

fn topics_out(topics: &[Topic]) -> Printed {
    Printed::rows(
        json!(topics.iter().map(topic_json).collect::<Vec<_>>()),
        vec!["kafka topic", "partitions", "retention", "created"],
        topics
            .iter()
            .map(|t| {
                vec![
                    t.kafka_topic.clone(),
                    t.partitions.to_string(),
                    retention(t.retention_ms),
                    time(t.created_at_ms),
                ]
            })
            .collect(),
    )
}

fn keys_out(keys: &[ApiKey]) -> Printed {
    Printed::rows(
        json!(keys.iter().map(key_json).collect::<Vec<_>>()),
        vec!["id", "name", "scopes", "topics", "created"],
        keys.iter()
            .map(|k| {
                vec![
                    k.id.clone(),
                    k.name.clone(),
                    k.scopes
                        .iter()
                        .map(|s| scope_name(*s))
                        .collect::<Vec<_>>()
                        .join(","),
                    if k.topics.is_empty() {
                        "*".into()
                    } else {
                        k.topics.join(",")
                    },
                    time(k.created_at_ms),
                ]
            })
            .collect(),
    )
}

fn grants_out(grants: &[Grant]) -> Printed {
    Printed::rows(
        json!(grants.iter().map(grant_json).collect::<Vec<_>>()),
        vec!["id", "topic", "grantee", "created"],
        grants
            .iter()
            .map(|g| {
                vec![
                    g.id.clone(),
                    format!("{}.{}", g.team, g.topic),
                    g.grantee.clone(),
                    time(g.created_at_ms),
                ]
            })
            .collect(),
    )
}

fn subs_out(subs: &[Subscription]) -> Printed {
    Printed::rows(
        json!(subs.iter().map(sub_json).collect::<Vec<_>>()),
        vec!["id", "state", "url", "topics", "event types"],
        subs.iter()
            .map(|s| {
                let state = if s.disabled_reason.is_empty() {
                    state_name(s.state).to_owned()
                } else {
                    format!("{} ({})", state_name(s.state), s.disabled_reason)
                };
                vec![
                    s.id.clone(),
                    state,
                    s.url.clone(),
                    s.topics.join(","),
                    if s.event_types.is_empty() {
                        "*".into()
                    } else {
                        s.event_types.join(",")
                    },
                ]
            })
            .collect(),
    )
}

fn replay_out(r: &ReplayResponse) -> Printed {
    Printed {
        json: json!({ "replayed": r.replayed, "scanned": r.scanned, "truncated": r.truncated }),
        table: None,
        notes: vec![format!(
            "replayed {} of {} records examined{}",
            r.replayed,
            r.scanned,
            if r.truncated {
                " (stopped at a bound; run again from where it stopped for more)"
            } else {
                ""
            }
        )],
    }
}

fn secret_out(json_key: &str, sub: &Subscription, secret: String) -> Printed {
    let mut p = subs_out(std::slice::from_ref(sub));
    p.json = json!({ "subscription": sub_json(sub), json_key: secret });
    p.note(format!("\nsigning secret (shown once): {secret}"))
}

fn dlq_request(a: DlqArgs) -> ListDeadLettersRequest {
    ListDeadLettersRequest {
        team: a.team,
        subscription_id: a.subscription,
        limit: a.limit,
        since_ms: a.since.unwrap_or(0),
        until_ms: a.until.unwrap_or(0),
    }
}

async fn execute(c: &mut Client, command: AdminCommand) -> Result<Printed, tonic::Status> {
    Ok(match command {
        AdminCommand::Team(cmd) => match cmd {
            TeamCommand::Create { name, display_name } => {
                let t = c
                    .create_team(CreateTeamRequest { name, display_name })
                    .await?
                    .into_inner();
                teams_out(&[t])
            }
            TeamCommand::Get { name } => {
                teams_out(&[c.get_team(GetTeamRequest { name }).await?.into_inner()])
            }
            TeamCommand::List => {
                teams_out(&c.list_teams(ListTeamsRequest {}).await?.into_inner().teams)
            }
            TeamCommand::Delete { name } => {
                c.delete_team(DeleteTeamRequest { name: name.clone() })
                    .await?;
                Printed::done(format!("deleted team {name}"))
            }
        },
        AdminCommand::Topic(cmd) => match cmd {
            TopicCommand::Create {
                team,
                name,
                partitions,
                retention_ms,
            } => {
                let t = c
                    .create_topic(CreateTopicRequest {
                        team,
                        name,
                        partitions,
                        retention_ms,
                    })
                    .await?
                    .into_inner();
                topics_out(&[t])
            }
            TopicCommand::List { team } => topics_out(
                &c.list_topics(ListTopicsRequest { team })
                    .await?
                    .into_inner()
                    .topics,
            ),
            TopicCommand::Describe { team, name } => {
                let d = c
                    .describe_topic(DescribeTopicRequest { team, name })
                    .await?
                    .into_inner();
                let topic = d.topic.unwrap_or_default();
                let parts: Vec<Value> = d
                    .partitions
                    .iter()
                    .map(|p| json!({ "partition": p.partition, "low_offset": p.low_offset, "high_offset": p.high_offset }))
                    .collect();
                let mut json = topic_json(&topic);
                json["partition_offsets"] = json!(parts);
                Printed::rows(
                    json,
                    vec!["partition", "low offset", "high offset", "records"],
                    d.partitions
                        .iter()
                        .map(|p| {
                            vec![
                                p.partition.to_string(),
                                p.low_offset.to_string(),
                                p.high_offset.to_string(),
                                (p.high_offset - p.low_offset).to_string(),
                            ]
                        })
                        .collect(),
                )
                .note(format!(
                    "\n{} ({} partitions, retention {})",
                    topic.kafka_topic,
                    topic.partitions,
                    retention(topic.retention_ms)
                ))
            }
            TopicCommand::Delete { team, name } => {
                c.delete_topic(DeleteTopicRequest {
                    team: team.clone(),
                    name: name.clone(),
                })
                .await?;
                Printed::done(format!("deleted topic {team}.{name}"))
            }
        },
        AdminCommand::Key(cmd) => match cmd {
            KeyCommand::Create {
                team,
                scopes,
                topics,
                name,
            } => {
                let scopes = scopes
                    .iter()
                    .map(|s| match s {
                        ScopeArg::Publish => Scope::Publish as i32,
                        ScopeArg::Subscribe => Scope::Subscribe as i32,
                        ScopeArg::Admin => Scope::Admin as i32,
                    })
                    .collect();
                let r = c
                    .create_api_key(CreateApiKeyRequest {
                        team,
                        name,
                        scopes,
                        topics,
                    })
                    .await?
                    .into_inner();
                let key = r.key.unwrap_or_default();
                let mut p = keys_out(std::slice::from_ref(&key));
                p.json = json!({ "key": key_json(&key), "secret": r.secret });
                p.note(format!("\napi key (shown once): {}", r.secret))
            }
            KeyCommand::List { team } => keys_out(
                &c.list_api_keys(ListApiKeysRequest { team })
                    .await?
                    .into_inner()
                    .keys,
            ),
            KeyCommand::Revoke { team, id } => {
                c.revoke_api_key(RevokeApiKeyRequest {
                    team,
                    id: id.clone(),
                })
                .await?;
                Printed::done(format!("revoked key {id}"))
            }
        },
        AdminCommand::Grant(cmd) => match cmd {
            GrantCommand::Create {
                team,
                topic,
                grantee,
            } => grants_out(&[c
                .create_grant(CreateGrantRequest {
                    team,
                    topic,
                    grantee,
                })
                .await?
                .into_inner()]),
            GrantCommand::List { team } => grants_out(
                &c.list_grants(ListGrantsRequest { team })
                    .await?
                    .into_inner()
                    .grants,
            ),
            GrantCommand::Revoke { team, id } => {
                c.revoke_grant(RevokeGrantRequest {
                    team,
                    id: id.clone(),
                })
                .await?;
                Printed::done(format!("revoked grant {id}"))
            }
        },
        AdminCommand::Subscription(cmd) => subscription(c, cmd).await?,
        AdminCommand::Attempts(a) => {
            let r = c
                .list_attempts(ListAttemptsRequest {
                    team: a.team,
                    subscription_id: a.subscription,
                    limit: a.limit,
                })
                .await?
                .into_inner();
            let p = Printed::rows(
                json!({ "attempts": r.attempts.iter().map(attempt_json).collect::<Vec<_>>(), "truncated": r.truncated }),
                vec![
                    "at", "event", "attempt", "status", "outcome", "latency", "error",
                ],
                r.attempts
                    .iter()
                    .map(|a| {
                        vec![
                            time(a.at_ms),
                            a.event_id.clone(),
                            a.attempt.to_string(),
                            a.status.to_string(),
                            outcome_name(a.outcome).into(),
                            format!("{}ms", a.latency_ms),
                            a.error.clone(),
                        ]
                    })
                    .collect(),
            );
            if r.truncated {
                p.note("(more history exists)".into())
            } else {
                p
            }
        }
        AdminCommand::Dlq(a) => dead_letters(c, dlq_request(a)).await?,
        AdminCommand::Replay(ReplayCommand::Dlq {
            range: a,
            include_redriven,
            event_ids,
        }) => {
            let r = c
                .replay_dead_letters(ReplayDeadLettersRequest {
                    team: a.team,
                    subscription_id: a.subscription,
                    since_ms: a.since.unwrap_or(0),
                    until_ms: a.until.unwrap_or(0),
                    limit: a.limit,
                    include_redriven,
                    event_ids,
                })
                .await?
                .into_inner();
            replay_out(&r)
        }
        AdminCommand::Replay(ReplayCommand::Topic {
            team,
            subscription,
            topic,
            from_offset,
            from_time,
            limit,
        }) => {
            let from = match (from_offset, from_time) {
                (Some(o), _) => replay_topic_request::From::FromOffset(o),
                (None, Some(t)) => replay_topic_request::From::FromTimeMs(t),
                (None, None) => {
                    return Err(tonic::Status::invalid_argument(
                        "give --from-offset or --from-time",
                    ));
                }
            };
            let r = c
                .replay_topic(ReplayTopicRequest {
                    team,
                    subscription_id: subscription,
                    topic,
                    from: Some(from),
                    limit,
                })
                .await?
                .into_inner();
            replay_out(&r)
        }
    })
}

async fn dead_letters(
    c: &mut Client,
    req: ListDeadLettersRequest,
) -> Result<Printed, tonic::Status> {
    let r = c.list_dead_letters(req).await?.into_inner();
    let p = Printed::rows(
        json!({ "tasks": r.tasks.iter().map(task_json).collect::<Vec<_>>(), "truncated": r.truncated }),
        vec![
            "dead-lettered",
            "event",
            "type",
            "source",
            "attempts",
            "reason",
            "redriven",
        ],
        r.tasks
            .iter()
            .map(|t| {
                vec![
                    time(t.dead_lettered_at_ms),
                    t.event_id.clone(),
                    t.event_type.clone(),
                    format!(
                        "{}/{}@{}",
                        t.source_topic, t.source_partition, t.source_offset
                    ),
                    t.attempt.to_string(),
                    if t.dead_letter_reason.is_empty() {
                        t.last_error.clone()
                    } else {
                        t.dead_letter_reason.clone()
                    },
                    if t.redriven_at_ms > 0 {
                        time(t.redriven_at_ms)
                    } else {
                        "-".into()
                    },
                ]
            })
            .collect(),
    );
    Ok(if r.truncated {
        p.note("(more dead letters exist)".into())
    } else {
        p
    })
}

async fn subscription(c: &mut Client, cmd: SubscriptionCommand) -> Result<Printed, tonic::Status> {
    Ok(match cmd {
        SubscriptionCommand::Create { team, settings } => {
            let r = c
                .create_subscription(CreateSubscriptionRequest {
                    team,
                    topics: settings.topics,
                    url: settings.url.unwrap_or_default(),
                    event_types: settings.event_types,
                    headers: settings.headers.into_iter().collect(),
                    rate_limit: settings.rate_limit.unwrap_or(0),
                    max_in_flight: settings.max_in_flight.unwrap_or(0),
                })
                .await?
                .into_inner();
            secret_out("secret", &r.subscription.unwrap_or_default(), r.secret)
        }
        SubscriptionCommand::Get { team, id } => {
            let s = c
                .get_subscription(GetSubscriptionRequest { team, id })
                .await?
                .into_inner();
            Printed {
                json: sub_json(&s),
                table: None,
                notes: vec![serde_json::to_string_pretty(&sub_json(&s)).unwrap_or_default()],
            }
        }
        SubscriptionCommand::List { team } => subs_out(
            &c.list_subscriptions(ListSubscriptionsRequest { team })
                .await?
                .into_inner()
                .subscriptions,
        ),
        SubscriptionCommand::Update {
            team,
            id,
            settings,
            clear_event_types,
            clear_headers,
        } => {
            let mut mask = Vec::new();
            let mut field = |name: &str, set: bool| {
                if set {
                    mask.push(name.to_owned());
                }
            };
            field("url", settings.url.is_some());
            field("topics", !settings.topics.is_empty());
            field(
                "event_types",
                !settings.event_types.is_empty() || clear_event_types,
            );
            field("headers", !settings.headers.is_empty() || clear_headers);
            field("rate_limit", settings.rate_limit.is_some());
            field("max_in_flight", settings.max_in_flight.is_some());
            if mask.is_empty() {
                return Err(tonic::Status::invalid_argument(
                    "nothing to update: give at least one setting",
                ));
            }
            let s = c
                .update_subscription(UpdateSubscriptionRequest {
                    team,
                    id,
                    event_types: settings.event_types,
                    headers: settings.headers.into_iter().collect(),
                    rate_limit: settings.rate_limit.unwrap_or(0),
                    max_in_flight: settings.max_in_flight.unwrap_or(0),
                    url: settings.url.unwrap_or_default(),
                    update_mask: mask,
                    topics: settings.topics,
                })
                .await?
                .into_inner();
            subs_out(&[s])
        }
        SubscriptionCommand::Pause { team, id } => subs_out(&[c
            .pause_subscription(PauseSubscriptionRequest { team, id })
            .await?
            .into_inner()]),
        SubscriptionCommand::Resume { team, id } => subs_out(&[c
            .resume_subscription(ResumeSubscriptionRequest { team, id })
            .await?
            .into_inner()]),
        SubscriptionCommand::Disable { team, id, reason } => subs_out(&[c
            .disable_subscription(DisableSubscriptionRequest { team, id, reason })
            .await?
            .into_inner()]),
        SubscriptionCommand::RotateSecret {
            team,
            id,
            overlap_ms,
        } => {
            let r = c
                .rotate_secret(RotateSecretRequest {
                    team,
                    id,
                    overlap_ms,
                })
                .await?
                .into_inner();
            secret_out("secret", &r.subscription.unwrap_or_default(), r.secret)
        }
        SubscriptionCommand::Delete { team, id } => {
            c.delete_subscription(DeleteSubscriptionRequest {
                team,
                id: id.clone(),
            })
            .await?;
            Printed::done(format!("deleted subscription {id}"))
        }
    })
}

/// Refuses a command that needs a key when none was given, with a hint.
pub fn require_key(conn: &Connection) -> anyhow::Result<()> {
    if conn.key.as_deref().is_none_or(str::is_empty) {
        bail!("no key: pass --key <api key> or set HERALD_KEY (the root key for team management)");
    }
    Ok(())
}
