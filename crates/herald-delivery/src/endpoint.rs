//! Routes (subscriptions as the worker uses them) and per-subscription isolation: a bound on
//! concurrent requests, a token-bucket rate limit and a circuit breaker.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use herald_core::cursor::TopicTag;
use herald_core::{EventView, Filter, Secret, Signer};
use herald_proto::v1::{Subscription, SubscriptionState};
use herald_watch::View;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::saved::SavedState;
use crate::worker::Queued;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::cloudevent::ContentMode;
use crate::http::{Connections, Target};

/// A subscription prepared for delivery: parsed URL, signer and headers.
pub struct Route {
    /// The subscription as the view has it.
    pub sub: Subscription,
    /// Parsed target (None when the URL is invalid: deliveries dead-letter).
    pub target: Option<Target>,
    /// Signs with every unexpired secret, newest first.
    pub signer: Signer,
    /// Custom headers that are valid and do not shadow the webhook headers.
    pub headers: HeaderMap,
    /// CloudEvents HTTP content mode.
    pub content_mode: ContentMode,
    /// Webhooks of one record key go out in publish order (`ordering: key`).
    pub ordered: bool,
    /// A dead-lettered key's later events follow it into the DLQ (`on_dead_letter: hold`).
    pub hold: bool,
    /// The payload filter, parsed once per subscription version (None = every event).
    pub filter: Option<Filter>,
    /// The subscription's endpoint, once a delivery looked it up: endpoints are never removed
    /// from the worker's map, so this saves a locked map lookup (and a copy of the id) per
    /// delivery.
    pub(crate) endpoint: OnceLock<Arc<Endpoint>>,
    /// The `Shares` generation this route last set its endpoint's in-flight limit at (0: never).
    pub(crate) limit_generation: AtomicU64,
}

impl std::fmt::Debug for Route {
    // Custom header values and signing secrets are credentials: never in logs or panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("subscription", &self.sub.id)
            .field("url", &self.shown_url())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Headers a subscription may not set (we own them).
const RESERVED: &[&str] = &[
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "traceparent",
];

impl Route {
    /// Prepares a subscription at `now_ms` (secrets past their expiry are left out).
    pub fn new(sub: Subscription, now_ms: i64) -> Self {
        let mut secrets: Vec<_> = sub
            .secrets
            .iter()
            .filter(|s| s.expires_at_ms == 0 || s.expires_at_ms > now_ms)
            .collect();
        // Newest first: the current secret never expires, older ones expire later the newer they are.
        secrets.sort_by_key(|s| {
            std::cmp::Reverse(if s.expires_at_ms == 0 {
                i64::MAX
            } else {
                s.expires_at_ms
            })
        });
        let secrets = secrets
            .into_iter()
            .filter_map(|s| match Secret::parse(&s.secret) {
                Ok(secret) => Some(secret),
                Err(error) => {
                    tracing::warn!(subscription = %sub.id, %error, "ignoring an invalid signing secret");
                    None
                }
            })
            .collect();
        let mut headers = HeaderMap::new();
        for (k, v) in &sub.headers {
            let lower = k.to_ascii_lowercase();
            if RESERVED.contains(&lower.as_str()) {
                continue;
            }
            match (
                HeaderName::from_bytes(lower.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                (Ok(name), Ok(value)) => {
                    headers.insert(name, value);
                }
                _ => {
                    tracing::warn!(subscription = %sub.id, header = %k, "ignoring an invalid custom header")
                }
            }
        }
        let filter = match sub.filter.as_str() {
            "" => None,
            expr => match Filter::parse(expr) {
                Ok(f) => Some(f),
                Err(error) => {
                    // Control refuses invalid filters; one that no longer parses selects
                    // nothing rather than everything.
                    tracing::warn!(subscription = %sub.id, %error, "invalid payload filter: delivering nothing");
                    Some(Filter::nothing())
                }
            },
        };
        Self {
            signer: Signer::new(secrets),
            target: Target::parse(&sub.url),
            headers,
            content_mode: ContentMode::of(&sub.content_mode),
            ordered: sub.ordering == "key",
            hold: sub.on_dead_letter == "hold",
            filter,
            sub,
            endpoint: OnceLock::new(),
            limit_generation: AtomicU64::new(0),
        }
    }

    /// Whether the event passes the subscription's payload filter (built lazily by `event`:
    /// subscriptions without a filter never decode anything).
    pub fn accepts<'a>(&self, event: &mut impl FnMut() -> EventView<'a>) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(&event()))
    }

    /// The URL as records and events show it: without credentials (an unparsable URL as given).
    pub fn shown_url(&self) -> String {
        self.target
            .as_ref()
            .map_or_else(|| self.sub.url.clone(), |t| t.redacted.clone())
    }

    /// Whether the subscription is paused.
    pub fn paused(&self) -> bool {
        self.sub.state == SubscriptionState::Paused as i32
    }

    /// Whether the subscription is disabled.
    pub fn disabled(&self) -> bool {
        self.sub.state == SubscriptionState::Disabled as i32
    }
}

