//! Shared harness for Herald's end-to-end tests: one real Kafka broker for the whole run, and
//! unique names so tests can share it.

use std::process::Command;
use std::sync::OnceLock;

use herald_kafka::KafkaConfig;

pub mod control;
pub mod delivery;
pub mod edge;
pub mod ingest;
pub mod otlp;
pub mod rest;
pub mod stack;

/// Bootstrap address of the broker under test: `KAFKA_BOOTSTRAP_SERVERS` when set, otherwise
/// the repo's own Apache Kafka started by `deploy/local/kafka start` (reused if already up).
pub fn bootstrap() -> String {
    static BOOTSTRAP: OnceLock<String> = OnceLock::new();
    BOOTSTRAP
        .get_or_init(|| {
            if let Ok(servers) = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
                && !servers.trim().is_empty()
            {
                return servers;
            }
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/local/kafka");
            let out = Command::new("bash")
                .arg(script)
                .arg("start")
                .output()
                .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
            assert!(
                out.status.success(),
                "starting the test broker failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .clone()
}

/// Kafka client settings for the broker under test.
pub fn kafka_config() -> KafkaConfig {
    KafkaConfig::new(bootstrap())
}

/// A name no other test (or earlier run) uses: `<prefix>-<uuid>`.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A deployment no other test uses: its own internal topics and groups, so tests sharing the
/// broker never see each other's dead letters, attempts or replays.
pub fn unique_deployment() -> herald_core::names::internal::Deployment {
    let id = uuid::Uuid::new_v4().simple().to_string();
    herald_core::names::internal::Deployment::new(format!("herald-t{}", &id[..16]))
        .expect("a valid deployment name")
}
