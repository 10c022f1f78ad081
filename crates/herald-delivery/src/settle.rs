//! What happens to a delivery task after an attempt: the whole decision, free of I/O, so it is
//! tested on its own; the worker carries it out in one place.

use herald_core::{RetrySchedule, RetryStep, Tier};
use herald_proto::v1::AttemptOutcome;

use crate::http::{Attempt, Verdict};

/// The fate of a task after one attempt.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Settle {
    /// Delivered: nothing left to do.
    Delivered,
    /// Failed, to be tried again from a retry tier.
    Retry {
        /// The tier to hand the task to.
        tier: Tier,
        /// When the next attempt is due (unix ms).
        due_ms: i64,
        /// How the attempt is recorded.
        outcome: AttemptOutcome,
    },
    /// Failed for good: park the task in the DLQ.
    DeadLetter {
        /// Why, as the dead letter says.
        reason: String,
        /// How the attempt is recorded.
        outcome: AttemptOutcome,
        /// Whether the subscription is disabled first (the endpoint answered 410 Gone).
        disable: bool,
    },
}

/// Decides the fate of a task whose attempt number `attempts` (1 for the first) ended as
/// `attempt`, at `now_ms`, with `jitter` in [0, 1] for the retry delay.
pub(crate) fn decide(
    attempt: &Attempt,
    attempts: u32,
    schedule: &RetrySchedule,
    now_ms: i64,
    jitter: f64,
) -> Settle {
    let (retry_after, circuit_open) = match &attempt.verdict {
        Verdict::Success => return Settle::Delivered,
        Verdict::Gone => {
            return Settle::DeadLetter {
                reason: "endpoint answered 410 Gone".to_owned(),
                outcome: AttemptOutcome::Disabled,
                disable: true,
            };
        }
        Verdict::Permanent => {
            return Settle::DeadLetter {
                reason: format!("permanent failure: {}", attempt.error),
                outcome: AttemptOutcome::DeadLettered,
                disable: false,
            };
        }
        Verdict::Retry { retry_after } => (*retry_after, false),
        Verdict::CircuitOpen => (None, true),
    };
    // An endpoint's Retry-After may not park a task beyond the longest tier.
    let cap = schedule.tiers().last().map(|t| t.delay).unwrap_or_default();
    let retry_after = retry_after.map(|d| d.min(cap));
    match schedule.next(attempts, now_ms, jitter, retry_after) {
        RetryStep::Retry { tier, due_ms } => Settle::Retry {
            tier,
            due_ms,
            outcome: if circuit_open {
                AttemptOutcome::ShortCircuited
            } else {
                AttemptOutcome::Retrying
            },
        },
        RetryStep::DeadLetter => Settle::DeadLetter {
            reason: format!(
                "retries exhausted after {attempts} attempts: {}",
                attempt.error
            ),
            outcome: if circuit_open {
                AttemptOutcome::ShortCircuited
            } else {
                AttemptOutcome::DeadLettered
            },
            disable: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn attempt(verdict: Verdict, error: &str) -> Attempt {
        Attempt {
            status: 0,
            latency: Duration::ZERO,
            error: error.to_owned(),
            excerpt: String::new(),
            request_excerpt: bytes::Bytes::new(),
            verdict,
        }
    }

    fn schedule() -> RetrySchedule {
        RetrySchedule::parse(["5s", "30s", "2m"], 0.0).unwrap()
    }

    fn retry(after: Option<u64>) -> Verdict {
        Verdict::Retry {
            retry_after: after.map(Duration::from_secs),
        }
    }

    /// (verdict, attempts made, expected fate): tier label and delay in seconds for a retry,
    /// or the start of the dead letter's reason and whether the subscription is disabled.
    #[test]
    fn every_verdict_at_every_stage() {
        enum Want {
            Delivered,
            Retry(&'static str, i64, AttemptOutcome),
            Dead(&'static str, AttemptOutcome, bool),
        }
        use AttemptOutcome::*;
        let now = 1_000_000;
        let table = [
            (Verdict::Success, 1, Want::Delivered),
            (Verdict::Success, 4, Want::Delivered),
            (
                Verdict::Gone,
                1,
                Want::Dead("endpoint answered 410 Gone", Disabled, true),
            ),
            (
                Verdict::Permanent,
                1,
                Want::Dead("permanent failure: boom", DeadLettered, false),
            ),
            (retry(None), 1, Want::Retry("5s", 5, Retrying)),
            (retry(None), 2, Want::Retry("30s", 30, Retrying)),
            (retry(None), 3, Want::Retry("2m", 120, Retrying)),
            (
                retry(None),
                4,
                Want::Dead(
                    "retries exhausted after 4 attempts: boom",
                    DeadLettered,
                    false,
                ),
            ),
            // Retry-After longer than the step moves to the tier that covers it...
            (retry(Some(60)), 1, Want::Retry("2m", 60, Retrying)),
            // ...capped at the longest tier; a shorter one keeps the step's delay.
            (retry(Some(86_400)), 1, Want::Retry("2m", 120, Retrying)),
            (retry(Some(1)), 2, Want::Retry("30s", 30, Retrying)),
            (
                Verdict::CircuitOpen,
                1,
                Want::Retry("5s", 5, ShortCircuited),
            ),
            (
                Verdict::CircuitOpen,
                4,
                Want::Dead(
                    "retries exhausted after 4 attempts: boom",
                    ShortCircuited,
                    false,
                ),
            ),
            // A task that was never attempted (0) cannot be retried: it is dead-lettered.
            (
                retry(None),
                0,
                Want::Dead("retries exhausted after 0 attempts", DeadLettered, false),
            ),
        ];
        for (verdict, attempts, want) in table {
            let label = format!("{verdict:?} after {attempts}");
            let got = decide(&attempt(verdict, "boom"), attempts, &schedule(), now, 0.0);
            match (want, got) {
                (Want::Delivered, Settle::Delivered) => {}
                (
                    Want::Retry(tier, secs, outcome),
                    Settle::Retry {
                        tier: t,
                        due_ms,
                        outcome: o,
                    },
                ) => {
                    assert_eq!(t.label, tier, "{label}");
                    assert_eq!(due_ms, now + secs * 1000, "{label}");
                    assert_eq!(o, outcome, "{label}");
                }
                (
                    Want::Dead(reason, outcome, disable),
                    Settle::DeadLetter {
                        reason: r,
                        outcome: o,
                        disable: d,
                    },
                ) => {
                    assert!(r.starts_with(reason), "{label}: {r}");
                    assert_eq!(o, outcome, "{label}");
                    assert_eq!(d, disable, "{label}");
                }
                (_, got) => panic!("{label}: got {got:?}"),
            }
        }
    }

    #[test]
    fn jitter_only_delays() {
        let s = RetrySchedule::parse(["10s"], 0.5).unwrap();
        let due = |jitter| match decide(&attempt(retry(None), "x"), 1, &s, 0, jitter) {
            Settle::Retry { due_ms, .. } => due_ms,
            other => panic!("{other:?}"),
        };
        assert_eq!(due(0.0), 10_000);
        assert_eq!(due(1.0), 15_000);
        assert!((10_000..=15_000).contains(&due(0.3)));
    }
}
