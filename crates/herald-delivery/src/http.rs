//! One webhook request: build, sign, send, and classify what came back.
//!
//! Connections are made by Herald's own connector (the SSRF guard in its resolver, native TLS for
//! https) and driven through hyper directly, not through reqwest: a webhook needs none of
//! reqwest's per-request layers (redirects, proxies, cookies, decompression, its retry and
//! timeout services), and they cost about a quarter of the worker's CPU per event. HTTP/1
//! connections belong to their endpoint ([`Connections`]) and an endpoint runner keeps one across
//! its attempts, which skips a pool checkout and return per webhook; a client that offers HTTP/2
//! uses hyper-util's pool, which multiplexes an endpoint's webhooks over one h2 connection.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use herald_core::signing::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Incoming};
use hyper::client::conn::http1;
use hyper_tls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use percent_encoding::percent_decode_str;
use tokio::time::Sleep;
use tower_service::Service as _;
use url::{Host, Url};

use crate::DeliveryError;
use crate::cloudevent::Rendered;
use herald_runtime::ssrf::{self, GuardedResolver, RefusedTarget};

/// Most bytes of a response body kept for the attempt log.
pub const EXCERPT_LIMIT: usize = 1024;

/// How long an endpoint's idle connection is kept (as hyper-util's pool did).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

// Parsed once, not per request.
const WEBHOOK_ID: HeaderName = HeaderName::from_static(HEADER_ID);
const WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static(HEADER_TIMESTAMP);
const WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static(HEADER_SIGNATURE);
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const JSON: HeaderValue = HeaderValue::from_static("application/json");
const USER_AGENT: HeaderValue =
    HeaderValue::from_static(concat!("Herald-Webhooks/", env!("CARGO_PKG_VERSION")));

/// What one attempt ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx.
    Success,
    /// 410 Gone: the subscriber asked us to stop.
    Gone,
    /// May succeed later; `retry_after` is the endpoint's own request (429/503).
    Retry {
        /// Requested delay.
        retry_after: Option<Duration>,
    },
    /// Will never succeed (refused target, or 4xx configured as permanent).
    Permanent,
    /// Not sent: the endpoint's circuit is open. Retried like a failure, without counting
    /// against the circuit.
    CircuitOpen,
}

impl Verdict {
    /// A short lowercase name for logs and span attributes.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Gone => "gone",
            Self::Retry { .. } => "retry",
            Self::Permanent => "permanent",
            Self::CircuitOpen => "circuit_open",
        }
    }
}

/// At most [`EXCERPT_LIMIT`] bytes of a request body for the attempt log, cut before a UTF-8
/// character the limit would split (so a JSON body's excerpt stays valid text). A slice of the
/// body, not a copy: it is only read when the attempt record is encoded ([`excerpt_text`]).
pub fn request_excerpt(body: &Bytes) -> Bytes {
    let mut end = body.len().min(EXCERPT_LIMIT);
    // A UTF-8 character is at most 4 bytes: step back over at most 3 continuation bytes.
    for _ in 0..3 {
        if end == 0 || end >= body.len() || body[end] & 0xC0 != 0x80 {
            break;
        }
        end -= 1;
    }
    body.slice(..end)
}

/// An excerpt as text: bytes that are not UTF-8 are replaced, as in response excerpts. Checked
/// with the fast validator first; the lossy decoder is several times slower on valid text.
pub fn excerpt_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// HTTP status, 0 when no response was received.
    pub status: u16,
    /// Time from sending to the end of the excerpt.
    pub latency: Duration,
    /// Error text ("" on success).
    pub error: String,
    /// At most [`EXCERPT_LIMIT`] bytes of the response body, lossily decoded.
    pub excerpt: String,
    /// The start of the request body (see [`request_excerpt`]); empty when nothing was sent.
    pub request_excerpt: Bytes,
    /// Classification.
    pub verdict: Verdict,
}

