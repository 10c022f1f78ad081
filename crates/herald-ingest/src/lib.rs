//! herald-ingest (being built).
