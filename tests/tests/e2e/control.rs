//! End-to-end tests of herald-control (being built).
