//! Malformed and oversized inputs on every public endpoint. Each must be refused with a 4xx or
//! a non-internal gRPC status; the caller checks afterwards that every process is still alive.

use std::time::Duration;

use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::load::{Control, Publisher, control_client};

/// Where to aim.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Ingest HTTP base URL.
    pub ingest_http: String,
    /// Ingest gRPC endpoint.
    pub ingest_grpc: String,
    /// Edge HTTP base URL.
    pub edge_http: String,
    /// Control gRPC endpoint.
    pub control_grpc: String,
    /// A valid team, topic and team key (publish + subscribe).
    pub team: String,
    /// A topic of the team.
    pub topic: String,
    /// The team key.
    pub key: String,
    /// The root key.
    pub root_key: String,
}

/// Outcome: how many probes ran and the ones that were not refused properly.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Probes sent.
    pub probes: usize,
    /// `probe: what happened` for every probe answered wrongly.
    pub failures: Vec<String>,
}

impl Outcome {
    fn http(&mut self, what: &str, r: Result<reqwest::Response, reqwest::Error>) {
        self.probes += 1;
        match r {
            Ok(r) if r.status().is_client_error() => {}
            Ok(r) => self.failures.push(format!("{what}: HTTP {}", r.status())),
            Err(e) => self.failures.push(format!("{what}: no answer ({e})")),
        }
    }

    /// A probe sent over a raw connection (see [`raw_status`]).
    fn raw(&mut self, what: &str, r: Result<u16, String>) {
        self.probes += 1;
        match r {
            Ok(status) if (400..500).contains(&status) => {}
            Ok(status) => self.failures.push(format!("{what}: HTTP {status}")),
            Err(e) => self.failures.push(format!("{what}: {e}")),
        }
    }

    fn grpc<T>(&mut self, what: &str, r: Result<T, tonic::Status>) {
        self.probes += 1;
        match r {
            Ok(_) => self.failures.push(format!("{what}: accepted")),
            Err(s)
                if matches!(
                    s.code(),
                    tonic::Code::Internal | tonic::Code::Unknown | tonic::Code::Unavailable
                ) =>
            {
                self.failures
                    .push(format!("{what}: {:?} {}", s.code(), s.message()))
            }
            Err(_) => {}
        }
    }

    /// A batch whose only "result" can be a per-event error counts as refused too.
    fn grpc_batch(
        &mut self,
        what: &str,
        r: Result<tonic::Response<PublishBatchResponse>, tonic::Status>,
    ) {
        match r {
            Ok(resp) if resp.get_ref().results.iter().all(|x| x.code != 0) => self.probes += 1,
            other => self.grpc(what, other),
        }
    }
}

fn event(ty: &str, data: Vec<u8>) -> Event {
    Event {
        r#type: ty.into(),
        data,
        ..Default::default()
    }
}

