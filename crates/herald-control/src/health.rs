//! A subscription's delivery health over a time window, aggregated from its attempt records:
//! counts, success rate, latency percentiles, the circuit's state as the log shows it, the
//! latest failures and a histogram of the window. Pure: the scan is `History::attempts_since`.

use herald_proto::v1::{AttemptOutcome, AttemptRecord, HealthBucket, SubscriptionHealth};

/// Buckets of the histogram.
const BUCKETS: i64 = 12;
/// Failed attempts listed at most.
const LAST_ERRORS: usize = 5;

/// How an attempt counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Succeeded,
    Failed,
    ShortCircuited,
}

fn kind(a: &AttemptRecord) -> Kind {
    match a.outcome() {
        AttemptOutcome::Succeeded => Kind::Succeeded,
        AttemptOutcome::ShortCircuited => Kind::ShortCircuited,
        // Retrying, dead-lettered, disabled, and records that did not say: sent, not delivered.
        _ => Kind::Failed,
    }
}

/// The nearest-rank `p`-th percentile (0 < p <= 1) of `sorted` (ascending); `None` when empty.
fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Aggregates the attempts made in `[since_ms, since_ms + window_ms)` (later ones fall in the
/// last bucket, earlier ones are ignored); `truncated` is passed through from the scan.
pub(crate) fn summarize(
    mut attempts: Vec<AttemptRecord>,
    since_ms: i64,
    window_ms: i64,
    truncated: bool,
) -> SubscriptionHealth {
    attempts.retain(|a| a.at_ms >= since_ms);
    // Newest first, as the attempts API lists them.
    attempts.sort_by_key(|a| std::cmp::Reverse((a.at_ms, a.source_partition, a.source_offset)));
    let width = (window_ms.max(BUCKETS) + BUCKETS - 1) / BUCKETS;
    let mut buckets: Vec<(HealthBucket, Vec<i64>)> = (0..BUCKETS)
        .map(|i| {
            let bucket = HealthBucket {
                start_ms: since_ms + i * width,
                ..Default::default()
            };
            (bucket, Vec::new())
        })
        .collect();
    let mut out = SubscriptionHealth {
        window_ms,
        since_ms,
        attempts: attempts.len() as u64,
        ..Default::default()
    };
    let mut latencies = Vec::new();
    for a in &attempts {
        let k = kind(a);
        let i = ((a.at_ms - since_ms) / width).clamp(0, BUCKETS - 1) as usize;
        let (bucket, bucket_latencies) = &mut buckets[i];
        match k {
            Kind::Succeeded => {
                out.succeeded += 1;
                bucket.succeeded += 1;
            }
            Kind::Failed => {
                out.failed += 1;
                bucket.failed += 1;
                if out.last_errors.len() < LAST_ERRORS {
                    out.last_errors.push(a.clone());
                }
            }
            Kind::ShortCircuited => out.short_circuited += 1,
        }
        // A short-circuited attempt was never sent: it has no response time.
        if k != Kind::ShortCircuited {
            latencies.push(a.latency_ms);
            bucket_latencies.push(a.latency_ms);
        }
    }
    let sent = out.succeeded + out.failed;
    out.success_rate = (sent > 0).then(|| out.succeeded as f64 / sent as f64);
    latencies.sort_unstable();
    out.latency_p50_ms = percentile(&latencies, 0.5);
    out.latency_p99_ms = percentile(&latencies, 0.99);
    out.buckets = buckets
        .into_iter()
        .map(|(mut b, mut l)| {
            l.sort_unstable();
            b.latency_p50_ms = percentile(&l, 0.5);
            b
        })
        .collect();
    if let Some(newest) = attempts.first() {
        let open = kind(newest) == Kind::ShortCircuited;
        out.circuit_open = open;
        // The oldest attempt of the newest run in the same state.
        out.circuit_since_ms = attempts
            .iter()
            .take_while(|a| (kind(a) == Kind::ShortCircuited) == open)
            .last()
            .map_or(0, |a| a.at_ms);
    }
    out.truncated = truncated;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at_ms: i64, outcome: AttemptOutcome, latency_ms: i64) -> AttemptRecord {
        AttemptRecord {
            at_ms,
            outcome: outcome as i32,
            latency_ms,
            event_id: format!("ev-{at_ms}"),
            ..Default::default()
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.99), Some(99));
        assert_eq!(percentile(&[7], 0.99), Some(7));
        assert_eq!(percentile(&[3, 9], 0.5), Some(3));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn an_empty_window_has_no_rate_and_twelve_empty_buckets() {
        let h = summarize(Vec::new(), 1_000, 120_000, false);
        assert_eq!(h.attempts, 0);
        assert_eq!(h.success_rate, None);
        assert_eq!((h.latency_p50_ms, h.latency_p99_ms), (None, None));
        assert!(!h.circuit_open);
        assert_eq!(h.circuit_since_ms, 0);
        assert_eq!(h.buckets.len(), 12);
        assert_eq!(h.buckets[0].start_ms, 1_000);
        assert_eq!(h.buckets[11].start_ms, 1_000 + 11 * 10_000);
        assert!(h.buckets.iter().all(|b| b.latency_p50_ms.is_none()));
    }

    #[test]
    fn counts_rates_buckets_and_the_circuit() {
        use AttemptOutcome::*;
        let since = 100_000;
        let window = 120_000; // buckets of 10 s
        let attempts = vec![
            attempt(since - 1, Succeeded, 1), // before the window: ignored
            attempt(since, Succeeded, 10),
            attempt(since + 5_000, Succeeded, 30),
            attempt(since + 15_000, Retrying, 200),
            attempt(since + 25_000, DeadLettered, 400),
            attempt(since + 115_000, ShortCircuited, 0),
            attempt(since + 119_000, ShortCircuited, 0),
            attempt(since + 200_000, Succeeded, 20), // after the window's end: the last bucket
        ];
        let mut h = summarize(attempts, since, window, true);
        assert!(h.truncated);
        assert_eq!(
            (h.attempts, h.succeeded, h.failed, h.short_circuited),
            (7, 3, 2, 2)
        );
        assert_eq!(h.success_rate, Some(0.6));
        assert_eq!(h.latency_p50_ms, Some(30));
        assert_eq!(h.latency_p99_ms, Some(400));
        let b: Vec<(u64, u64, Option<i64>)> = h
            .buckets
            .iter()
            .map(|b| (b.succeeded, b.failed, b.latency_p50_ms))
            .collect();
        assert_eq!(b[0], (2, 0, Some(10)));
        assert_eq!(b[1], (0, 1, Some(200)));
        assert_eq!(b[2], (0, 1, Some(400)));
        assert_eq!(
            b[11],
            (1, 0, Some(20)),
            "short-circuited attempts have no latency"
        );
        let errors: Vec<i64> = h.last_errors.iter().map(|a| a.at_ms).collect();
        assert_eq!(errors, [since + 25_000, since + 15_000], "newest first");
        // The newest attempt succeeded: closed since it.
        assert!(!h.circuit_open);
        assert_eq!(h.circuit_since_ms, since + 200_000);

        h = summarize(
            vec![
                attempt(since + 1_000, Retrying, 5),
                attempt(since + 2_000, ShortCircuited, 0),
                attempt(since + 3_000, ShortCircuited, 0),
            ],
            since,
            window,
            false,
        );
        assert!(h.circuit_open);
        assert_eq!(h.circuit_since_ms, since + 2_000);
        assert_eq!(h.success_rate, Some(0.0));
    }

    #[test]
    fn at_most_five_errors_are_listed() {
        let attempts = (0..8)
            .map(|i| attempt(1_000 + i, AttemptOutcome::Retrying, 1))
            .collect();
        let h = summarize(attempts, 0, 60_000, false);
        assert_eq!(h.failed, 8);
        let errors: Vec<i64> = h.last_errors.iter().map(|a| a.at_ms).collect();
        assert_eq!(errors, [1_007, 1_006, 1_005, 1_004, 1_003]);
    }
}
