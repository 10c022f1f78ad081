//! `herald subscription`: webhook subscriptions.

use super::output::*;
use super::*;

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
    /// Free text for people.
    #[arg(long)]
    description: Option<String>,
    /// Run the CloudEvents webhook validation handshake (OPTIONS) against the endpoint first;
    /// nothing is stored when it fails.
    #[arg(long)]
    verify: bool,
    /// Delivery order: `unordered` (default) or `key` (one record key's webhooks in publish
    /// order; a failing key blocks only itself).
    #[arg(long)]
    ordering: Option<String>,
    /// With `--ordering key`, what follows a dead-lettered key's event: `skip` (default: its
    /// later events go on) or `hold` (they follow it into the DLQ).
    #[arg(long)]
    on_dead_letter: Option<String>,
    /// CloudEvents HTTP content mode: `binary` (default, `ce-*` headers) or `structured`
    /// (`application/cloudevents+json` body).
    #[arg(long)]
    content_mode: Option<String>,
    /// Payload filter expression, e.g. `data.amount > 100` (docs/catalog.md); `""` on update
    /// removes it.
    #[arg(long)]
    filter: Option<String>,
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
        /// The signing secret to use (`whsec_` + base64 of 24-64 bytes); default: a new one.
        #[arg(long)]
        secret: Option<String>,
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
    /// Delivery health over a window ending now: rates, latency, the circuit, recent failures.
    Health {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
        /// The window in milliseconds (default: 1 hour, at most 7 days).
        #[arg(long)]
        window_ms: Option<i64>,
    },
    /// Send a test event to this subscription only; prints its event id.
    Test {
        /// Team.
        team: String,
        /// Subscription id.
        id: String,
        /// The event type (default: herald.test).
        #[arg(long)]
        event_type: Option<String>,
        /// The event's data as JSON (default: a small message with the time).
        #[arg(long)]
        data: Option<String>,
    },
}

/// Runs a `herald subscription` command.
pub(super) async fn execute(
    c: &mut Client,
    cmd: SubscriptionCommand,
) -> Result<Printed, tonic::Status> {
    Ok(match cmd {
        SubscriptionCommand::Create {
            team,
            settings,
            secret,
        } => {
            let r = c
                .create_subscription(CreateSubscriptionRequest {
                    team,
                    topics: settings.topics,
                    url: settings.url.unwrap_or_default(),
                    event_types: settings.event_types,
                    headers: settings.headers.into_iter().collect(),
                    rate_limit: settings.rate_limit.unwrap_or(0),
                    max_in_flight: settings.max_in_flight.unwrap_or(0),
                    secret: secret.unwrap_or_default(),
                    description: settings.description.unwrap_or_default(),
                    verify_endpoint: settings.verify,
                    ordering: settings.ordering.unwrap_or_default(),
                    on_dead_letter: settings.on_dead_letter.unwrap_or_default(),
                    content_mode: settings.content_mode.unwrap_or_default(),
                    filter: settings.filter.unwrap_or_default(),
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
            field("description", settings.description.is_some());
            field("ordering", settings.ordering.is_some());
            field("on_dead_letter", settings.on_dead_letter.is_some());
            field("content_mode", settings.content_mode.is_some());
            field("filter", settings.filter.is_some());
            if mask.is_empty() && !settings.verify {
                return Err(tonic::Status::invalid_argument(
                    "nothing to update: give at least one setting (or --verify)",
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
                    description: settings.description.unwrap_or_default(),
                    verify_endpoint: settings.verify,
                    ordering: settings.ordering.unwrap_or_default(),
                    on_dead_letter: settings.on_dead_letter.unwrap_or_default(),
                    content_mode: settings.content_mode.unwrap_or_default(),
                    filter: settings.filter.unwrap_or_default(),
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
        SubscriptionCommand::Health {
            team,
            id,
            window_ms,
        } => health_out(
            &c.get_subscription_health(GetSubscriptionHealthRequest {
                team,
                subscription_id: id,
                window_ms: window_ms.unwrap_or(0),
            })
            .await?
            .into_inner(),
        ),
        SubscriptionCommand::Test {
            team,
            id,
            event_type,
            data,
        } => {
            let r = c
                .send_test_event(SendTestEventRequest {
                    team,
                    subscription_id: id,
                    event_type: event_type.unwrap_or_default(),
                    data_json: data.unwrap_or_default(),
                })
                .await?
                .into_inner();
            Printed {
                json: json!({ "event_id": r.event_id }),
                table: None,
                notes: vec![format!(
                    "sent test event {} (see `herald attempts --event-id {}`)",
                    r.event_id, r.event_id
                )],
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `herald subscription …` on its own, to check how arguments parse.
    #[derive(Debug, clap::Parser)]
    struct Sub {
        #[command(subcommand)]
        cmd: SubscriptionCommand,
    }

    fn overlap(args: &[&str]) -> Option<i64> {
        let args = ["subscription", "rotate-secret", "acme", "sub_1"]
            .iter()
            .chain(args);
        match <Sub as clap::Parser>::try_parse_from(args).unwrap().cmd {
            SubscriptionCommand::RotateSecret { overlap_ms, .. } => overlap_ms,
            other => panic!("not a rotation: {other:?}"),
        }
    }

    #[test]
    fn rotation_overlap_zero_is_sent_and_an_omitted_one_is_left_to_the_server() {
        assert_eq!(overlap(&["--overlap-ms", "0"]), Some(0), "cuts at once");
        assert_eq!(overlap(&["--overlap-ms", "60000"]), Some(60_000));
        assert_eq!(overlap(&[]), None, "the server's default");
    }

    #[test]
    fn health_and_test_leave_omitted_settings_to_the_server() {
        let parse = |args: &[&str]| <Sub as clap::Parser>::try_parse_from(args).unwrap().cmd;
        match parse(&["subscription", "health", "acme", "sub_1"]) {
            SubscriptionCommand::Health { window_ms, .. } => assert_eq!(window_ms, None),
            other => panic!("not health: {other:?}"),
        }
        match parse(&[
            "subscription",
            "test",
            "acme",
            "sub_1",
            "--event-type",
            "order.created",
            "--data",
            r#"{"order":42}"#,
        ]) {
            SubscriptionCommand::Test {
                event_type, data, ..
            } => {
                assert_eq!(event_type.as_deref(), Some("order.created"));
                assert_eq!(data.as_deref(), Some(r#"{"order":42}"#));
            }
            other => panic!("not a test event: {other:?}"),
        }
    }

    #[test]
    fn headers_are_name_equals_value() {
        assert_eq!(
            parse_header("Authorization=Bearer a=b"),
            Ok(("Authorization".into(), "Bearer a=b".into()))
        );
        assert!(parse_header("no-value").unwrap_err().contains("name=value"));
    }
}
