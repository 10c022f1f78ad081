//! How answers are printed: tables for people, JSON for scripts.

use super::*;

/// What a command produced: JSON for scripts, and a table or a message for people.
pub(super) struct Printed {
    pub(super) json: Value,
    pub(super) table: Option<(Vec<&'static str>, Vec<Vec<String>>)>,
    /// Lines printed after the table (e.g. a secret shown once).
    pub(super) notes: Vec<String>,
}

impl Printed {
    pub(super) fn rows(json: Value, columns: Vec<&'static str>, rows: Vec<Vec<String>>) -> Self {
        Self {
            json,
            table: Some((columns, rows)),
            notes: Vec::new(),
        }
    }

    pub(super) fn done(message: String) -> Self {
        Self {
            json: json!({ "ok": true }),
            table: None,
            notes: vec![message],
        }
    }

    pub(super) fn note(mut self, line: String) -> Self {
        self.notes.push(line);
        self
    }
}

pub(super) fn print(output: Output, p: Printed) -> anyhow::Result<()> {
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

pub(super) fn print_table(columns: &[&str], rows: &[Vec<String>]) {
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

pub(super) fn time(ms: i64) -> String {
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

pub(super) fn scope_name(s: i32) -> &'static str {
    match Scope::try_from(s) {
        Ok(Scope::Publish) => "publish",
        Ok(Scope::Subscribe) => "subscribe",
        Ok(Scope::Admin) => "admin",
        _ => "unspecified",
    }
}

pub(super) fn state_name(s: i32) -> &'static str {
    match SubscriptionState::try_from(s) {
        Ok(SubscriptionState::Active) => "active",
        Ok(SubscriptionState::Paused) => "paused",
        Ok(SubscriptionState::Disabled) => "disabled",
        _ => "unspecified",
    }
}

pub(super) fn outcome_name(o: i32) -> &'static str {
    match AttemptOutcome::try_from(o) {
        Ok(AttemptOutcome::Succeeded) => "succeeded",
        Ok(AttemptOutcome::Retrying) => "retrying",
        Ok(AttemptOutcome::DeadLettered) => "dead-lettered",
        Ok(AttemptOutcome::Disabled) => "disabled",
        Ok(AttemptOutcome::ShortCircuited) => "short-circuited",
        _ => "unspecified",
    }
}

pub(super) fn team_json(t: &Team) -> Value {
    json!({ "name": t.name, "display_name": t.display_name, "created_at": time(t.created_at_ms) })
}

pub(super) fn topic_json(t: &Topic) -> Value {
    json!({
        "team": t.team, "name": t.name, "kafka_topic": t.kafka_topic, "partitions": t.partitions,
        "retention_ms": t.retention_ms, "created_at": time(t.created_at_ms),
        "schema_policy": SchemaPolicy::try_from(t.schema_policy)
            .map_or("off", |p| p.as_str_name().trim_start_matches("SCHEMA_POLICY_"))
            .to_ascii_lowercase(),
    })
}

pub(super) fn key_json(k: &ApiKey) -> Value {
    json!({
        "id": k.id, "team": k.team, "name": k.name,
        "scopes": k.scopes.iter().map(|s| scope_name(*s)).collect::<Vec<_>>(),
        "topics": k.topics, "created_at": time(k.created_at_ms),
        "expires_at": (k.expires_at_ms > 0).then(|| time(k.expires_at_ms)), "portal": k.portal,
    })
}

pub(super) fn grant_json(g: &Grant) -> Value {
    json!({ "id": g.id, "team": g.team, "topic": g.topic, "grantee": g.grantee, "created_at": time(g.created_at_ms) })
}

/// A setting stored before it existed reads empty: its default.
fn or_default<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.is_empty() { default } else { value }
}

pub(super) fn sub_json(s: &Subscription) -> Value {
    let headers: BTreeMap<_, _> = s.headers.iter().collect();
    json!({
        "id": s.id, "team": s.team, "topics": s.topics, "url": s.url, "event_types": s.event_types,
        "headers": headers, "rate_limit": s.rate_limit, "max_in_flight": s.max_in_flight,
        "state": state_name(s.state), "disabled_reason": s.disabled_reason,
        "description": s.description,
        "filter": s.filter,
        "ordering": or_default(&s.ordering, "unordered"),
        "on_dead_letter": or_default(&s.on_dead_letter, "skip"),
        "content_mode": or_default(&s.content_mode, "binary"),
        "created_at": time(s.created_at_ms), "updated_at": time(s.updated_at_ms),
    })
}

