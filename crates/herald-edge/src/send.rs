//! Writing a stream's chunks to its connection, shared by the SSE and WebSocket writers.
//!
//! A fan-out wakes every stream of the topic and each writes one small chunk to a socket that
//! almost always has room. So a writer first tries to send the chunk at once ([`try_send`], in
//! its own task's poll) and only when the connection does not take it all builds the boxed
//! write that also watches for a cut and for shutdown: that one allocates and
//! registers with the node's shutdown token (one lock shared by every stream), which the
//! common case does not need.
//!
//! A chunk goes out in one `send` where it can: a vectored write (`writev`) costs more in the
//! kernel (the VFS layer) than copying a small chunk together with its framing.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::AsyncWrite;

/// Largest chunk copied together with its framing into one buffer; larger ones are written
/// vectored, as they are.
const COALESCE: usize = 4096;

/// The pieces of one write, in order; empty pieces are skipped.
pub(crate) type Parts = [Bytes; 4];

/// `parts` as one piece when they are small and more than one is not empty.
pub(crate) fn coalesce(parts: Parts) -> Parts {
    let total: usize = parts.iter().map(Bytes::len).sum();
    if total > COALESCE || parts.iter().filter(|p| !p.is_empty()).count() < 2 {
        return parts;
    }
    let mut one = BytesMut::with_capacity(total);
    for part in &parts {
        one.put_slice(part);
    }
    [one.freeze(), Bytes::new(), Bytes::new(), Bytes::new()]
}

/// Writes `parts` as far as `io` takes them, dropping what was written from them, then
/// flushes; ready once everything is written and flushed. Poll again after `Pending`.
pub(crate) fn poll_send<IO>(
    io: &mut IO,
    cx: &mut Context<'_>,
    parts: &mut Parts,
) -> Poll<std::io::Result<()>>
where
    IO: AsyncWrite + Unpin,
{
    loop {
        let live = parts.iter().filter(|p| !p.is_empty()).count();
        let n = match live {
            0 => break,
            // One piece: a plain `send`, not a one-element `writev`.
            1 => {
                let Some(part) = parts.iter().find(|p| !p.is_empty()) else {
                    break;
                };
                ready!(Pin::new(&mut *io).poll_write(cx, part))?
            }
            _ => {
                let slices = parts.each_ref().map(|p| IoSlice::new(p));
                ready!(Pin::new(&mut *io).poll_write_vectored(cx, &slices))?
            }
        };
        if n == 0 {
            return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
        }
        let mut n = n;
        for part in parts.iter_mut() {
            let k = n.min(part.len());
            part.advance(k);
            n -= k;
        }
    }
    Pin::new(io).poll_flush(cx)
}

/// Sends `parts` if the connection takes them all now, without waiting; otherwise returns
/// what is left, boxed (a writer's future is then not sized for a rare blocked write).
pub(crate) fn try_send<IO>(
    io: &mut IO,
    cx: &mut Context<'_>,
    mut parts: Parts,
) -> std::io::Result<Option<Box<Parts>>>
where
    IO: AsyncWrite + Unpin,
{
    match poll_send(io, cx, &mut parts) {
        Poll::Ready(result) => result.map(|()| None),
        Poll::Pending => Ok(Some(Box::new(parts))),
    }
}

/// Sends the parts `make` builds from `chunk` if the connection takes them all now (see
/// [`try_send`]); nothing without a chunk. Ready at its first poll. The parts are made inside
/// the poll, so a writer's future keeps no room for them; a plain function rather than an async
/// fn, which would hold its by-value arguments twice.
pub(crate) fn now<'a, IO>(
    io: &'a mut IO,
    mut chunk: Option<Bytes>,
    make: impl FnOnce(Bytes) -> Parts + 'a,
) -> impl Future<Output = std::io::Result<Option<Box<Parts>>>> + 'a
where
    IO: AsyncWrite + Unpin,
{
    let mut make = Some(make);
    std::future::poll_fn(move |cx| {
        Poll::Ready(match (chunk.take(), make.take()) {
            (Some(chunk), Some(make)) => try_send(io, cx, make(chunk)),
            _ => Ok(None),
        })
    })
}

/// [`poll_send`] until everything is written and flushed.
pub(crate) async fn send_all<IO>(io: &mut IO, parts: &mut Parts) -> std::io::Result<()>
where
    IO: AsyncWrite + Unpin,
{
    std::future::poll_fn(|cx| poll_send(io, cx, parts)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_parts_become_one() {
        let parts = coalesce([
            Bytes::from_static(b"head"),
            Bytes::from_static(b"5\r\n"),
            Bytes::from_static(b"hello"),
            Bytes::from_static(b"\r\n"),
        ]);
        assert_eq!(&parts[0][..], b"head5\r\nhello\r\n");
        assert!(parts[1..].iter().all(Bytes::is_empty));
        let big = Bytes::from(vec![b'x'; COALESCE + 1]);
        let parts = coalesce([
            Bytes::new(),
            Bytes::from_static(b"1\r\n"),
            big.clone(),
            Bytes::new(),
        ]);
        assert_eq!(parts[2], big, "a large chunk is not copied");
    }

    #[tokio::test]
    async fn a_full_connection_keeps_the_rest() {
        let (mut a, mut b) = tokio::io::duplex(8);
        let parts = [
            Bytes::from_static(b"0123"),
            Bytes::from_static(b"4567"),
            Bytes::from_static(b"89"),
            Bytes::new(),
        ];
        let left = std::future::poll_fn(|cx| Poll::Ready(try_send(&mut a, cx, parts.clone())))
            .await
            .expect("send");
        let mut parts = *left.expect("the pipe is full");
        let left: usize = parts.iter().map(Bytes::len).sum();
        assert_eq!(left, 2, "the pipe took 8 bytes");
        let reading = tokio::spawn(async move {
            let mut got = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut b, &mut got)
                .await
                .map(|_| got)
        });
        send_all(&mut a, &mut parts).await.expect("send");
        drop(a);
        assert_eq!(reading.await.unwrap().unwrap(), b"0123456789");
    }
}
