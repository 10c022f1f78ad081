//! A subscription's limits hold across workers: each worker applies its share of the
//! subscription's rate limit and in-flight cap, the part of the subscription's event-topic
//! partitions the group assigned to it. Kafka's assignment is the coordination: no shared
//! counter, no extra round trip per delivery, and the shares follow every rebalance (a worker
//! that leaves hands its share over with its partitions).
//!
//! The sum of the shares is the limit when events spread evenly over the partitions (keys
//! hashed by Kafka); a hot partition gets its owner's share only, so a skewed topic is delivered
//! below its limit, never above. A worker owning none of a subscription's partitions still
//! delivers its retries and replays at one partition's share.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use herald_kafka::TopicPartition;

#[derive(Debug, Default)]
struct Inner {
    owned: HashMap<Arc<str>, BTreeSet<i32>>,
    totals: HashMap<String, usize>,
}

/// This worker's partitions and every event topic's partition count.
#[derive(Debug)]
pub(crate) struct Shares {
    inner: Mutex<Inner>,
    /// Bumped by every change, so a caller can keep what it derived from a share (an endpoint's
    /// in-flight limit) until the assignment or a partition count changes, instead of
    /// recomputing it for every delivery. Starts at 1: 0 is free for "never derived".
    generation: AtomicU64,
}

impl Default for Shares {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            generation: AtomicU64::new(1),
        }
    }
}

impl Shares {
    /// Locks for a change, which the generation counts.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::Release);
        inner
    }

    /// The current generation (changes with every assignment or partition count change).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The group assigned `partitions` to this worker.
    pub fn assigned(&self, partitions: &[TopicPartition]) {
        let mut inner = self.lock();
        for tp in partitions {
            inner
                .owned
                .entry(tp.topic.clone())
                .or_default()
                .insert(tp.partition);
        }
    }

    /// `partitions` left this worker (revoked or lost).
    pub fn released(&self, partitions: &[TopicPartition]) {
        let mut inner = self.lock();
        for tp in partitions {
            if let Some(owned) = inner.owned.get_mut(&tp.topic) {
                owned.remove(&tp.partition);
            }
        }
    }

    /// Records `topic`'s partition count.
    pub fn set_total(&self, topic: &str, partitions: usize) {
        self.lock().totals.insert(topic.to_owned(), partitions);
    }

    /// This worker's share (0 to 1] of a subscription on `topics`; 1 while a topic's partition
    /// count is not known yet.
    pub fn share(&self, topics: &[String]) -> f64 {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (mut owned, mut total) = (0, 0);
        for topic in topics {
            let Some(n) = inner.totals.get(topic).copied().filter(|n| *n > 0) else {
                return 1.0;
            };
            total += n;
            owned += inner
                .owned
                .get(topic.as_str())
                .map_or(0, |o| o.iter().filter(|p| (**p as usize) < n).count());
        }
        if total == 0 {
            return 1.0;
        }
        owned.max(1) as f64 / total as f64
    }

    /// `limit` scaled to `share` (0, no limit, stays 0).
    pub fn scaled(limit: u32, share: f64) -> f64 {
        f64::from(limit) * share
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tps(topic: &str, partitions: &[i32]) -> Vec<TopicPartition> {
        partitions
            .iter()
            .map(|p| TopicPartition {
                topic: Arc::from(topic),
                partition: *p,
            })
            .collect()
    }

    #[test]
    fn shares_follow_the_assignment_and_add_up_to_one() {
        let workers: Vec<Shares> = (0..3).map(|_| Shares::default()).collect();
        let topics = vec!["a.orders".to_owned()];
        for (i, w) in workers.iter().enumerate() {
            assert_eq!(w.share(&topics), 1.0, "unknown partition count: no scaling");
            w.set_total("a.orders", 6);
            w.assigned(&tps("a.orders", &[2 * i as i32, 2 * i as i32 + 1]));
        }
        let sum: f64 = workers.iter().map(|w| w.share(&topics)).sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
        // Worker 2 leaves: worker 0 takes its partitions.
        workers[2].released(&tps("a.orders", &[4, 5]));
        workers[0].assigned(&tps("a.orders", &[4, 5]));
        assert!((workers[0].share(&topics) - 4.0 / 6.0).abs() < 1e-9);
        assert!(
            (workers[2].share(&topics) - 1.0 / 6.0).abs() < 1e-9,
            "retries at one partition's share"
        );
    }

    #[test]
    fn several_topics_count_together() {
        let w = Shares::default();
        w.set_total("a.x", 2);
        w.set_total("a.y", 4);
        w.assigned(&tps("a.x", &[0, 1]));
        w.assigned(&tps("a.y", &[3]));
        let topics = vec!["a.x".to_owned(), "a.y".to_owned()];
        assert!((w.share(&topics) - 0.5).abs() < 1e-9);
        assert_eq!(Shares::scaled(0, 0.5), 0.0, "no limit stays none");
        assert_eq!(Shares::scaled(30, 0.5), 15.0);
    }
}
