//! herald-delivery (being built).
