//! Reply ids of async request-reply: a stateless capability token that ingest mints for a
//! request and later accepts as the only credential of the reply (a webhook receiver has no
//! Herald key). The token is `base64url(payload || tag)`: the payload holds a version, a random
//! nonce, the expiry, the team, the request's event id and the optional reply topic, and the
//! tag is the first 16 bytes of HMAC-SHA256 over a domain label and the payload under the
//! ingest's `reply_secret`. Nothing is stored: whoever holds the token may reply, until it
//! expires. The payload is signed, not encrypted, so the edge reads the team and expiry of a
//! token without the secret ([`peek`]) to refuse a wrong team early; it never trusts them for
//! more than that.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The path prefix of reply ids (`/v1/replies/{reply_id}`), also the value of `replyto`.
pub const REPLIES_PATH_PREFIX: &str = "/v1/replies/";
/// The CloudEvents extension attribute a request carries: the path to `POST` the reply to.
pub const REPLY_TO_ATTRIBUTE: &str = "replyto";
/// The CloudEvents extension attribute a reply carries: the request's event id.
pub const CORRELATION_ATTRIBUTE: &str = "correlationid";
/// Kafka header of a reply record in `herald.replies`: the requester's team.
pub const TEAM_HEADER: &str = "herald_team";

const VERSION: u8 = 1;
const NONCE_LEN: usize = 16;
const TAG_LEN: usize = 16;
const DOMAIN: &[u8] = b"herald-reply-v1\0";
/// Longest reply id accepted: a payload of three 255-byte fields and the tag, base64url.
pub const MAX_REPLY_ID_LEN: usize = (1 + NONCE_LEN + 8 + 3 * 256 + TAG_LEN).div_ceil(3) * 4;

/// What a reply id stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyClaims {
    /// The requester's team.
    pub team: String,
    /// The request's event id: the reply's `correlationid`.
    pub request_id: String,
    /// A topic of the team the reply is also published to, when the requester named one.
    pub reply_topic: Option<String>,
    /// Unix seconds after which no reply is accepted.
    pub expires_at: i64,
}

/// Why a reply id is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyIdError {
    /// Not a reply id at all, or not one signed with this secret.
    #[error("invalid reply id: it was not issued by this Herald (or was altered)")]
    Invalid,
    /// Signed, but past its expiry.
    #[error(
        "the reply id expired at {0} (unix seconds): the requester no longer waits for a reply"
    )]
    Expired(i64),
    /// A field too long for the format (ids and names are at most 255 bytes).
    #[error("{0} is longer than 255 bytes")]
    TooLong(&'static str),
}

fn tag(secret: &[u8], payload: &[u8]) -> [u8; TAG_LEN] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("hmac accepts any key length");
    mac.update(DOMAIN);
    mac.update(payload);
    let full = mac.finalize().into_bytes();
    let mut out = [0; TAG_LEN];
    out.copy_from_slice(&full[..TAG_LEN]);
    out
}

fn put(out: &mut Vec<u8>, what: &'static str, field: &str) -> Result<(), ReplyIdError> {
    let len = u8::try_from(field.len()).map_err(|_| ReplyIdError::TooLong(what))?;
    out.push(len);
    out.extend_from_slice(field.as_bytes());
    Ok(())
}

/// Mints the reply id of `claims` with a caller-chosen random `nonce` (this crate does no I/O).
pub fn mint(
    secret: &[u8],
    nonce: [u8; NONCE_LEN],
    claims: &ReplyClaims,
) -> Result<String, ReplyIdError> {
    let mut payload = Vec::with_capacity(64 + claims.request_id.len());
    payload.push(VERSION);
    payload.extend_from_slice(&nonce);
    payload.extend_from_slice(&claims.expires_at.to_be_bytes());
    put(&mut payload, "team", &claims.team)?;
    put(&mut payload, "the request id", &claims.request_id)?;
    put(
        &mut payload,
        "reply_topic",
        claims.reply_topic.as_deref().unwrap_or_default(),
    )?;
    let tag = tag(secret, &payload);
    payload.extend_from_slice(&tag);
    Ok(URL_SAFE_NO_PAD.encode(payload))
}

