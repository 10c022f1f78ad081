//! Rust client for Herald: publish events, manage teams, topics, keys and subscriptions, read
//! delivery history, replay, and verify the webhooks Herald sends.
//!
//! ```no_run
//! # async fn run() -> Result<(), herald_client::Error> {
//! use herald_client::{Client, Event};
//!
//! let client = Client::connect("http://127.0.0.1:50051", "hk_...").await?;
//! let receipt = client
//!     .publish("demo", "events", Event::new("order.created", r#"{"order":42}"#).with_id("order-42"))
//!     .await?;
//! println!("stored at partition {} offset {}", receipt.partition, receipt.offset);
//! # Ok(())
//! # }
//! ```
//!
//! Every call returns [`Error`], which says through [`herald_core::Classify`] whether retrying
//! can help. A retried publish stays exactly-once within the server's idempotency window when
//! the event carries its own id ([`Event::with_id`]).

mod client;
mod control;
mod error;
mod event;
mod webhook;

pub use client::{Client, EventOutcome};
pub use control::{CreatedApiKey, CreatedSubscription};
pub use error::Error;
pub use event::Event;
pub use herald_core::{Classify, ErrorClass};
pub use webhook::{VerifiedWebhook, verify_webhook};

/// The generated `herald.v1` messages the API takes and returns.
pub use herald_proto::v1 as proto;
