//! Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256("{id}.{ts}.{body}")>`.
//!
//! Several signatures may be sent at once (space separated) so receivers keep verifying while a
//! secret rotates. Comparisons are constant-time, and a signature that decodes to nothing never
//! verifies (the bare `v1,` bug of CVE-2024-21491).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Fewest secret bytes accepted.
pub const MIN_SECRET_BYTES: usize = 24;
/// Most secret bytes accepted.
pub const MAX_SECRET_BYTES: usize = 64;
/// Default tolerance between the signed timestamp and the verifier's clock, in seconds.
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;
/// Header names.
pub const HEADER_ID: &str = "webhook-id";
/// Header names.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// Header names.
pub const HEADER_SIGNATURE: &str = "webhook-signature";

const SIGNATURE_LEN: usize = 32;

/// Why a secret or a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret is not `whsec_<base64>` of 24-64 bytes.
    #[error("invalid secret: {0}")]
    InvalidSecret(&'static str),
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a unix timestamp in seconds.
    #[error("webhook-timestamp {0:?} is not a unix timestamp in seconds")]
    InvalidTimestamp(String),
    /// The timestamp is outside the tolerance window.
    #[error("webhook-timestamp is {skew_secs}s away from now, the tolerance is {tolerance_secs}s")]
    TimestampOutOfTolerance {
        /// Signed timestamp minus now, in seconds.
        skew_secs: i64,
        /// Allowed distance.
        tolerance_secs: i64,
    },
    /// The signature header has no well-formed `v1,` entry.
    #[error("webhook-signature has no well-formed v1 signature")]
    MalformedHeader,
    /// Well-formed signatures were present, but none matched.
    #[error("no signature matched")]
    NoMatch,
}

/// A webhook signing secret (24-64 random bytes, written `whsec_<base64>`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, SignatureError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(SignatureError::InvalidSecret("shorter than 24 bytes"));
        }
        if bytes.len() > MAX_SECRET_BYTES {
            return Err(SignatureError::InvalidSecret("longer than 64 bytes"));
        }
        Ok(Self(bytes))
    }

    /// Parses `whsec_<base64>`; the prefix is optional, as in the reference libraries.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let b64 = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| SignatureError::InvalidSecret("not base64 after the whsec_ prefix"))?;
        Self::from_bytes(bytes)
    }

    /// The `whsec_<base64>` form, to hand to the subscriber once.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// Raw key bytes (for encryption at rest).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn keyed(&self) -> Hmac<Sha256> {
        // Keys of any length are valid for HMAC, so this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("hmac accepts any key length")
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> [u8; SIGNATURE_LEN] {
        mac_with(self.keyed(), id, timestamp, body)
    }
}

/// HMAC of `{id}.{timestamp}.{body}` from an already keyed state, without building the content.
fn mac_with(mut mac: Hmac<Sha256>, id: &str, timestamp: i64, body: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut digits = [0u8; 20];
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(decimal(timestamp, &mut digits));
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// `n` in decimal, written into `buf` (20 bytes hold any i64), without allocating.
fn decimal(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut v = n.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// Signs messages with one or more secrets (more than one during a rotation overlap).
///
/// Holds each secret's HMAC state already keyed: keying hashes two padded key blocks, which a
/// signer used for every delivery of a subscription would otherwise redo per message.
#[derive(Clone)]
pub struct Signer {
    keyed: Vec<Hmac<Sha256>>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("secrets", &self.keyed.len())
            .finish()
    }
}

impl Signer {
    /// A signer for the given secrets, newest first.
    pub fn new(secrets: Vec<Secret>) -> Self {
        Self {
            keyed: secrets.iter().map(Secret::keyed).collect(),
        }
    }

    /// The `webhook-signature` header value: one `v1,<sig>` per secret, space separated.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // "v1," + 44 base64 characters + a separating space.
        let mut out = String::with_capacity(self.keyed.len() * 48);
        for (i, keyed) in self.keyed.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str("v1,");
            STANDARD.encode_string(mac_with(keyed.clone(), id, timestamp, body), &mut out);
        }
        out
    }
}

/// Verifies Standard Webhooks signatures, as a receiver would.
#[derive(Debug, Clone)]
pub struct Verifier {
    secret: Secret,
    tolerance_secs: i64,
}

impl Verifier {
    /// A verifier with the default five-minute timestamp tolerance.
    pub fn new(secret: Secret) -> Self {
        Self {
            secret,
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
        }
    }

    /// Changes the timestamp tolerance.
    pub fn with_tolerance(mut self, secs: i64) -> Self {
        self.tolerance_secs = secs;
        self
    }

    /// Verifies the three headers against the body at wall-clock time `now` (unix seconds).
    pub fn verify(
        &self,
        id: Option<&str>,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let id = id.ok_or(SignatureError::MissingHeader(HEADER_ID))?;
        let ts_text = timestamp.ok_or(SignatureError::MissingHeader(HEADER_TIMESTAMP))?;
        let signature = signature.ok_or(SignatureError::MissingHeader(HEADER_SIGNATURE))?;
        let ts: i64 = ts_text
            .trim()
            .parse()
            .map_err(|_| SignatureError::InvalidTimestamp(ts_text.to_owned()))?;
        let skew = ts.saturating_sub(now);
        // `abs_diff`, not `skew.abs()`: `ts - now` overflows (saturates) for hostile timestamps.
        if i128::from(ts.abs_diff(now)) > i128::from(self.tolerance_secs) {
            return Err(SignatureError::TimestampOutOfTolerance {
                skew_secs: skew,
                tolerance_secs: self.tolerance_secs,
            });
        }
        let expected = self.secret.mac(id, ts, body);
        let mut well_formed = false;
        for candidate in parse_signatures(signature) {
            well_formed = true;
            if bool::from(candidate.ct_eq(&expected)) {
                return Ok(());
            }
        }
        if well_formed {
            Err(SignatureError::NoMatch)
        } else {
            Err(SignatureError::MalformedHeader)
        }
    }
}