/// Every subscription of one view, indexed for matching.
#[derive(Debug, Default)]
pub struct Routes {
    /// Active and paused subscriptions by Kafka topic (paused ones park their deliveries).
    pub by_topic: HashMap<String, Vec<Arc<Route>>>,
    /// Every subscription by id (retry tasks look theirs up here).
    pub by_id: HashMap<String, Arc<Route>>,
    /// Each event topic's identity, for the `herald-cursor` of its webhooks.
    pub tags: HashMap<String, TopicTag>,
}

impl Routes {
    /// Indexes `view`, reusing prepared routes whose subscription did not change.
    pub fn build(view: &View, previous: &Routes, now_ms: i64) -> Self {
        let mut out = Routes::default();
        for sub in view.subscriptions.values() {
            let route = match previous.by_id.get(&sub.id) {
                Some(r) if r.sub == *sub => r.clone(),
                _ => Arc::new(Route::new(sub.clone(), now_ms)),
            };
            if !route.disabled() && sub.state != SubscriptionState::Unspecified as i32 {
                for t in &sub.topics {
                    out.by_topic
                        .entry(t.clone())
                        .or_default()
                        .push(route.clone());
                }
            }
            out.by_id.insert(sub.id.clone(), route);
        }
        out.tags = view
            .topics
            .values()
            .map(|t| {
                let tag = TopicTag::of(&t.kafka_topic, t.created_at_ms);
                (t.kafka_topic.clone(), tag)
            })
            .collect();
        out
    }

    /// Event topics to consume.
    pub fn topics(&self) -> Vec<String> {
        let mut t: Vec<String> = self.by_topic.keys().cloned().collect();
        t.sort();
        t
    }
}

/// What the circuit allows for the next delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Closed: send.
    Pass,
    /// Half-open: send this one as the probe.
    Probe,
    /// Open: do not send.
    Reject,
}

#[derive(Debug)]
enum CircuitState {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// A delivery's place in an endpoint's queue, given back when dropped.
pub struct QueuePlace(Arc<Endpoint>);

impl Drop for QueuePlace {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Consecutive failures open the circuit; after `open_for` one probe is let through; its
/// success closes the circuit, its failure opens it again.
#[derive(Debug)]
pub struct Circuit {
    state: CircuitState,
    threshold: u32,
    open_for: Duration,
}

impl Circuit {
    /// A closed circuit (`threshold` 0 never opens).
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        Self {
            state: CircuitState::Closed { failures: 0 },
            threshold,
            open_for,
        }
    }

    /// Whether a delivery may be sent now.
    pub fn gate(&mut self, now: Instant) -> Gate {
        match self.state {
            CircuitState::Closed { .. } => Gate::Pass,
            CircuitState::Open { until } if now >= until => {
                self.state = CircuitState::HalfOpen;
                Gate::Probe
            }
            CircuitState::Open { .. } | CircuitState::HalfOpen => Gate::Reject,
        }
    }

    /// Opens the circuit until `until` (a state saved by a previous worker).
    pub fn open_until(&mut self, until: Instant) {
        self.state = CircuitState::Open { until };
    }

