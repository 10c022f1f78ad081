//! Long-poll fetches for the embedded broker. librdkafka's mock cluster answers a fetch that
//! finds no data only after its whole `fetch.wait.max.ms`, even when a producer writes in the
//! meantime (it cannot hold a request and wake it), so its consumers choose between latency
//! (a short wait: many empty fetches per second, the CPU of an idle `herald dev`) and CPU (a
//! long wait: records arrive up to that late). A real broker answers as soon as data arrives.
//!
//! This relay sits between the clients and the mock broker and gives its fetches a real
//! broker's behaviour: it forwards every request, but a fetch with a wait goes to the mock with
//! none; an empty answer is held until a produce is acknowledged (then the fetch is asked
//! again) or the client's wait is over. Until a produce, the same fetch again (the same
//! partitions and offsets, in whatever order: librdkafka rotates it) gets the same empty answer
//! without asking the mock, so an idle consumer's fetches stay in the relay. Responses keep their order on each connection. The mock advertises its own port in
//! metadata and coordinator answers, so the relay writes its own port there, and clients keep
//! coming through it.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;
const METADATA: i16 = 3;
const FIND_COORDINATOR: i16 = 10;
const END_TXN: i16 = 26;

/// The fetch versions the relay reads: the flexible ones librdkafka 2.x sends (12 and up) as
/// far as the mock serves them. Others pass through untouched, with the mock's fixed wait.
const FETCH_VERSIONS: std::ops::RangeInclusive<i16> = 12..=16;

/// The host the mock broker advertises (it listens on loopback).
const HOST: &[u8] = b"127.0.0.1";

/// What the connections of one relay share.
struct Shared {
    /// The mock broker's address.
    broker: SocketAddr,
    /// The relay's own port, advertised in place of the broker's.
    port: u16,
    /// Counts the acknowledged writes (produces, ends of transactions): held fetches are asked
    /// again when it moves.
    produced: watch::Sender<u64>,
}

/// Serves `listener` until the task is dropped, relaying each connection to `broker`.
pub(crate) async fn serve(listener: TcpListener, broker: SocketAddr) {
    let Ok(local) = listener.local_addr() else {
        return;
    };
    let shared = Arc::new(Shared {
        broker,
        port: local.port(),
        produced: watch::Sender::new(0),
    });
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(error) => {
                tracing::debug!(%error, "embedded kafka relay: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            if let Err(error) = relay(client, &shared).await {
                tracing::debug!(%error, "embedded kafka relay: connection closed");
            }
        });
    }
}

/// A request on its way, as its response needs to know it.
struct InFlight {
    api_key: i16,
    /// Set for a fetch sent with its wait taken out.
    fetch: Option<HeldFetch>,
    /// The answer, when the request was not sent to the broker (an idle fetch asked again).
    answered: Option<Vec<u8>>,
}

/// The last empty answer to a fetch on a connection, with what that fetch asked
/// ([`fetch_key`]) and the produce count it was valid for.
#[derive(Default)]
struct LastEmpty {
    key: Vec<u8>,
    answer: Vec<u8>,
    produced: u64,
}

impl LastEmpty {
    /// The same answer for `frame` (the same fetch again), with its correlation id, if nothing
    /// was produced since.
    fn answer(&self, frame: &[u8], version: i16, produced: u64) -> Option<Vec<u8>> {
        if self.produced != produced || self.answer.len() < 4 || frame.len() < 8 {
            return None;
        }
        if fetch_key(frame, version)? != self.key {
            return None;
        }
        let mut answer = self.answer.clone();
        answer[..4].copy_from_slice(&frame[4..8]);
        Some(answer)
    }

    fn remember(&mut self, request: &[u8], version: i16, answer: &[u8], produced: u64) {
        // A request it cannot read leaves an empty key, which no fetch has.
        self.key = fetch_key(request, version).unwrap_or_default();
        self.answer.clear();
        self.answer.extend_from_slice(answer);
        self.produced = produced;
    }
}

/// A fetch the relay may hold: the request as sent (without a wait), and until when.
struct HeldFetch {
    request: Vec<u8>,
    version: i16,
    until: Instant,
    /// The produce count when the request went to the broker.
    produced: u64,
}

