//! The client side of Herald's authentication: `authorization: Bearer <key>` on gRPC calls.

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;

/// The token cannot be sent in a header (not visible ASCII).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the key or token is not a valid header value: use the printable ASCII it was issued as")]
pub struct InvalidToken;

/// Adds `authorization: Bearer <token>` to every request of a tonic client (or nothing, to
/// call without credentials).
#[derive(Debug, Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Bearer {
    /// Sends `token` (an API key, the root key or the internal token).
    pub fn new(token: &str) -> Result<Self, InvalidToken> {
        MetadataValue::try_from(format!("Bearer {token}"))
            .map(|v| Self(Some(v)))
            .map_err(|_| InvalidToken)
    }

    /// Sends no credentials.
    pub fn none() -> Self {
        Self(None)
    }

    /// Adds the header to one request (for clients without the interceptor).
    pub fn apply<T>(&self, request: &mut tonic::Request<T>) {
        if let Some(v) = &self.0 {
            request.metadata_mut().insert("authorization", v.clone());
        }
    }
}

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        self.apply(&mut request);
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_header_or_nothing() {
        let mut request = tonic::Request::new(());
        Bearer::new("hk_abc").unwrap().apply(&mut request);
        assert_eq!(
            request.metadata().get("authorization").unwrap(),
            "Bearer hk_abc"
        );
        let mut request = tonic::Request::new(());
        Bearer::none().apply(&mut request);
        assert!(request.metadata().get("authorization").is_none());
        assert_eq!(Bearer::new("bad\nkey").unwrap_err(), InvalidToken);
    }
}