    /// Records a success; true when it closed an open circuit (the endpoint recovered).
    pub fn success(&mut self) -> bool {
        let was_open = !matches!(self.state, CircuitState::Closed { .. });
        self.state = CircuitState::Closed { failures: 0 };
        was_open
    }

    /// Records a failure; true when it opened the circuit.
    pub fn failure(&mut self, now: Instant) -> bool {
        match &mut self.state {
            CircuitState::Closed { failures } => {
                *failures += 1;
                if self.threshold > 0 && *failures >= self.threshold {
                    self.state = CircuitState::Open {
                        until: now + self.open_for,
                    };
                    return true;
                }
                false
            }
            CircuitState::HalfOpen | CircuitState::Open { .. } => {
                self.state = CircuitState::Open {
                    until: now + self.open_for,
                };
                false
            }
        }
    }

    /// Whether the circuit is not closed.
    #[cfg(test)]
    pub fn is_open(&self) -> bool {
        !matches!(self.state, CircuitState::Closed { .. })
    }
}

/// A token bucket in its GCRA form: one slot every `1/rate`, bursts up to `rate`.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    burst: Duration,
    next: Instant,
}

impl RateLimiter {
    /// `rate` requests per second (a fraction too: a worker's share of a subscription's limit).
    pub fn new(rate: f64, now: Instant) -> Self {
        let rate = rate.max(0.001);
        let interval = Duration::from_secs_f64(1.0 / rate);
        Self {
            interval,
            burst: interval.mul_f64((rate - 1.0).max(0.0)),
            next: now,
        }
    }

    /// Reserves a slot; returns when it may be used.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let earliest = now.checked_sub(self.burst).unwrap_or(now);
        let at = self.next.max(earliest);
        self.next = at + self.interval;
        at.max(now)
    }
}

/// Live state of one subscription's endpoint, kept across view changes.
#[derive(Debug)]
pub struct Endpoint {
    /// Concurrent requests.
    in_flight: Arc<Semaphore>,
    in_flight_limit: AtomicUsize,
    /// Deliveries accepted but not finished (waiting or in flight).
    queued: AtomicUsize,
    /// Rate limit (rate, limiter) when the subscription sets one.
    rate: Mutex<Option<(f64, RateLimiter)>>,
    /// Circuit breaker.
    circuit: Mutex<Circuit>,
    /// Start of the current run of failures (unix ms), for auto-disable.
    failing_since_ms: Mutex<Option<i64>>,
    /// Moving average of attempt latency in microseconds: tells a slow endpoint from a busy one.
    latency_us: AtomicU64,
    /// Deliveries waiting for one of the endpoint's runners, and how many run.
    runs: Mutex<Runs<Queued>>,
    /// Idle HTTP/1 connections to the endpoint.
    pub connections: Connections,
}

/// An endpoint's delivery runners: tasks (at most the in-flight limit) that each deliver one
/// job after another from the endpoint's queue, so a delivery costs no task spawn and no wait
/// on the in-flight semaphore, and a backlog is a queue of jobs rather than of parked tasks.
struct Runs<J> {
    queue: VecDeque<J>,
    runners: usize,
}

impl<J> Default for Runs<J> {
    fn default() -> Self {
        Self {
            queue: VecDeque::new(),
            runners: 0,
        }
    }
}

impl<J> Runs<J> {
    /// `job` back when a new runner should start with it, else queued.
    fn submit(&mut self, job: J, limit: usize) -> Option<J> {
        if self.runners < limit {
            self.runners += 1;
            return Some(job);
        }
        self.queue.push_back(job);
        None
    }

    /// A runner's next job; `None` (and one runner fewer) when the queue is empty or there are
    /// more runners than `limit`. At least one runner stays while jobs are queued.
    fn next(&mut self, limit: usize) -> Option<J> {
        let job = if self.runners > limit.max(1) {
            None
        } else {
            self.queue.pop_front()
        };
        if job.is_none() {
            self.runners -= 1;
        }
        job
    }
}

impl<J> std::fmt::Debug for Runs<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runs")
            .field("queued", &self.queue.len())
            .field("runners", &self.runners)
            .finish()
    }
}