/// Sends every probe once.
pub async fn probe_all(t: &Targets) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    // No connection reuse: a server may rightly close a connection after refusing a body it
    // did not read, and a reused connection would then fail on the client side.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()?;
    let publish_url = format!("{}/v1/topics/{}/{}/events", t.ingest_http, t.team, t.topic);
    let auth = format!("Bearer {}", t.key);
    let post = |url: &str, ct: &str, body: Vec<u8>| {
        http.post(url)
            .header("authorization", &auth)
            .header("content-type", ct)
            .body(body)
            .send()
    };

    // --- HTTP publish
    out.http(
        "http: invalid json",
        post(&publish_url, "application/json", b"{not json".to_vec()).await,
    );
    out.http(
        "http: missing type",
        post(&publish_url, "application/json", br#"{"data":1}"#.to_vec()).await,
    );
    out.http(
        "http: unsupported content-type",
        post(&publish_url, "text/plain", b"hello".to_vec()).await,
    );
    out.http(
        "http: invalid utf-8",
        post(
            &publish_url,
            "application/json",
            vec![0xff, 0xfe, 0x00, 0x7b],
        )
        .await,
    );
    out.http(
        "http: nested json",
        post(
            &publish_url,
            "application/json",
            "[".repeat(200_000).into_bytes(),
        )
        .await,
    );
    out.http(
        "http: bad cloudevent",
        post(
            &publish_url,
            "application/cloudevents+json",
            br#"{"specversion":"9.9","type":"x"}"#.to_vec(),
        )
        .await,
    );
    let big_event = format!(r#"{{"type":"big","data":"{}"}}"#, "a".repeat(600 * 1024));
    out.http(
        "http: oversized event",
        post(&publish_url, "application/json", big_event.into_bytes()).await,
    );
    // Oversized requests go over a raw connection: the server rightly answers and hangs up
    // before reading everything, and an HTTP client still writing reports only the reset.
    let addr = t.ingest_http.trim_start_matches("http://");
    let path = format!("/v1/topics/{}/{}/events", t.team, t.topic);
    let head = |extra: &str, len: usize| {
        format!(
            "POST {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: {auth}\r\n\
             content-type: application/json\r\ncontent-length: {len}\r\n{extra}\r\n"
        )
        .into_bytes()
    };
    let mut big = head("", 17 << 20);
    big.resize(big.len() + (17 << 20), b' ');
    out.raw("http: oversized body", raw_status(addr, big).await);
    let mut junk = head(&format!("x-junk: {}\r\n", "j".repeat(1 << 20)), 2);
    junk.extend_from_slice(b"{}");
    out.raw("http: huge header", raw_status(addr, junk).await);
    let many = format!("[{}]", vec![r#"{"type":"t"}"#; 1001].join(","));
    out.http(
        "http: batch over limit",
        post(&publish_url, "application/json", many.into_bytes()).await,
    );
    out.http(
        "http: no key",
        http.post(&publish_url).body(r#"{"type":"t"}"#).send().await,
    );
    out.http(
        "http: wrong key",
        http.post(&publish_url)
            .header("authorization", "Bearer nope")
            .body(r#"{"type":"t"}"#)
            .send()
            .await,
    );
    out.http(
        "http: unknown topic",
        post(
            &format!(
                "{}/v1/topics/{}/no-such-topic/events",
                t.ingest_http, t.team
            ),
            "application/json",
            br#"{"type":"t"}"#.to_vec(),
        )
        .await,
    );
    out.http(
        "http: invalid names",
        post(
            &format!("{}/v1/topics/BAD%20TEAM/..%2F/events", t.ingest_http),
            "application/json",
            br#"{"type":"t"}"#.to_vec(),
        )
        .await,
    );

    // --- gRPC publish
    let bad_key = |k: &str| -> anyhow::Result<Publisher> {
        let channel = tonic::transport::Channel::from_shared(t.ingest_grpc.clone())?.connect_lazy();
        Ok(PublisherClient::with_interceptor(
            channel,
            herald_watch::Bearer::new(k)?,
        ))
    };
    let mut p = bad_key(&t.key)?;
    let req = |e: Option<Event>| PublishRequest {
        team: t.team.clone(),
        topic: t.topic.clone(),
        event: e,
    };
    out.grpc("grpc: no event", p.publish(req(None)).await);
    out.grpc(
        "grpc: empty type",
        p.publish(req(Some(event("", b"{}".to_vec())))).await,
    );
    out.grpc(
        "grpc: bad time",
        p.publish(req(Some(Event {
            time: "yesterday".into(),
            ..event("t", b"{}".to_vec())
        })))
        .await,
    );
    out.grpc(
        "grpc: bad extension name",
        p.publish(req(Some(Event {
            extensions: [("BAD NAME!".to_owned(), "v".to_owned())].into(),
            ..event("t", b"{}".to_vec())
        })))
        .await,
    );
    out.grpc(
        "grpc: oversized event",
        p.publish(req(Some(event("t", vec![b'a'; 600 * 1024]))))
            .await,
    );
    out.grpc(
        "grpc: oversized message",
        p.publish(req(Some(event("t", vec![b'a'; 17 << 20])))).await,
    );
    out.grpc_batch(
        "grpc: batch over limit",
        p.publish_batch(PublishBatchRequest {
            team: t.team.clone(),
            topic: t.topic.clone(),
            events: vec![event("t", b"{}".to_vec()); 1001],
        })
        .await,
    );
    out.grpc(
        "grpc: unknown topic",
        p.publish(PublishRequest {
            topic: "no-such-topic".into(),
            ..req(Some(event("t", b"{}".to_vec())))
        })
        .await,
    );
    out.grpc(
        "grpc: wrong key",
        bad_key("nope")?
            .publish(req(Some(event("t", b"{}".to_vec()))))
            .await,
    );

    // --- SSE
    let stream_url = format!("{}/v1/streams/{}/{}", t.edge_http, t.team, t.topic);
    let sse = |q: &str, last: Option<String>| {
        let mut r = http
            .get(format!("{stream_url}{q}"))
            .header("authorization", &auth);
        if let Some(l) = last {
            r = r.header("last-event-id", l);
        }
        r.send()
    };
    out.http(
        "sse: garbage Last-Event-ID",
        sse("", Some("!!not-a-cursor!!".into())).await,
    );
    out.http(
        "sse: huge Last-Event-ID",
        sse("", Some("A".repeat(60 * 1024))).await,
    );
    out.http("sse: bad start", sse("?start=yesterday", None).await);
    out.http("sse: bad since", sse("?since=notatime", None).await);
    out.http(
        "sse: garbage access token",
        http.get(format!("{stream_url}?access_token=garbage"))
            .send()
            .await,
    );
    out.http("sse: no key", http.get(&stream_url).send().await);
    out.http(
        "sse: unknown topic",
        http.get(format!(
            "{}/v1/streams/{}/no-such-topic",
            t.edge_http, t.team
        ))
        .header("authorization", &auth)
        .send()
        .await,
    );
    out.http(
        "sse: token without key",
        http.post(format!("{stream_url}/token")).send().await,
    );

    // --- control
    let mut root: Control = control_client(&t.control_grpc, &t.root_key).await?;
    let mut team_key: Control = control_client(&t.control_grpc, &t.key).await?;
    let mut nobody: Control = control_client(&t.control_grpc, "nope").await?;
    let team = |name: String| CreateTeamRequest {
        name,
        display_name: String::new(),
    };
    out.grpc(
        "control: bad team name",
        root.create_team(team("BAD NAME!".into())).await,
    );
    out.grpc(
        "control: huge team name",
        root.create_team(team("a".repeat(10_000))).await,
    );
    out.grpc(
        "control: oversized message",
        root.create_team(CreateTeamRequest {
            name: "big".into(),
            display_name: "d".repeat(17 << 20),
        })
        .await,
    );
    out.grpc(
        "control: no credentials",
        nobody.create_team(team("x-nobody".into())).await,
    );
    out.grpc(
        "control: team key creates team",
        team_key.create_team(team("x-teamkey".into())).await,
    );
    let topic = |partitions: i32| CreateTopicRequest {
        team: t.team.clone(),
        name: format!("bad-{partitions}").replace('-', "m"),
        partitions,
        retention_ms: 0,
        ..Default::default()
    };
    out.grpc(
        "control: too many partitions",
        root.create_topic(topic(1_000_000)).await,
    );
    out.grpc(
        "control: negative partitions",
        root.create_topic(topic(-5)).await,
    );
    let sub = |url: &str| CreateSubscriptionRequest {
        team: t.team.clone(),
        topics: vec![t.topic.clone()],
        url: url.into(),
        ..Default::default()
    };
    out.grpc(
        "control: url not a url",
        root.create_subscription(sub("not a url")).await,
    );
    out.grpc(
        "control: ftp url",
        root.create_subscription(sub("ftp://example.com/x")).await,
    );
    out.grpc(
        "control: unknown subscription",
        root.get_subscription(GetSubscriptionRequest {
            team: t.team.clone(),
            id: "no-such-id".into(),
        })
        .await,
    );

    // --- raw garbage on every public port
    for base in [
        &t.ingest_grpc,
        &t.ingest_http,
        &t.edge_http,
        &t.control_grpc,
    ] {
        garbage(base.trim_start_matches("http://")).await;
        out.probes += 1;
    }
    Ok(out)
}

/// Sends `request` while reading the answer, so an early answer is seen even when the server
/// closes the connection before the request was fully written. Returns the status code.
async fn raw_status(addr: &str, request: Vec<u8>) -> Result<u16, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&request).await;
    });
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        let mut chunk = [0u8; 256];
        while !buf.windows(2).any(|w| w == b"\r\n") {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    writer.abort();
    if read.is_err() {
        return Err("no answer within 30s".into());
    }
    let line = String::from_utf8_lossy(&buf);
    line.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            format!(
                "no status line (got {:?})",
                line.chars().take(40).collect::<String>()
            )
        })
}

/// Writes random bytes, reads whatever comes back, closes. Only the process's survival matters.
async fn garbage(addr: &str) {
    let Ok(Ok(mut s)) =
        tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await
    else {
        return;
    };
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let _ = s.write_all(&junk).await;
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
}
