//! End-to-end tests against a real Kafka broker: one test binary for the whole suite.

mod kafka_smoke;