impl Endpoint {
    /// Fresh state.
    pub fn new(limit: usize, threshold: u32, open_for: Duration) -> Self {
        Self {
            in_flight: Arc::new(Semaphore::new(limit)),
            in_flight_limit: AtomicUsize::new(limit),
            queued: AtomicUsize::new(0),
            rate: Mutex::new(None),
            circuit: Mutex::new(Circuit::new(threshold, open_for)),
            failing_since_ms: Mutex::new(None),
            latency_us: AtomicU64::new(0),
            runs: Mutex::default(),
            connections: Connections::default(),
        }
    }

    /// Takes a place in the endpoint's queue unless it is `max_queued` deep and slow (slower
    /// than `slow` on average): a slow endpoint with a deep queue would hold the worker's
    /// record budget and so slow everyone. The place is given back when the guard drops.
    pub fn enqueue(self: &Arc<Self>, max_queued: usize, slow: Duration) -> Option<QueuePlace> {
        if self.queued.fetch_add(1, Ordering::AcqRel) >= max_queued && self.is_slow(slow) {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(QueuePlace(self.clone()))
    }

    /// Whether an attempt may be sent now (the circuit breaker's gate). The clock is read only
    /// when the circuit is not closed, the rare case.
    pub fn gate(&self) -> Gate {
        let mut circuit = self.circuit.lock().unwrap_or_else(|e| e.into_inner());
        match circuit.state {
            CircuitState::Closed { .. } => Gate::Pass,
            _ => circuit.gate(Instant::now()),
        }
    }

    /// Waits for a concurrency permit; `None` once the endpoint is gone.
    pub async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        // A runner finds a permit free (runners are at most the limit): no waiter to register.
        match self.in_flight.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => self.in_flight.clone().acquire_owned().await.ok(),
        }
    }

    /// Hands `job` to the endpoint's runners: returned when a new runner should start with it
    /// (fewer runners than the in-flight limit), else queued for a runner that is working.
    pub fn submit(&self, job: Queued) -> Option<Queued> {
        let limit = self.in_flight_limit.load(Ordering::Relaxed);
        self.runs().submit(job, limit)
    }

    /// The next job for a runner that finished one; `None` when the runner should stop (nothing
    /// queued, or more runners than a lowered limit).
    pub fn next_job(&self) -> Option<Queued> {
        let limit = self.in_flight_limit.load(Ordering::Relaxed);
        self.runs().next(limit)
    }

    /// A runner ended without asking for its next job (it panicked): its queue must not be left
    /// without a runner. Returns the job a new runner should start with, if any.
    pub fn runner_lost(&self) -> Option<Queued> {
        self.runs().next(usize::MAX)
    }

    fn runs(&self) -> std::sync::MutexGuard<'_, Runs<Queued>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a delivered attempt: whether this closed an open circuit (recovered) and whether
    /// it ended a run of failures.
    pub fn on_success(&self) -> (bool, bool) {
        let was_failing = self
            .failing_since_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some();
        let recovered = self
            .circuit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .success();
        (recovered, was_failing)
    }

    /// Takes over a state saved by a previous worker: the run of failures goes on from when it
    /// started, and an open circuit stays open until its time (`now`, `now_ms`: the same
    /// instant, monotonic and wall-clock). True when the circuit is open.
    pub fn restore(&self, saved: SavedState, now: Instant, now_ms: i64) -> bool {
        *self
            .failing_since_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = saved.failing_since_ms;
        let Some(until_ms) = saved.open_until_ms else {
            return false;
        };
        let left = Duration::from_millis(until_ms.saturating_sub(now_ms).max(0) as u64);
        self.circuit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .open_until(now + left);
        true
    }

    /// Records a failed attempt at `now`; true when this opened the circuit.
    pub fn on_failure(&self, now: Instant) -> bool {
        self.circuit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failure(now)
    }

    /// How long the endpoint has been failing without a success, as of `now_ms`, and whether
    /// the run of failures starts now (none was under way).
    pub fn failing_for_ms(&self, now_ms: i64) -> (i64, bool) {
        let mut since = self
            .failing_since_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let started = since.is_none();
        let since = *since.get_or_insert(now_ms);
        (now_ms - since, started)
    }

    /// Start of the current run of failures (unix ms), if any.
    pub fn failing_since_ms(&self) -> Option<i64> {
        *self
            .failing_since_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Folds one attempt's latency into the moving average.
    pub fn observe_latency(&self, latency: Duration) {
        let sample = latency.as_micros().min(u128::from(u64::MAX)) as u64;
        let old = self.latency_us.load(Ordering::Relaxed);
        let new = if old == 0 {
            sample
        } else {
            (old * 4 + sample) / 5
        };
        self.latency_us.store(new, Ordering::Relaxed);
    }

    /// Whether the endpoint answers slowly on average.
    pub fn is_slow(&self, threshold: Duration) -> bool {
        self.latency_us.load(Ordering::Relaxed) >= threshold.as_micros() as u64
    }

    /// Follows a changed concurrency limit without losing state.
    pub fn set_limit(&self, limit: usize) {
        let old = self.in_flight_limit.swap(limit, Ordering::Relaxed);
        if limit > old {
            self.in_flight.add_permits(limit - old);
        } else if limit < old {
            // Permits in use are forgotten as they come back only if idle now; close enough
            // for a limit change, and never below one.
            self.in_flight.forget_permits(old - limit);
        }
    }

    /// Waits for the rate limit (requests per second), if any (0: none).
    pub async fn pace(&self, rate: f64) {
        if rate <= 0.0 {
            return;
        }
        let at = {
            let mut guard = self.rate.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            match guard.as_mut() {
                Some((r, limiter)) if *r == rate => limiter.reserve(now),
                _ => {
                    let mut limiter = RateLimiter::new(rate, now);
                    let at = limiter.reserve(now);
                    *guard = Some((rate, limiter));
                    at
                }
            }
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runners_start_up_to_the_limit_and_drain_the_queue() {
        let mut runs = Runs::default();
        assert_eq!(runs.submit(1, 2), Some(1), "first runner");
        assert_eq!(runs.submit(2, 2), Some(2), "second runner");
        assert_eq!(runs.submit(3, 2), None, "queued");
        assert_eq!(runs.submit(4, 2), None, "queued");
        assert_eq!(runs.next(2), Some(3));
        // The limit drops to 1: one runner stops, the other goes on with the queue.
        assert_eq!(runs.next(1), None);
        assert_eq!(runs.runners, 1);
        assert_eq!(runs.next(1), Some(4));
        assert_eq!(runs.next(1), None);
        assert_eq!(runs.runners, 0);
        // A lost runner's queue is taken over whatever the limit.
        assert_eq!(runs.submit(5, 1), Some(5));
        assert_eq!(runs.submit(6, 1), None);
        assert_eq!(runs.next(usize::MAX), Some(6));
        assert_eq!(runs.next(usize::MAX), None);
        assert_eq!(runs.runners, 0);
    }

    #[test]
    fn circuit_opens_probes_and_recovers() {
        let t0 = Instant::now();
        let mut c = Circuit::new(3, Duration::from_secs(10));
        assert_eq!(c.gate(t0), Gate::Pass);
        assert!(!c.failure(t0));
        assert!(!c.failure(t0));
        assert!(c.failure(t0), "third failure opens");
        assert_eq!(c.gate(t0 + Duration::from_secs(1)), Gate::Reject);
        assert_eq!(c.gate(t0 + Duration::from_secs(11)), Gate::Probe);
        assert_eq!(
            c.gate(t0 + Duration::from_secs(11)),
            Gate::Reject,
            "one probe at a time"
        );
        c.failure(t0 + Duration::from_secs(11));
        assert_eq!(c.gate(t0 + Duration::from_secs(12)), Gate::Reject);
        assert_eq!(c.gate(t0 + Duration::from_secs(22)), Gate::Probe);
        assert!(c.success(), "probe success closes and reports recovery");
        assert_eq!(c.gate(t0 + Duration::from_secs(22)), Gate::Pass);
        assert!(!c.success());
    }

    #[test]
    fn success_resets_the_failure_count() {
        let t0 = Instant::now();
        let mut c = Circuit::new(2, Duration::from_secs(1));
        c.failure(t0);
        c.success();
        assert!(!c.failure(t0));
        assert!(!c.is_open());
    }

    #[test]
    fn rate_limiter_spaces_requests_after_a_burst() {
        let t0 = Instant::now();
        let mut r = RateLimiter::new(10.0, t0);
        // A full burst of 10 is immediate after an idle second.
        let later = t0 + Duration::from_secs(1);
        for _ in 0..10 {
            assert_eq!(r.reserve(later), later);
        }
        let next = r.reserve(later);
        assert!(
            next > later && next <= later + Duration::from_millis(100),
            "{:?}",
            next - later
        );
    }

    #[test]
    fn debug_output_holds_no_credential() {
        use herald_proto::v1::SigningSecret;
        let secret = Secret::from_bytes(vec![7u8; 32]).unwrap().expose();
        let route = Route::new(
            Subscription {
                id: "sub_1".into(),
                url: "https://user:url-password@example.com/hook".into(),
                secrets: vec![SigningSecret {
                    secret: secret.clone(),
                    expires_at_ms: 0,
                }],
                headers: [("authorization".to_owned(), "Bearer partner-cred".to_owned())].into(),
                ..Default::default()
            },
            0,
        );
        let shown = format!("{route:?}");
        assert!(
            shown.contains("sub_1") && shown.contains("authorization"),
            "{shown}"
        );
        for credential in ["partner-cred", "url-password", &secret[6..]] {
            assert!(!shown.contains(credential), "{credential} in {shown}");
        }
    }

    #[test]
    fn routes_index_active_and_paused_but_not_disabled() {
        use herald_proto::v1::{Entity, SigningSecret, entity};
        let sub = |id: &str, state: SubscriptionState| Entity {
            kind: Some(entity::Kind::Subscription(Subscription {
                id: id.into(),
                team: "acme".into(),
                topics: vec!["acme.orders".into()],
                url: "http://example.com/hook".into(),
                state: state as i32,
                secrets: vec![
                    SigningSecret {
                        secret: Secret::from_bytes(vec![1u8; 32]).unwrap().expose(),
                        expires_at_ms: 5_000,
                    },
                    SigningSecret {
                        secret: Secret::from_bytes(vec![2u8; 32]).unwrap().expose(),
                        expires_at_ms: 0,
                    },
                    SigningSecret {
                        secret: Secret::from_bytes(vec![3u8; 32]).unwrap().expose(),
                        expires_at_ms: 10,
                    },
                ],
                headers: [
                    ("X-Team".to_owned(), "a".to_owned()),
                    ("webhook-id".to_owned(), "x".to_owned()),
                ]
                .into(),
                ..Default::default()
            })),
        };
        let view = View::from_entities(
            1,
            [
                sub("a", SubscriptionState::Active),
                sub("p", SubscriptionState::Paused),
                sub("d", SubscriptionState::Disabled),
            ],
        );
        let routes = Routes::build(&view, &Routes::default(), 1_000);
        let ids: Vec<&str> = routes.by_topic["acme.orders"]
            .iter()
            .map(|r| r.sub.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "p"]);
        assert_eq!(routes.by_id.len(), 3);
        let a = &routes.by_id["a"];
        assert_eq!(a.headers.len(), 1, "reserved header dropped");
        // Two live secrets, newest (no expiry) first; the expired one is gone.
        let sig = a.signer.sign("id", 1, b"x");
        assert_eq!(sig.split(' ').count(), 2);
        let newest = herald_core::Verifier::new(Secret::from_bytes(vec![2u8; 32]).unwrap());
        let first = sig.split(' ').next().unwrap();
        assert!(
            newest
                .verify(Some("id"), Some("1"), Some(first), b"x", 1)
                .is_ok()
        );
        let again = Routes::build(&view, &routes, 1_000);
        assert!(
            Arc::ptr_eq(&again.by_id["a"], a),
            "unchanged routes are reused"
        );
    }
}
