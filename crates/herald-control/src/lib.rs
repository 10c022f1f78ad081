//! herald-control (being built).