async fn relay(client: TcpStream, shared: &Shared) -> io::Result<()> {
    let broker = TcpStream::connect(shared.broker).await?;
    client.set_nodelay(true)?;
    broker.set_nodelay(true)?;
    let (client_in, client_out) = client.into_split();
    let (broker_in, broker_out) = broker.into_split();
    let (in_flight, answers) = mpsc::unbounded_channel();
    let last = Mutex::new(LastEmpty::default());
    tokio::select! {
        r = requests(BufReader::new(client_in), broker_out, in_flight, &last, shared) => r,
        r = responses(BufReader::new(broker_in), client_out, answers, &last, shared) => r,
    }
}

fn lock(last: &Mutex<LastEmpty>) -> std::sync::MutexGuard<'_, LastEmpty> {
    last.lock().unwrap_or_else(|e| e.into_inner())
}

/// Client to broker: every request, a fetch's wait taken out.
async fn requests(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    in_flight: mpsc::UnboundedSender<InFlight>,
    last: &Mutex<LastEmpty>,
    shared: &Shared,
) -> io::Result<()> {
    loop {
        let mut frame = read_frame(&mut from).await?;
        let (api_key, version) = match frame.get(..4) {
            Some(h) => (
                i16::from_be_bytes([h[0], h[1]]),
                i16::from_be_bytes([h[2], h[3]]),
            ),
            None => return Err(malformed()),
        };
        // A produce with acks=0 gets no answer, so it must not wait for one.
        let answered = api_key != PRODUCE || produce_acks(&frame, version) != Some(0);
        let mut fetch = None;
        if api_key == FETCH
            && FETCH_VERSIONS.contains(&version)
            && let Some(at) = fetch_wait_offset(&frame, version)
        {
            let wait = i32::from_be_bytes(frame[at..at + 4].try_into().map_err(|_| malformed())?);
            if wait > 0 {
                frame[at..at + 4].copy_from_slice(&0i32.to_be_bytes());
                fetch = Some(HeldFetch {
                    request: frame.clone(),
                    version,
                    until: Instant::now() + Duration::from_millis(wait as u64),
                    produced: *shared.produced.borrow(),
                });
            }
        }
        let cached = fetch
            .as_ref()
            .and_then(|f| lock(last).answer(&frame, f.version, f.produced));
        let sent = cached.is_none();
        if answered {
            in_flight
                .send(InFlight {
                    api_key,
                    fetch,
                    answered: cached,
                })
                .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        }
        if sent {
            write_frame(&mut to, &frame).await?;
        }
    }
}

/// Broker to client: every response in order, an empty fetch answer held (see the module).
async fn responses(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut in_flight: mpsc::UnboundedReceiver<InFlight>,
    last: &Mutex<LastEmpty>,
    shared: &Shared,
) -> io::Result<()> {
    // A second connection to the broker for asking held fetches again, so the answers to the
    // requests behind them stay queued on the first.
    let mut side: Option<TcpStream> = None;
    // Every answer follows its request's entry: the relay answers some requests itself.
    while let Some(request) = in_flight.recv().await {
        let mut frame = match request.answered {
            Some(answer) => answer,
            None => read_frame(&mut from).await?,
        };
        match request.api_key {
            PRODUCE | END_TXN => shared.produced.send_modify(|n| *n += 1),
            METADATA | FIND_COORDINATOR => advertise(&mut frame, shared.broker.port(), shared.port),
            _ => {}
        }
        if let Some(fetch) = request.fetch
            && fetch_is_empty(&frame, fetch.version)
        {
            lock(last).remember(&fetch.request, fetch.version, &frame, fetch.produced);
            frame = hold(fetch, frame, &mut side, last, shared).await?;
        }
        write_frame(&mut to, &frame).await?;
    }
    Ok(())
}

