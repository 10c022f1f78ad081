//! WebSocket (RFC 6455) on the stream resource: `GET /v1/streams/{team}/{topic}` with
//! `Upgrade: websocket`. The handshake, the frames, and one connection's loop.
//!
//! The server sends JSON text frames rendered by `wire` (the same stream as SSE, the same
//! cursors) and pings with the stream's heartbeat (`heartbeat`, 15 s by default); a peer that
//! answered nothing for two heartbeats and a bit is closed. A client may send
//! small JSON text messages: `{"op":"ack","id":CURSOR}` (checked against the stream's topic) and
//! `{"op":"filter","types":"order.*,user.created"}` (replaces the type filter from the current
//! position on; with `"filter":"…"` also the payload filter, `""` removing it). Anything else ends the connection with a close code and a reason.
//!
//! Why not a WebSocket library: the server writes a few frame kinds and reads small client
//! messages, so the protocol needs little code, and an idle connection here holds no buffers
//! (the lean SSE path's memory per idle stream), where general libraries keep a read buffer per
//! connection. The handshake is checked by the HTTP path that received it (`lean` or `http`).

use std::future::Future;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{BufMut, Bytes, BytesMut};
use serde::Deserialize;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::EdgeError;
use crate::send;
use crate::stream::EventStream;

const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Largest client message (after reassembly of fragments).
pub const MAX_CLIENT_MESSAGE: usize = 4096;
/// How long a closing connection waits for the peer's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// Close codes (RFC 6455 §7.4.1).
pub const NORMAL: u16 = 1000;
/// The endpoint is going away (here: a peer that stopped answering pings).
pub const GOING_AWAY: u16 = 1001;
/// The peer broke the protocol.
pub const PROTOCOL_ERROR: u16 = 1002;
/// A message of a kind the edge does not take (binary).
pub const UNSUPPORTED: u16 = 1003;
/// A text message that is not UTF-8.
pub const INVALID_DATA: u16 = 1007;
/// A message the edge refuses (a bad op, a foreign cursor), or revoked access.
pub const POLICY: u16 = 1008;
/// A message larger than [`MAX_CLIENT_MESSAGE`].
pub const TOO_BIG: u16 = 1009;
/// The server restarts or its topic reader stopped: reconnect.
pub const SERVICE_RESTART: u16 = 1012;
/// The client fell behind and was cut: reconnect.
pub const TRY_AGAIN_LATER: u16 = 1013;

/// Whether a request asks to become a WebSocket.
pub(crate) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
}

/// Checks the handshake headers of an upgrade request; returns `Sec-WebSocket-Accept`.
pub(crate) fn handshake(headers: &HeaderMap) -> Result<String, EdgeError> {
    let connection_upgrade = headers.get_all(header::CONNECTION).iter().any(|v| {
        v.to_str()
            .unwrap_or_default()
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
    });
    if !connection_upgrade {
        return Err(EdgeError::BadRequest(
            "a WebSocket handshake needs `Connection: Upgrade`".into(),
        ));
    }
    let version = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .and_then(|v| v.to_str().ok());
    if version.map(str::trim) != Some("13") {
        return Err(EdgeError::BadRequest(format!(
            "unsupported WebSocket version {:?}: use 13 (Sec-WebSocket-Version: 13)",
            version.unwrap_or("")
        )));
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if STANDARD.decode(key).map(|k| k.len()) != Ok(16) {
        return Err(EdgeError::BadRequest(
            "Sec-WebSocket-Key must be 16 bytes in base64".into(),
        ));
    }
    Ok(accept_key(key))
}

fn accept_key(key: &str) -> String {
    let mut hash = Sha1::new();
    hash.update(key.as_bytes());
    hash.update(GUID);
    STANDARD.encode(hash.finalize())
}

fn put_head(out: &mut BytesMut, opcode: u8, len: usize) {
    out.put_u8(0x80 | opcode);
    if len < 126 {
        out.put_u8(len as u8);
    } else if len <= usize::from(u16::MAX) {
        out.put_u8(126);
        out.put_u16(len as u16);
    } else {
        out.put_u8(127);
        out.put_u64(len as u64);
    }
}

/// Appends one text frame whose payload is `parts` in order.
pub(crate) fn put_text(out: &mut BytesMut, parts: &[&[u8]]) {
    let len = parts.iter().map(|p| p.len()).sum();
    out.reserve(len + 10);
    put_head(out, TEXT, len);
    for part in parts {
        out.put_slice(part);
    }
}

/// Appends a ping (the keep-alive of an idle connection).
pub(crate) fn put_ping(out: &mut BytesMut) {
    put_head(out, PING, 0);
}

/// Appends a close frame; the reason is cut to fit a control frame (123 bytes).
pub(crate) fn put_close(out: &mut BytesMut, code: u16, reason: &str) {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    put_head(out, CLOSE, 2 + end);
    out.put_u16(code);
    out.put_slice(&reason.as_bytes()[..end]);
}

fn control(opcode: u8, payload: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(2 + payload.len());
    put_head(&mut out, opcode, payload.len());
    out.put_slice(payload);
    out.freeze()
}

/// Why the edge ends a connection because of what the client sent.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    pub code: u16,
    pub reason: String,
}

