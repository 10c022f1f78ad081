//! Connection limits: per node (503) and per API key (429).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::EdgeError;
use crate::metrics::Metrics;

/// Counts open streams.
#[derive(Debug, Clone)]
pub(crate) struct Limits(Arc<Shared>);

/// Shared by every slot: a slot holds one pointer, not a copy of the settings and metrics.
#[derive(Debug)]
struct Shared {
    counts: Mutex<Counts>,
    max_node: usize,
    max_key: usize,
    metrics: Metrics,
}

#[derive(Debug, Default)]
struct Counts {
    node: usize,
    /// Open streams per key, by the name the key's clients go by (`key:{label}`): every slot
    /// of the key shares this string rather than allocating its own.
    keys: HashMap<Arc<str>, usize>,
}

/// One open stream's share of the limits; released on drop.
#[derive(Debug)]
pub(crate) struct StreamSlot {
    limits: Limits,
    who: Arc<str>,
}

impl Limits {
    pub fn new(max_node: usize, max_key: usize, metrics: Metrics) -> Self {
        Self(Arc::new(Shared {
            counts: Mutex::default(),
            max_node,
            max_key,
            metrics,
        }))
    }

    /// Takes a slot for a stream of `key`, or says which limit is reached.
    pub fn acquire(&self, key: &str) -> Result<StreamSlot, EdgeError> {
        let Shared {
            counts,
            max_node,
            max_key,
            metrics,
        } = &*self.0;
        let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.node >= *max_node {
            metrics.limited.inc();
            return Err(EdgeError::Unavailable(format!(
                "this edge node serves its maximum of {max_node} streams: retry later or on another node",
            )));
        }
        let who = format!("key:{key}");
        let who = match counts.keys.get_key_value(who.as_str()) {
            Some((shared, _)) => shared.clone(),
            None => Arc::from(who),
        };
        let per_key = counts.keys.entry(who.clone()).or_default();
        if *per_key >= *max_key {
            metrics.limited.inc();
            return Err(EdgeError::TooManyForKey(format!(
                "key {key} has its maximum of {max_key} concurrent streams on this node"
            )));
        }
        *per_key += 1;
        counts.node += 1;
        metrics.open_streams.inc();
        Ok(StreamSlot {
            limits: self.clone(),
            who,
        })
    }
}

impl StreamSlot {
    /// The name the key's clients go by (`key:{label}`), shared by the key's streams.
    pub fn who(&self) -> &Arc<str> {
        &self.who
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let shared = &self.limits.0;
        let mut counts = shared.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.node = counts.node.saturating_sub(1);
        if let Some(n) = counts.keys.get_mut(&self.who) {
            *n -= 1;
            if *n == 0 {
                counts.keys.remove(&self.who);
            }
        }
        shared.metrics.open_streams.dec();
    }
}
