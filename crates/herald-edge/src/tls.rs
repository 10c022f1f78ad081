//! HTTPS for the stream listener: rustls with the `ring` provider (set per config, so no
//! process-wide default is needed), ALPN `h2` and `http/1.1`, certificate and key from PEM files.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::EdgeError;

/// The acceptor for `cert_file` and `key_file`; `None` when both are empty (plain HTTP).
pub(crate) async fn acceptor(
    cert_file: &str,
    key_file: &str,
) -> Result<Option<TlsAcceptor>, EdgeError> {
    match (cert_file.is_empty(), key_file.is_empty()) {
        (true, true) => return Ok(None),
        (false, false) => {}
        _ => {
            return Err(EdgeError::Tls(
                "set both tls_cert_file and tls_key_file, or neither".into(),
            ));
        }
    }
    let (cert_file, key_file) = (cert_file.to_owned(), key_file.to_owned());
    // File reads block; keep them off the runtime's workers.
    tokio::task::spawn_blocking(move || load(&cert_file, &key_file))
        .await
        .map_err(|e| EdgeError::Tls(format!("loading the certificate failed: {e}")))?
        .map(Some)
}

fn load(cert_file: &str, key_file: &str) -> Result<TlsAcceptor, EdgeError> {
    let read = |path: &str| {
        std::fs::read(path).map_err(|e| EdgeError::Tls(format!("cannot read {path}: {e}")))
    };
    let certs = CertificateDer::pem_slice_iter(&read(cert_file)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EdgeError::Tls(format!("invalid PEM in {cert_file}: {e}")))?;
    if certs.is_empty() {
        return Err(EdgeError::Tls(format!(
            "no CERTIFICATE block in {cert_file}"
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(key_file)?)
        .map_err(|e| EdgeError::Tls(format!("no usable private key in {key_file}: {e}")))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| EdgeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            EdgeError::Tls(format!(
                "{cert_file} and {key_file} do not make a usable certificate: {e}"
            ))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn settings_must_come_in_pairs_and_files_must_exist() {
        assert!(acceptor("", "").await.expect("plain").is_none());
        let half = acceptor("cert.pem", "").await.err().expect("half");
        assert!(half.to_string().contains("both"), "{half}");
        let missing = acceptor("/nonexistent/cert.pem", "/nonexistent/key.pem")
            .await
            .err()
            .expect("missing");
        assert!(
            missing.to_string().contains("/nonexistent/cert.pem"),
            "{missing}"
        );
    }
}
