//! The bookkeeping of `ordering: key` subscriptions, free of I/O (the worker drives it from
//! `worker/lanes.rs`).
//!
//! A *lane* is one subscription's events of one record key in one consumed partition. Its head
//! is being delivered (or waits in process for its next retry); the events behind it wait here
//! in offset order and go out one by one as the head finishes, so a key's webhooks never
//! overtake each other, while other keys' lanes run independently. Memory is bounded per
//! partition: when a partition holds `max_per_partition` events in lanes, or one lane holds
//! `max_per_key`, the caller pauses the partition (back-pressure, never a drop) and resumes it
//! once the partition is below half of both.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use crate::tracker::Tp;

/// A lane within a partition: the subscription id and the record key.
pub(crate) type LaneKey = (Arc<str>, Bytes);

/// The bounds of one partition's lanes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Events in lanes (heads included) from which the partition is paused.
    pub max_per_partition: usize,
    /// Events in one lane (head included) from which the partition is paused.
    pub max_per_key: usize,
    /// Keys remembered as held (`on_dead_letter: hold`); past it the oldest hold ends.
    pub max_held_keys: usize,
}

/// What to do with a pushed event.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Push<J> {
    /// Its lane was idle: deliver it now, as the lane's head (`None`: it waits behind the head).
    pub start: Option<J>,
    /// The partition just reached a bound: pause it.
    pub pause: bool,
}

/// What follows a finished head.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Next<J> {
    /// The lane's next event, to deliver now; `None`: the lane is idle (and forgotten).
    pub job: Option<J>,
    /// The partition fell below its bounds: resume it.
    pub resume: bool,
}

#[derive(Debug)]
struct Partition<J> {
    /// Lane → the events waiting behind its head (a lane exists while its head is out).
    lanes: HashMap<LaneKey, VecDeque<J>>,
    /// Events in lanes, heads included.
    events: usize,
    /// Lanes holding more than half of `max_per_key` events.
    over_half: usize,
    paused: bool,
    /// Held lanes, oldest first.
    held: HashSet<LaneKey>,
    held_order: VecDeque<LaneKey>,
}

impl<J> Default for Partition<J> {
    fn default() -> Self {
        Self {
            lanes: HashMap::new(),
            events: 0,
            over_half: 0,
            paused: false,
            held: HashSet::new(),
            held_order: VecDeque::new(),
        }
    }
}

/// Every lane of the partitions this worker consumes.
#[derive(Debug)]
pub(crate) struct Book<J> {
    limits: Limits,
    parts: HashMap<Tp, Partition<J>>,
}

