//! Connection limits: per node (503) and per API key (429).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::EdgeError;
use crate::metrics::Metrics;

/// Counts open streams.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    inner: Arc<Mutex<Counts>>,
    max_node: usize,
    max_key: usize,
    metrics: Metrics,
}

#[derive(Debug, Default)]
struct Counts {
    node: usize,
    keys: HashMap<String, usize>,
}

/// One open stream's share of the limits; released on drop.
#[derive(Debug)]
pub(crate) struct StreamSlot {
    limits: Limits,
    key: String,
}

impl Limits {
    pub fn new(max_node: usize, max_key: usize, metrics: Metrics) -> Self {
        Self {
            inner: Arc::default(),
            max_node,
            max_key,
            metrics,
        }
    }

    /// Takes a slot for a stream of `key`, or says which limit is reached.
    pub fn acquire(&self, key: &str) -> Result<StreamSlot, EdgeError> {
        let mut counts = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if counts.node >= self.max_node {
            self.metrics.limited.inc();
            return Err(EdgeError::Unavailable(format!(
                "this edge node serves its maximum of {} streams: retry later or on another node",
                self.max_node
            )));
        }
        let per_key = counts.keys.entry(key.to_owned()).or_default();
        if *per_key >= self.max_key {
            self.metrics.limited.inc();
            return Err(EdgeError::TooManyForKey(format!(
                "key {key} has its maximum of {} concurrent streams on this node",
                self.max_key
            )));
        }
        *per_key += 1;
        counts.node += 1;
        self.metrics.open_streams.inc();
        Ok(StreamSlot {
            limits: self.clone(),
            key: key.to_owned(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.limits.inner.lock().unwrap_or_else(|e| e.into_inner());
        counts.node = counts.node.saturating_sub(1);
        if let Some(n) = counts.keys.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.keys.remove(&self.key);
            }
        }
        self.limits.metrics.open_streams.dec();
    }
}