/// Splits a reply id into its payload and tag and reads the claims, without checking the tag.
fn parse(reply_id: &str) -> Result<(Vec<u8>, ReplyClaims), ReplyIdError> {
    if reply_id.len() > MAX_REPLY_ID_LEN {
        return Err(ReplyIdError::Invalid);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(reply_id)
        .map_err(|_| ReplyIdError::Invalid)?;
    if bytes.len() < 1 + NONCE_LEN + 8 + 3 + TAG_LEN || bytes[0] != VERSION {
        return Err(ReplyIdError::Invalid);
    }
    let payload_len = bytes.len() - TAG_LEN;
    let payload = &bytes[..payload_len];
    let mut at = 1 + NONCE_LEN;
    let expires_at = i64::from_be_bytes(
        payload[at..at + 8]
            .try_into()
            .map_err(|_| ReplyIdError::Invalid)?,
    );
    at += 8;
    let mut field = || -> Result<String, ReplyIdError> {
        let len = *payload.get(at).ok_or(ReplyIdError::Invalid)? as usize;
        let text = payload
            .get(at + 1..at + 1 + len)
            .ok_or(ReplyIdError::Invalid)?;
        at += 1 + len;
        String::from_utf8(text.to_vec()).map_err(|_| ReplyIdError::Invalid)
    };
    let team = field()?;
    let request_id = field()?;
    let reply_topic = Some(field()?).filter(|t| !t.is_empty());
    if at != payload_len || team.is_empty() || request_id.is_empty() {
        return Err(ReplyIdError::Invalid);
    }
    Ok((
        bytes,
        ReplyClaims {
            team,
            request_id,
            reply_topic,
            expires_at,
        },
    ))
}

/// Checks a reply id's tag under `secret` and its expiry against `now` (unix seconds).
pub fn verify(secret: &[u8], reply_id: &str, now: i64) -> Result<ReplyClaims, ReplyIdError> {
    let (bytes, claims) = parse(reply_id)?;
    let (payload, got) = bytes.split_at(bytes.len() - TAG_LEN);
    let want = tag(secret, payload);
    if !bool::from(want.ct_eq(got)) {
        return Err(ReplyIdError::Invalid);
    }
    if now > claims.expires_at {
        return Err(ReplyIdError::Expired(claims.expires_at));
    }
    Ok(claims)
}

/// The claims of a well-formed reply id, unverified: enough to refuse a caller of another team
/// or an expired id early, never to grant anything.
pub fn peek(reply_id: &str) -> Result<ReplyClaims, ReplyIdError> {
    parse(reply_id).map(|(_, claims)| claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a reply secret of thirty-two bytes!!";

    fn claims(topic: Option<&str>) -> ReplyClaims {
        ReplyClaims {
            team: "acme".into(),
            request_id: "019aef0c-0000-7000-8000-000000000001".into(),
            reply_topic: topic.map(str::to_owned),
            expires_at: 2_000_000_000,
        }
    }

    #[test]
    fn round_trip_with_and_without_a_reply_topic() {
        for topic in [None, Some("replies")] {
            let id = mint(SECRET, [7; 16], &claims(topic)).unwrap();
            assert!(id.len() <= MAX_REPLY_ID_LEN);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(verify(SECRET, &id, 1_900_000_000).unwrap(), claims(topic));
            assert_eq!(peek(&id).unwrap(), claims(topic));
        }
        // The nonce makes every id of the same request different.
        assert_ne!(
            mint(SECRET, [1; 16], &claims(None)).unwrap(),
            mint(SECRET, [2; 16], &claims(None)).unwrap()
        );
    }

    #[test]
    fn tampered_forged_and_foreign_ids_are_invalid() {
        let id = mint(SECRET, [7; 16], &claims(None)).unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(&id).unwrap();
        for i in [0, 5, 20, bytes.len() - 1] {
            bytes[i] ^= 1;
            let altered = URL_SAFE_NO_PAD.encode(&bytes);
            assert!(verify(SECRET, &altered, 0).is_err(), "byte {i}");
            bytes[i] ^= 1;
        }
        // A forgery minted with a guessed secret.
        let other = ReplyClaims {
            team: "evil".into(),
            ..claims(None)
        };
        let forged = mint(b"guessed", [7; 16], &other).unwrap();
        assert_eq!(verify(SECRET, &forged, 0), Err(ReplyIdError::Invalid));
        assert_eq!(
            verify(b"another secret", &id, 0),
            Err(ReplyIdError::Invalid)
        );
        for junk in ["", "abc", "!!!!", &"A".repeat(MAX_REPLY_ID_LEN + 1)] {
            assert_eq!(
                verify(SECRET, junk, 0),
                Err(ReplyIdError::Invalid),
                "{junk}"
            );
        }
    }

    #[test]
    fn expired_ids_are_refused_after_the_tag_checks() {
        let id = mint(SECRET, [7; 16], &claims(None)).unwrap();
        assert!(verify(SECRET, &id, 2_000_000_000).is_ok());
        assert_eq!(
            verify(SECRET, &id, 2_000_000_001),
            Err(ReplyIdError::Expired(2_000_000_000))
        );
        // An expired forgery is invalid, not expired: the tag is checked first.
        let forged = mint(b"guessed", [7; 16], &claims(None)).unwrap();
        assert_eq!(
            verify(SECRET, &forged, i64::MAX),
            Err(ReplyIdError::Invalid)
        );
    }

    #[test]
    fn fields_longer_than_the_format_are_refused() {
        let long = ReplyClaims {
            request_id: "x".repeat(256),
            ..claims(None)
        };
        assert_eq!(
            mint(SECRET, [0; 16], &long),
            Err(ReplyIdError::TooLong("the request id"))
        );
    }
}
