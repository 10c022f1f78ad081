//! Error classes shared by every crate: delivery and clients decide on them.

/// Whether repeating the failed operation can succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// A later attempt may succeed (timeouts, unavailable broker or endpoint, throttling).
    Retryable,
    /// Repeating cannot help (invalid input, refused target, gone endpoint).
    Permanent,
}

/// Implemented by every error type whose callers decide whether to retry.
pub trait Classify {
    /// The class of this error.
    fn class(&self) -> ErrorClass;

    /// Shorthand for `class() == Retryable`.
    fn is_retryable(&self) -> bool {
        self.class() == ErrorClass::Retryable
    }
}
