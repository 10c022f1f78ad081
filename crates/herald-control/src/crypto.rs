//! Secrets at rest: AES-256-GCM under the master key, and generation of API keys and signing
//! secrets.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT, URL_SAFE_NO_PAD};
use herald_core::Secret;
use herald_proto::v1::EncryptedSecret;
use rand::RngCore;

use crate::ControlError;

/// Prefix of Herald API keys, so leaked keys are recognisable (e.g. by secret scanners).
pub const API_KEY_PREFIX: &str = "hk_";

/// The key that encrypts signing secrets in the state topic.
#[derive(Clone)]
pub struct MasterKey {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// Parses the configured key: base64 (standard alphabet, padding optional) of exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Self, ControlError> {
        let text = text.trim();
        let bytes = STANDARD_PAD_INDIFFERENT.decode(text).map_err(|_| {
            ControlError::Config("master_key (HERALD_MASTER_KEY) is not valid base64".into())
        })?;
        Self::from_bytes(&bytes)
    }

    /// A key from 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ControlError> {
        if bytes.len() != 32 {
            return Err(ControlError::Config(format!(
                "master_key (HERALD_MASTER_KEY) must be base64 of 32 bytes, got {} bytes; generate one with `head -c 32 /dev/urandom | base64`",
                bytes.len()
            )));
        }
        let cipher = Aes256Gcm::new_from_slice(bytes)
            .map_err(|_| ControlError::Config("master_key has the wrong length".into()))?;
        Ok(Self { cipher })
    }

    /// A fresh random key and its base64 form (for `herald dev` and tests).
    pub fn generate() -> (Self, String) {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let text = STANDARD.encode(bytes);
        // 32 bytes always make a valid key.
        let key = Self::from_bytes(&bytes).expect("32 bytes");
        (key, text)
    }

    /// Encrypts a `whsec_` secret for subscription `aad` (bound as associated data).
    pub fn encrypt(&self, aad: &str, secret: &str, expires_at_ms: i64) -> EncryptedSecret {
        self.encrypt_bytes(aad, secret.as_bytes(), expires_at_ms)
    }

    /// Encrypts any value bound to `aad` (the subscription id, plus a purpose for non-secrets).
    pub fn encrypt_bytes(&self, aad: &str, clear: &[u8], expires_at_ms: i64) -> EncryptedSecret {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: clear,
                    aad: aad.as_bytes(),
                },
            )
            // AES-GCM encryption only fails for inputs beyond 64 GiB.
            .expect("aes-gcm encrypts short messages");
        EncryptedSecret {
            nonce: nonce.to_vec(),
            ciphertext,
            expires_at_ms,
        }
    }

    /// Decrypts a secret of subscription `aad`; `None` when the key or the data is wrong.
    pub fn decrypt(&self, aad: &str, secret: &EncryptedSecret) -> Option<String> {
        String::from_utf8(self.decrypt_bytes(aad, secret)?).ok()
    }

    /// Decrypts a value bound to `aad`; `None` when the key, the binding or the data is wrong.
    pub fn decrypt_bytes(&self, aad: &str, sealed: &EncryptedSecret) -> Option<Vec<u8>> {
        if sealed.nonce.len() != 12 {
            return None;
        }
        self.cipher
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .ok()
    }
}

/// A new API key: `hk_` + 256 random bits in base64url.
pub fn generate_api_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{API_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A new signing secret, `whsec_` + 32 random bytes in base64.
pub fn generate_signing_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    // 32 bytes are within Standard Webhooks' 24..=64.
    Secret::from_bytes(bytes.to_vec())
        .expect("32-byte secret")
        .expose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let (key, text) = MasterKey::generate();
        let again = MasterKey::parse(&text).unwrap();
        let secret = generate_signing_secret();
        assert!(secret.starts_with("whsec_"));
        Secret::parse(&secret).unwrap();
        let enc = key.encrypt("sub_1", &secret, 7);
        assert_eq!(enc.expires_at_ms, 7);
        assert!(
            !enc.ciphertext
                .windows(8)
                .any(|w| secret.as_bytes().windows(8).any(|s| s == w))
        );
        assert_eq!(
            again.decrypt("sub_1", &enc).as_deref(),
            Some(secret.as_str())
        );
        assert_eq!(
            key.decrypt("sub_2", &enc),
            None,
            "bound to the subscription"
        );
        let (other, _) = MasterKey::generate();
        assert_eq!(other.decrypt("sub_1", &enc), None);
    }

    #[test]
    fn refuses_bad_master_keys() {
        assert!(MasterKey::parse("not base64!").is_err());
        let err = MasterKey::parse(&STANDARD.encode([0u8; 16]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("32 bytes"), "{err}");
        let key = generate_api_key();
        assert!(
            key.starts_with(API_KEY_PREFIX) && key.len() == 3 + 43,
            "{key}"
        );
    }
}
