//! Harness pieces for herald-delivery tests (being built).