pub(super) fn attempt_json(a: &AttemptRecord) -> Value {
    json!({
        "at": time(a.at_ms), "event_id": a.event_id, "attempt": a.attempt, "status": a.status,
        "outcome": outcome_name(a.outcome), "latency_ms": a.latency_ms, "error": a.error,
        "url": a.url, "source_topic": a.source_topic, "source_partition": a.source_partition,
        "source_offset": a.source_offset, "response_excerpt": a.response_excerpt,
        "request_excerpt": a.request_excerpt,
    })
}

pub(super) fn task_json(t: &DeliveryTask) -> Value {
    json!({
        "event_id": t.event_id, "event_type": t.event_type, "source_topic": t.source_topic,
        "source_partition": t.source_partition, "source_offset": t.source_offset,
        "attempt": t.attempt, "last_status": t.last_status, "last_error": t.last_error,
        "dead_lettered_at": time(t.dead_lettered_at_ms), "reason": t.dead_letter_reason,
        "redriven_at": (t.redriven_at_ms > 0).then(|| time(t.redriven_at_ms)),
        "data": String::from_utf8_lossy(&t.data),
    })
}

pub(super) fn teams_out(teams: &[Team]) -> Printed {
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

pub(super) fn retention(ms: i64) -> String {
    match ms {
        -1 => "forever".into(),
        ms if ms % 86_400_000 == 0 => format!("{}d", ms / 86_400_000),
        ms if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        ms => format!("{ms}ms"),
    }
}

pub(super) fn topics_out(topics: &[Topic]) -> Printed {
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

pub(super) fn keys_out(keys: &[ApiKey]) -> Printed {
    Printed::rows(
        json!(keys.iter().map(key_json).collect::<Vec<_>>()),
        vec!["id", "name", "scopes", "topics", "created", "expires"],
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
                    time(k.expires_at_ms),
                ]
            })
            .collect(),
    )
}

pub(super) fn grants_out(grants: &[Grant]) -> Printed {
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

pub(super) fn subs_out(subs: &[Subscription]) -> Printed {
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

pub(super) fn replay_out(r: &ReplayResponse) -> Printed {
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

fn optional_ms(v: Option<i64>) -> String {
    v.map_or_else(|| "-".into(), |ms| format!("{ms} ms"))
}

pub(super) fn health_out(h: &SubscriptionHealth) -> Printed {
    let circuit = if h.circuit_open { "open" } else { "closed" };
    let json = json!({
        "window_ms": h.window_ms, "since": time(h.since_ms), "attempts": h.attempts,
        "succeeded": h.succeeded, "failed": h.failed, "short_circuited": h.short_circuited,
        "success_rate": h.success_rate, "latency_p50_ms": h.latency_p50_ms,
        "latency_p99_ms": h.latency_p99_ms, "circuit": circuit,
        "circuit_since": time(h.circuit_since_ms),
        "last_errors": h.last_errors.iter().map(attempt_json).collect::<Vec<_>>(),
        "buckets": h.buckets.iter().map(|b| json!({
            "start": time(b.start_ms), "succeeded": b.succeeded, "failed": b.failed,
            "latency_p50_ms": b.latency_p50_ms,
        })).collect::<Vec<_>>(),
        "truncated": h.truncated,
    });
    let rate = h
        .success_rate
        .map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0));
    let mut notes = vec![
        format!(
            "\n{} attempts since {}: {} succeeded, {} failed, {} short-circuited ({rate} success)",
            h.attempts,
            time(h.since_ms),
            h.succeeded,
            h.failed,
            h.short_circuited
        ),
        format!(
            "latency p50 {}, p99 {}; circuit {circuit} since {}",
            optional_ms(h.latency_p50_ms),
            optional_ms(h.latency_p99_ms),
            time(h.circuit_since_ms)
        ),
    ];
    if h.truncated {
        notes.push("(older attempts of the window were not read)".into());
    }
    for a in &h.last_errors {
        notes.push(format!(
            "failed {} {}: {}",
            time(a.at_ms),
            a.event_id,
            a.error
        ));
    }
    Printed {
        json,
        table: Some((
            vec!["from", "succeeded", "failed", "p50"],
            h.buckets
                .iter()
                .map(|b| {
                    vec![
                        time(b.start_ms),
                        b.succeeded.to_string(),
                        b.failed.to_string(),
                        optional_ms(b.latency_p50_ms),
                    ]
                })
                .collect(),
        )),
        notes,
    }
}

pub(super) fn secret_out(json_key: &str, sub: &Subscription, secret: String) -> Printed {
    let mut p = subs_out(std::slice::from_ref(sub));
    p.json = json!({ "subscription": sub_json(sub), json_key: secret });
    p.note(format!("\nsigning secret (shown once): {secret}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_names_print_for_people() {
        assert_eq!(time(0), "-");
        assert_eq!(time(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(scope_name(Scope::Admin as i32), "admin");
        assert_eq!(
            outcome_name(AttemptOutcome::ShortCircuited as i32),
            "short-circuited"
        );
    }
}
