//! Harness pieces for herald-edge tests (being built).