fn violation(code: u16, reason: impl Into<String>) -> Violation {
    Violation {
        code,
        reason: reason.into(),
    }
}

/// One frame from the client, unmasked.
#[derive(Debug, PartialEq, Eq)]
struct Frame {
    fin: bool,
    opcode: u8,
    payload: Vec<u8>,
}

/// Parses the frame at the start of `buf`: `None` while incomplete, else the frame and its length.
fn parse(buf: &[u8]) -> Result<Option<(Frame, usize)>, Violation> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    if b0 & 0x70 != 0 {
        return Err(violation(
            PROTOCOL_ERROR,
            "reserved bits set: no extension was negotiated",
        ));
    }
    let (fin, opcode) = (b0 & 0x80 != 0, b0 & 0x0F);
    if ![CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG].contains(&opcode) {
        return Err(violation(
            PROTOCOL_ERROR,
            format!("unknown opcode {opcode:#x}"),
        ));
    }
    if b1 & 0x80 == 0 {
        return Err(violation(PROTOCOL_ERROR, "client frames must be masked"));
    }
    let (len, mut at) = match b1 & 0x7F {
        126 => match buf.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => (u64::from_be_bytes(b.try_into().unwrap_or_default()), 10),
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    if opcode >= CLOSE && (len > 125 || !fin) {
        return Err(violation(
            PROTOCOL_ERROR,
            "control frames must be whole and at most 125 bytes",
        ));
    }
    if len > MAX_CLIENT_MESSAGE as u64 {
        return Err(violation(
            TOO_BIG,
            format!("client messages are limited to {MAX_CLIENT_MESSAGE} bytes"),
        ));
    }
    let len = len as usize;
    let Some(mask) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    let mask = [mask[0], mask[1], mask[2], mask[3]];
    at += 4;
    let Some(payload) = buf.get(at..at + len) else {
        return Ok(None);
    };
    let payload = payload
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    Ok(Some((
        Frame {
            fin,
            opcode,
            payload,
        },
        at + len,
    )))
}

/// A message a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ClientOp {
    /// The client processed everything up to this cursor.
    Ack { id: String },
    /// Replace the stream's type filter (`?types=` syntax) and, when `filter` is given, its
    /// payload filter (`""` removes it).
    Filter {
        types: String,
        #[serde(default)]
        filter: Option<String>,
    },
}

/// What the connection loop must do after reading bytes from the client.
enum Read {
    /// Nothing to act on yet.
    More,
    /// A client message to apply to the stream.
    Op(Box<ClientOp>),
    /// Answer a ping.
    Pong(Vec<u8>),
    /// The client closed: echo its code.
    Closed(u16),
    /// The client broke the rules: close with this.
    Violated(Violation),
}

/// Client bytes not yet parsed, and the message being reassembled from fragments.
#[derive(Default)]
struct Inbox {
    pending: Vec<u8>,
    message: Option<(u8, Vec<u8>)>,
}