impl<J> Book<J> {
    /// An empty book.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            parts: HashMap::new(),
        }
    }

    /// Adds the next event of `lane` in `tp` (events come in offset order).
    pub fn push(&mut self, tp: &Tp, lane: LaneKey, job: J) -> Push<J> {
        let limits = self.limits;
        let part = match self.parts.get_mut(tp) {
            Some(p) => p,
            None => self.parts.entry(tp.clone()).or_default(),
        };
        part.events += 1;
        // A new lane counts too: blocked heads are what a failing endpoint piles up.
        let (start, in_lane) = match part.lanes.get_mut(&lane) {
            None => {
                part.lanes.insert(lane, VecDeque::new());
                (Some(job), 1)
            }
            Some(waiting) => {
                waiting.push_back(job);
                let in_lane = waiting.len() + 1;
                if in_lane == limits.max_per_key / 2 + 1 {
                    part.over_half += 1;
                }
                (None, in_lane)
            }
        };
        let full = part.events >= limits.max_per_partition || in_lane >= limits.max_per_key;
        let pause = full && !part.paused;
        part.paused |= pause;
        Push { start, pause }
    }

    /// The head of `lane` finished (delivered or dead-lettered): its next event, if any.
    pub fn done(&mut self, tp: &Tp, lane: &LaneKey) -> Next<J> {
        let limits = self.limits;
        let Some(part) = self.parts.get_mut(tp) else {
            // Revoked meanwhile: nothing of it is delivered any more here.
            return Next {
                job: None,
                resume: false,
            };
        };
        let Some(waiting) = part.lanes.get_mut(lane) else {
            return Next {
                job: None,
                resume: false,
            };
        };
        part.events = part.events.saturating_sub(1);
        let in_lane = waiting.len() + 1;
        if in_lane == limits.max_per_key / 2 + 1 {
            part.over_half = part.over_half.saturating_sub(1);
        }
        let job = waiting.pop_front();
        if job.is_none() {
            part.lanes.remove(lane);
        }
        let resume =
            part.paused && part.over_half == 0 && part.events <= limits.max_per_partition / 2;
        if resume {
            part.paused = false;
        }
        Next { job, resume }
    }

    /// Marks `lane` held: its later events follow its dead letter into the DLQ.
    pub fn hold(&mut self, tp: &Tp, lane: &LaneKey) {
        let max = self.limits.max_held_keys.max(1);
        let Some(part) = self.parts.get_mut(tp) else {
            return;
        };
        if part.held.insert(lane.clone()) {
            part.held_order.push_back(lane.clone());
        }
        while part.held.len() > max {
            if let Some(oldest) = part.held_order.pop_front() {
                part.held.remove(&oldest);
            }
        }
    }

    /// Whether `lane` is held.
    pub fn held(&self, tp: &Tp, lane: &LaneKey) -> bool {
        self.parts.get(tp).is_some_and(|p| p.held.contains(lane))
    }

    /// Forgets a partition (revoked or lost): its waiting events are returned, never
    /// delivered here (the next owner reads them again from the committed offset).
    pub fn forget(&mut self, tp: &Tp) -> Vec<J> {
        self.parts
            .remove(tp)
            .map(|p| p.lanes.into_values().flatten().collect())
            .unwrap_or_default()
    }

    /// Forgets every partition (shutdown).
    pub fn clear(&mut self) -> Vec<J> {
        let tps: Vec<Tp> = self.parts.keys().cloned().collect();
        tps.iter().flat_map(|tp| self.forget(tp)).collect()
    }

    /// Events in `tp`'s lanes, heads included.
    #[cfg(test)]
    pub fn events(&self, tp: &Tp) -> usize {
        self.parts.get(tp).map_or(0, |p| p.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> Tp {
        (Arc::from("acme.orders"), p)
    }

    fn lane(key: &'static str) -> LaneKey {
        (Arc::from("sub_1"), Bytes::from_static(key.as_bytes()))
    }

    fn book(per_partition: usize, per_key: usize) -> Book<i64> {
        Book::new(Limits {
            max_per_partition: per_partition,
            max_per_key: per_key,
            max_held_keys: 2,
        })
    }

    /// Drains a lane the way the worker does: each finished head yields the next.
    fn drain(b: &mut Book<i64>, tp: &Tp, l: &LaneKey, head: i64) -> Vec<i64> {
        let mut order = vec![head];
        while let Some(j) = b.done(tp, l).job {
            order.push(j);
        }
        order
    }

    fn start(j: i64) -> Push<i64> {
        Push {
            start: Some(j),
            pause: false,
        }
    }

    fn queued(pause: bool) -> Push<i64> {
        Push { start: None, pause }
    }

    #[test]
    fn a_key_goes_out_in_order_and_other_keys_do_not_wait() {
        let mut b = book(100, 100);
        let t = tp(0);
        assert_eq!(b.push(&t, lane("a"), 1), start(1));
        assert_eq!(b.push(&t, lane("a"), 2), queued(false));
        // Key b is not behind a: it starts while a's head is still out.
        assert_eq!(b.push(&t, lane("b"), 3), start(3));
        assert_eq!(b.push(&t, lane("a"), 4), queued(false));
        // The same key of another subscription, or in another partition, is another lane.
        assert_eq!(
            b.push(&t, (Arc::from("sub_2"), Bytes::from_static(b"a")), 5),
            start(5)
        );
        assert_eq!(b.push(&tp(1), lane("a"), 6), start(6));
        assert_eq!(drain(&mut b, &t, &lane("a"), 1), vec![1, 2, 4]);
        // An idle lane is forgotten: the key's next event starts at once.
        assert_eq!(b.push(&t, lane("a"), 7), start(7));
        assert_eq!(b.events(&t), 3);
    }

    #[test]
    fn a_blocked_key_pauses_the_partition_at_its_bound_and_resumes_below_half() {
        let mut b = book(100, 4);
        let t = tp(0);
        assert_eq!(b.push(&t, lane("a"), 0), start(0));
        for o in 1..3 {
            assert_eq!(b.push(&t, lane("a"), o), queued(false));
        }
        // The fourth event of the key reaches the per-key bound: pause, once.
        assert_eq!(b.push(&t, lane("a"), 3), queued(true));
        assert_eq!(b.push(&t, lane("a"), 4), queued(false));
        // Other keys still start (records read before the pause took effect).
        assert_eq!(b.push(&t, lane("b"), 5), start(5));
        let mut resumed_at = None;
        let mut order = vec![0];
        loop {
            let next = b.done(&t, &lane("a"));
            if next.resume {
                resumed_at = Some(order.len());
            }
            match next.job {
                Some(j) => order.push(j),
                None => break,
            }
        }
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
        // Resumed once the lane held at most half its bound (5 → 2 events).
        assert_eq!(resumed_at, Some(3));
    }

    #[test]
    fn many_blocked_keys_pause_the_partition() {
        let mut b = book(3, 100);
        let t = tp(0);
        assert_eq!(b.push(&t, lane("a"), 0), start(0));
        assert_eq!(b.push(&t, lane("b"), 1), start(1));
        // Three failing heads reach the partition's bound: the third still starts, and pauses.
        assert_eq!(
            b.push(&t, lane("c"), 2),
            Push {
                start: Some(2),
                pause: true
            }
        );
        assert_eq!(b.push(&t, lane("a"), 3), queued(false));
        assert!(!b.done(&t, &lane("b")).resume);
        assert!(!b.done(&t, &lane("c")).resume);
        // Down to one event (a's queued one), at most half of three: resume.
        assert_eq!(
            b.done(&t, &lane("a")),
            Next {
                job: Some(3),
                resume: true
            }
        );
    }

    #[test]
    fn holds_are_bounded_and_forgotten_with_the_partition() {
        let mut b = book(100, 100);
        let t = tp(0);
        for k in ["a", "b", "c"] {
            b.push(&t, lane(k), 0);
            b.hold(&t, &lane(k));
        }
        // At most two holds: the oldest (a) ended.
        assert!(!b.held(&t, &lane("a")));
        assert!(b.held(&t, &lane("b")) && b.held(&t, &lane("c")));
        b.push(&t, lane("b"), 1);
        let mut left = b.forget(&t);
        left.sort();
        assert_eq!(left, vec![1]);
        assert!(!b.held(&t, &lane("b")));
        assert_eq!(
            b.done(&t, &lane("b")),
            Next {
                job: None,
                resume: false
            }
        );
        b.push(&tp(2), lane("x"), 5);
        b.push(&tp(2), lane("x"), 6);
        assert_eq!(b.clear(), vec![6]);
    }
}
