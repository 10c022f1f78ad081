//! Out-of-order completion tracking: per partition, the offsets still being worked on. The
//! committable offset is the lowest unfinished one (or one past the highest seen), so a slow
//! delivery holds back only its own partition's commit, never other deliveries' progress.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A topic partition.
pub type Tp = (Arc<str>, i32);

#[derive(Debug, Default)]
struct Part {
    pending: BTreeSet<i64>,
    /// Pending offsets that wait rather than work (ordered deliveries queued behind their key's
    /// head, or waiting in process for a retry), with how many deliveries of each wait: they
    /// hold the watermark but not a drain, which only waits for requests in flight.
    idle: HashMap<i64, u32>,
    /// One past the highest offset begun.
    next: i64,
    /// Last committed offset (the next to read), -1 before the first commit.
    committed: i64,
}

impl Part {
    fn watermark(&self) -> i64 {
        self.pending.first().copied().unwrap_or(self.next)
    }

    fn busy(&self) -> bool {
        self.pending.len() > self.idle.len()
    }
}

/// Per-partition in-flight offsets, shared by the consumer loop, deliveries and the rebalance
/// callback (which must block, hence std sync primitives).
#[derive(Debug, Default)]
pub struct Tracker {
    parts: Mutex<HashMap<Tp, Part>>,
    changed: Condvar,
}

impl Tracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Tp, Part>> {
        self.parts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks `offset` as being worked on.
    pub fn begin(&self, tp: &Tp, offset: i64) {
        let mut parts = self.lock();
        let part = parts.entry(tp.clone()).or_insert_with(|| Part {
            committed: -1,
            ..Part::default()
        });
        part.pending.insert(offset);
        part.next = part.next.max(offset + 1);
    }

    /// Marks `offset` as done (delivered, or durably handed off). Unknown partitions (revoked
    /// meanwhile) are ignored.
    pub fn finish(&self, tp: &Tp, offset: i64) {
        let mut parts = self.lock();
        let drained = parts.get_mut(tp).is_some_and(|part| {
            part.idle.remove(&offset);
            part.pending.remove(&offset) && !part.busy()
        });
        drop(parts);
        // `wait_idle` only waits for partitions to drain; waking it for every finished record
        // would cost a futex syscall per delivery.
        if drained {
            self.changed.notify_all();
        }
    }

    /// Marks one delivery of pending `offset` as waiting (see `Part::idle`).
    pub fn idle(&self, tp: &Tp, offset: i64) {
        let mut parts = self.lock();
        let drained = parts.get_mut(tp).is_some_and(|part| {
            if !part.pending.contains(&offset) {
                return false;
            }
            *part.idle.entry(offset).or_default() += 1;
            !part.busy()
        });
        drop(parts);
        if drained {
            self.changed.notify_all();
        }
    }

    /// One waiting delivery of `offset` works again.
    pub fn working(&self, tp: &Tp, offset: i64) {
        let mut parts = self.lock();
        if let Some(part) = parts.get_mut(tp)
            && let Some(n) = part.idle.get_mut(&offset)
        {
            *n -= 1;
            if *n == 0 {
                part.idle.remove(&offset);
            }
        }
    }

    /// Offsets to commit: every partition whose watermark moved past its last commit.
    pub fn committable(&self, only: Option<&[Tp]>) -> Vec<(Tp, i64)> {
        let parts = self.lock();
        parts
            .iter()
            .filter(|(tp, _)| only.is_none_or(|o| o.contains(tp)))
            .filter_map(|(tp, p)| {
                let w = p.watermark();
                (w > p.committed && p.next > 0).then(|| (tp.clone(), w))
            })
            .collect()
    }

    /// Every tracked partition with its watermark (for the lag metric).
    pub fn committable_positions(&self) -> Vec<(Tp, i64)> {
        self.lock()
            .iter()
            .map(|(tp, p)| (tp.clone(), p.watermark()))
            .collect()
    }

