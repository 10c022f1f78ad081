//! The CloudEvents webhook validation handshake (CloudEvents "HTTP 1.1 Web Hooks for Event
//! Delivery", section 4): before a subscription is stored with `verify_endpoint`, the endpoint
//! must answer `OPTIONS` with `WebHook-Allowed-Origin` naming Herald's origin (or `*`), which
//! proves whoever runs it asked for these webhooks.

use std::time::Duration;

use bytes::Bytes;
use herald_runtime::ssrf::{self, GuardedResolver};
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_tls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use url::{Host, Url};

const REQUEST_ORIGIN: &str = "webhook-request-origin";
const ALLOWED_ORIGIN: &str = "webhook-allowed-origin";
/// The whole handshake, connect included: the creating call waits for it.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an endpoint was not verified; the message is for the person creating the subscription.
#[derive(Debug, thiserror::Error)]
pub enum Unverified {
    /// The endpoint could not be reached (refused address, DNS, connect, TLS, timeout).
    #[error("the validation handshake (OPTIONS {url}) could not reach the endpoint: {reason}")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The endpoint answered without allowing Herald's origin.
    #[error(
        "the endpoint did not accept the validation handshake (OPTIONS {url} answered {status}{detail}): it must answer 2xx with WebHook-Allowed-Origin: {origin} (or *)"
    )]
    Refused {
        /// The endpoint.
        url: String,
        /// The answer's status.
        status: StatusCode,
        /// What was wrong with the answer's headers, if anything.
        detail: String,
        /// The origin Herald sent.
        origin: String,
    },
}

/// Runs validation handshakes through the same SSRF guard delivery dials with, and no proxy.
pub struct Verifier {
    client: Client<HttpsConnector<HttpConnector<GuardedResolver>>, Empty<Bytes>>,
    allow_private: bool,
    origin: HeaderValue,
}

impl Verifier {
    /// A verifier that announces `origin` and refuses private addresses unless `allow_private`.
    pub fn new(origin: &str, allow_private: bool) -> Result<Self, String> {
        let origin = HeaderValue::from_str(origin)
            .map_err(|_| format!("webhook_origin {origin:?} is not a valid header value"))?;
        let mut http = HttpConnector::new_with_resolver(GuardedResolver { allow_private });
        http.enforce_http(false);
        http.set_connect_timeout(Some(HANDSHAKE_TIMEOUT));
        let tls = hyper_tls::native_tls::TlsConnector::new().map_err(|e| format!("tls: {e}"))?;
        let connector = HttpsConnector::from((http, tls.into()));
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            allow_private,
            origin,
        })
    }

    /// Runs the handshake against `url` (already validated as an http(s) URL).
    pub async fn verify(&self, url: &str) -> Result<(), Unverified> {
        let unreachable = |reason: String| Unverified::Unreachable {
            url: url.to_owned(),
            reason,
        };
        let parsed = Url::parse(url).map_err(|e| unreachable(e.to_string()))?;
        // IP literals bypass the resolver, so they are checked here.
        let literal = match parsed.host() {
            Some(Host::Ipv4(v4)) => Some(v4.into()),
            Some(Host::Ipv6(v6)) => Some(v6.into()),
            _ => None,
        };
        if let Some(ip) = literal {
            ssrf::check(
                parsed.host_str().unwrap_or_default(),
                ip,
                self.allow_private,
            )
            .map_err(|e| unreachable(e.to_string()))?;
        }
        let request = Request::builder()
            .method(Method::OPTIONS)
            .uri(url)
            .header(REQUEST_ORIGIN, self.origin.clone())
            .header(http::header::USER_AGENT, "herald-webhooks")
            .body(Empty::new())
            .map_err(|e| unreachable(e.to_string()))?;
        let answer = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
            let response = self.client.request(request).await?;
            let (parts, body) = response.into_parts();
            // Read (and bound) the body so the connection is not left half-used.
            let _ = http_body_util::Limited::new(body, 64 * 1024)
                .collect()
                .await;
            Ok::<_, hyper_util::client::legacy::Error>(parts)
        })
        .await
        .map_err(|_| unreachable(format!("no answer within {HANDSHAKE_TIMEOUT:?}")))?
        .map_err(|e| unreachable(error_chain(&e)))?;
        let allowed = answer.headers.get(ALLOWED_ORIGIN);
        let accepted = answer.status.is_success()
            && allowed.is_some_and(|v| v == "*" || v.as_bytes() == self.origin.as_bytes());
        if accepted {
            return Ok(());
        }
        let detail = match allowed {
            _ if !answer.status.is_success() => String::new(),
            None => ", without WebHook-Allowed-Origin".to_owned(),
            Some(v) => format!(
                ", with WebHook-Allowed-Origin: {}",
                String::from_utf8_lossy(v.as_bytes())
            ),
        };
        Err(Unverified::Refused {
            url: url.to_owned(),
            status: answer.status,
            detail,
            origin: String::from_utf8_lossy(self.origin.as_bytes()).into_owned(),
        })
    }
}

/// The error and its causes on one line (hyper's top-level message alone says little).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn private_targets_are_refused_before_any_request() {
        let verifier = Verifier::new("herald", false).unwrap();
        for url in ["http://127.0.0.1:9/hook", "http://localhost:9/hook"] {
            let e = verifier.verify(url).await.unwrap_err().to_string();
            assert!(
                e.contains("could not reach") && e.contains("loopback"),
                "{url}: {e}"
            );
        }
    }

    #[test]
    fn an_origin_that_is_no_header_value_is_a_config_error() {
        assert!(Verifier::new("bad\norigin", false).is_err());
    }
}