/// A subscription's URL, parsed once: the URL itself, the request URI without credentials, and
/// the `Authorization` header that credentials in the URL (`https://user:pass@host/`) stand for.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL as the subscription has it.
    pub url: Url,
    /// The URL without credentials and fragment, for attempt records and operational events.
    pub redacted: String,
    uri: Uri,
    /// The request target of an HTTP/1 request: path and query (origin form).
    path: Uri,
    /// Scheme and authority: which connections can carry this target's requests.
    origin: Arc<str>,
    authorization: Option<HeaderValue>,
    /// The `Host` of an HTTP/1 request, as hyper-util would render it per request (the URL
    /// leaves a default port out, so this is the URI's authority).
    host: Option<HeaderValue>,
}

impl Target {
    /// Parses an `http` or `https` URL; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let url = Url::parse(s)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())?;
        let mut bare = url.clone();
        bare.set_fragment(None);
        let authorization = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            let user = decode(url.username());
            let pass = url.password().map(decode).unwrap_or_default();
            bare.set_username("").ok()?;
            bare.set_password(None).ok()?;
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            let mut value = HeaderValue::from_str(&format!("Basic {token}")).ok()?;
            value.set_sensitive(true);
            Some(value)
        };
        let uri: Uri = bare.as_str().parse().ok()?;
        let authority = uri.authority()?;
        let host = HeaderValue::from_str(authority.as_str()).ok();
        let origin = format!("{}://{authority}", url.scheme()).into();
        let path = uri
            .path_and_query()
            .map_or_else(|| Uri::from_static("/"), |p| Uri::from(p.clone()));
        Some(Self {
            url,
            redacted: bare.into(),
            uri,
            path,
            origin,
            authorization,
            host,
        })
    }
}

/// Everything the request needs from the delivery.
#[derive(Debug)]
pub struct Outgoing<'a> {
    /// Target.
    pub target: &'a Target,
    /// `webhook-id` (the event id).
    pub id: &'a str,
    /// `webhook-timestamp`: unix seconds, signed with the body.
    pub timestamp: i64,
    /// Signs `{id}.{timestamp}.{body}`.
    pub signer: &'a herald_core::Signer,
    /// The event's body (signed as sent), media type (JSON when unknown) and its `ce-*` and
    /// `herald-*` headers.
    pub event: Rendered,
    /// W3C trace context: the attempt's span when traces are exported, else the record's.
    pub traceparent: Option<&'a str>,
    /// Subscription's custom headers (already validated).
    pub headers: &'a HeaderMap,
}

type Connector = HttpsConnector<HttpConnector<GuardedResolver>>;

/// How the webhook client connects.
#[derive(Clone)]
pub struct ClientOptions {
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// TCP (and TLS) connect timeout.
    pub connect_timeout: Duration,
    /// Allow private, loopback and link-local targets.
    pub allow_private: bool,
    /// Treat 4xx answers other than 408/410/429 as permanent.
    pub four_xx_permanent: bool,
    /// Offer HTTP/2 over ALPN to HTTPS endpoints.
    pub http2: bool,
    /// Certificate authorities trusted besides the system's.
    pub extra_roots: Vec<hyper_tls::native_tls::Certificate>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("allow_private", &self.allow_private)
            .field("four_xx_permanent", &self.four_xx_permanent)
            .field("http2", &self.http2)
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

/// The certificates of PEM file `path` (empty path: none).
pub fn read_roots(path: &str) -> Result<Vec<hyper_tls::native_tls::Certificate>, DeliveryError> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let bad = |e: &dyn std::fmt::Display| DeliveryError::Config(format!("tls_ca_file {path}: {e}"));
    let pem = std::fs::read(path).map_err(|e| bad(&e))?;
    let roots = hyper_tls::native_tls::Certificate::stack_from_pem(&pem).map_err(|e| bad(&e))?;
    if roots.is_empty() {
        return Err(bad(&"no PEM certificate in the file"));
    }
    Ok(roots)
}

/// An open HTTP/1 connection and the origin it was made to.
struct Conn {
    origin: Arc<str>,
    sender: http1::SendRequest<Full<Bytes>>,
}

/// An endpoint's idle HTTP/1 connections, most recently used last.
#[derive(Default)]
pub struct Connections {
    idle: Mutex<Vec<(Conn, Instant)>>,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections")
            .field("idle", &self.lock().len())
            .finish()
    }
}

