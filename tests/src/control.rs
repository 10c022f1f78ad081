//! Harness pieces for herald-control tests (being built).