/// Waits until a produce is acknowledged or the fetch's wait is over; after each produce the
/// fetch is asked again, and the first answer with data (or the last empty one) is returned.
async fn hold(
    fetch: HeldFetch,
    mut answer: Vec<u8>,
    side: &mut Option<TcpStream>,
    last: &Mutex<LastEmpty>,
    shared: &Shared,
) -> io::Result<Vec<u8>> {
    let mut produced = shared.produced.subscribe();
    let mut seen = fetch.produced;
    loop {
        let now = *produced.borrow_and_update();
        if now == seen {
            tokio::select! {
                changed = produced.changed() => {
                    if changed.is_err() {
                        return Ok(answer);
                    }
                    continue;
                }
                _ = tokio::time::sleep_until(fetch.until) => return Ok(answer),
            }
        }
        seen = now;
        let conn = match side {
            Some(conn) => conn,
            None => {
                let conn = TcpStream::connect(shared.broker).await?;
                conn.set_nodelay(true)?;
                side.insert(conn)
            }
        };
        write_frame(conn, &fetch.request).await?;
        answer = read_frame(conn).await?;
        if !fetch_is_empty(&answer, fetch.version) {
            return Ok(answer);
        }
        // The write was to another partition: this is the empty answer until the next one.
        lock(last).remember(&fetch.request, fetch.version, &answer, seen);
        if Instant::now() >= fetch.until {
            return Ok(answer);
        }
    }
}

async fn read_frame(from: &mut (impl AsyncRead + Unpin)) -> io::Result<Vec<u8>> {
    let len = from.read_i32().await?;
    let len = usize::try_from(len).map_err(|_| malformed())?;
    let mut frame = vec![0; len];
    from.read_exact(&mut frame).await?;
    Ok(frame)
}

async fn write_frame(to: &mut (impl AsyncWrite + Unpin), frame: &[u8]) -> io::Result<()> {
    let len = i32::try_from(frame.len()).map_err(|_| malformed())?;
    let mut out = Vec::with_capacity(4 + frame.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(frame);
    to.write_all(&out).await
}

fn malformed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "malformed kafka frame")
}

/// Writes `to` over `from` wherever the broker's address (`127.0.0.1` then the port) appears:
/// broker lists in metadata answers and the coordinator's address. These carry no user data.
fn advertise(frame: &mut [u8], from: u16, to: u16) {
    let mut needle = HOST.to_vec();
    needle.extend_from_slice(&i32::from(from).to_be_bytes());
    let mut at = 0;
    while let Some(found) = frame[at..]
        .windows(needle.len())
        .position(|w| w == needle.as_slice())
    {
        let port = at + found + HOST.len();
        frame[port..port + 4].copy_from_slice(&i32::from(to).to_be_bytes());
        at = port + 4;
    }
}

/// A cursor over a Kafka message.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let out = self.buf.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }

    fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn uvarint(&mut self) -> Option<usize> {
        let mut value = 0usize;
        for shift in (0..35).step_by(7) {
            let b = *self.take(1)?.first()?;
            value |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// Skips a flexible version's tagged fields.
    fn tags(&mut self) -> Option<()> {
        for _ in 0..self.uvarint()? {
            self.uvarint()?;
            let size = self.uvarint()?;
            self.take(size)?;
        }
        Some(())
    }
}

/// The request header's end: api key, version, correlation id, client id, and the tags of a
/// flexible version (header v2).
fn header_end(frame: &[u8], flexible: bool) -> Option<Reader<'_>> {
    let mut r = Reader { buf: frame, at: 8 };
    let client_id = r.i16()?;
    if client_id > 0 {
        r.take(client_id as usize)?;
    }
    if flexible {
        r.tags()?;
    }
    Some(r)
}

/// A produce request's `Acks` (after its transactional id, from version 3).
fn produce_acks(frame: &[u8], version: i16) -> Option<i16> {
    let mut r = header_end(frame, version >= 9)?;
    if version >= 9 {
        let len = r.uvarint()?.saturating_sub(1);
        r.take(len)?;
    } else if version >= 3 {
        let len = r.i16()?;
        if len > 0 {
            r.take(len as usize)?;
        }
    }
    r.i16()
}

/// Where a flexible fetch request's `MaxWaitMs` is: after the request header (v2: api key,
/// version, correlation id, client id, tags) and, before version 15, the replica id.
fn fetch_wait_offset(frame: &[u8], version: i16) -> Option<usize> {
    let mut r = header_end(frame, true)?;
    if version <= 14 {
        r.take(4)?;
    }
    r.take(4)?;
    Some(r.at - 4)
}

