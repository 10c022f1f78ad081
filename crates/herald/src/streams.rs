//! `herald tail|pull|consumer|request|reply`: the HTTP API of the edge and ingest. `tail` follows
//! a topic (SSE or WebSocket) and resumes from its last cursor after any drop; `pull` reads
//! batches, optionally as a member of a named consumer; `consumer` creates a named consumer,
//! commits and leaves; `request` publishes an async request and can wait for its reply; `reply`
//! answers one (the reply id is the credential).
//! Events print as JSON lines (`{"id","type","time","data"}`: the WebSocket frames' and pull
//! answers' shape) so scripts can pipe them.

use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Where the edge's HTTP API is, and who is calling.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Base URL, e.g. `http://127.0.0.1:8081`.
    pub http: String,
    /// API key.
    pub key: String,
}

/// How `tail` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// Server-Sent Events.
    Sse,
    /// WebSocket.
    Ws,
}

/// `herald tail`.
#[derive(Debug, Args)]
pub struct TailArgs {
    /// The topic's team.
    team: String,
    /// The topic.
    topic: String,
    /// SSE or WebSocket.
    #[arg(long, value_enum, default_value_t = Transport::Sse)]
    transport: Transport,
    /// Resume after this cursor (an event's `id` from any transport).
    #[arg(long)]
    from: Option<String>,
    /// Without --from: `now` (default) or `earliest`.
    #[arg(long)]
    start: Option<String>,
    /// Without --from: start at this time (RFC 3339 or unix ms).
    #[arg(long)]
    since: Option<String>,
    /// Only these event types (comma-separated; `order.*` for a prefix).
    #[arg(long)]
    types: Option<String>,
    /// Stop after this many events (default: follow until interrupted).
    #[arg(long)]
    count: Option<usize>,
}

/// `herald pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The topic's team.
    team: String,
    /// The topic.
    topic: String,
    /// Continue after this cursor (a `next_cursor`, or any event's `id`).
    #[arg(long)]
    cursor: Option<String>,
    /// Most events per answer (1 to 1000).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Long-poll this long when nothing is new (e.g. 10s; at most 30s).
    #[arg(long, default_value = "0s")]
    wait: String,
    /// Only these event types (comma-separated; `order.*` for a prefix).
    #[arg(long)]
    types: Option<String>,
    /// Without a cursor: `earliest` (default) or `now`.
    #[arg(long)]
    start: Option<String>,
    /// Read as this named consumer (from its committed position, its member's partitions).
    #[arg(long)]
    consumer: Option<String>,
    /// The member of the named consumer (default `default`).
    #[arg(long, requires = "consumer")]
    member: Option<String>,
    /// With --consumer: commit each answer's cursor once it is printed.
    #[arg(long, requires = "consumer")]
    commit: bool,
    /// Keep pulling (long-polling with --wait, 20s if unset) until interrupted.
    #[arg(long)]
    follow: bool,
}

/// `herald consumer ...`.
#[derive(Debug, Subcommand)]
pub enum ConsumerCommand {
    /// Create a named consumer of a topic (it keeps its position on the server).
    Create {
        /// The team.
        team: String,
        /// The consumer's name.
        name: String,
        /// The team's topic it reads.
        #[arg(long)]
        topic: String,
        /// Where it starts: `earliest` (default) or `now`.
        #[arg(long)]
        start: Option<String>,
    },
    /// Store a member's progress: the cursor's offsets of the partitions it owns.
    Commit {
        /// The team.
        team: String,
        /// The consumer.
        name: String,
        /// A pull answer's `next_cursor`.
        cursor: String,
        /// The member (default `default`).
        #[arg(long)]
        member: Option<String>,
    },
    /// Make a member leave its group now (the other members take its partitions).
    Leave {
        /// The team.
        team: String,
        /// The consumer.
        name: String,
        /// The member.
        member: String,
    },
}

/// `herald request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The topic's team.
    team: String,
    /// The topic the request is published to.
    topic: String,
    /// The request's event type.
    #[arg(long = "type")]
    ty: String,
    /// The request's data (JSON).
    #[arg(long, default_value = "{}")]
    data: String,
    /// A topic of the team the reply is also published to (its streams and webhook
    /// subscriptions get it).
    #[arg(long)]
    reply_topic: Option<String>,
    /// Wait this long for the reply and print it (e.g. 20s; at most 30s); default: print the
    /// reply id and return.
    #[arg(long)]
    wait: Option<String>,
}

/// `herald reply`.
#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// The reply id (the request's `replyto` is `/v1/replies/<reply id>`), or that path.
    reply_id: String,
    /// The reply's event type.
    #[arg(long = "type")]
    ty: String,
    /// The reply's data (JSON).
    #[arg(long, default_value = "{}")]
    data: String,
}

