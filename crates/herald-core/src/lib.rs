//! Herald's domain model, free of I/O: everything here is deterministic and unit-tested.

pub mod cursor;
pub mod envelope;
pub mod error;
pub mod expr;
pub mod filter;
pub mod names;
pub mod reply;
pub mod retry;
pub mod signing;

pub use envelope::{Event, EventError, Header};
pub use error::{Classify, ErrorClass};
pub use expr::{EventView, Filter, FilterError};
pub use filter::event_type_matches;
pub use names::{NameError, TeamName, TopicName, TopicRef};
pub use retry::{RetrySchedule, RetryStep, ScheduleError, Tier};
pub use signing::{Secret, SignatureError, Signer, Verifier};
