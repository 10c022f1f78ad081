//! The lean HTTP/1 path for streams. A connection's first request head is read here (a small
//! buffer, `httparse`); an HTTP/1.x `GET /v1/streams/{team}/{topic}` is answered directly on the
//! connection by a small SSE writer (or, with `Upgrade: websocket`, handed to `ws` after the
//! handshake), and anything else (HTTP/2 prior knowledge, other routes,
//! preflights, unusual requests) goes to hyper with the bytes already read put back in front of
//! the connection ([`Rewind`]).
//!
//! Why: for the life of a response hyper's HTTP/1 connection keeps ~18 KB (an 8 KB read buffer
//! it needs to notice the client's EOF, a write buffer, the dispatcher), most of an idle
//! stream's memory. Here an idle stream holds its `SseStream`, the connection and a 16-byte EOF
//! probe. Auth, limits, cursors and the hub are the hyper route's code (`http::open_stream`), so
//! both paths answer alike.
//!
//! Framing: HTTP/1.1 answers are chunked, as hyper's are, so proxies keep streaming them and a
//! deliberate end (the `0` chunk after the final comment) differs from a cut connection; HTTP/1.0
//! has no chunked coding, so its answers end when the connection closes. `EventSource` and curl
//! take both. The connection closes after every answer (`connection: close`): a stream ends only
//! when the client must reconnect anyway, and an error answer is followed by a new request.

use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::{Buf, Bytes};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio_util::sync::CancellationToken;

use crate::http::{self, AppState, STREAM_HEADERS};
use crate::send::{self, Parts};
use crate::stream::EventStream;
use crate::wire::Wire;
use crate::{EdgeError, ws};

/// First read of a request head; most heads (no cookies) fit.
const HEAD_START: usize = 1024;
/// Largest request head accepted (431 beyond), on every route.
const MAX_HEAD: usize = 16 * 1024;
/// Most header fields in a request head (hyper's default too).
const MAX_HEADERS: usize = 100;
/// The first bytes of an HTTP/2 connection (prior knowledge, RFC 9113 §3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The lean path's share of the edge.
pub(crate) struct Lean {
    pub state: Arc<AppState>,
    pub head_timeout: Duration,
    /// The bounds of this path's WebSockets (its shutdown and drain grace).
    pub ws: ws::Limits,
}

/// The writer of one open stream (SSE or WebSocket), boxed: the connection's task is then
/// sized for neither transport, and [`accept`]'s own state is gone while the stream runs.
pub(crate) type Writer<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// What [`accept`] did with a connection.
pub(crate) enum Accepted<'a, IO> {
    /// Answered here (an error) or gone: nothing left to do.
    Done,
    /// A stream: run its writer until the stream ends.
    Stream(Writer<'a>),
    /// Not a lean stream request: serve it with hyper.
    Hyper(Rewind<IO>),
}

/// A stream request, parsed.
struct StreamHead {
    team: String,
    topic: String,
    uri: Uri,
    headers: HeaderMap,
    http10: bool,
    /// `Upgrade: websocket`.
    ws: bool,
}

/// The outcome of reading a request head.
enum Head {
    Stream(Box<StreamHead>),
    /// For hyper.
    Other,
    /// Answer this and close.
    Reject(StatusCode, String),
    /// Closed, or silent until the timeout, before sending anything.
    Gone,
}

