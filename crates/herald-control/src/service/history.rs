//! Delivery history (attempts, dead letters) and replays.
//!
//! Pages: the history reader answers the newest records of its scan window, so a page token
//! names the last record of the previous page by its place in a total order (newest first), and
//! the next page is what follows it. Dead-letter pages also push the token's time down into the
//! scan as `until_ms`, so they reach as deep as the window; attempt pages reach back over the
//! newest [`MAX_PAGE`] attempts of the window (`truncated` says when older ones exist).

use std::cmp::{Ordering, Reverse};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

/// Page size when the request does not say.
const DEFAULT_PAGE: u32 = 50;
/// Largest page, and the most records one page request reads from the history reader.
const MAX_PAGE: u32 = 1000;

fn page_size(limit: u32) -> usize {
    match limit {
        0 => DEFAULT_PAGE as usize,
        l => l.min(MAX_PAGE) as usize,
    }
}

/// Where an attempt sits in the newest-first order of attempt pages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct AttemptKey {
    at_ms: Reverse<i64>,
    source_topic: String,
    source_partition: i32,
    source_offset: i64,
    attempt: u32,
}

impl AttemptKey {
    fn of(a: &AttemptRecord) -> Self {
        Self {
            at_ms: Reverse(a.at_ms),
            source_topic: a.source_topic.clone(),
            source_partition: a.source_partition,
            source_offset: a.source_offset,
            attempt: a.attempt,
        }
    }

    fn token(&self) -> String {
        let text = format!(
            "a1 {} {} {} {} {}",
            self.at_ms.0,
            self.source_partition,
            self.source_offset,
            self.attempt,
            self.source_topic
        );
        URL_SAFE_NO_PAD.encode(text)
    }

    fn parse(token: &str) -> Result<Self, Status> {
        let text = token_text(token)?;
        let mut parts = text.splitn(6, ' ');
        let (Some("a1"), Some(at), Some(p), Some(o), Some(n), Some(topic)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad_token());
        };
        Ok(Self {
            at_ms: Reverse(at.parse().map_err(|_| bad_token())?),
            source_partition: p.parse().map_err(|_| bad_token())?,
            source_offset: o.parse().map_err(|_| bad_token())?,
            attempt: n.parse().map_err(|_| bad_token())?,
            source_topic: topic.to_owned(),
        })
    }
}

/// Where a dead letter sits in the newest-first order of dead-letter pages (its place in the
/// DLQ makes it unique).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct LetterKey(Reverse<(i64, i32, i64)>);

impl LetterKey {
    fn of(t: &DeliveryTask) -> Self {
        Self(Reverse((
            t.dead_lettered_at_ms,
            t.dlq_partition,
            t.dlq_offset,
        )))
    }

    fn token(&self) -> String {
        let (at, p, o) = self.0.0;
        URL_SAFE_NO_PAD.encode(format!("d1 {at} {p} {o}"))
    }

    fn parse(token: &str) -> Result<Self, Status> {
        let text = token_text(token)?;
        let mut parts = text.split(' ');
        let (Some("d1"), Some(at), Some(p), Some(o), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad_token());
        };
        let num = |s: &str| s.parse::<i64>().map_err(|_| bad_token());
        Ok(Self(Reverse((
            num(at)?,
            p.parse().map_err(|_| bad_token())?,
            num(o)?,
        ))))
    }
}

fn bad_token() -> Status {
    invalid("page_token is not a token this server issued: pass next_page_token unchanged")
}

fn token_text(token: &str) -> Result<String, Status> {
    URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad_token)
}

/// The page of `items` (any order) after `after` in the order `key` gives, at most `size`
/// long, with the token of the page after it when more items follow (or `more` says the
/// reader left some out).
fn page<T, K: Ord>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> K,
    after: Option<&K>,
    size: usize,
    more: bool,
    token: impl Fn(&K) -> String,
) -> (Vec<T>, String) {
    items.sort_by_key(|i| key(i));
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|i| after.is_none_or(|a| key(i).cmp(a) == Ordering::Greater))
        .collect();
    let following = rest.len() > size || (more && rest.len() == size);
    rest.truncate(size);
    let next = match rest.last() {
        Some(last) if following => token(&key(last)),
        _ => String::new(),
    };
    (rest, next)
}

pub(super) async fn list_attempts(
    svc: &ControlService,
    request: Request<ListAttemptsRequest>,
) -> Result<Response<ListAttemptsResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    read_deliveries(&principal, &view, &sub)?;
    let after = match req.page_token.trim() {
        "" => None,
        t => Some(AttemptKey::parse(t)?),
    };
    let event_id = req.event_id.trim();
    let (read, truncated) = svc.history.attempts(&sub.id, MAX_PAGE).await?;
    let matching = read
        .into_iter()
        .filter(|a| req.outcome == 0 || a.outcome == req.outcome)
        .filter(|a| event_id.is_empty() || a.event_id == event_id)
        .collect();
    let (attempts, next_page_token) = page(
        matching,
        AttemptKey::of,
        after.as_ref(),
        page_size(req.limit),
        false,
        AttemptKey::token,
    );
    // As before pages: more history than this answer holds, read or not.
    Ok(Response::new(ListAttemptsResponse {
        attempts,
        truncated: truncated || !next_page_token.is_empty(),
        next_page_token,
    }))
}