impl Inbox {
    /// Takes `bytes` and returns the first thing to act on (call again with no bytes for more).
    fn feed(&mut self, bytes: &[u8]) -> Read {
        self.pending.extend_from_slice(bytes);
        loop {
            let (frame, used) = match parse(&self.pending) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => break,
                Err(v) => return Read::Violated(v),
            };
            self.pending.drain(..used);
            match self.frame(frame) {
                Read::More => {}
                read => return read,
            }
        }
        if self.pending.is_empty() {
            // An idle connection keeps no buffer.
            self.pending = Vec::new();
        }
        Read::More
    }

    fn frame(&mut self, frame: Frame) -> Read {
        match frame.opcode {
            PING => Read::Pong(frame.payload),
            PONG => Read::More,
            CLOSE => match frame.payload.len() {
                0 => Read::Closed(NORMAL),
                1 => Read::Violated(violation(PROTOCOL_ERROR, "a close payload of one byte")),
                _ => Read::Closed(u16::from_be_bytes([frame.payload[0], frame.payload[1]])),
            },
            CONTINUATION => {
                let Some((_, message)) = self.message.as_mut() else {
                    return Read::Violated(violation(
                        PROTOCOL_ERROR,
                        "a continuation frame without a message to continue",
                    ));
                };
                if message.len() + frame.payload.len() > MAX_CLIENT_MESSAGE {
                    return Read::Violated(violation(
                        TOO_BIG,
                        format!("client messages are limited to {MAX_CLIENT_MESSAGE} bytes"),
                    ));
                }
                message.extend_from_slice(&frame.payload);
                if !frame.fin {
                    return Read::More;
                }
                let (opcode, message) = self.message.take().unwrap_or_default();
                message_op(opcode, &message)
            }
            opcode => {
                if self.message.is_some() {
                    return Read::Violated(violation(
                        PROTOCOL_ERROR,
                        "a new message before the previous one ended",
                    ));
                }
                if !frame.fin {
                    self.message = Some((opcode, frame.payload));
                    return Read::More;
                }
                message_op(opcode, &frame.payload)
            }
        }
    }
}

fn message_op(opcode: u8, message: &[u8]) -> Read {
    if opcode == BINARY {
        return Read::Violated(violation(
            UNSUPPORTED,
            "binary messages are not understood: send JSON text",
        ));
    }
    let Ok(text) = std::str::from_utf8(message) else {
        return Read::Violated(violation(INVALID_DATA, "a text message that is not UTF-8"));
    };
    match serde_json::from_str::<ClientOp>(text) {
        Ok(op) => Read::Op(Box::new(op)),
        Err(error) => Read::Violated(violation(
            POLICY,
            format!(
                r#"invalid message ({error}): send {{"op":"ack","id":...}} or {{"op":"filter","types":...}}"#
            ),
        )),
    }
}

/// How a connection's loop is bounded; one per path that serves WebSockets, shared by its
/// connections (each holds a reference, not a copy).
pub(crate) struct Limits {
    /// A peer that sent nothing (not even a pong) for this long is closed.
    pub dead_after: Duration,
    pub shutdown: CancellationToken,
    pub drain_grace: Duration,
}

/// What the loop does next.
enum Step {
    /// Write this chunk of the stream (`None`: the stream ended after its close frame).
    Send(Option<Bytes>),
    /// Apply a client message to the stream.
    Op(Box<ClientOp>),
}

/// What came of the client's bytes.
enum Absorbed {
    Nothing,
    Op(Box<ClientOp>),
    /// The connection is over (closed by the client, a violation, or a write failed).
    Finished,
}

