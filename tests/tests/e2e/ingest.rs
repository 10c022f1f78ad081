//! End-to-end tests of herald-ingest (being built).