impl Connections {
    /// A line for one or more attempts; the connection it holds comes back here when it drops.
    pub fn line(&self) -> Line<'_> {
        Line {
            home: self,
            conn: None,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }

    /// Closes the connections idle for longer than `idle_for`; returns how many stay open.
    pub fn expire(&self, idle_for: Duration) -> usize {
        let mut idle = self.lock();
        idle.retain(|(conn, since)| since.elapsed() < idle_for && !conn.sender.is_closed());
        idle.len()
    }

    /// `held` if it goes to `origin`, else the most recently used open connection to `origin`
    /// (a `held` to another origin joins the idle set).
    fn take(&self, held: &mut Option<Conn>, origin: &str) -> Option<Conn> {
        match held.take() {
            Some(conn) if &*conn.origin == origin && !conn.sender.is_closed() => return Some(conn),
            Some(other) if !other.sender.is_closed() => self.lock().push((other, Instant::now())),
            _ => {}
        }
        let mut idle = self.lock();
        while let Some(at) = idle.iter().rposition(|(c, _)| &*c.origin == origin) {
            let (conn, _) = idle.swap_remove(at);
            if !conn.sender.is_closed() {
                return Some(conn);
            }
        }
        None
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(Conn, Instant)>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What an attempt (or an endpoint runner, across its attempts) goes out on: the connection it
/// holds, back to its endpoint's idle set when this drops, and its deadline timer (a timer made
/// and dropped per webhook cost a registration and a removal under the timer wheel's lock).
pub struct Line<'a> {
    home: &'a Connections,
    conn: Option<Conn>,
    timer: Pin<Box<Sleep>>,
}

impl Drop for Line<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && !conn.sender.is_closed()
        {
            self.home.lock().push((conn, Instant::now()));
        }
    }
}

/// Why a request got no response: the text for the attempt log, and its verdict.
type Failure = (String, Verdict);

/// A keep-alive HTTP client with the SSRF guard in its resolver and no redirects (a redirect is
/// just a 3xx answer here).
#[derive(Debug, Clone)]
pub struct WebhookClient {
    connector: Connector,
    /// The pool, for a client that offers HTTP/2.
    pooled: Option<Client<Connector, Full<Bytes>>>,
    request_timeout: Duration,
    allow_private: bool,
    four_xx_permanent: bool,
}