/// What a fetch request asks, whatever the order of its partitions (librdkafka rotates it from
/// one fetch to the next): the request without its correlation id, its partitions (each with
/// its topic) sorted. `None` for a request it cannot read, or with topic-level tags.
fn fetch_key(frame: &[u8], version: i16) -> Option<Vec<u8>> {
    let mut r = header_end(frame, true)?;
    // Replica id (before 15), wait, min and max bytes, isolation, session id and epoch.
    r.take(if version <= 14 { 25 } else { 21 })?;
    let topics_at = r.at;
    let mut partitions: Vec<(&[u8], &[u8])> = Vec::new();
    for _ in 0..r.uvarint()?.saturating_sub(1) {
        let start = r.at;
        if version >= 13 {
            r.take(16)?;
        } else {
            let len = r.uvarint()?.saturating_sub(1);
            r.take(len)?;
        }
        let topic = frame.get(start..r.at)?;
        for _ in 0..r.uvarint()?.saturating_sub(1) {
            let start = r.at;
            // Partition, leader epoch, offset, last fetched epoch, log start, max bytes.
            r.take(32)?;
            r.tags()?;
            partitions.push((topic, frame.get(start..r.at)?));
        }
        if r.uvarint()? != 0 {
            return None;
        }
    }
    partitions.sort_unstable();
    let mut key = Vec::with_capacity(frame.len());
    key.extend_from_slice(frame.get(..4)?);
    key.extend_from_slice(frame.get(8..topics_at)?);
    for (topic, partition) in partitions {
        key.extend_from_slice(topic);
        key.extend_from_slice(partition);
    }
    key.extend_from_slice(frame.get(r.at..)?);
    Some(key)
}

