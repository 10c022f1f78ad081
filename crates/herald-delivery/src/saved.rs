//! Endpoint state that survives a worker restart: whether a subscription's circuit is open (and
//! until when), and when its current run of failures started (the auto-disable clock). It lives
//! in the compacted topic `<deployment>.endpoint-state`, keyed by subscription id, so Kafka stays the
//! only store. Workers write on transitions only (a run of failures starts, the circuit opens,
//! the endpoint recovers: a tombstone), never per attempt, and read the whole topic when they
//! start, before they consume.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use herald_kafka::{KafkaConfig, KafkaError, PartitionRange, ScanReader};
use serde::{Deserialize, Serialize};

/// Most time a worker spends reading the saved state at start.
const LOAD_DEADLINE: Duration = Duration::from_secs(30);

/// One subscription's saved endpoint state (wall-clock unix ms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedState {
    /// Start of the current run of failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since_ms: Option<i64>,
    /// The circuit is open until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_until_ms: Option<i64>,
}

/// Reads every subscription's latest state (blocking: run it off the runtime).
pub(crate) fn load(
    kafka: &KafkaConfig,
    topic: &str,
    reader_group: &str,
) -> Result<HashMap<String, SavedState>, KafkaError> {
    let reader = ScanReader::new(kafka.client(), reader_group)?;
    let timeout = Duration::from_secs(10);
    let Some(partitions) = reader.partitions(topic, timeout)? else {
        return Ok(HashMap::new());
    };
    let marks = reader.watermarks(topic, &partitions, timeout)?;
    let ranges: Vec<PartitionRange> = partitions
        .iter()
        .zip(marks)
        .map(|(p, (low, high))| PartitionRange {
            partition: *p,
            start: low,
            end: high,
        })
        .collect();
    let mut states = HashMap::new();
    let mut bad = 0u64;
    let scanned = reader.scan(
        topic,
        &ranges,
        u64::MAX,
        Instant::now() + LOAD_DEADLINE,
        |record| {
            let Some(key) = record
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned())
            else {
                return true;
            };
            match record.payload().filter(|p| !p.is_empty()) {
                None => {
                    states.remove(&key);
                }
                Some(value) => match serde_json::from_slice::<SavedState>(value) {
                    Ok(state) => {
                        states.insert(key, state);
                    }
                    Err(_) => bad += 1,
                },
            }
            true
        },
    )?;
    if !scanned.complete {
        tracing::warn!("endpoint state not read to its end in time; starting with what was read");
    }
    if bad > 0 {
        tracing::warn!(records = bad, "skipped unreadable endpoint state records");
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_small_json_and_round_trips() {
        let state = SavedState {
            failing_since_ms: Some(1_700_000_000_000),
            open_until_ms: None,
        };
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(json, r#"{"failing_since_ms":1700000000000}"#);
        assert_eq!(serde_json::from_str::<SavedState>(&json).unwrap(), state);
        assert_eq!(
            serde_json::from_str::<SavedState>("{}").unwrap(),
            SavedState::default()
        );
    }
}
