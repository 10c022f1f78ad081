//! How a stream's frames look on each transport: Server-Sent Events text, WebSocket JSON text
//! frames (`{"id", "type", "time", "data"}`), or the same JSON objects in a pull answer. The
//! stream logic (`stream`) is the same for all; only the rendering differs, so a cursor taken
//! from one transport resumes on another.

use bytes::{BufMut, BytesMut};

use crate::hub::LiveEvent;
use crate::{sse, ws};

/// The event type of a WebSocket frame that only moves the client's cursor (past events its
/// filter skipped, or the start position of a fresh stream).
pub const CURSOR: &str = "herald.cursor";

/// The transport of one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wire {
    /// `text/event-stream`.
    Sse,
    /// WebSocket text frames of JSON.
    Ws,
    /// A pull answer's events: each event's JSON object after a comma (the handler wraps them).
    Pull,
}

/// Why a stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Cut for falling behind (after its `herald.cut` notice).
    Slow,
    /// The node is shutting down.
    Draining,
    /// The topic reader stopped.
    ReaderGone,
    /// Access was revoked (after its `herald.revoked` notice).
    Revoked,
}

impl Wire {
    /// The first bytes of a stream, before any event.
    pub fn preamble(self, out: &mut BytesMut, retry_ms: u64) {
        if self == Self::Sse {
            out.put_slice(format!("retry: {retry_ms}\n\n").as_bytes());
        }
    }

    /// One event of the topic, with the cursor just after it.
    pub fn event(self, out: &mut BytesMut, cursor: &str, event: &LiveEvent) {
        match self {
            Self::Sse => sse::put_event(out, cursor, &event.body),
            Self::Ws => {
                let tail = event.json_tail();
                ws::put_text(out, &[b"{\"id\":\"", cursor.as_bytes(), b"\",", tail]);
            }
            Self::Pull => {
                let tail = event.json_tail();
                out.reserve(8 + cursor.len() + tail.len());
                for part in [b",{\"id\":\"", cursor.as_bytes(), b"\",", tail] {
                    out.put_slice(part);
                }
            }
        }
    }

    /// A cursor without an event: clients record it as their resume position (a pull answer
    /// carries its `next_cursor` instead).
    pub fn cursor(self, out: &mut BytesMut, cursor: &str) {
        match self {
            Self::Pull => {}
            Self::Sse => sse::put_cursor(out, cursor),
            Self::Ws => ws::put_text(
                out,
                &[
                    b"{\"id\":\"",
                    cursor.as_bytes(),
                    b"\",\"type\":\"",
                    CURSOR.as_bytes(),
                    b"\"}",
                ],
            ),
        }
    }

    /// An edge notice (`herald.gap`, `herald.cut`, `herald.revoked`), with a cursor if it moves
    /// the client's position.
    pub fn notice(
        self,
        out: &mut BytesMut,
        ty: &str,
        cursor: Option<&str>,
        data: &serde_json::Value,
    ) {
        match self {
            Self::Sse => {
                let body = sse::event_body(ty, data.to_string().as_bytes());
                match cursor {
                    Some(cursor) => sse::put_event(out, cursor, &body),
                    None => {
                        out.put_slice(&body);
                        out.put_u8(b'\n');
                    }
                }
            }
            Self::Ws | Self::Pull => {
                let mut frame = serde_json::json!({ "type": ty, "data": data });
                if let Some(cursor) = cursor {
                    frame["id"] = cursor.into();
                }
                if self == Self::Ws {
                    ws::put_text(out, &[frame.to_string().as_bytes()]);
                } else {
                    out.put_u8(b',');
                    out.put_slice(frame.to_string().as_bytes());
                }
            }
        }
    }

    /// The periodic keep-alive of an idle stream: a comment, or a WebSocket ping (whose pong
    /// tells `ws` the peer is alive).
    pub fn heartbeat(self, out: &mut BytesMut) {
        match self {
            Self::Sse => out.put_slice(sse::HEARTBEAT.as_bytes()),
            Self::Ws => ws::put_ping(out),
            Self::Pull => {}
        }
    }

    /// The last frame of a stream.
    pub fn end(self, out: &mut BytesMut, end: End) {
        match (self, end) {
            // A pull answer ends with its JSON wrapper.
            (Self::Pull, _) => {}
            (Self::Sse, End::Slow) => out.put_slice(sse::SLOW_CONSUMER.as_bytes()),
            (Self::Sse, End::Draining) => out.put_slice(sse::DRAINING.as_bytes()),
            (Self::Sse, End::ReaderGone) => out.put_slice(sse::READER_GONE.as_bytes()),
            (Self::Sse, End::Revoked) => {}
            (Self::Ws, End::Slow) => ws::put_close(
                out,
                ws::TRY_AGAIN_LATER,
                "slow consumer: reconnect with the last id to resume",
            ),
            (Self::Ws, End::Draining) => ws::put_close(
                out,
                ws::SERVICE_RESTART,
                "server shutting down: reconnect with the last id",
            ),
            (Self::Ws, End::ReaderGone) => ws::put_close(
                out,
                ws::SERVICE_RESTART,
                "topic reader stopped: reconnect with the last id",
            ),
            (Self::Ws, End::Revoked) => ws::put_close(out, ws::POLICY, "access revoked"),
        }
    }
}