/// Takes the client's `bytes` (none: what is still buffered), answering pings and closes, up to
/// the first message for the stream. The inbox exists only while it holds something: an idle
/// connection keeps a pointer, not the inbox.
async fn absorb<IO>(slot: &mut Option<Box<Inbox>>, io: &mut IO, mut bytes: &[u8]) -> Absorbed
where
    IO: AsyncWrite + Unpin,
{
    let inbox = slot.get_or_insert_with(Box::default);
    let absorbed = loop {
        match inbox.feed(bytes) {
            Read::More => break Absorbed::Nothing,
            Read::Op(op) => break Absorbed::Op(op),
            Read::Pong(payload) => {
                if io.write_all(&control(PONG, &payload)).await.is_err() {
                    break Absorbed::Finished;
                }
            }
            Read::Closed(code) => {
                close(io, code, "").await;
                break Absorbed::Finished;
            }
            Read::Violated(v) => {
                close(io, v.code, &v.reason).await;
                break Absorbed::Finished;
            }
        }
        bytes = &[];
    };
    if inbox.pending.is_empty() && inbox.message.is_none() {
        *slot = None;
    }
    absorbed
}

/// Serves one upgraded connection (the 101 answer already sent) until the stream ends, the
/// client closes or breaks the protocol, the peer goes silent, or the connection is killed.
///
/// Everything transient (answering a ping, closing, writing a chunk) runs in a box of its own,
/// each made in a statement of its own, so an idle connection's future holds only the stream,
/// the connection and a few bytes of state.
///
/// A function returning an `async move` block rather than an `async fn`: an async fn keeps its
/// by-value arguments twice (as arguments, and as the locals they are moved into).
// Not an async fn on purpose (see above), whatever the lint prefers.
#[allow(clippy::manual_async_fn)]
pub(crate) fn serve<'a, IO>(
    mut io: IO,
    mut stream: EventStream,
    limits: &'a Limits,
) -> impl Future<Output = ()> + 'a
where
    IO: AsyncRead + AsyncWrite + Unpin + 'a,
{
    async move {
        let mut heard = Instant::now();
        let mut inbox: Option<Box<Inbox>> = None;
        // Client messages are small and rare: a few bytes per read keep an idle connection small.
        let mut probe = [0u8; 16];
        // Set once the node shuts down: a writer blocked by a peer that stopped reading is
        // dropped past it (the stream itself ends on shutdown after saying why).
        let mut drain_deadline = None;
        loop {
            // Messages already buffered behind the last one applied.
            let buffered = if inbox.as_ref().is_none_or(|i| i.pending.is_empty()) {
                Absorbed::Nothing
            } else {
                let absorbing = Box::pin(absorb(&mut inbox, &mut io, &[]));
                absorbing.await
            };
            let step = match buffered {
                Absorbed::Op(op) => Step::Op(op),
                Absorbed::Finished => return,
                Absorbed::Nothing => {
                    // Client frames are handled while the stream waits; a message for the stream
                    // ends the wait (`next_chunk` is cancel-safe: an event is taken only when sent).
                    let next = stream.next_chunk();
                    tokio::pin!(next);
                    'wait: loop {
                        let n = tokio::select! {
                            biased;
                            // The client before the stream: a busy topic must not starve its
                            // close frame or its pongs.
                            read = io.read(&mut probe) => match read {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            },
                            chunk = &mut next => break 'wait Step::Send(chunk),
                        };
                        heard = Instant::now();
                        let absorbing = Box::pin(absorb(&mut inbox, &mut io, &probe[..n]));
                        match absorbing.await {
                            Absorbed::Nothing => {}
                            Absorbed::Op(op) => break 'wait Step::Op(op),
                            Absorbed::Finished => return,
                        }
                    }
                }
            };
            let chunk = match step {
                Step::Op(op) => {
                    if let Err(v) = stream.apply(*op) {
                        let closing = Box::pin(close(&mut io, v.code, &v.reason));
                        closing.await;
                        return;
                    }
                    continue;
                }
                Step::Send(chunk) => chunk,
            };
            // The stream's heartbeat (a ping) comes at least every `heartbeat`: a peer that
            // answered none of the last ones is gone.
            if heard.elapsed() >= limits.dead_after {
                let closing = Box::pin(close(&mut io, GOING_AWAY, "no answer to pings"));
                closing.await;
                return;
            }
            let done = chunk.is_none();
            // Most chunks go out at once (see `send::now`).
            let sent = send::now(&mut io, chunk, |chunk| {
                [chunk, Bytes::new(), Bytes::new(), Bytes::new()]
            })
            .await;
            let left = match sent {
                Ok(None) if !done => continue,
                Ok(left) => left,
                Err(_) => return,
            };
            // Boxed: a blocked write is rare, and an idle connection keeps no room for it.
            let mut write = Box::pin(async {
                if let Some(mut parts) = left {
                    send::send_all(&mut io, &mut parts).await?;
                }
                io.flush().await
            });
            let written = tokio::select! {
                biased;
                // A cut client that stopped reading gets the grace, then the connection ends.
                grace = std::future::poll_fn(|cx| stream.poll_cut(cx)) => {
                    let reading = Box::pin(tokio::time::timeout(grace, &mut write));
                    match reading.await {
                        Ok(written) => written,
                        Err(_) => return,
                    }
                }
                _ = limits.shutdown.cancelled() => {
                    let deadline = *drain_deadline
                        .get_or_insert_with(|| tokio::time::Instant::now() + limits.drain_grace);
                    let draining = Box::pin(tokio::time::timeout_at(deadline, &mut write));
                    match draining.await {
                        Ok(written) => written,
                        Err(_) => return,
                    }
                }
                written = &mut write => written,
            };
            drop(write);
            if written.is_err() {
                return;
            }
            if done {
                // The stream's last chunk was a close frame: wait briefly for the client's.
                let closing = Box::pin(async {
                    let _ = tokio::time::timeout(CLOSE_WAIT, async {
                        while let Ok(n) = io.read(&mut probe).await {
                            if n == 0
                                || matches!(
                                    inbox.get_or_insert_with(Box::default).feed(&probe[..n]),
                                    Read::Closed(_) | Read::Violated(_)
                                )
                            {
                                break;
                            }
                        }
                    })
                    .await;
                    let _ = io.shutdown().await;
                });
                closing.await;
                return;
            }
        }
    }
}