    /// Records a successful commit.
    pub fn committed(&self, offsets: &[(Tp, i64)]) {
        let mut parts = self.lock();
        for (tp, o) in offsets {
            if let Some(p) = parts.get_mut(tp) {
                p.committed = p.committed.max(*o);
            }
        }
    }

    /// Forgets revoked partitions.
    pub fn forget(&self, tps: &[Tp]) {
        let mut parts = self.lock();
        for tp in tps {
            parts.remove(tp);
        }
    }

    /// Offsets in flight in `tps` (all partitions when `None`).
    pub fn in_flight(&self, tps: Option<&[Tp]>) -> usize {
        self.lock()
            .iter()
            .filter(|(tp, _)| tps.is_none_or(|o| o.contains(tp)))
            .map(|(_, p)| p.pending.len() - p.idle.len())
            .sum()
    }

    /// Blocks until nothing is in flight in `tps` (all when `None`) or `timeout` passed;
    /// returns whether everything finished.
    pub fn wait_idle(&self, tps: Option<&[Tp]>, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut parts = self.lock();
        loop {
            let busy = parts
                .iter()
                .any(|(tp, p)| p.busy() && tps.is_none_or(|o| o.contains(tp)));
            if !busy {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            parts = self
                .changed
                .wait_timeout(parts, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> Tp {
        (Arc::from("t"), p)
    }

    #[test]
    fn watermark_waits_for_the_lowest_unfinished_offset() {
        let t = Tracker::default();
        for o in 10..15 {
            t.begin(&tp(0), o);
        }
        t.finish(&tp(0), 11);
        t.finish(&tp(0), 12);
        assert_eq!(t.committable(None), vec![(tp(0), 10)]);
        t.committed(&[(tp(0), 10)]);
        assert!(t.committable(None).is_empty(), "nothing new");
        t.finish(&tp(0), 10);
        assert_eq!(t.committable(None), vec![(tp(0), 13)]);
        t.finish(&tp(0), 14);
        t.finish(&tp(0), 13);
        assert_eq!(t.committable(None), vec![(tp(0), 15)]);
        assert_eq!(t.in_flight(None), 0);
    }

    #[test]
    fn waiting_offsets_hold_the_watermark_but_not_a_drain() {
        let t = Tracker::default();
        t.begin(&tp(0), 3);
        t.begin(&tp(0), 4);
        t.idle(&tp(0), 3);
        assert!(
            !t.wait_idle(None, Duration::from_millis(10)),
            "4 is in flight"
        );
        t.finish(&tp(0), 4);
        assert!(t.wait_idle(None, Duration::from_millis(10)));
        assert_eq!(t.in_flight(None), 0);
        // The waiting offset still holds the commit back.
        assert_eq!(t.committable(None), vec![(tp(0), 3)]);
        t.working(&tp(0), 3);
        assert_eq!(t.in_flight(None), 1);
        t.finish(&tp(0), 3);
        assert_eq!(t.committable(None), vec![(tp(0), 5)]);
    }

    #[test]
    fn partitions_are_independent_and_forgettable() {
        let t = Tracker::default();
        t.begin(&tp(0), 0);
        t.begin(&tp(1), 7);
        t.finish(&tp(1), 7);
        assert_eq!(t.committable(Some(&[tp(1)])), vec![(tp(1), 8)]);
        assert_eq!(t.in_flight(Some(&[tp(0)])), 1);
        assert!(!t.wait_idle(Some(&[tp(0)]), Duration::from_millis(10)));
        assert!(t.wait_idle(Some(&[tp(1)]), Duration::from_millis(10)));
        t.forget(&[tp(0)]);
        t.finish(&tp(0), 0);
        assert!(t.wait_idle(None, Duration::from_millis(10)));
    }

    #[test]
    fn wait_idle_wakes_on_finish() {
        let t = Arc::new(Tracker::default());
        t.begin(&tp(0), 1);
        let t2 = t.clone();
        let h = std::thread::spawn(move || t2.wait_idle(None, Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        t.finish(&tp(0), 1);
        assert!(h.join().unwrap());
    }
}