pub(super) async fn list_dead_letters(
    svc: &ControlService,
    request: Request<ListDeadLettersRequest>,
) -> Result<Response<ListDeadLettersResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    read_deliveries(&principal, &view, &sub)?;
    if req.until_ms != 0 && req.until_ms <= req.since_ms {
        return Err(invalid("until_ms must be after since_ms"));
    }
    let after = match req.page_token.trim() {
        "" => None,
        t => Some(LetterKey::parse(t)?),
    };
    // Letters older than the token's time need not be read again; those at its time are
    // ordered by their place in the DLQ.
    let until_ms = match after {
        Some(LetterKey(Reverse((at, _, _)))) if req.until_ms == 0 || at < req.until_ms => {
            at.saturating_add(1)
        }
        _ => req.until_ms,
    };
    let (read, truncated) = svc
        .history
        .dead_letters(&sub.id, MAX_PAGE, req.since_ms, until_ms)
        .await?;
    let full = read.len() >= MAX_PAGE as usize;
    let (tasks, next_page_token) = page(
        read,
        LetterKey::of,
        after.as_ref(),
        page_size(req.limit),
        full,
        LetterKey::token,
    );
    Ok(Response::new(ListDeadLettersResponse {
        tasks,
        truncated: truncated || !next_page_token.is_empty(),
        next_page_token,
    }))
}

pub(super) async fn replay_dead_letters(
    svc: &ControlService,
    request: Request<ReplayDeadLettersRequest>,
) -> Result<Response<ReplayResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    manage_subscription(&principal, &view, &sub)?;
    if req.until_ms != 0 && req.until_ms <= req.since_ms {
        return Err(invalid("until_ms must be after since_ms"));
    }
    let out = svc.history.replay_dead_letters(&sub, &req).await?;
    tracing::info!(subscription = %sub.id, replayed = out.replayed, "dead letters replayed");
    Ok(Response::new(out))
}

pub(super) async fn replay_topic(
    svc: &ControlService,
    request: Request<ReplayTopicRequest>,
) -> Result<Response<ReplayResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    admin_of(&principal, &view, &sub)?;
    let topic = req.topic.trim();
    let r = if topic.contains('.') {
        TopicRef::from_kafka(topic)
    } else {
        TopicRef::parse(&sub.team, topic)
    }
    .map_err(|e: NameError| invalid(e))?;
    let kafka_topic = r.kafka_topic();
    if !sub.topics.contains(&kafka_topic) {
        return Err(Status::failed_precondition(format!(
            "subscription {} does not subscribe to {kafka_topic} (it has {})",
            sub.id,
            sub.topics.join(", ")
        )));
    }
    let from = req
        .from
        .ok_or_else(|| invalid("give from_offset or from_time_ms"))?;
    let out = svc
        .history
        .replay_topic(&sub, &kafka_topic, from, req.limit)
        .await?;
    tracing::info!(subscription = %sub.id, topic = %kafka_topic, replayed = out.replayed, "topic replayed");
    Ok(Response::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at_ms: i64, offset: i64) -> AttemptRecord {
        AttemptRecord {
            at_ms,
            source_topic: "acme.orders".into(),
            source_offset: offset,
            attempt: 1,
            ..Default::default()
        }
    }

    #[test]
    fn attempt_pages_walk_newest_first_without_gaps_or_repeats() {
        let all: Vec<AttemptRecord> = (0..7).map(|i| attempt(1_000 + i / 2, i)).collect();
        let mut seen = Vec::new();
        let mut after: Option<AttemptKey> = None;
        loop {
            let (items, next) = page(
                all.clone(),
                AttemptKey::of,
                after.as_ref(),
                3,
                false,
                AttemptKey::token,
            );
            seen.extend(items.iter().map(|a| a.source_offset));
            if next.is_empty() {
                break;
            }
            after = Some(AttemptKey::parse(&next).unwrap());
        }
        assert_eq!(seen, [6, 4, 5, 2, 3, 0, 1]);
    }

    #[test]
    fn letter_tokens_round_trip_and_foreign_tokens_are_refused() {
        let key = LetterKey(Reverse((5, 2, 9)));
        assert_eq!(LetterKey::parse(&key.token()).unwrap(), key);
        let a = AttemptKey::of(&attempt(7, 3));
        assert_eq!(AttemptKey::parse(&a.token()).unwrap(), a);
        for bad in ["", "!!", &URL_SAFE_NO_PAD.encode("d1 x 1 2"), &a.token()] {
            let err = LetterKey::parse(bad).unwrap_err();
            assert_eq!(err.code(), tonic::Code::InvalidArgument, "{bad}");
        }
        assert!(AttemptKey::parse(&key.token()).is_err());
    }

    #[test]
    fn a_full_read_offers_a_next_page_even_when_it_ends_on_the_page() {
        let (items, next) = page(vec![1, 2], |i| *i, None, 2, true, |k| k.to_string());
        assert_eq!((items, next.as_str()), (vec![1, 2], "2"));
        let (_, next) = page(vec![1, 2], |i| *i, None, 2, false, |k| k.to_string());
        assert!(next.is_empty());
    }
}