async fn close<IO: AsyncWrite + Unpin>(io: &mut IO, code: u16, reason: &str) {
    // 1005 and 1006 are reserved for "no code" and may not be sent back.
    let code = if matches!(code, 1005 | 1006) {
        NORMAL
    } else {
        code
    };
    let mut out = BytesMut::new();
    put_close(&mut out, code, reason);
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        io.write_all(&out).await?;
        io.shutdown().await
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame as a browser sends it: masked.
    fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut out = vec![(u8::from(fin) << 7) | opcode];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    fn violated(read: Read) -> u16 {
        match read {
            Read::Violated(v) => v.code,
            _ => panic!("not refused"),
        }
    }

    #[test]
    fn the_accept_key_is_the_rfc_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn handshakes_need_version_13_and_a_key() {
        let mut headers = HeaderMap::new();
        headers.insert(header::UPGRADE, "websocket".parse().unwrap());
        headers.insert(header::CONNECTION, "keep-alive, Upgrade".parse().unwrap());
        headers.insert(header::SEC_WEBSOCKET_VERSION, "13".parse().unwrap());
        assert!(handshake(&headers).is_err(), "no key");
        headers.insert(
            header::SEC_WEBSOCKET_KEY,
            "dGhlIHNhbXBsZSBub25jZQ==".parse().unwrap(),
        );
        assert!(is_upgrade(&headers));
        assert_eq!(handshake(&headers).unwrap(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        headers.insert(header::SEC_WEBSOCKET_VERSION, "8".parse().unwrap());
        assert!(handshake(&headers).unwrap_err().to_string().contains("13"));
    }

    #[test]
    fn server_frames_carry_their_length() {
        let mut out = BytesMut::new();
        put_text(&mut out, &[b"ab", b"c"]);
        assert_eq!(&out[..], b"\x81\x03abc");
        let mut out = BytesMut::new();
        put_text(&mut out, &[&[b'x'; 300]]);
        assert_eq!(&out[..4], &[0x81, 126, 1, 44]);
        let mut out = BytesMut::new();
        put_text(&mut out, &[&vec![b'x'; 70_000]]);
        assert_eq!(&out[..2], &[0x81, 127]);
        assert_eq!(out.len(), 10 + 70_000);
        let mut out = BytesMut::new();
        put_close(&mut out, POLICY, &"é".repeat(100));
        assert_eq!(out[1] as usize, out.len() - 2);
        assert!(out.len() - 2 <= 125, "a control frame");
    }

    #[test]
    fn client_messages_are_read_across_reads_and_fragments() {
        let mut inbox = Inbox::default();
        let frame = client_frame(true, TEXT, br#"{"op":"filter","types":"order.*"}"#);
        let (a, b) = frame.split_at(5);
        assert!(matches!(inbox.feed(a), Read::More));
        assert!(
            matches!(inbox.feed(b), Read::Op(op) if matches!(&*op, ClientOp::Filter { types, .. } if types == "order.*"))
        );

        let mut bytes = client_frame(false, TEXT, br#"{"op":"ack","#);
        bytes.extend(client_frame(true, PING, b"hi"));
        bytes.extend(client_frame(true, CONTINUATION, br#""id":"2AAAAAAE"}"#));
        assert!(matches!(inbox.feed(&bytes), Read::Pong(p) if p == b"hi"));
        assert!(
            matches!(inbox.feed(&[]), Read::Op(op) if matches!(&*op, ClientOp::Ack { id } if id == "2AAAAAAE"))
        );
        assert!(matches!(inbox.feed(&[]), Read::More));
        assert!(
            inbox.pending.capacity() == 0,
            "an idle inbox holds no buffer"
        );

        let close = client_frame(true, CLOSE, &1000u16.to_be_bytes());
        assert!(matches!(inbox.feed(&close), Read::Closed(1000)));
    }

    #[test]
    fn bad_client_frames_get_a_close_code() {
        let feed = |bytes: &[u8]| Inbox::default().feed(bytes);
        let mut unmasked = client_frame(true, TEXT, b"{}");
        unmasked[1] &= 0x7f;
        assert_eq!(violated(feed(&unmasked)), PROTOCOL_ERROR);
        assert_eq!(
            violated(feed(&client_frame(true, BINARY, b"x"))),
            UNSUPPORTED
        );
        assert_eq!(
            violated(feed(&client_frame(true, TEXT, b"\xff"))),
            INVALID_DATA
        );
        assert_eq!(
            violated(feed(&client_frame(true, TEXT, b"{\"op\":\"x\"}"))),
            POLICY
        );
        assert_eq!(
            violated(feed(&client_frame(true, TEXT, b"not json"))),
            POLICY
        );
        assert_eq!(
            violated(feed(&client_frame(true, 0x3, b""))),
            PROTOCOL_ERROR
        );
        assert_eq!(
            violated(feed(&client_frame(true, 0x40 | TEXT, b""))),
            PROTOCOL_ERROR
        );
        assert_eq!(
            violated(feed(&client_frame(false, PING, b""))),
            PROTOCOL_ERROR
        );
        assert_eq!(
            violated(feed(&client_frame(true, CONTINUATION, b"x"))),
            PROTOCOL_ERROR
        );
        let big = vec![b' '; MAX_CLIENT_MESSAGE + 1];
        assert_eq!(violated(feed(&client_frame(true, TEXT, &big))), TOO_BIG);
        let mut inbox = Inbox::default();
        let half = vec![b' '; MAX_CLIENT_MESSAGE / 2 + 1];
        assert!(matches!(
            inbox.feed(&client_frame(false, TEXT, &half)),
            Read::More
        ));
        assert_eq!(
            violated(inbox.feed(&client_frame(true, CONTINUATION, &half))),
            TOO_BIG
        );
        let mut inbox = Inbox::default();
        assert!(matches!(
            inbox.feed(&client_frame(false, TEXT, b"{")),
            Read::More
        ));
        assert_eq!(
            violated(inbox.feed(&client_frame(true, TEXT, b"{}"))),
            PROTOCOL_ERROR
        );
        // A length far beyond the limit is refused from the header alone.
        assert_eq!(
            violated(feed(&[0x81, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0])),
            TOO_BIG
        );
    }
}
