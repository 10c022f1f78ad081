use herald_proto::v1::{ApiKey, Scope};
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
        view.key_by_hash(&hex::encode(d))
            .cloned()
            .map(Principal::Key)
            .ok_or(AuthError::Unknown)
    }
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Publish => "publish",
        Scope::Subscribe => "subscribe",
        Scope::Admin => "admin",
        Scope::Unspecified => "unspecified",
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

    fn has_scope(key: &ApiKey, scope: Scope) -> bool {
        key.scopes.contains(&(scope as i32))
    }

    /// Whether the key's topic restriction (names within its team or `<team>.<topic>`) allows it.
    fn topic_allowed(key: &ApiKey, team: &str, topic: &str) -> bool {
        key.topics.is_empty()
            || key
                .topics
                .iter()
                .any(|t| (team == key.team && t == topic) || *t == format!("{team}.{topic}"))
    }

    fn key_denied(&self, what: &str) -> Denied {
        Denied(format!("{what} (key {})", self.key_label()))
    }

    fn key_label(&self) -> String {
        match self {
            Self::Key(k) => format!("{} of team {}", k.id, k.team),
            Self::Root => "root".into(),
            Self::Internal => "internal".into(),
        }
    }

    /// Requires the root key.
    pub fn require_root(&self) -> Result<(), Denied> {
        match self {
            Self::Root => Ok(()),
            _ => Err(self.key_denied("only the root key may do this")),
        }
    }

    /// Requires the internal service credential.
    pub fn require_internal(&self) -> Result<(), Denied> {
        match self {
            Self::Internal => Ok(()),
            _ => Err(self.key_denied("only Herald's internal service credential may do this")),
        }
    }

    fn require_scope(&self, team: &str, scope: Scope) -> Result<&ApiKey, Denied> {
        match self {
            Self::Key(k) if k.team != team => {
                Err(self.key_denied(&format!("the key belongs to another team than {team}")))
            }
            Self::Key(k) if !Self::has_scope(k, scope) && !Self::has_scope(k, Scope::Admin) => {
                Err(self.key_denied(&format!("the key lacks the {} scope", scope_name(scope))))
            }
            Self::Key(k) => Ok(k),
            _ => Err(self.key_denied("not a team key")),
        }
    }

    /// Requires the right to manage `team` (root, or a team key with the admin scope).
    pub fn require_admin(&self, team: &str) -> Result<(), Denied> {
        if matches!(self, Self::Root) {
            return Ok(());
        }
        self.require_scope(team, Scope::Admin).map(|_| ())
    }

    /// Requires the right to read team state (root, internal, or any key of that team).
    pub fn require_member(&self, team: &str) -> Result<(), Denied> {
        match self {
            Self::Root | Self::Internal => Ok(()),
            Self::Key(k) if k.team == team => Ok(()),
            _ => Err(self.key_denied(&format!("the key does not belong to team {team}"))),
        }
    }

    /// Requires the right to publish to `<team>.<topic>`.
    pub fn require_publish(&self, team: &str, topic: &str) -> Result<(), Denied> {
        if matches!(self, Self::Root) {
            return Ok(());
        }
        let key = self.require_scope(team, Scope::Publish)?;
        if Self::topic_allowed(key, team, topic) {
            Ok(())
        } else {
            Err(self.key_denied(&format!(
                "the key is restricted to other topics than {topic}"
            )))
        }
    }

    /// Requires the right to read `<team>.<topic>`: a subscribe key of the owning team or of a
    /// team holding a grant.
    pub fn require_subscribe(&self, view: &View, team: &str, topic: &str) -> Result<(), Denied> {
        let key = match self {
            Self::Root | Self::Internal => return Ok(()),
            Self::Key(k) => k,
        };
        if !view.may_read(&key.team, team, topic) {
            return Err(self.key_denied(&format!(
                "team {} has no grant for {team}.{topic}",
                key.team
            )));
        }
        if !Self::has_scope(key, Scope::Subscribe) && !Self::has_scope(key, Scope::Admin) {
            return Err(self.key_denied("the key lacks the subscribe scope"));
        }
        if !Self::topic_allowed(key, team, topic) {
            return Err(self.key_denied(&format!(
                "the key is restricted to other topics than {team}.{topic}"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use herald_proto::v1::{Entity, Grant, entity};

    use super::*;

    fn key(id: &str, team: &str, scopes: &[Scope], topics: &[&str], secret: &str) -> Entity {
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

    fn view() -> View {
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
        let none = Authenticator::new(Some(""), None);
        assert_eq!(
            none.authenticate(&v, Some("Bearer ")),
            Err(AuthError::Malformed)
        );
    }

    #[test]
    fn scopes_topics_and_grants() {
        let a = Authenticator::new(Some("root"), None);
        let v = view();
        let publisher = a.authenticate_token(&v, "pub-key").unwrap();
        publisher.require_publish("acme", "orders").unwrap();
        assert!(publisher.require_publish("acme", "users").is_err());
        assert!(publisher.require_publish("beta", "orders").is_err());
        assert!(publisher.require_subscribe(&v, "acme", "orders").is_err());
        assert!(publisher.require_admin("acme").is_err());

        let reader = a.authenticate_token(&v, "sub-key").unwrap();
        reader.require_subscribe(&v, "acme", "orders").unwrap();
        reader.require_subscribe(&v, "beta", "anything").unwrap();
        let denied = reader.require_subscribe(&v, "acme", "users").unwrap_err();
        assert!(denied.to_string().contains("no grant"), "{denied}");

        let admin = a.authenticate_token(&v, "admin-key").unwrap();
        admin.require_admin("acme").unwrap();
        admin.require_publish("acme", "anything").unwrap();
        assert!(admin.require_admin("beta").is_err());
        assert!(admin.require_root().is_err());
        Principal::Root.require_publish("x", "y").unwrap();
        assert!(Principal::Root.require_internal().is_err());
    }
}
