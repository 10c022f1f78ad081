//! End-to-end tests against a real Kafka broker: one test binary for the whole suite.

mod catalog;
mod control;
mod delivery;
mod edge;
mod filters;
mod ingest;
mod kafka_smoke;
mod ordered;
mod pull;
mod request_reply;
mod rest;
mod rolling;
mod security;
mod trace;
mod websocket;
