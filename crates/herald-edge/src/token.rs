//! Short-lived stream tokens for `?access_token=`: browsers' `EventSource` cannot send an
//! `Authorization` header, so a holder of a subscribe key mints a token bound to one stream.
//!
//! Form: `v1.<base64url(json claims)>.<base64url(HMAC-SHA256(secret, "v1." + claims))>`. The
//! claims name the key, the team, the topic and the expiry; the key is looked up again at every
//! connect, so revoking it also revokes its tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const PREFIX: &str = "v1.";

/// What a token grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Key id, or `root` for the root key.
    pub kid: String,
    /// Team owning the topic.
    pub team: String,
    /// Topic name within the team.
    pub topic: String,
    /// Expiry, unix seconds.
    pub exp: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of ours or tampered with.
    #[error("invalid access token: {0}")]
    Invalid(&'static str),
    /// Past its expiry.
    #[error("access token expired at {0} (unix seconds): mint a new one")]
    Expired(i64),
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("hmac takes any key length"))
}

/// Signs `claims`.
pub fn mint(secret: &[u8], claims: &Claims) -> String {
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let mut m = mac(secret);
    m.update(PREFIX.as_bytes());
    m.update(body.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{PREFIX}{body}.{sig}")
}

/// Checks the signature and expiry of `token` at `now` (unix seconds).
pub fn verify(secret: &[u8], token: &str, now: i64) -> Result<Claims, TokenError> {
    let rest = token
        .strip_prefix(PREFIX)
        .ok_or(TokenError::Invalid("unknown format"))?;
    let (body, sig) = rest
        .split_once('.')
        .ok_or(TokenError::Invalid("unknown format"))?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenError::Invalid("bad signature encoding"))?;
    let mut m = mac(secret);
    m.update(PREFIX.as_bytes());
    m.update(body.as_bytes());
    m.verify_slice(&sig)
        .map_err(|_| TokenError::Invalid("bad signature"))?;
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| TokenError::Invalid("bad claims encoding"))?;
    let claims: Claims =
        serde_json::from_slice(&json).map_err(|_| TokenError::Invalid("bad claims"))?;
    if claims.exp <= now {
        return Err(TokenError::Expired(claims.exp));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let claims = Claims {
            kid: "k1".into(),
            team: "acme".into(),
            topic: "orders".into(),
            exp: 100,
        };
        let token = mint(b"secret", &claims);
        assert_eq!(verify(b"secret", &token, 99), Ok(claims));
        assert_eq!(
            verify(b"secret", &token, 100),
            Err(TokenError::Expired(100))
        );
        assert!(matches!(
            verify(b"other", &token, 0),
            Err(TokenError::Invalid(_))
        ));
        let mut tampered = token.clone();
        tampered.insert(5, 'x');
        assert!(verify(b"secret", &tampered, 0).is_err());
        for garbage in ["", "v1.", "v1..", "v2.a.b", "v1.%%.%%", "v1.e30.AAAA"] {
            assert!(verify(b"secret", garbage, 0).is_err(), "{garbage}");
        }
    }
}
