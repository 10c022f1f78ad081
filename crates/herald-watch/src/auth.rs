use herald_proto::v1::ApiKey;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::View;

/// Hex SHA-256 of an API key: what the control plane stores and the data plane looks up. Keys
/// are 256-bit random strings, so an unsalted fast hash is safe (as with GitHub tokens).
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The bearer token was absent or not recognised (gRPC `UNAUTHENTICATED`, HTTP 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials were sent.
    #[error("missing credentials: send 'authorization: Bearer <api key>'")]
    Missing,
    /// The header is not `Bearer <token>`.
    #[error("malformed authorization header: expected 'Bearer <api key>'")]
    Malformed,
    /// The token matches no live key.
    #[error("unknown or revoked api key")]
    Unknown,
    /// The key had an expiry (a portal token) and it has passed.
    #[error("api key {id} expired at {at}: ask an admin of the team for a new one")]
    Expired {
        /// The key's id.
        id: String,
        /// When it expired, RFC 3339 in UTC.
        at: String,
    },
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Refuses `key` if it has an expiry at or before `now_ms`. Every place that accepts a key
/// (a bearer token, an edge access token minted for it, an open stream's guard) asks this.
pub fn check_expiry(key: &ApiKey, now_ms: i64) -> Result<(), AuthError> {
    if key.expires_at_ms == 0 || now_ms < key.expires_at_ms {
        return Ok(());
    }
    let at = u64::try_from(key.expires_at_ms).unwrap_or_default();
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(at);
    Err(AuthError::Expired {
        id: key.id.clone(),
        at: humantime::format_rfc3339_seconds(at).to_string(),
    })
}

/// The caller is known but not allowed (gRPC `PERMISSION_DENIED`, HTTP 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("permission denied: {0}")]
pub struct Denied(pub String);

/// Who is calling.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// The root key from configuration: may do everything except receive secrets.
    Root,
    /// Herald's own services: may watch with secrets and change subscription state.
    Internal,
    /// A team's API key.
    Key(ApiKey),
}

/// Turns bearer tokens into principals.
#[derive(Clone, Default)]
pub struct Authenticator {
    root: Option<[u8; 32]>,
    internal: Option<[u8; 32]>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("root", &self.root.is_some())
            .field("internal", &self.internal.is_some())
            .finish()
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

impl Authenticator {
    /// Knows the root key and the internal service token (either may be unset or empty).
    pub fn new(root_key: Option<&str>, internal_token: Option<&str>) -> Self {
        let keep = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(digest);
        Self {
            root: keep(root_key),
            internal: keep(internal_token),
        }
    }

    /// Authenticates an `authorization` header value (`Bearer <token>`).
    pub fn authenticate(
        &self,
        view: &View,
        authorization: Option<&str>,
    ) -> Result<Principal, AuthError> {
        let header = authorization.ok_or(AuthError::Missing)?.trim();
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Malformed)?;
        self.authenticate_token(view, token)
    }

    /// Authenticates a bare token.
    pub fn authenticate_token(&self, view: &View, token: &str) -> Result<Principal, AuthError> {
        let d = digest(token);
        if self.root.is_some_and(|r| bool::from(r.ct_eq(&d))) {
            return Ok(Principal::Root);
        }
        if self.internal.is_some_and(|r| bool::from(r.ct_eq(&d))) {
            return Ok(Principal::Internal);
        }
        let key = view
            .key_by_hash(&hex::encode(d))
            .ok_or(AuthError::Unknown)?;
        check_expiry(key, now_ms())?;
        Ok(Principal::Key(key.clone()))
    }
}

impl Principal {
    /// The team of an API key.
    pub fn team(&self) -> Option<&str> {
        match self {
            Self::Key(k) => Some(&k.team),
            _ => None,
        }
    }

    /// A refusal naming the caller.
    pub(crate) fn denied(&self, what: &str) -> Denied {
        Denied(format!("{what} (key {})", self.key_label()))
    }

    fn key_label(&self) -> String {
        match self {
            Self::Key(k) => format!("{} of team {}", k.id, k.team),
            Self::Root => "root".into(),
            Self::Internal => "internal".into(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use herald_proto::v1::{Entity, Grant, Scope, entity};

    use super::*;

    pub(crate) fn key(
        id: &str,
        team: &str,
        scopes: &[Scope],
        topics: &[&str],
        secret: &str,
    ) -> Entity {
        Entity {
            kind: Some(entity::Kind::ApiKey(ApiKey {
                id: id.into(),
                team: team.into(),
                scopes: scopes.iter().map(|s| *s as i32).collect(),
                topics: topics.iter().map(|t| t.to_string()).collect(),
                key_hash: hash_key(secret),
                ..Default::default()
            })),
        }
    }

    pub(crate) fn view() -> View {
        View::from_entities(
            1,
            [
                key("k1", "acme", &[Scope::Publish], &["orders"], "pub-key"),
                key("k2", "beta", &[Scope::Subscribe], &[], "sub-key"),
                key("k3", "acme", &[Scope::Admin], &[], "admin-key"),
                Entity {
                    kind: Some(entity::Kind::Grant(Grant {
                        id: "g1".into(),
                        team: "acme".into(),
                        topic: "orders".into(),
                        grantee: "beta".into(),
                        created_at_ms: 0,
                    })),
                },
            ],
        )
    }

    #[test]
    fn authenticates_bearer_tokens() {
        let a = Authenticator::new(Some("root"), Some("internal"));
        let v = view();
        assert_eq!(a.authenticate(&v, Some("Bearer root")), Ok(Principal::Root));
        assert_eq!(
            a.authenticate(&v, Some("Bearer internal")),
            Ok(Principal::Internal)
        );
        assert!(
            matches!(a.authenticate(&v, Some("Bearer pub-key")), Ok(Principal::Key(k)) if k.id == "k1")
        );
        assert_eq!(a.authenticate(&v, None), Err(AuthError::Missing));
        assert_eq!(
            a.authenticate(&v, Some("Basic xyz")),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            a.authenticate(&v, Some("Bearer ")),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            a.authenticate(&v, Some("Bearer nope")),
            Err(AuthError::Unknown)
        );
        let mut expired = view();
        let mut portal = key("k9", "acme", &[Scope::Subscribe], &[], "portal-key");
        if let Some(entity::Kind::ApiKey(k)) = &mut portal.kind {
            k.expires_at_ms = 1_000;
            k.portal = true;
        }
        expired.upsert(portal);
        let e = a
            .authenticate(&expired, Some("Bearer portal-key"))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "api key k9 expired at 1970-01-01T00:00:01Z: ask an admin of the team for a new one"
        );
        let none = Authenticator::new(Some(""), None);
        assert_eq!(
            none.authenticate(&v, Some("Bearer ")),
            Err(AuthError::Malformed)
        );
    }
}
