//! Producer-supplied idempotency: remembers (topic, event id) → first receipt for a window.
//!
//! Concurrent publishes of the same id wait for the first one: if it is acknowledged they answer
//! with its receipt (`duplicate = true`); if it fails, one of them takes over and produces.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::Receipt;

type Key = (Arc<str>, String);

enum Slot {
    /// A publish of this id is in flight; the sender resolves it.
    Pending(watch::Receiver<Option<Receipt>>),
    /// Acknowledged at `at` with this receipt.
    Done { receipt: Receipt, at: Instant },
}

#[derive(Default)]
struct Inner {
    slots: HashMap<Key, Slot>,
    /// Acknowledged ids in completion order, for expiry and the entry bound.
    order: VecDeque<(Instant, Key)>,
}

/// The idempotency window.
pub(crate) struct Dedup {
    window: Duration,
    max_entries: usize,
    inner: Mutex<Inner>,
}

/// The outcome of [`Dedup::claim`].
pub(crate) enum Claim<'a> {
    /// This id was acknowledged already.
    Duplicate(Receipt),
    /// The caller must produce the event and then resolve the guard.
    Owner(OwnerGuard<'a>),
}

/// The right and duty to produce one id; dropping it unresolved (failure) releases the id.
pub(crate) struct OwnerGuard<'a> {
    dedup: &'a Dedup,
    key: Option<Key>,
    tx: watch::Sender<Option<Receipt>>,
}

impl Dedup {
    pub(crate) fn new(window: Duration, max_entries: usize) -> Self {
        Self {
            window,
            max_entries: max_entries.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a harmful way.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Claims `(topic, id)`: a duplicate answer, or ownership of the publish.
    pub(crate) async fn claim(&self, topic: &Arc<str>, id: &str) -> Claim<'_> {
        let key: Key = (topic.clone(), id.to_owned());
        loop {
            let mut rx = {
                let mut inner = self.lock();
                self.expire(&mut inner, Instant::now());
                match inner.slots.get(&key) {
                    Some(Slot::Done { receipt, .. }) => return Claim::Duplicate(receipt.clone()),
                    Some(Slot::Pending(rx)) => rx.clone(),
                    None => {
                        let (tx, rx) = watch::channel(None);
                        inner.slots.insert(key.clone(), Slot::Pending(rx));
                        return Claim::Owner(OwnerGuard {
                            dedup: self,
                            key: Some(key),
                            tx,
                        });
                    }
                }
            };
            // Wait for the owner; a dropped sender means it failed and the id is free again.
            if let Ok(r) = rx.wait_for(Option::is_some).await
                && let Some(receipt) = r.clone()
            {
                return Claim::Duplicate(receipt);
            }
        }
    }

    fn expire(&self, inner: &mut Inner, now: Instant) {
        while let Some((at, _)) = inner.order.front() {
            let expired = now.duration_since(*at) >= self.window;
            if !expired && inner.order.len() <= self.max_entries {
                break;
            }
            let Some((at, key)) = inner.order.pop_front() else {
                break;
            };
            if matches!(inner.slots.get(&key), Some(Slot::Done { at: done, .. }) if *done == at) {
                inner.slots.remove(&key);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().slots.len()
    }
}

impl OwnerGuard<'_> {
    /// Records the acknowledged receipt and answers every waiter with it.
    pub(crate) fn complete(mut self, receipt: &Receipt) {
        let Some(key) = self.key.take() else { return };
        let now = Instant::now();
        {
            let mut inner = self.dedup.lock();
            let stored = Receipt {
                duplicate: true,
                ..receipt.clone()
            };
            inner.slots.insert(
                key.clone(),
                Slot::Done {
                    receipt: stored.clone(),
                    at: now,
                },
            );
            inner.order.push_back((now, key));
            self.dedup.expire(&mut inner, now);
            self.tx.send_replace(Some(stored));
        }
    }
}

impl Drop for OwnerGuard<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut inner = self.dedup.lock();
            if matches!(inner.slots.get(&key), Some(Slot::Pending(_))) {
                inner.slots.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(offset: i64) -> Receipt {
        Receipt {
            id: "e".into(),
            partition: 0,
            offset,
            duplicate: false,
        }
    }

    #[tokio::test]
    async fn answers_repeats_with_the_first_receipt() {
        let d = Dedup::new(Duration::from_secs(60), 10);
        let t: Arc<str> = Arc::from("a.b");
        let Claim::Owner(g) = d.claim(&t, "e").await else {
            panic!("first claim owns")
        };
        g.complete(&receipt(7));
        match d.claim(&t, "e").await {
            Claim::Duplicate(r) => assert_eq!((r.offset, r.duplicate), (7, true)),
            Claim::Owner(_) => panic!("second claim is a duplicate"),
        }
        let other: Arc<str> = Arc::from("a.c");
        assert!(matches!(d.claim(&other, "e").await, Claim::Owner(_)));
    }

    #[tokio::test]
    async fn a_failed_owner_releases_the_id_and_waiters_get_the_result() {
        let d = Arc::new(Dedup::new(Duration::from_secs(60), 10));
        let t: Arc<str> = Arc::from("a.b");
        let Claim::Owner(g) = d.claim(&t, "e").await else {
            panic!()
        };
        drop(g);
        let Claim::Owner(g) = d.claim(&t, "e").await else {
            panic!("released after failure")
        };
        let (d2, t2) = (d.clone(), t.clone());
        let waiter = tokio::spawn(async move {
            match d2.claim(&t2, "e").await {
                Claim::Duplicate(r) => r.offset,
                Claim::Owner(_) => -1,
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        g.complete(&receipt(3));
        assert_eq!(waiter.await.unwrap(), 3);
    }

    #[tokio::test]
    async fn bounded_by_entries_and_window() {
        let d = Dedup::new(Duration::from_millis(50), 3);
        let t: Arc<str> = Arc::from("a.b");
        for i in 0..5 {
            let Claim::Owner(g) = d.claim(&t, &format!("e{i}")).await else {
                panic!()
            };
            g.complete(&receipt(i));
        }
        assert_eq!(d.len(), 3);
        assert!(matches!(d.claim(&t, "e0").await, Claim::Owner(_)));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(matches!(d.claim(&t, "e4").await, Claim::Owner(_)));
    }
}