/// What to run.
#[derive(Debug)]
pub enum StreamCommand {
    Tail(TailArgs),
    Pull(PullArgs),
    Consumer(ConsumerCommand),
    Request(RequestArgs),
    Reply(ReplyArgs),
}

/// Runs `command` against `endpoint`.
pub fn run(endpoint: Endpoint, command: StreamCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .context("cannot build the HTTP client")?;
    let http = Http {
        client,
        base: endpoint.http.trim_end_matches('/').to_owned(),
        key: endpoint.key,
    };
    runtime.block_on(async move {
        match command {
            StreamCommand::Tail(args) => tail(&http, args).await,
            StreamCommand::Pull(args) => pull(&http, args).await,
            StreamCommand::Consumer(command) => consumer(&http, command).await,
            StreamCommand::Request(args) => request(&http, args).await,
            StreamCommand::Reply(args) => reply(&http, args).await,
        }
    })
}

struct Http {
    client: reqwest::Client,
    base: String,
    key: String,
}

impl Http {
    /// Sends `request` (with the key, if any) and returns its JSON answer, or the server's
    /// error message.
    async fn json(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let request = if self.key.is_empty() {
            request
        } else {
            request.bearer_auth(&self.key)
        };
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.base))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or(body);
            bail!("{status}: {message}");
        }
        if body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&body).context("the answer is not JSON")
    }
}

fn print_event(event: &Value) {
    println!("{event}");
}

