//! Harness pieces for herald-ingest tests (being built).