/// Reads the first request head of `io` and opens the stream if it is a stream request; the
/// returned connection (for hyper) replays what was read.
pub(crate) async fn accept<'a, IO>(
    mut io: IO,
    lean: &'a Lean,
    shutdown: &'a CancellationToken,
    drain_grace: Duration,
) -> Accepted<'a, IO>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'a,
{
    let mut buf = Vec::with_capacity(HEAD_START);
    // Boxed (here and below) so the connection's task, which lives as long as the stream, is
    // not sized for the transient state of reading the head and opening the stream. Each box
    // is made in a statement of its own: a temporary lives until the end of its statement, so
    // `Box::pin(f()).await` would keep room for `f()`'s future in this one across the await.
    let reading = Box::pin(read_head(&mut io, &mut buf, lean.head_timeout));
    let head = tokio::select! {
        _ = shutdown.cancelled() => return Accepted::Done,
        head = reading => head,
    };
    let head = match head {
        Head::Stream(head) => head,
        Head::Other => return Accepted::Hyper(Rewind::new(Bytes::from(buf), io)),
        Head::Reject(status, message) => {
            let answer = herald_runtime::error_response(status, &message);
            let writing = Box::pin(write_response(&mut io, answer, &[]));
            let _ = writing.await;
            return Accepted::Done;
        }
        Head::Gone => return Accepted::Done,
    };
    drop(buf);
    let cors = lean.state.cors.headers(head.headers.get(header::ORIGIN));
    let wire = if head.ws { Wire::Ws } else { Wire::Sse };
    let open = Box::pin(async {
        let accept = match (head.ws, head.http10) {
            (false, _) => None,
            (true, true) => {
                return Err(EdgeError::BadRequest(
                    "a WebSocket handshake needs HTTP/1.1".into(),
                ));
            }
            (true, false) => Some(ws::handshake(&head.headers)?),
        };
        let q = http::stream_query(Query::try_from_uri(&head.uri))?;
        let stream = http::open_stream(
            &lean.state,
            wire,
            &head.team,
            &head.topic,
            q,
            &head.headers,
            // The writer stops a cut client's connection itself (`EventStream::poll_cut`).
            None,
        )
        .await?;
        // Boxed until its writer takes it: `opened` below lives across the writer's awaits.
        Ok((Box::new(stream), accept))
    });
    // Opening waits on Kafka (watermarks, a new reader); like hyper's drain, give up once the
    // drain grace after shutdown ran out.
    let drained = Box::pin(async {
        shutdown.cancelled().await;
        tokio::time::sleep(drain_grace).await;
    });
    let opened = tokio::select! {
        opened = open => opened,
        _ = drained => return Accepted::Done,
    };
    let http10 = head.http10;
    drop(head);
    match opened {
        Ok((stream, Some(accept))) => {
            let switching = Box::pin(switch_protocols(&mut io, accept));
            if !switching.await {
                return Accepted::Done;
            }
            Accepted::Stream(Box::pin(ws::serve(io, *stream, &lean.ws)))
        }
        Ok((stream, None)) => {
            let head = stream_head(&cors, !http10);
            let writer = SseWriter {
                chunked: !http10,
                shutdown,
                drain_grace,
            };
            Accepted::Stream(Box::pin(writer.serve(io, *stream, Some(head))))
        }
        Err(error) => {
            let writing = Box::pin(write_response(&mut io, error.into_response(), &cors));
            let _ = writing.await;
            Accepted::Done
        }
    }
}

async fn read_head<IO>(io: &mut IO, buf: &mut Vec<u8>, timeout: Duration) -> Head
where
    IO: AsyncRead + Unpin,
{
    let read = async {
        loop {
            if buf.len() == buf.capacity() {
                buf.reserve(buf.len().min(MAX_HEAD));
            }
            match io.read_buf(buf).await {
                Ok(0) | Err(_) => return Head::Gone,
                Ok(_) => {}
            }
            if let Some(head) = classify(buf) {
                return head;
            }
        }
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(head) => head,
        Err(_) if buf.is_empty() => Head::Gone,
        Err(_) => Head::Reject(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request head did not arrive within {} ms",
                timeout.as_millis()
            ),
        ),
    }
}

/// Decides what the bytes read so far are; `None` while the head is incomplete.
fn classify(buf: &[u8]) -> Option<Head> {
    let n = buf.len().min(H2_PREFACE.len());
    if buf[..n] == H2_PREFACE[..n] {
        return (n == H2_PREFACE.len()).then_some(Head::Other);
    }
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Some(route(&request, len == buf.len())),
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => Some(Head::Reject(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request head is larger than {MAX_HEAD} bytes"),
        )),
        Ok(httparse::Status::Partial) => None,
        Err(httparse::Error::TooManyHeaders) => Some(Head::Reject(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request has more than {MAX_HEADERS} header fields"),
        )),
        Err(error) => Some(Head::Reject(
            StatusCode::BAD_REQUEST,
            format!("malformed HTTP/1 request head: {error}"),
        )),
    }
}