impl WebhookClient {
    /// Builds the client. No proxy is ever used: a proxy would resolve and connect on our
    /// behalf, around the SSRF guard in our resolver.
    pub fn new(options: &ClientOptions) -> Result<Self, DeliveryError> {
        let mut http = HttpConnector::new_with_resolver(GuardedResolver {
            allow_private: options.allow_private,
        });
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.connect_timeout));
        http.set_nodelay(true);
        http.set_keepalive(Some(Duration::from_secs(60)));
        let mut tls = hyper_tls::native_tls::TlsConnector::builder();
        if options.http2 {
            // The pool then multiplexes an endpoint's webhooks over one connection when the
            // endpoint picks h2 (hyper-tls reports the negotiated protocol to the client).
            tls.request_alpns(&["h2", "http/1.1"]);
        }
        for root in &options.extra_roots {
            tls.add_root_certificate(root.clone());
        }
        let tls = tls
            .build()
            .map_err(|e| DeliveryError::Config(format!("tls: {e}")))?;
        let connector = HttpsConnector::from((http, tls.into()));
        let pooled = options.http2.then(|| {
            Client::builder(TokioExecutor::new())
                .pool_idle_timeout(IDLE_TIMEOUT)
                .pool_max_idle_per_host(256)
                .pool_timer(TokioTimer::new())
                .timer(TokioTimer::new())
                .build(connector.clone())
        });
        Ok(Self {
            connector,
            pooled,
            request_timeout: options.request_timeout,
            allow_private: options.allow_private,
            four_xx_permanent: options.four_xx_permanent,
        })
    }

    /// Sends one signed webhook and classifies the answer. Never fails: every problem is an
    /// [`Attempt`] with a verdict.
    ///
    /// The request goes over `line`'s connection (made when it holds none to the target), with
    /// `line`'s timer reset to the attempt's deadline. An endpoint runner passes the same line
    /// for each of its attempts, which saves a pool checkout and return per webhook.
    pub async fn send(&self, out: Outgoing<'_>, line: &mut Line<'_>) -> Attempt {
        let started = Instant::now();
        let failed = |error: String, verdict: Verdict| Attempt {
            status: 0,
            latency: started.elapsed(),
            error,
            excerpt: String::new(),
            request_excerpt: Bytes::new(),
            verdict,
        };
        if let Err(e) = self.check_literal(&out.target.url) {
            return failed(e.to_string(), Verdict::Permanent);
        }
        // Taken before the body moves into the request; kept even when the connection fails,
        // since part of the body may have gone out.
        let Rendered {
            headers: event_headers,
            body,
            content_type,
        } = out.event;
        let sent = request_excerpt(&body);
        let timestamp = out.timestamp;
        let signature = out.signer.sign(out.id, timestamp, &body);
        // The event's headers are the request's; a custom header goes in only where the event
        // has none of that name (the event's own headers win).
        let mut headers = event_headers;
        headers.reserve(out.headers.len() + 7);
        for (name, value) in out.headers {
            if !headers.contains_key(name) {
                headers.insert(name, value.clone());
            }
        }
        headers.insert(http::header::USER_AGENT, USER_AGENT);
        // hyper-util formats `Host` into a new string per HTTP/1 request when the request has
        // none, and hyper sends none of its own; the target's is made once. An HTTP/2 request
        // carries the authority instead (only a client offering h2 can end up on one).
        if self.pooled.is_none()
            && let Some(v) = &out.target.host
        {
            headers.insert(http::header::HOST, v.clone());
        }
        if let Some(v) = &out.target.authorization {
            headers.insert(http::header::AUTHORIZATION, v.clone());
        }
        headers.insert(http::header::CONTENT_TYPE, content_type.unwrap_or(JSON));
        if let Ok(v) = HeaderValue::from_str(out.id) {
            headers.insert(WEBHOOK_ID, v);
        }
        headers.insert(WEBHOOK_TIMESTAMP, HeaderValue::from(timestamp));
        // The signature is base64 and spaces: always a valid value, moved in without a copy.
        if let Ok(v) = HeaderValue::from_maybe_shared(Bytes::from(signature)) {
            headers.insert(WEBHOOK_SIGNATURE, v);
        }
        if let Some(v) = out
            .traceparent
            .and_then(|tp| HeaderValue::from_str(tp).ok())
        {
            headers.insert(TRACEPARENT, v);
        }
        let mut request = http::Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.headers_mut() = headers;
        // One deadline for the whole attempt: connect, request, response head and excerpt.
        let mut timer = line.timer.as_mut();
        timer.as_mut().reset(tokio::time::Instant::from_std(
            started + self.request_timeout,
        ));
        let sent_request = tokio::select! {
            biased;
            r = self.request(request, out.target, &mut line.conn, line.home) => Ok(r),
            () = timer.as_mut() => Err(()),
        };
        let response = match sent_request {
            Ok(Ok(r)) => r,
            Ok(Err((error, verdict))) => {
                return Attempt {
                    request_excerpt: sent,
                    ..failed(error, verdict)
                };
            }
            Err(_) => {
                let error = format!(
                    "timeout: no response within {} ms",
                    self.request_timeout.as_millis()
                );
                return Attempt {
                    request_excerpt: sent,
                    ..failed(error, Verdict::Retry { retry_after: None })
                };
            }
        };
        let (parts, mut body) = response.into_parts();
        let status = parts.status;
        let retry_after = parts
            .headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let mut excerpt = Vec::new();
        // Read at most EXCERPT_LIMIT bytes; the rest is never read (a huge or endless body
        // costs us nothing but the connection). An empty body (most answers) is not polled.
        while excerpt.len() < EXCERPT_LIMIT && !body.is_end_stream() {
            let frame = tokio::select! {
                biased;
                f = body.frame() => f,
                () = timer.as_mut() => None,
            };
            match frame {
                Some(Ok(frame)) => {
                    if let Ok(chunk) = frame.into_data() {
                        let room = EXCERPT_LIMIT - excerpt.len();
                        excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    }
                }
                None | Some(Err(_)) => break,
            }
        }
        let verdict = self.classify(status, retry_after);
        let error = match verdict {
            Verdict::Success => String::new(),
            _ => format!("http status {}", status.as_u16()),
        };
        Attempt {
            status: status.as_u16(),
            latency: started.elapsed(),
            error,
            excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
            request_excerpt: sent,
            verdict,
        }
    }

    /// Sends `request` to `target` over `held` (else an idle connection of `home`, else a new
    /// one, which `held` then keeps) and waits for the response head.
    async fn request(
        &self,
        mut request: http::Request<Full<Bytes>>,
        target: &Target,
        held: &mut Option<Conn>,
        home: &Connections,
    ) -> Result<http::Response<Incoming>, Failure> {
        if let Some(pool) = &self.pooled {
            *request.uri_mut() = target.uri.clone();
            return pool
                .request(request)
                .await
                .map_err(|e| describe(if e.is_connect() { CONNECT } else { REQUEST }, &e));
        }
        *request.uri_mut() = target.path.clone();
        // An idle connection may have been closed by the server since its last request; a
        // request it refused unsent goes once more, over a new connection (as the pool does).
        while let Some(mut conn) = home.take(held, &target.origin) {
            if conn.sender.ready().await.is_err() {
                continue;
            }
            match conn.sender.try_send_request(request).await {
                Ok(response) => {
                    *held = Some(conn);
                    return Ok(response);
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(describe(REQUEST, e.error())),
                },
            }
        }
        let mut conn = self.connect(target).await?;
        let response = conn
            .sender
            .send_request(request)
            .await
            .map_err(|e| describe(REQUEST, &e))?;
        *held = Some(conn);
        Ok(response)
    }

    /// A new HTTP/1 connection to `target` (through the SSRF-guarded resolver, TLS for https).
    async fn connect(&self, target: &Target) -> Result<Conn, Failure> {
        let io = self
            .connector
            .clone()
            .call(target.uri.clone())
            .await
            .map_err(|e| describe(CONNECT, &*e))?;
        let (sender, connection) = http1::handshake(io)
            .await
            .map_err(|e| describe(CONNECT, &e))?;
        // The connection's task ends when the server closes it or the last sender is dropped.
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "webhook connection ended");
            }
        });
        Ok(Conn {
            origin: target.origin.clone(),
            sender,
        })
    }

    fn check_literal(&self, url: &Url) -> Result<(), RefusedTarget> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => v4.into(),
            Some(Host::Ipv6(v6)) => v6.into(),
            _ => return Ok(()),
        };
        ssrf::check(url.host_str().unwrap_or_default(), ip, self.allow_private)
    }

    fn classify(&self, status: StatusCode, retry_after: Option<Duration>) -> Verdict {
        match status.as_u16() {
            200..=299 => Verdict::Success,
            410 => Verdict::Gone,
            429 | 503 => Verdict::Retry { retry_after },
            408 => Verdict::Retry { retry_after: None },
            400..=499 if self.four_xx_permanent => Verdict::Permanent,
            _ => Verdict::Retry { retry_after: None },
        }
    }
}

