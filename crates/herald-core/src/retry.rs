//! The retry schedule: a ladder of delay tiers, each backed by a topic `herald.retry.<tier>`.

use std::fmt;
use std::time::Duration;

/// The default ladder: about 3.5 days in total before a task is dead-lettered.
pub const DEFAULT_TIERS: &[&str] = &["5s", "30s", "2m", "10m", "1h", "6h", "24h", "24h", "24h"];
/// Default jitter: each delay is stretched by up to this fraction, so failures that happened
/// together do not retry together.
pub const DEFAULT_JITTER: f64 = 0.1;

/// Why a schedule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A delay is not `<n>ms`, `<n>s`, `<n>m`, `<n>h` or `<n>d`.
    #[error("retry delay {0:?} is not of the form <n>ms|s|m|h|d")]
    BadDelay(String),
    /// A schedule with no tiers.
    #[error("a retry schedule needs at least one delay")]
    Empty,
    /// Delays must not decrease.
    #[error("retry delays must not decrease ({0} after {1})")]
    Decreasing(String, String),
    /// Jitter outside [0, 1].
    #[error("retry jitter {0} is outside 0..=1")]
    BadJitter(String),
}

/// A delay tier: its delay and the label that names its topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tier {
    /// The delay before a task in this tier is due.
    pub delay: Duration,
    /// Label as written, e.g. `30s`; the topic is `herald.retry.<label>`.
    pub label: String,
}

impl Tier {
    /// Parses `500ms`, `5s`, `2m`, `1h` or `1d`.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let bad = || ScheduleError::BadDelay(text.to_owned());
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (num, unit) = text.split_at(split);
        let n: u64 = num.parse().map_err(|_| bad())?;
        let delay = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            "d" => Duration::from_secs(n * 86_400),
            _ => return Err(bad()),
        };
        if delay.is_zero() {
            return Err(bad());
        }
        Ok(Self {
            delay,
            label: text.to_owned(),
        })
    }

    /// The Kafka topic holding this tier's tasks in `deployment`.
    pub fn topic(&self, deployment: &crate::names::internal::Deployment) -> String {
        format!("{}{}", deployment.retry_prefix(), self.label)
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryStep {
    /// Retry through this tier, due at `due_ms` (unix milliseconds).
    Retry {
        /// The tier to hand the task to.
        tier: Tier,
        /// When the next attempt is due.
        due_ms: i64,
    },
    /// The schedule is exhausted: dead-letter the task.
    DeadLetter,
}

/// An ordered ladder of retry delays with jitter.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    steps: Vec<Tier>,
    jitter: f64,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self::parse(DEFAULT_TIERS.iter().copied(), DEFAULT_JITTER)
            .expect("default schedule is valid")
    }
}

