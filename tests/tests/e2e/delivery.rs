//! End-to-end tests of herald-delivery (being built).
