//! The worker: one consumer group over the event topics, the retry tiers and `herald.replay`;
//! deliveries are independent, run by each endpoint's runner tasks (at most its in-flight
//! bound); offsets are committed only up to the lowest record not yet delivered or durably handed
//! off.
//!
//! Modules by job: `consume` (the consumer loop, rebalances, commits, due tiers), `deliver`
//! (endpoint runners, one attempt and its settlement), `handoff` (retry tiers and the DLQ),
//! `record` (attempt records and operational events), `records` (what a consumed record
//! carries), `lanes` (ordered delivery per key).

mod consume;
mod deliver;
mod handoff;
mod lanes;
mod payload_filter;
mod record;
mod records;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use herald_kafka::{Producer, TopicAdmin};
use tokio_util::sync::CancellationToken;

use crate::SubscriptionControl;
use crate::config::Settings;
use crate::endpoint::{Endpoint, Route, Routes};
use crate::http::{IDLE_TIMEOUT, WebhookClient};
use crate::metrics::Metrics;
use crate::saved::SavedState;
use crate::share::Shares;
use crate::tracker::Tracker;

pub(crate) use consume::Worker;
pub(crate) use deliver::Queued;
pub(crate) use lanes::Lanes;

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64
}

/// State shared by the consumer loop and every delivery task.
pub(crate) struct Shared {
    pub settings: Settings,
    pub producer: Producer,
    pub attempts: crate::attempts::AttemptLog,
    pub client: WebhookClient,
    pub routes: RwLock<Arc<Routes>>,
    pub endpoints: Mutex<HashMap<String, Arc<Endpoint>>>,
    /// Subscriptions this worker disabled, with the `updated_at_ms` they had then.
    pub disabled: Mutex<HashMap<String, i64>>,
    pub tracker: Arc<Tracker>,
    /// The lanes of ordered subscriptions.
    pub lanes: Arc<Lanes>,
    /// This worker's share of each subscription's limits.
    pub shares: Arc<Shares>,
    /// Endpoint states saved by earlier workers, taken when a subscription's endpoint is made.
    pub saved: Mutex<HashMap<String, SavedState>>,
    pub metrics: Metrics,
    pub control: Arc<dyn SubscriptionControl>,
    pub admin: Arc<dyn TopicAdmin>,
    pub ops_topics: tokio::sync::Mutex<HashSet<String>>,
    /// Cancelled when the shutdown grace is over: handoffs stop retrying.
    pub abort: CancellationToken,
}

impl Shared {
    fn route(&self, id: &str) -> Option<Arc<Route>> {
        self.routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .by_id
            .get(id)
            .cloned()
    }

    fn endpoint(&self, route: &Route) -> Arc<Endpoint> {
        let ep = route.endpoint.get_or_init(|| self.endpoint_of(route));
        // The in-flight limit follows this worker's share, which changes only with the
        // assignment: recomputed when the share's generation moved, not per delivery.
        let generation = self.shares.generation();
        if route.limit_generation.swap(generation, Ordering::AcqRel) != generation {
            let cap = match route.sub.max_in_flight {
                0 => self.settings.max_in_flight,
                n => n,
            };
            // The subscription's cap is shared by the workers; at least one request each.
            let share = self.shares.share(&route.sub.topics);
            ep.set_limit((Shares::scaled(cap, share).ceil() as usize).max(1));
        }
        ep.clone()
    }

    /// The endpoint of `route`'s subscription from the map, made on first use (with the state an
    /// earlier worker saved). Its limit is set by the caller.
    fn endpoint_of(&self, route: &Route) -> Arc<Endpoint> {
        let mut eps = self.endpoints.lock().unwrap_or_else(|e| e.into_inner());
        eps.entry(route.sub.id.clone())
            .or_insert_with(|| {
                let ep = Endpoint::new(
                    1,
                    self.settings.circuit_threshold,
                    self.settings.circuit_open_for,
                );
                let saved = self
                    .saved
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&route.sub.id);
                if let Some(saved) = saved
                    && ep.restore(saved, std::time::Instant::now(), now_ms())
                {
                    self.metrics.open_circuits.inc();
                }
                Arc::new(ep)
            })
            .clone()
    }

    /// Closes the endpoints' connections idle for longer than [`IDLE_TIMEOUT`].
    fn close_idle_connections(&self) {
        let endpoints: Vec<Arc<Endpoint>> = self
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for ep in endpoints {
            ep.connections.expire(IDLE_TIMEOUT);
        }
    }

    fn locally_disabled(&self, id: &str) -> bool {
        self.disabled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(id)
    }
}