const CONNECT: &str = "connect error";
const REQUEST: &str = "request error";

/// An error's text with its causes (`kind: error: cause: ...`); a target the SSRF guard refused
/// is permanent, anything else may work later.
fn describe(kind: &str, e: &(dyn std::error::Error + 'static)) -> Failure {
    let mut source = Some(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<RefusedTarget>() {
            return (refused.to_string(), Verdict::Permanent);
        }
        source = s.source();
    }
    let mut text = format!("{kind}: {e}");
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    (text, Verdict::Retry { retry_after: None })
}

/// `Retry-After` as delay-seconds or an HTTP date, relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_roots_are_read_or_refused_with_the_setting_named() {
        assert!(read_roots("").expect("none").is_empty());
        let missing = read_roots("/nonexistent/ca.pem")
            .err()
            .expect("missing file");
        assert!(missing.to_string().contains("tls_ca_file"), "{missing}");
        let dir = std::env::temp_dir().join(format!("herald-roots-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let none = read_roots(empty.to_str().expect("utf-8"))
            .err()
            .expect("no pem");
        assert!(none.to_string().contains("tls_ca_file"), "{none}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Timeouts, private targets allowed or not, 4xx transient, HTTP/1 only, system roots.
    fn options(request: Duration, connect: Duration, allow_private: bool) -> ClientOptions {
        ClientOptions {
            request_timeout: request,
            connect_timeout: connect,
            allow_private,
            four_xx_permanent: false,
            http2: false,
            extra_roots: Vec::new(),
        }
    }

    #[test]
    fn request_excerpts_keep_a_kilobyte_on_a_character_boundary() {
        let excerpt = |body: &[u8]| {
            let cut = request_excerpt(&Bytes::copy_from_slice(body));
            excerpt_text(&cut).into_owned()
        };
        assert_eq!(excerpt(br#"{"a":1}"#), r#"{"a":1}"#);
        let ascii = vec![b'x'; 2000];
        assert_eq!(excerpt(&ascii).len(), EXCERPT_LIMIT);
        // "é" is two bytes: 1023 ASCII bytes put one across the limit, so it is left out.
        let mut split = vec![b'x'; EXCERPT_LIMIT - 1];
        split.extend("éé".as_bytes());
        let e = excerpt(&split);
        assert_eq!(e.len(), EXCERPT_LIMIT - 1);
        assert!(
            !e.contains('\u{FFFD}'),
            "no replacement character at the cut"
        );
        let mut exact = vec![b'x'; EXCERPT_LIMIT - 2];
        exact.extend("éé".as_bytes());
        assert_eq!(excerpt(&exact).len(), EXCERPT_LIMIT);
        assert_eq!(excerpt(b""), "");
        // Bytes that are not UTF-8 are replaced.
        assert_eq!(excerpt(&[b'a', 0xff]), "a\u{FFFD}");
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn status_classes() {
        let c = WebhookClient::new(&options(
            Duration::from_secs(1),
            Duration::from_secs(1),
            false,
        ))
        .unwrap();
        assert_eq!(c.classify(StatusCode::NO_CONTENT, None), Verdict::Success);
        assert_eq!(c.classify(StatusCode::GONE, None), Verdict::Gone);
        let ra = Some(Duration::from_secs(3));
        assert_eq!(
            c.classify(StatusCode::TOO_MANY_REQUESTS, ra),
            Verdict::Retry { retry_after: ra }
        );
        assert_eq!(
            c.classify(StatusCode::SERVICE_UNAVAILABLE, ra),
            Verdict::Retry { retry_after: ra }
        );
        assert_eq!(
            c.classify(StatusCode::BAD_GATEWAY, ra),
            Verdict::Retry { retry_after: None }
        );
        assert_eq!(
            c.classify(StatusCode::BAD_REQUEST, None),
            Verdict::Retry { retry_after: None }
        );
        assert_eq!(
            c.classify(StatusCode::FOUND, None),
            Verdict::Retry { retry_after: None }
        );
        let strict = WebhookClient::new(&ClientOptions {
            four_xx_permanent: true,
            ..options(Duration::from_secs(1), Duration::from_secs(1), false)
        })
        .unwrap();
        assert_eq!(
            strict.classify(StatusCode::BAD_REQUEST, None),
            Verdict::Permanent
        );
        assert_eq!(
            strict.classify(StatusCode::REQUEST_TIMEOUT, None),
            Verdict::Retry { retry_after: None }
        );
        assert_eq!(
            strict.classify(StatusCode::TOO_MANY_REQUESTS, None),
            Verdict::Retry { retry_after: None }
        );
    }

    #[test]
    fn targets_parse_once_with_credentials_as_basic_auth() {
        let t = Target::parse("https://hooks.example.com/in?x=1#frag").unwrap();
        assert_eq!(t.uri.to_string(), "https://hooks.example.com/in?x=1");
        assert!(t.authorization.is_none());
        let t = Target::parse("http://us%40er:p%3Ass@example.com:8080/h").unwrap();
        assert_eq!(t.uri.to_string(), "http://example.com:8080/h");
        // base64("us@er:p:ss")
        assert_eq!(
            t.authorization.unwrap().to_str().unwrap(),
            "Basic dXNAZXI6cDpzcw=="
        );
        assert_eq!(t.url.as_str(), "http://us%40er:p%3Ass@example.com:8080/h");
        assert_eq!(t.redacted, "http://example.com:8080/h");
        // `Host` as hyper-util renders it: no credentials, a default port left out.
        for (url, host) in [
            ("http://us:pw@example.com:8080/h", "example.com:8080"),
            ("https://example.com:443/h", "example.com"),
            ("http://example.com:80/h", "example.com"),
            ("https://example.com:80/h", "example.com:80"),
            ("http://[::1]:9000/h", "[::1]:9000"),
        ] {
            let t = Target::parse(url).unwrap();
            assert_eq!(t.host.unwrap(), host, "{url}");
        }
        for bad in [
            "ftp://example.com/",
            "mailto:a@example.com",
            "not a url",
            "http://",
        ] {
            assert!(Target::parse(bad).is_none(), "{bad}");
        }
    }

    /// An https target goes through TLS and its certificate is verified: a self-signed
    /// certificate is refused during the handshake, before anything is sent.
    #[tokio::test]
    async fn https_targets_are_verified() {
        use std::sync::Arc;
        use tokio::io::AsyncReadExt;
        use tokio_rustls::rustls::ServerConfig;
        use tokio_rustls::rustls::crypto::ring;
        use tokio_rustls::rustls::pki_types::PrivateKeyDer;

        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let key = PrivateKeyDer::try_from(certified.signing_key.serialize_der()).unwrap();
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // One connection attempt per client: HTTP/1 only, and HTTP/2 offered (the pool).
        let server = tokio::spawn(async move {
            let mut received = 0;
            for _ in 0..2 {
                let (tcp, _) = listener.accept().await.unwrap();
                // Only a client that trusted the certificate gets past the handshake.
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = Vec::new();
                    let _ = tls.read_to_end(&mut buf).await;
                    received += buf.len();
                }
            }
            received
        });
        let target = Target::parse(&format!("https://localhost:{port}/hook")).unwrap();
        for http2 in [false, true] {
            let c = WebhookClient::new(&ClientOptions {
                http2,
                ..options(Duration::from_secs(5), Duration::from_secs(5), true)
            })
            .unwrap();
            let a = c
                .send(
                    outgoing(&target, "e1", &herald_core::Signer::new(vec![])),
                    &mut Connections::default().line(),
                )
                .await;
            assert_eq!(a.status, 0);
            assert_eq!(a.verdict, Verdict::Retry { retry_after: None });
            assert!(
                a.error.contains("certificate"),
                "http2 {http2}: {}",
                a.error
            );
        }
        assert_eq!(
            server.await.unwrap(),
            0,
            "nothing may reach an untrusted server"
        );
    }

    /// A webhook with an empty JSON body and no custom headers.
    fn outgoing<'a>(
        target: &'a Target,
        id: &'a str,
        signer: &'a herald_core::Signer,
    ) -> Outgoing<'a> {
        static NO_HEADERS: std::sync::LazyLock<HeaderMap> =
            std::sync::LazyLock::new(HeaderMap::new);
        Outgoing {
            target,
            id,
            timestamp: 1_700_000_000,
            signer,
            event: Rendered {
                headers: HeaderMap::new(),
                body: Bytes::from_static(b"{}"),
                content_type: None,
            },
            traceparent: None,
            headers: &NO_HEADERS,
        }
    }

    /// A raw HTTP/1.1 server answering 200 to every request. It reports each request's head
    /// with the number of the connection it came on, and closes a connection (without saying
    /// so) after `per_connection` requests.
    async fn counting_server(
        per_connection: usize,
    ) -> (u16, tokio::sync::mpsc::UnboundedReceiver<(usize, String)>) {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            for n in 1.. {
                let (tcp, _) = listener.accept().await.unwrap();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut tcp = BufReader::new(tcp);
                    for _ in 0..per_connection {
                        let mut head = String::new();
                        loop {
                            let mut line = String::new();
                            if tcp.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == "\r\n" {
                                break;
                            }
                            head.push_str(&line);
                        }
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .map_or(0, |v| v.trim().parse().unwrap());
                        let mut body = vec![0; length];
                        tcp.read_exact(&mut body).await.unwrap();
                        let _ = tx.send((n, head));
                        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                        tcp.get_mut().write_all(ok).await.unwrap();
                    }
                });
            }
        });
        (port, rx)
    }

    /// An endpoint's webhooks share a kept-alive connection, carry the origin-form target and
    /// `Host`, and a connection the server closed while idle is replaced without a failure.
    #[tokio::test]
    async fn connections_are_kept_and_replaced_when_closed() {
        let c = WebhookClient::new(&options(
            Duration::from_secs(5),
            Duration::from_secs(5),
            true,
        ))
        .unwrap();
        let signer = herald_core::Signer::new(vec![]);
        let (port, mut heads) = counting_server(usize::MAX).await;
        let target = Target::parse(&format!("http://127.0.0.1:{port}/in?x=1")).unwrap();
        let conns = Connections::default();
        {
            let mut line = conns.line();
            for id in ["a", "b"] {
                let a = c.send(outgoing(&target, id, &signer), &mut line).await;
                assert_eq!(a.verdict, Verdict::Success, "{}", a.error);
            }
        }
        // Back in the endpoint's idle set, and taken from there by the next line.
        let a = c
            .send(outgoing(&target, "c", &signer), &mut conns.line())
            .await;
        assert_eq!(a.verdict, Verdict::Success, "{}", a.error);
        for _ in 0..3 {
            let (connection, head) = heads.recv().await.unwrap();
            assert_eq!(connection, 1, "one connection for all: {head}");
            assert!(head.starts_with("POST /in?x=1 HTTP/1.1\r\n"), "{head}");
            assert!(
                head.contains(&format!("host: 127.0.0.1:{port}\r\n")),
                "{head}"
            );
        }
        assert_eq!(conns.expire(IDLE_TIMEOUT), 1);
        assert_eq!(
            conns.expire(Duration::ZERO),
            0,
            "an expired connection is closed"
        );

        // One request per connection, then closed: every later webhook finds its connection
        // gone, and goes over a new one.
        let (port, mut heads) = counting_server(1).await;
        let target = Target::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let mut line = conns.line();
        for (n, id) in ["a", "b", "c"].into_iter().enumerate() {
            let a = c.send(outgoing(&target, id, &signer), &mut line).await;
            assert_eq!(a.verdict, Verdict::Success, "{}", a.error);
            let (connection, _) = heads.recv().await.unwrap();
            assert_eq!(connection, n + 1);
            // Let the client see the close before the next webhook (the race the retry covers
            // is timing-dependent; this makes the closed connection certain).
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Refused before anything is sent: literal internal addresses, and names that resolve to
    /// one (through either client).
    #[tokio::test]
    async fn internal_targets_are_refused_without_a_request() {
        let signer = herald_core::Signer::new(vec![]);
        for http2 in [false, true] {
            let c = WebhookClient::new(&ClientOptions {
                http2,
                ..options(Duration::from_secs(1), Duration::from_secs(1), false)
            })
            .unwrap();
            for url in [
                "http://127.0.0.1:1/x",
                "http://[::ffff:127.0.0.1]:1/",
                "http://169.254.169.254/latest",
                "http://localhost:1/",
            ] {
                let target = Target::parse(url).unwrap();
                let a = c
                    .send(
                        outgoing(&target, "e1", &signer),
                        &mut Connections::default().line(),
                    )
                    .await;
                assert_eq!(a.verdict, Verdict::Permanent, "{url}: {}", a.error);
                assert!(a.error.contains("refused"), "{}", a.error);
            }
        }
    }
}