/// Whether a fetch answer (versions 12 to 16) has no records and no error: one to hold. An
/// answer it cannot read counts as not empty, so it goes to the client as it is.
fn fetch_is_empty(frame: &[u8], version: i16) -> bool {
    fn empty(frame: &[u8], version: i16) -> Option<bool> {
        // Response header v1: correlation id, tags.
        let mut r = Reader { buf: frame, at: 4 };
        r.tags()?;
        r.take(4)?; // throttle time
        if r.i16()? != 0 {
            return Some(false);
        }
        r.take(4)?; // session id
        for _ in 0..r.uvarint()?.saturating_sub(1) {
            if version >= 13 {
                r.take(16)?; // topic id
            } else {
                let len = r.uvarint()?.saturating_sub(1);
                r.take(len)?;
            }
            for _ in 0..r.uvarint()?.saturating_sub(1) {
                r.take(4)?; // partition
                if r.i16()? != 0 {
                    return Some(false);
                }
                r.take(24)?; // high watermark, last stable offset, log start offset
                for _ in 0..r.uvarint()?.saturating_sub(1) {
                    r.take(16)?; // aborted transaction: producer id, first offset
                    r.tags()?;
                }
                r.take(4)?; // preferred read replica
                if r.uvarint()? > 1 {
                    return Some(false); // records
                }
                r.tags()?;
            }
            r.tags()?;
        }
        Some(true)
    }
    empty(frame, version).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_broker_port_is_replaced_after_its_host_only() {
        let mut frame =
            b"x\x00\x09127.0.0.1\x00\x00\x23\x82y\x0a127.0.0.1\x00\x00\x23\x82".to_vec();
        frame.extend_from_slice(b"127.0.0.2\x00\x00\x23\x82");
        advertise(&mut frame, 9090, 1234);
        let port = 1234i32.to_be_bytes();
        assert_eq!(&frame[12..16], &port);
        assert_eq!(&frame[27..31], &port);
        assert_eq!(&frame[40..44], &9090i32.to_be_bytes());
    }

    /// A fetch request v16 (no replica id) or v12 (with one), client id "c", no tags, asking
    /// for `partitions` (partition, offset) of one topic (named "t" in v12).
    fn fetch_request(version: i16, wait: i32, partitions: &[(i32, i64)]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&FETCH.to_be_bytes());
        f.extend_from_slice(&version.to_be_bytes());
        f.extend_from_slice(&7i32.to_be_bytes());
        f.extend_from_slice(&1i16.to_be_bytes());
        f.push(b'c');
        f.push(0);
        if version <= 14 {
            f.extend_from_slice(&(-1i32).to_be_bytes());
        }
        f.extend_from_slice(&wait.to_be_bytes());
        f.extend_from_slice(&1i32.to_be_bytes()); // min bytes
        f.extend_from_slice(&1024i32.to_be_bytes()); // max bytes
        f.push(1); // read committed
        f.extend_from_slice(&0i32.to_be_bytes()); // session id
        f.extend_from_slice(&(-1i32).to_be_bytes()); // session epoch
        f.push(2); // one topic
        if version >= 13 {
            f.extend_from_slice(&[9; 16]);
        } else {
            f.extend_from_slice(&[2, b't']);
        }
        f.push(u8::try_from(partitions.len() + 1).unwrap());
        for (partition, offset) in partitions {
            f.extend_from_slice(&partition.to_be_bytes());
            f.extend_from_slice(&(-1i32).to_be_bytes());
            f.extend_from_slice(&offset.to_be_bytes());
            f.extend_from_slice(&(-1i32).to_be_bytes());
            f.extend_from_slice(&(-1i64).to_be_bytes());
            f.extend_from_slice(&1024i32.to_be_bytes());
            f.push(0);
        }
        f.push(0); // topic tags
        f.push(1); // no forgotten topics
        f.push(1); // rack id ""
        f.push(0); // tags
        f
    }

    #[test]
    fn finds_the_wait_of_a_fetch_request() {
        for version in [12, 16] {
            let f = fetch_request(version, 500, &[(0, 5)]);
            let at = fetch_wait_offset(&f, version).unwrap();
            assert_eq!(&f[at..at + 4], &500i32.to_be_bytes(), "version {version}");
        }
    }

    /// A fetch answer v16 with one topic and one partition, `records` bytes of records.
    fn fetch_answer(partition_error: i16, records: usize) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&7i32.to_be_bytes());
        f.push(0); // tags
        f.extend_from_slice(&0i32.to_be_bytes()); // throttle
        f.extend_from_slice(&0i16.to_be_bytes()); // error
        f.extend_from_slice(&0i32.to_be_bytes()); // session
        f.push(2); // one topic
        f.extend_from_slice(&[9; 16]); // topic id
        f.push(2); // one partition
        f.extend_from_slice(&0i32.to_be_bytes());
        f.extend_from_slice(&partition_error.to_be_bytes());
        f.extend_from_slice(&[0; 24]);
        f.push(1); // no aborted transactions
        f.extend_from_slice(&(-1i32).to_be_bytes());
        f.push(u8::try_from(records + 1).unwrap());
        f.extend(std::iter::repeat_n(0xab, records));
        f.push(0); // partition tags
        f.push(0); // topic tags
        f.push(0); // tags
        f
    }

    #[test]
    fn the_same_fetch_gets_the_last_empty_answer_until_a_write() {
        let request = fetch_request(16, 0, &[(0, 5), (1, 7)]);
        let mut last = LastEmpty::default();
        assert_eq!(last.answer(&request, 16, 0), None);
        last.remember(&request, 16, &fetch_answer(0, 0), 3);
        // The same fetch, its partitions rotated, with another correlation id: the answer
        // carries that id.
        let mut again = fetch_request(16, 0, &[(1, 7), (0, 5)]);
        again[4..8].copy_from_slice(&9i32.to_be_bytes());
        let answer = last.answer(&again, 16, 3).unwrap();
        assert_eq!(&answer[..4], &9i32.to_be_bytes());
        assert_eq!(&answer[4..], &fetch_answer(0, 0)[4..]);
        // A write since, another offset, another partition: asked of the broker.
        assert_eq!(last.answer(&again, 16, 4), None);
        for other in [&[(0, 5), (1, 8)][..], &[(0, 5)], &[(0, 5), (1, 7), (2, 0)]] {
            assert_eq!(last.answer(&fetch_request(16, 0, other), 16, 3), None);
        }
        // Version 12 names its topics.
        let v12 = fetch_request(12, 0, &[(0, 5)]);
        last.remember(&v12, 12, &fetch_answer(0, 0), 3);
        assert!(last.answer(&v12, 12, 3).is_some());
    }

    #[test]
    fn only_an_answer_without_records_or_errors_is_held() {
        assert!(fetch_is_empty(&fetch_answer(0, 0), 16));
        assert!(!fetch_is_empty(&fetch_answer(0, 3), 16));
        assert!(!fetch_is_empty(&fetch_answer(1, 0), 16));
        // Unreadable: passed on.
        assert!(!fetch_is_empty(&fetch_answer(0, 0)[..20], 16));
    }
}