/// Whether a complete head is a stream request for the lean path (an SSE stream, or a WebSocket
/// upgrade). Anything unusual (other methods and routes, percent-encoded names, a body, another
/// upgrade, pipelined bytes) goes to hyper, which answers it as it always did.
fn route(request: &httparse::Request<'_, '_>, whole: bool) -> Head {
    let (Some("GET"), Some(path), Some(version)) = (request.method, request.path, request.version)
    else {
        return Head::Other;
    };
    let route = path.split_once('?').map_or(path, |(route, _)| route);
    let Some((team, topic)) = route
        .strip_prefix("/v1/streams/")
        .and_then(|rest| rest.split_once('/'))
    else {
        return Head::Other;
    };
    let plain = |s: &str| !s.is_empty() && !s.contains(['/', '%']);
    if !whole || !plain(team) || !plain(topic) {
        return Head::Other;
    }
    let mut headers = HeaderMap::with_capacity(request.headers.len());
    let mut ws = false;
    for field in request.headers.iter() {
        let body = field.name.eq_ignore_ascii_case("transfer-encoding")
            || (field.name.eq_ignore_ascii_case("content-length") && field.value != b"0");
        if body {
            return Head::Other;
        }
        if field.name.eq_ignore_ascii_case("upgrade") {
            if !field.value.trim_ascii().eq_ignore_ascii_case(b"websocket") {
                return Head::Other;
            }
            ws = true;
        }
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(field.name.as_bytes()),
            HeaderValue::from_bytes(field.value),
        ) else {
            return Head::Reject(
                StatusCode::BAD_REQUEST,
                format!("invalid header field {:?}", field.name),
            );
        };
        headers.append(name, value);
    }
    let Ok(uri) = path.parse::<Uri>() else {
        return Head::Other;
    };
    Head::Stream(Box::new(StreamHead {
        team: team.to_owned(),
        topic: topic.to_owned(),
        uri,
        headers,
        http10: version == 0,
        ws,
    }))
}

/// Answers a WebSocket handshake with `101 Switching Protocols`; whether it was written. The
/// answer's buffer is gone once this returns, not held for the connection's life.
async fn switch_protocols<IO>(io: &mut IO, accept: String) -> bool
where
    IO: AsyncWrite + Unpin,
{
    let mut head = status_line(StatusCode::SWITCHING_PROTOCOLS);
    put_header(&mut head, "upgrade", b"websocket");
    put_header(&mut head, "connection", b"Upgrade");
    put_header(&mut head, "sec-websocket-accept", accept.as_bytes());
    head.extend_from_slice(b"\r\n");
    io.write_all(&head).await.is_ok()
}

/// Writes a small complete answer (an error) and closes the connection.
async fn write_response<IO>(
    io: &mut IO,
    response: Response,
    cors: &[(HeaderName, HeaderValue)],
) -> std::io::Result<()>
where
    IO: AsyncWrite + Unpin,
{
    let (parts, body) = response.into_parts();
    // Error bodies are a short JSON object; the limit only guards against a surprise.
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let mut out = status_line(parts.status);
    for (name, value) in parts.headers.iter().chain(cors.iter().map(|(n, v)| (n, v))) {
        put_header(&mut out, name.as_str(), value.as_bytes());
    }
    put_header(
        &mut out,
        "content-length",
        body.len().to_string().as_bytes(),
    );
    put_header(&mut out, "connection", b"close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    io.write_all(&out).await?;
    io.shutdown().await
}

fn status_line(status: StatusCode) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {} {}\r\n",
            status.as_str(),
            status.canonical_reason().unwrap_or("")
        )
        .as_bytes(),
    );
    put_header(
        &mut out,
        "date",
        http_date(OffsetDateTime::now_utc()).as_bytes(),
    );
    out
}

