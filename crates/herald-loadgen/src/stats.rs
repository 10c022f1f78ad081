//! Latency samples and their percentiles.

use std::sync::Mutex;

use serde::Serialize;

/// One observation: when the event was scheduled and when it was seen, both in microseconds
/// since the run's start. Kept whole (not bucketed) so any time window can be cut afterwards
/// (before / during / after a fault).
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Scheduled send time of the event.
    pub sched_us: u64,
    /// When it was observed (acknowledged, received as a webhook or on a stream).
    pub seen_us: u64,
}

impl Sample {
    fn latency_us(&self) -> u64 {
        self.seen_us.saturating_sub(self.sched_us)
    }
}

/// Samples of one kind, appended from many tasks.
#[derive(Debug, Default)]
pub struct Samples(Mutex<Vec<Sample>>);

impl Samples {
    /// Records one observation.
    pub fn push(&self, sched_us: u64, seen_us: u64) {
        self.0
            .lock()
            .expect("samples lock")
            .push(Sample { sched_us, seen_us });
    }

    /// Percentiles of the samples whose scheduled time falls in `[from_us, to_us)`.
    pub fn window(&self, from_us: u64, to_us: u64) -> Percentiles {
        self.select(|s| s.sched_us >= from_us && s.sched_us < to_us)
    }

    /// Percentiles of the samples `keep` accepts.
    pub fn select(&self, keep: impl Fn(&Sample) -> bool) -> Percentiles {
        let lat: Vec<u64> = self
            .0
            .lock()
            .expect("samples lock")
            .iter()
            .filter(|s| keep(s))
            .map(Sample::latency_us)
            .collect();
        Percentiles::of(lat)
    }

    /// Percentiles of every sample.
    pub fn all(&self) -> Percentiles {
        self.window(0, u64::MAX)
    }

    /// The longest time in `[from_us, to_us]` during which nothing was seen (µs): how long the
    /// path was unavailable while events kept being sent.
    pub fn longest_gap_us(&self, from_us: u64, to_us: u64) -> u64 {
        let mut seen: Vec<u64> = self
            .0
            .lock()
            .expect("samples lock")
            .iter()
            .map(|s| s.seen_us)
            .filter(|t| (from_us..=to_us).contains(t))
            .collect();
        seen.sort_unstable();
        let mut previous = from_us;
        let mut longest = 0;
        for t in seen.into_iter().chain(std::iter::once(to_us)) {
            longest = longest.max(t - previous);
            previous = t;
        }
        longest
    }

    /// The last time (µs since start) an event scheduled at or after `from_us` was seen later
    /// than `threshold_us`: the end of the disturbance a fault caused.
    pub fn last_late_seen(&self, from_us: u64, threshold_us: u64) -> Option<u64> {
        self.0
            .lock()
            .expect("samples lock")
            .iter()
            .filter(|s| s.sched_us + 1 >= from_us && s.latency_us() > threshold_us)
            .map(|s| s.seen_us)
            .max()
    }
}

/// p50 / p99 / max in milliseconds, and how many samples they summarise.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Percentiles {
    /// Samples in the window.
    pub n: usize,
    /// Median, ms.
    pub p50: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Maximum, ms.
    pub max: f64,
}

impl Percentiles {
    fn of(mut lat: Vec<u64>) -> Self {
        if lat.is_empty() {
            return Self::default();
        }
        lat.sort_unstable();
        let at = |q: f64| {
            let i = ((lat.len() as f64 - 1.0) * q).round() as usize;
            lat[i.min(lat.len() - 1)] as f64 / 1000.0
        };
        Self {
            n: lat.len(),
            p50: round(at(0.50)),
            p99: round(at(0.99)),
            max: round(at(1.0)),
        }
    }
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cut_by_scheduled_time() {
        let s = Samples::default();
        for i in 0..100u64 {
            s.push(i * 1000, i * 1000 + (i + 1) * 1000);
        }
        let all = s.all();
        assert_eq!(all.n, 100);
        assert_eq!(all.max, 100.0);
        let early = s.window(0, 10_000);
        assert_eq!(early.n, 10);
        assert_eq!(early.max, 10.0);
        assert_eq!(s.last_late_seen(50_000, 95_000), Some(99_000 + 100_000));
        assert_eq!(s.last_late_seen(0, 1_000_000), None);
    }
}