async fn pull(http: &Http, args: PullArgs) -> anyhow::Result<()> {
    let url = format!(
        "{}/v1/topics/{}/{}/events",
        http.base, args.team, args.topic
    );
    let wait = if args.follow && args.wait == "0s" {
        "20s".to_owned()
    } else {
        args.wait.clone()
    };
    let mut cursor = args.cursor.clone();
    loop {
        let mut query = vec![("limit", args.limit.to_string()), ("wait", wait.clone())];
        let optional = [
            ("cursor", cursor.clone()),
            ("types", args.types.clone()),
            ("start", args.start.clone()),
            ("consumer", args.consumer.clone()),
            ("member", args.member.clone()),
        ];
        query.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        let answer = http.json(http.client.get(&url).query(&query)).await?;
        let events = answer["events"].as_array().cloned().unwrap_or_default();
        for event in &events {
            print_event(event);
        }
        let next = answer["next_cursor"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if let (true, Some(name), false) = (args.commit, &args.consumer, events.is_empty()) {
            let commit_url = format!(
                "{}/v1/teams/{}/consumers/{name}/commit",
                http.base, args.team
            );
            let mut body = json!({ "cursor": next });
            if let Some(member) = &args.member {
                body["member"] = member.clone().into();
            }
            http.json(json_post(http, commit_url, &body)).await?;
        }
        eprintln!("next_cursor: {next}");
        if !args.follow {
            return Ok(());
        }
        // A named consumer's member reads from its commits; others continue from the answer.
        if args.consumer.is_none() {
            cursor = Some(next);
        }
    }
}

async fn consumer(http: &Http, command: ConsumerCommand) -> anyhow::Result<()> {
    let answer = match command {
        ConsumerCommand::Create {
            team,
            name,
            topic,
            start,
        } => {
            let url = format!("{}/v1/teams/{team}/consumers", http.base);
            let mut body = json!({ "name": name, "topic": topic });
            if let Some(start) = start {
                body["start"] = start.into();
            }
            http.json(json_post(http, url, &body)).await?
        }
        ConsumerCommand::Commit {
            team,
            name,
            cursor,
            member,
        } => {
            let url = format!("{}/v1/teams/{team}/consumers/{name}/commit", http.base);
            let mut body = json!({ "cursor": cursor });
            if let Some(member) = member {
                body["member"] = member.into();
            }
            http.json(json_post(http, url, &body)).await?
        }
        ConsumerCommand::Leave { team, name, member } => {
            let url = format!(
                "{}/v1/teams/{team}/consumers/{name}/members/{member}",
                http.base
            );
            http.json(http.client.delete(url)).await?;
            json!({ "left": member })
        }
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

fn json_post(http: &Http, url: String, body: &Value) -> reqwest::RequestBuilder {
    http.client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

/// An event body in Herald's JSON form.
fn event_body(ty: &str, data: &str) -> anyhow::Result<Value> {
    let data: Value = serde_json::from_str(data).context("--data is not JSON")?;
    Ok(json!({ "type": ty, "data": data }))
}

async fn request(http: &Http, args: RequestArgs) -> anyhow::Result<()> {
    let mut url = format!(
        "{}/v1/topics/{}/{}/requests",
        http.base, args.team, args.topic
    );
    if let Some(topic) = &args.reply_topic {
        url = format!("{url}?reply_topic={topic}");
    }
    let accepted = http
        .json(json_post(http, url, &event_body(&args.ty, &args.data)?))
        .await?;
    let Some(wait) = args.wait else {
        println!("{}", serde_json::to_string_pretty(&accepted)?);
        return Ok(());
    };
    let location = accepted["location"]
        .as_str()
        .context("the answer has no location")?;
    eprintln!("request {} sent; waiting for its reply", accepted["id"]);
    let url = format!("{}{location}", http.base);
    let answer = http
        .json(http.client.get(url).query(&[("wait", wait)]))
        .await?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

async fn reply(http: &Http, args: ReplyArgs) -> anyhow::Result<()> {
    let id = args.reply_id.trim_start_matches("/v1/replies/");
    let url = format!("{}/v1/replies/{id}", http.base);
    let answer = http
        .json(json_post(http, url, &event_body(&args.ty, &args.data)?))
        .await?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

/// Why a `tail` connection ended.
enum Ended {
    /// The edge asked the client to reconnect (drain, reader restart, cut as slow).
    Reconnect(String),
    /// `--count` events were printed.
    Done,
}

async fn tail(http: &Http, args: TailArgs) -> anyhow::Result<()> {
    let mut cursor = args.from.clone();
    let mut left = args.count;
    loop {
        let ended = match args.transport {
            Transport::Sse => tail_sse(http, &args, &mut cursor, &mut left).await,
            Transport::Ws => tail_ws(http, &args, &mut cursor, &mut left).await,
        };
        match ended {
            Ok(Ended::Done) => return Ok(()),
            Ok(Ended::Reconnect(why)) => eprintln!("reconnecting: {why}"),
            // A refusal (bad cursor, credentials) will not change by retrying.
            Err(error) if cursor.is_none() || error.to_string().starts_with("4") => {
                return Err(error);
            }
            Err(error) => eprintln!("reconnecting: {error:#}"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn stream_query(args: &TailArgs, cursor: Option<&String>) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(types) = &args.types {
        query.push(("types", types.clone()));
    }
    match cursor {
        Some(cursor) => query.push(("last_event_id", cursor.clone())),
        None => {
            query.extend(args.start.clone().map(|s| ("start", s)));
            query.extend(args.since.clone().map(|s| ("since", s)));
        }
    }
    query
}

/// Counts a printed event; whether `--count` is reached.
fn counted(left: &mut Option<usize>) -> bool {
    if let Some(n) = left {
        *n = n.saturating_sub(1);
        return *n == 0;
    }
    false
}

async fn tail_sse(
    http: &Http,
    args: &TailArgs,
    cursor: &mut Option<String>,
    left: &mut Option<usize>,
) -> anyhow::Result<Ended> {
    let url = format!("{}/v1/streams/{}/{}", http.base, args.team, args.topic);
    let response = http
        .client
        .get(&url)
        .query(&stream_query(args, cursor.as_ref()))
        .bearer_auth(&http.key)
        .send()
        .await
        .with_context(|| format!("cannot reach {}", http.base))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        bail!("{status}: {body}");
    }
    let mut response = response;
    let mut buf = Vec::new();
    let (mut id, mut ty, mut data): (Option<String>, String, Option<String>) =
        (None, String::new(), None);
    while let Some(chunk) = response.chunk().await.context("the stream broke")? {
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line[..end]);
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                if let Some(id) = &id {
                    *cursor = Some(id.clone());
                }
                if let Some(data) = data.take() {
                    let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                    print_event(&json!({ "id": id, "type": ty, "data": data }));
                    if !ty.starts_with("herald.") && counted(left) {
                        return Ok(Ended::Done);
                    }
                }
                ty.clear();
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => id = Some(value.to_owned()),
                "event" => ty = value.to_owned(),
                "data" => match &mut data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(value);
                    }
                    None => data = Some(value.to_owned()),
                },
                _ => {}
            }
        }
    }
    Ok(Ended::Reconnect("the stream ended".into()))
}

/// A client WebSocket: reads server frames, answers pings.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn tail_ws(
    http: &Http,
    args: &TailArgs,
    cursor: &mut Option<String>,
    left: &mut Option<usize>,
) -> anyhow::Result<Ended> {
    let mut url = reqwest::Url::parse(&format!(
        "{}/v1/streams/{}/{}",
        http.base, args.team, args.topic
    ))
    .context("invalid --http")?;
    url.query_pairs_mut()
        .extend_pairs(stream_query(args, cursor.as_ref()));
    let host = url.host_str().context("--http has no host")?.to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .with_context(|| format!("cannot reach {host}:{port}"))?;
    let mut io: Box<dyn Io> = if url.scheme() == "https" {
        let tls = tokio_native_tls::TlsConnector::from(
            tokio_native_tls::native_tls::TlsConnector::new().context("tls")?,
        );
        Box::new(tls.connect(&host, tcp).await.context("tls handshake")?)
    } else {
        Box::new(tcp)
    };
    let key = STANDARD.encode(rand::random::<[u8; 16]>());
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: {host}:{port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
         sec-websocket-key: {key}\r\nsec-websocket-version: 13\r\nauthorization: Bearer {}\r\n\r\n",
        http.key
    );
    io.write_all(request.as_bytes()).await?;
    let (status, head, mut rest) = read_head(&mut io).await?;
    if status != 101 {
        let body = String::from_utf8_lossy(&rest);
        bail!("{status}: {body}");
    }
    let mut hash = Sha1::new();
    hash.update(key.as_bytes());
    hash.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let accept = STANDARD.encode(hash.finalize());
    if !head
        .to_ascii_lowercase()
        .contains(&accept.to_ascii_lowercase())
    {
        bail!("the edge's WebSocket handshake answer does not match the key");
    }
    loop {
        let (opcode, payload) = read_frame(&mut io, &mut rest).await?;
        match opcode {
            0x1 => {
                let frame: Value =
                    serde_json::from_slice(&payload).context("a frame that is not JSON")?;
                if let Some(id) = frame["id"].as_str() {
                    *cursor = Some(id.to_owned());
                }
                let ty = frame["type"].as_str().unwrap_or_default();
                if ty == "herald.cursor" {
                    continue;
                }
                print_event(&frame);
                if !ty.starts_with("herald.") && counted(left) {
                    let _ = io.write_all(&masked(0x8, &1000u16.to_be_bytes())).await;
                    return Ok(Ended::Done);
                }
            }
            0x9 => io.write_all(&masked(0xA, &payload)).await?,
            0x8 => {
                let code = payload
                    .get(..2)
                    .map_or(1005, |c| u16::from_be_bytes([c[0], c[1]]));
                let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                let _ = io
                    .write_all(&masked(0x8, &payload[..payload.len().min(2)]))
                    .await;
                if matches!(code, 1001 | 1012 | 1013) {
                    return Ok(Ended::Reconnect(format!("{code} {reason}")));
                }
                bail!("the edge closed the WebSocket: {code} {reason}");
            }
            _ => {}
        }
    }
}

/// Reads an HTTP/1.1 answer head: status, head text, and the bytes read past it.
async fn read_head(io: &mut Box<dyn Io>) -> anyhow::Result<(u16, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if buf.len() > 64 * 1024 {
            bail!("the edge's answer head is too long");
        }
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            bail!("the edge closed the connection during the handshake");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut rest = buf[end + 4..].to_vec();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("a malformed answer")?;
    if status != 101 {
        // An error answer's body (a JSON message), if it came with the head or right after.
        let _ = tokio::time::timeout(Duration::from_secs(2), io.read_to_end(&mut rest)).await;
    }
    Ok((status, head, rest))
}

/// Reads one server frame (unmasked) after the bytes already in `rest`.
async fn read_frame(io: &mut Box<dyn Io>, rest: &mut Vec<u8>) -> anyhow::Result<(u8, Vec<u8>)> {
    loop {
        if rest.len() >= 2 {
            let (len, at) = match rest[1] & 0x7F {
                126 if rest.len() >= 4 => (u64::from(u16::from_be_bytes([rest[2], rest[3]])), 4),
                127 if rest.len() >= 10 => (
                    u64::from_be_bytes(rest[2..10].try_into().unwrap_or_default()),
                    10,
                ),
                126 | 127 => (u64::MAX, 0),
                n => (u64::from(n), 2),
            };
            if len > 64 << 20 && len != u64::MAX {
                bail!("a frame of {len} bytes");
            }
            if len != u64::MAX && rest.len() as u64 >= at as u64 + len {
                let opcode = rest[0] & 0x0F;
                let payload = rest[at..at + len as usize].to_vec();
                rest.drain(..at + len as usize);
                return Ok((opcode, payload));
            }
        }
        let mut chunk = [0u8; 8192];
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            bail!("the connection closed");
        }
        rest.extend_from_slice(&chunk[..n]);
    }
}

/// A client frame: masked, as RFC 6455 requires of clients.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask: [u8; 4] = rand::random();
    let mut out = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}
