//! The data plane's copy of the control plane's state.
//!
//! `herald-control` streams a snapshot and then every change (`Control.Watch`); [`follow`] keeps
//! a [`View`] of it current in memory (reconnecting with backoff), so ingest, delivery and edge
//! answer from memory and keep serving with the last known state while the control plane is away.
//! [`Authenticator`] turns a bearer token into a [`Principal`] against that view.

mod auth;
mod bearer;
pub mod entity_id;
mod follow;
mod scope;
mod view;

pub use auth::{AuthError, Authenticator, Denied, Principal, check_expiry, hash_key, now_ms};
pub use bearer::{Bearer, InvalidToken};
pub use follow::{ConfigHandle, ConfigPublisher, follow};
pub use scope::Action;
pub use view::View;
