//! Verifying the webhooks Herald sends (Standard Webhooks signatures).

use std::time::{SystemTime, UNIX_EPOCH};

use herald_core::signing::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use herald_core::{Secret, Verifier};

use crate::Error;

/// A webhook whose signature matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedWebhook {
    /// The `webhook-id` (the event id): deliveries are at least once, so deduplicate on it.
    pub id: String,
    /// The `webhook-timestamp` (unix seconds) the delivery was signed at.
    pub timestamp: i64,
}

/// Verifies a delivery against the subscription's signing secret (`whsec_...`): the
/// `webhook-id`, `webhook-timestamp` and `webhook-signature` headers over the raw body, with a
/// five-minute tolerance for the timestamp. Pass the body exactly as received, before parsing.
pub fn verify_webhook(
    secret: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<VerifiedWebhook, Error> {
    let verifier = Verifier::new(Secret::parse(secret.trim())?);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    verifier.verify(
        header(HEADER_ID),
        header(HEADER_TIMESTAMP),
        header(HEADER_SIGNATURE),
        body,
        now,
    )?;
    // verify() succeeded, so both headers are present and the timestamp parses.
    Ok(VerifiedWebhook {
        id: header(HEADER_ID).unwrap_or_default().to_owned(),
        timestamp: header(HEADER_TIMESTAMP)
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use herald_core::{SignatureError, Signer};

    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const BODY: &[u8] = br#"{"order":42}"#;

    fn signed(id: &str, timestamp: i64, body: &[u8]) -> http::HeaderMap {
        let signature = Signer::new(vec![Secret::parse(SECRET).unwrap()]).sign(id, timestamp, body);
        let mut headers = http::HeaderMap::new();
        headers.insert(HEADER_ID, id.parse().unwrap());
        headers.insert(HEADER_TIMESTAMP, timestamp.to_string().parse().unwrap());
        headers.insert(HEADER_SIGNATURE, signature.parse().unwrap());
        headers
    }

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    #[test]
    fn verifies_a_signed_delivery() {
        let ts = now();
        let verified = verify_webhook(SECRET, &signed("evt_1", ts, BODY), BODY).unwrap();
        assert_eq!(
            verified,
            VerifiedWebhook {
                id: "evt_1".into(),
                timestamp: ts
            }
        );
    }

    #[test]
    fn refuses_tampering_staleness_and_bad_secrets() {
        let headers = signed("evt_1", now(), BODY);
        assert!(matches!(
            verify_webhook(SECRET, &headers, br#"{"order":43}"#),
            Err(Error::Webhook(SignatureError::NoMatch))
        ));
        let stale = signed("evt_1", now() - 3600, BODY);
        assert!(matches!(
            verify_webhook(SECRET, &stale, BODY),
            Err(Error::Webhook(
                SignatureError::TimestampOutOfTolerance { .. }
            ))
        ));
        assert!(matches!(
            verify_webhook(SECRET, &http::HeaderMap::new(), BODY),
            Err(Error::Webhook(SignatureError::MissingHeader(HEADER_ID)))
        ));
        assert!(matches!(
            verify_webhook("whsec_short", &headers, BODY),
            Err(Error::Webhook(SignatureError::InvalidSecret(_)))
        ));
    }
}
