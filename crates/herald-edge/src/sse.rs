//! The `text/event-stream` wire format.

use bytes::{BufMut, Bytes, BytesMut};

/// Final comment to a client cut for not keeping up.
pub const SLOW_CONSUMER: &str = ": herald: slow consumer, resume with Last-Event-ID\n\n";
/// Final comment when the node drains.
pub const DRAINING: &str = ": herald: server shutting down, reconnect with Last-Event-ID\n\n";
/// Final comment when the topic reader failed or stopped.
pub const READER_GONE: &str = ": herald: topic reader stopped, reconnect with Last-Event-ID\n\n";
/// Event type of the final event of a stream cut for falling behind, and of the first event of
/// the same client's next stream.
pub const CUT: &str = "herald.cut";
/// Event type of the final event of a stream whose access was revoked.
pub const REVOKED: &str = "herald.revoked";
/// Heartbeat comment.
pub const HEARTBEAT: &str = ": heartbeat\n\n";

/// The `event:` and `data:` lines of an event (no `id:`, no terminating blank line), shared by
/// every client of a topic. Line breaks in the type are replaced (they would end the field);
/// the payload gets one `data:` line per line (LF, CRLF or CR).
pub fn event_body(ty: &str, data: &[u8]) -> Bytes {
    let data = String::from_utf8_lossy(data);
    let mut out = BytesMut::with_capacity(16 + ty.len() + data.len());
    if !ty.is_empty() {
        out.put_slice(b"event: ");
        for ch in ty.chars() {
            let ch = if ch == '\r' || ch == '\n' { ' ' } else { ch };
            let mut buf = [0; 4];
            out.put_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
        out.put_u8(b'\n');
    }
    let normalized = data.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalized.split('\n') {
        out.put_slice(b"data: ");
        out.put_slice(line.as_bytes());
        out.put_u8(b'\n');
    }
    out.freeze()
}

/// Appends a whole event: `id:`, the shared body, the blank line.
pub fn put_event(out: &mut BytesMut, cursor: &str, body: &[u8]) {
    out.reserve(6 + cursor.len() + body.len());
    out.put_slice(b"id: ");
    out.put_slice(cursor.as_bytes());
    out.put_u8(b'\n');
    out.put_slice(body);
    out.put_u8(b'\n');
}

/// Appends an id-only block: clients record it as their Last-Event-ID without an event firing
/// (the cursor advances past events the client's filter skipped).
pub fn put_cursor(out: &mut BytesMut, cursor: &str) {
    out.put_slice(b"id: ");
    out.put_slice(cursor.as_bytes());
    out.put_slice(b"\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_data_line_per_payload_line() {
        let body = event_body("order.created", b"{\"a\":1}\nsecond\r\nthird\rfourth");
        assert_eq!(
            &body[..],
            b"event: order.created\ndata: {\"a\":1}\ndata: second\ndata: third\ndata: fourth\n"
        );
        assert_eq!(&event_body("a\nb", b"")[..], b"event: a b\ndata: \n");
        let mut out = BytesMut::new();
        put_event(&mut out, "1AQ", &body);
        assert!(out.starts_with(b"id: 1AQ\nevent: order.created\n"));
        assert!(out.ends_with(b"fourth\n\n"));
    }
}