impl RetrySchedule {
    /// Builds a schedule from delay labels (non-decreasing) and a jitter fraction in [0, 1].
    pub fn parse<'a>(
        delays: impl IntoIterator<Item = &'a str>,
        jitter: f64,
    ) -> Result<Self, ScheduleError> {
        if !(0.0..=1.0).contains(&jitter) {
            return Err(ScheduleError::BadJitter(jitter.to_string()));
        }
        let steps = delays
            .into_iter()
            .map(Tier::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if steps.is_empty() {
            return Err(ScheduleError::Empty);
        }
        for pair in steps.windows(2) {
            if pair[1].delay < pair[0].delay {
                return Err(ScheduleError::Decreasing(
                    pair[1].label.clone(),
                    pair[0].label.clone(),
                ));
            }
        }
        Ok(Self { steps, jitter })
    }

    /// Number of retries before dead-lettering; total attempts are one more.
    pub fn max_retries(&self) -> u32 {
        self.steps.len() as u32
    }

    /// The distinct tiers, one topic each, in ascending delay.
    pub fn tiers(&self) -> Vec<Tier> {
        let mut tiers: Vec<Tier> = Vec::new();
        for step in &self.steps {
            if !tiers.iter().any(|t| t.label == step.label) {
                tiers.push(step.clone());
            }
        }
        tiers
    }

    /// The step after `failed_attempts` failures (1 after the first attempt failed), at `now_ms`.
    /// `unit_random` in [0, 1) picks the jitter; `retry_after` is the endpoint's own request,
    /// which is honoured by choosing the first tier at least that long.
    pub fn next(
        &self,
        failed_attempts: u32,
        now_ms: i64,
        unit_random: f64,
        retry_after: Option<Duration>,
    ) -> RetryStep {
        let Some(index) = (failed_attempts as usize).checked_sub(1) else {
            return RetryStep::DeadLetter;
        };
        let Some(step) = self.steps.get(index) else {
            return RetryStep::DeadLetter;
        };
        let mut delay = step.delay;
        let mut tier = step.clone();
        if let Some(wanted) = retry_after.filter(|w| *w > step.delay) {
            delay = wanted;
            tier = self
                .steps
                .iter()
                .find(|t| t.delay >= wanted)
                .unwrap_or_else(|| self.steps.last().unwrap_or(step))
                .clone();
        }
        let jitter_ms = delay.as_millis() as f64 * self.jitter * unit_random.clamp(0.0, 1.0);
        let due_ms = now_ms + delay.as_millis() as i64 + jitter_ms as i64;
        RetryStep::Retry { tier, due_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ladder() {
        let s = RetrySchedule::default();
        assert_eq!(s.max_retries(), 9);
        let herald = crate::names::internal::Deployment::default();
        let labels: Vec<String> = s.tiers().iter().map(|t| t.topic(&herald)).collect();
        assert_eq!(
            labels,
            [
                "herald.retry.5s",
                "herald.retry.30s",
                "herald.retry.2m",
                "herald.retry.10m",
                "herald.retry.1h",
                "herald.retry.6h",
                "herald.retry.24h"
            ]
        );
        let total: Duration = DEFAULT_TIERS
            .iter()
            .map(|t| Tier::parse(t).unwrap().delay)
            .sum();
        assert!(total > Duration::from_secs(3 * 86_400) && total < Duration::from_secs(4 * 86_400));
    }

    #[test]
    fn steps_with_jitter_then_dead_letter() {
        let s = RetrySchedule::parse(["1s", "10s"], 0.5).unwrap();
        match s.next(1, 1_000, 0.0, None) {
            RetryStep::Retry { tier, due_ms } => {
                assert_eq!(tier.label, "1s");
                assert_eq!(due_ms, 2_000);
            }
            other => panic!("{other:?}"),
        }
        match s.next(2, 0, 0.999, None) {
            RetryStep::Retry { tier, due_ms } => {
                assert_eq!(tier.label, "10s");
                assert!((14_900..15_000).contains(&due_ms), "{due_ms}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.next(3, 0, 0.0, None), RetryStep::DeadLetter);
        assert_eq!(s.next(0, 0, 0.0, None), RetryStep::DeadLetter);
    }

    #[test]
    fn retry_after_picks_a_long_enough_tier() {
        let s = RetrySchedule::parse(["1s", "10s", "1m"], 0.0).unwrap();
        match s.next(1, 0, 0.0, Some(Duration::from_secs(7))) {
            RetryStep::Retry { tier, due_ms } => {
                assert_eq!(tier.label, "10s");
                assert_eq!(due_ms, 7_000);
            }
            other => panic!("{other:?}"),
        }
        // A shorter Retry-After than the schedule's delay does not speed the retry up.
        match s.next(2, 0, 0.0, Some(Duration::from_secs(1))) {
            RetryStep::Retry { due_ms, .. } => assert_eq!(due_ms, 10_000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_bad_schedules() {
        assert_eq!(RetrySchedule::parse([], 0.1), Err(ScheduleError::Empty));
        assert!(matches!(
            RetrySchedule::parse(["5x"], 0.1),
            Err(ScheduleError::BadDelay(_))
        ));
        assert!(matches!(
            RetrySchedule::parse(["0s"], 0.1),
            Err(ScheduleError::BadDelay(_))
        ));
        assert!(matches!(
            RetrySchedule::parse(["s"], 0.1),
            Err(ScheduleError::BadDelay(_))
        ));
        assert!(matches!(
            RetrySchedule::parse(["1m", "5s"], 0.1),
            Err(ScheduleError::Decreasing(_, _))
        ));
        assert!(matches!(
            RetrySchedule::parse(["1s"], 1.5),
            Err(ScheduleError::BadJitter(_))
        ));
    }
}
