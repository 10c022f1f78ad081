//! herald-edge (being built).
