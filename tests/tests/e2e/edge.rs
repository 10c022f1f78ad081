//! End-to-end tests of herald-edge (being built).