/// The decoded `v1` signatures of a header; entries of other versions, or that do not decode to
/// exactly 32 bytes (including a bare `v1,`), are skipped.
fn parse_signatures(header: &str) -> impl Iterator<Item = [u8; SIGNATURE_LEN]> + '_ {
    header.split_ascii_whitespace().filter_map(|entry| {
        let b64 = entry.strip_prefix("v1,")?;
        let bytes = STANDARD.decode(b64).ok()?;
        <[u8; SIGNATURE_LEN]>::try_from(bytes.as_slice()).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The vector published with the Standard Webhooks reference libraries.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn verifier() -> Verifier {
        Verifier::new(Secret::parse(SECRET).unwrap())
    }

    #[test]
    fn signs_the_spec_vector() {
        let signer = Signer::new(vec![Secret::parse(SECRET).unwrap()]);
        assert_eq!(signer.sign(ID, TS, BODY), EXPECTED);
    }

    #[test]
    fn timestamps_are_signed_in_decimal() {
        let mut buf = [0u8; 20];
        for n in [0, 7, 10, TS, -1, -42, i64::MAX, i64::MIN] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
        // The keyed state is reused, not consumed: signing twice gives the same signature.
        let signer = Signer::new(vec![Secret::parse(SECRET).unwrap()]);
        assert_eq!(signer.sign(ID, TS, BODY), signer.sign(ID, TS, BODY));
        assert_eq!(format!("{signer:?}"), "Signer { secrets: 1 }");
    }

    #[test]
    fn verifies_the_spec_vector() {
        let ts = TS.to_string();
        verifier()
            .verify(Some(ID), Some(&ts), Some(EXPECTED), BODY, TS)
            .unwrap();
        // Tampered body, id or timestamp fail.
        assert_eq!(
            verifier().verify(Some(ID), Some(&ts), Some(EXPECTED), b"{}", TS),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verifier().verify(Some("msg_other"), Some(&ts), Some(EXPECTED), BODY, TS),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn bare_v1_never_verifies() {
        let ts = TS.to_string();
        for header in ["v1,", "v1, v1,", "v1,=", "v2,abc", "", "garbage"] {
            assert_eq!(
                verifier().verify(Some(ID), Some(&ts), Some(header), BODY, TS),
                Err(SignatureError::MalformedHeader),
                "{header:?}"
            );
        }
    }

    #[test]
    fn rotation_sends_several_signatures_and_either_verifies() {
        let old = Secret::parse(SECRET).unwrap();
        let new = Secret::from_bytes([7u8; 32]).unwrap();
        let header = Signer::new(vec![new.clone(), old.clone()]).sign(ID, TS, BODY);
        assert_eq!(header.split(' ').count(), 2);
        let ts = TS.to_string();
        for secret in [old, new] {
            Verifier::new(secret)
                .verify(Some(ID), Some(&ts), Some(&header), BODY, TS)
                .unwrap();
        }
        // A valid signature after a malformed one still verifies.
        let mixed = format!("v1, v2,zzz {EXPECTED}");
        verifier()
            .verify(Some(ID), Some(&ts), Some(&mixed), BODY, TS)
            .unwrap();
    }

    #[test]
    fn timestamp_tolerance() {
        let ts = TS.to_string();
        let err = verifier()
            .verify(Some(ID), Some(&ts), Some(EXPECTED), BODY, TS + 301)
            .unwrap_err();
        assert_eq!(
            err,
            SignatureError::TimestampOutOfTolerance {
                skew_secs: -301,
                tolerance_secs: 300
            }
        );
        assert!(
            verifier()
                .verify(Some(ID), Some(&ts), Some(EXPECTED), BODY, TS - 301)
                .is_err()
        );
        verifier()
            .verify(Some(ID), Some(&ts), Some(EXPECTED), BODY, TS + 300)
            .unwrap();
        // Found by fuzz/webhook_verify: the skew saturates to i64::MIN (overflowed `abs`).
        assert!(matches!(
            verifier().verify(
                Some(ID),
                Some(&i64::MIN.to_string()),
                Some(EXPECTED),
                BODY,
                1
            ),
            Err(SignatureError::TimestampOutOfTolerance { .. })
        ));
        assert_eq!(
            verifier().verify(Some(ID), Some("soon"), Some(EXPECTED), BODY, TS),
            Err(SignatureError::InvalidTimestamp("soon".into()))
        );
        assert_eq!(
            verifier().verify(None, Some(&ts), Some(EXPECTED), BODY, TS),
            Err(SignatureError::MissingHeader(HEADER_ID))
        );
    }

    #[test]
    fn secrets_are_checked_and_never_printed() {
        assert!(matches!(
            Secret::parse("whsec_!!!"),
            Err(SignatureError::InvalidSecret(_))
        ));
        assert!(matches!(
            Secret::from_bytes([1u8; 23]),
            Err(SignatureError::InvalidSecret(_))
        ));
        assert!(matches!(
            Secret::from_bytes([1u8; 65]),
            Err(SignatureError::InvalidSecret(_))
        ));
        let s = Secret::parse(SECRET).unwrap();
        assert_eq!(s.expose(), SECRET);
        assert_eq!(format!("{s:?}"), "Secret(redacted)");
    }
}
