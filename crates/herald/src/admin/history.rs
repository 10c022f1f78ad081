//! `herald attempts`, `herald dlq`, `herald replay`: delivery history and replays.

use super::output::*;
use super::*;

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
    /// Only attempts with this outcome.
    #[arg(long, value_parser = parse_outcome)]
    status: Option<AttemptOutcome>,
    /// Only attempts to deliver this event.
    #[arg(long)]
    event_id: Option<String>,
    /// The next page: the `next_page_token` a previous call printed.
    #[arg(long)]
    page_token: Option<String>,
}

fn parse_outcome(s: &str) -> Result<AttemptOutcome, String> {
    match s {
        "succeeded" => Ok(AttemptOutcome::Succeeded),
        "retrying" => Ok(AttemptOutcome::Retrying),
        "dead-lettered" => Ok(AttemptOutcome::DeadLettered),
        "disabled" => Ok(AttemptOutcome::Disabled),
        "short-circuited" => Ok(AttemptOutcome::ShortCircuited),
        _ => Err(format!(
            "unknown outcome {s:?}: use succeeded, retrying, dead-lettered, disabled or short-circuited"
        )),
    }
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
    /// The next page: the `next_page_token` a previous call printed.
    #[arg(long)]
    page_token: Option<String>,
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

fn dlq_request(a: DlqArgs) -> ListDeadLettersRequest {
    ListDeadLettersRequest {
        team: a.team,
        subscription_id: a.subscription,
        limit: a.limit,
        since_ms: a.since.unwrap_or(0),
        until_ms: a.until.unwrap_or(0),
        page_token: a.page_token.unwrap_or_default(),
    }
}

/// Runs `herald attempts`, `herald dlq` or `herald replay`.
pub(super) async fn execute(
    c: &mut Client,
    command: AdminCommand,
) -> Result<Printed, tonic::Status> {
    Ok(match command {
        AdminCommand::Attempts(a) => {
            let r = c
                .list_attempts(ListAttemptsRequest {
                    team: a.team,
                    subscription_id: a.subscription,
                    limit: a.limit,
                    outcome: a.status.map_or(0, |o| o as i32),
                    event_id: a.event_id.unwrap_or_default(),
                    page_token: a.page_token.unwrap_or_default(),
                })
                .await?
                .into_inner();
            let p = Printed::rows(
                json!({ "attempts": r.attempts.iter().map(attempt_json).collect::<Vec<_>>(), "truncated": r.truncated, "next_page_token": r.next_page_token }),
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
            match r.next_page_token.as_str() {
                "" if r.truncated => p.note("(more history exists)".into()),
                "" => p,
                token => p.note(format!("(next page: --page-token {token})")),
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
        other => unreachable!("not a history command: {other:?}"),
    })
}

async fn dead_letters(
    c: &mut Client,
    req: ListDeadLettersRequest,
) -> Result<Printed, tonic::Status> {
    let r = c.list_dead_letters(req).await?.into_inner();
    let p = Printed::rows(
        json!({ "tasks": r.tasks.iter().map(task_json).collect::<Vec<_>>(), "truncated": r.truncated, "next_page_token": r.next_page_token }),
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
    Ok(match r.next_page_token.as_str() {
        "" if r.truncated => p.note("(more dead letters exist)".into()),
        "" => p,
        token => p.note(format!("(next page: --page-token {token})")),
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// `herald replay …` on its own, to check how arguments parse.
    #[derive(Debug, Parser)]
    struct Replay {
        #[command(subcommand)]
        cmd: ReplayCommand,
    }

    #[test]
    fn times_are_unix_ms_or_rfc3339() {
        assert_eq!(parse_time("1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert!(parse_time("yesterday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn a_dead_letter_replay_takes_its_range_redrive_flag_and_event_ids() {
        let parsed = Replay::try_parse_from([
            "replay",
            "dlq",
            "acme",
            "sub_1",
            "--since",
            "1000",
            "--include-redriven",
            "--event-id",
            "e1",
            "--event-id",
            "e2",
        ])
        .unwrap();
        let ReplayCommand::Dlq {
            range,
            include_redriven,
            event_ids,
        } = parsed.cmd
        else {
            panic!("not a dlq replay");
        };
        assert_eq!((range.team.as_str(), range.since), ("acme", Some(1000)));
        assert!(include_redriven);
        assert_eq!(event_ids, ["e1", "e2"]);
        let request = dlq_request(range);
        assert_eq!(request.since_ms, 1000);
        assert_eq!(request.subscription_id, "sub_1");
    }
}