fn put_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// IMF-fixdate (RFC 9110 §5.6.7), as in hyper's `date` header.
fn http_date(t: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[t.month() as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The answer head of an SSE stream.
fn stream_head(cors: &[(HeaderName, HeaderValue)], chunked: bool) -> Bytes {
    let mut head = status_line(StatusCode::OK);
    for (name, value) in &STREAM_HEADERS {
        put_header(&mut head, name.as_str(), value.as_bytes());
    }
    for (name, value) in cors {
        put_header(&mut head, name.as_str(), value.as_bytes());
    }
    if chunked {
        put_header(&mut head, "transfer-encoding", b"chunked");
    }
    put_header(&mut head, "connection", b"close");
    head.extend_from_slice(b"\r\n");
    Bytes::from(head)
}

/// How an SSE stream's writer runs.
struct SseWriter<'a> {
    /// HTTP/1.1 chunked framing (HTTP/1.0: the answer ends when the connection closes).
    chunked: bool,
    shutdown: &'a CancellationToken,
    drain_grace: Duration,
}

impl<'a> SseWriter<'a> {
    /// Sends the answer head and the stream until it ends, the client goes away, the connection
    /// is killed (a cut slow client) or the drain grace after shutdown runs out.
    ///
    /// A function returning an `async move` block rather than an `async fn`: an async fn keeps
    /// its by-value arguments twice (as arguments, and as the locals they are moved into), and
    /// the stream is most of an idle connection's memory.
    // Not an async fn on purpose (see above), whatever the lint prefers.
    #[allow(clippy::manual_async_fn)]
    fn serve<IO>(
        self,
        mut io: IO,
        mut stream: EventStream,
        mut pending: Option<Bytes>,
    ) -> impl Future<Output = ()> + 'a
    where
        IO: AsyncRead + AsyncWrite + Unpin + 'a,
    {
        async move {
            // `pending`: the answer head; the preamble (`retry:`, the start cursor) is ready at
            // once and goes with it.
            let mut probe = [0u8; 16];
            // Set once the node shuts down: a writer blocked by a client that stopped reading is
            // dropped past it (the stream itself ends on shutdown after saying why).
            let mut drain_deadline = None;
            loop {
                let chunk = {
                    let next = stream.next_chunk();
                    tokio::pin!(next);
                    loop {
                        tokio::select! {
                            biased;
                            chunk = &mut next => break chunk,
                            read = io.read(&mut probe) => match read {
                                Ok(0) | Err(_) => return,
                                // A stream's client has nothing more to say; ignore whatever it sends.
                                Ok(_) => {}
                            },
                        }
                    }
                };
                let done = chunk.is_none();
                // Most chunks go out at once (see `send::now`).
                let chunked = self.chunked;
                let sent = send::now(&mut io, chunk, |chunk| {
                    frame(pending.take(), chunk, chunked)
                })
                .await;
                let left = match sent {
                    Ok(None) if !done => continue,
                    Ok(left) => left,
                    Err(_) => return,
                };
                // Boxed: a blocked write is rare, and an idle stream's writer keeps no room for it.
                let mut write = Box::pin(async {
                    if let Some(mut parts) = left {
                        send::send_all(&mut io, &mut parts).await?;
                    }
                    if done {
                        if self.chunked {
                            io.write_all(b"0\r\n\r\n").await?;
                        }
                        io.shutdown().await?;
                    }
                    io.flush().await
                });
                let written = tokio::select! {
                    biased;
                    grace = std::future::poll_fn(|cx| stream.poll_cut(cx)) => {
                        let reading = Box::pin(tokio::time::timeout(grace, &mut write));
                        match reading.await {
                            Ok(written) => written,
                            Err(_) => return,
                        }
                    }
                    _ = self.shutdown.cancelled() => {
                        let deadline = *drain_deadline
                            .get_or_insert_with(|| tokio::time::Instant::now() + self.drain_grace);
                        let draining = Box::pin(tokio::time::timeout_at(deadline, &mut write));
                        match draining.await {
                            Ok(written) => written,
                            Err(_) => return,
                        }
                    }
                    written = &mut write => written,
                };
                if written.is_err() || done {
                    return;
                }
            }
        }
    }
}

/// The answer head (once) and one body chunk with its HTTP/1.1 framing, as one write.
fn frame(head: Option<Bytes>, chunk: Bytes, chunked: bool) -> Parts {
    let (size, trailer) = if chunked {
        (
            Bytes::from(format!("{:x}\r\n", chunk.len())),
            Bytes::from_static(b"\r\n"),
        )
    } else {
        (Bytes::new(), Bytes::new())
    };
    send::coalesce([head.unwrap_or_default(), size, chunk, trailer])
}

/// A connection whose first bytes were already read: they are read again first.
pub(crate) struct Rewind<IO> {
    prefix: Bytes,
    inner: IO,
}

impl<IO> Rewind<IO> {
    /// `inner`, with `prefix` read before it.
    pub fn new(prefix: Bytes, inner: IO) -> Self {
        Self { prefix, inner }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Rewind<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.is_empty() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let n = this.prefix.len().min(buf.remaining());
        buf.put_slice(&this.prefix[..n]);
        this.prefix.advance(n);
        if this.prefix.is_empty() {
            // Release the head buffer now rather than with the connection.
            this.prefix = Bytes::new();
        }
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Rewind<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_of(head: &str) -> Option<(String, String, bool)> {
        match classify(head.as_bytes()) {
            Some(Head::Stream(h)) if !h.ws => Some((h.team, h.topic, h.http10)),
            _ => None,
        }
    }

    #[test]
    fn websocket_upgrades_of_streams_take_the_lean_path() {
        let head = "GET /v1/streams/acme/orders HTTP/1.1\r\nupgrade: WebSocket\r\nconnection: Upgrade\r\n\r\n";
        assert!(matches!(classify(head.as_bytes()), Some(Head::Stream(h)) if h.ws));
    }

    #[test]
    fn only_plain_stream_gets_take_the_lean_path() {
        assert_eq!(
            stream_of("GET /v1/streams/acme/orders?types=a HTTP/1.1\r\nhost: x\r\n\r\n"),
            Some(("acme".into(), "orders".into(), false))
        );
        assert_eq!(
            stream_of("GET /v1/streams/acme/orders HTTP/1.0\r\n\r\n"),
            Some(("acme".into(), "orders".into(), true))
        );
        for other in [
            "POST /v1/streams/acme/orders/token HTTP/1.1\r\n\r\n",
            "OPTIONS /v1/streams/acme/orders HTTP/1.1\r\n\r\n",
            "HEAD /v1/streams/acme/orders HTTP/1.1\r\n\r\n",
            "GET /v1/streams/acme/orders/ HTTP/1.1\r\n\r\n",
            "GET /v1/streams/ac%20me/orders HTTP/1.1\r\n\r\n",
            "GET /v1/streams/acme HTTP/1.1\r\n\r\n",
            "GET /metrics HTTP/1.1\r\n\r\n",
            "GET /v1/streams/acme/orders HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc",
            "GET /v1/streams/acme/orders HTTP/1.1\r\nupgrade: h2c\r\n\r\n",
            "GET /v1/streams/acme/orders HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        ] {
            assert!(
                matches!(classify(other.as_bytes()), Some(Head::Other)),
                "{other:?}"
            );
        }
        assert!(matches!(classify(H2_PREFACE), Some(Head::Other)));
        assert!(
            classify(&H2_PREFACE[..10]).is_none(),
            "wait for the preface"
        );
        assert!(classify(b"GET /v1/streams/a/b HTTP/1.1\r\nhost:").is_none());
    }

    #[test]
    fn bad_heads_are_refused_with_a_reason() {
        let reject = |head: &[u8]| match classify(head) {
            Some(Head::Reject(status, message)) => (status.as_u16(), message),
            _ => panic!("not refused: {:?}", String::from_utf8_lossy(head)),
        };
        assert_eq!(reject(b"GET\x01 / HTTP/1.1\r\n\r\n").0, 400);
        let (status, message) = reject(b"GET / HTTP/1.1\r\n\x00\r\n\r\n");
        assert_eq!(status, 400, "{message}");
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "a: b\r\n".repeat(101));
        assert_eq!(reject(many.as_bytes()).0, 431);
        let big = format!("GET / HTTP/1.1\r\nx: {}", "y".repeat(MAX_HEAD));
        assert_eq!(reject(big.as_bytes()).0, 431);
    }

    #[test]
    fn dates_are_imf_fixdate() {
        let t = OffsetDateTime::from_unix_timestamp(784_111_777).expect("time");
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
