//! End-to-end tests of herald-delivery against the real broker and real HTTP receivers on
//! 127.0.0.1: signatures, retries through the tier topics, the DLQ and replay, 410, Retry-After,
//! the SSRF guard, isolation of a slow endpoint, and a SIGKILL mid-load that loses nothing.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use herald_core::Verifier;
use herald_kafka::Producer;
use herald_proto::v1::{AttemptOutcome, AttemptRecord, DeliveryTask};
use herald_tests::delivery::*;
use herald_tests::{kafka_config, unique};
use prost::Message as _;

fn producer() -> Producer {
    Producer::new(&kafka_config(), Duration::from_secs(30)).unwrap()
}

fn unix_now() -> i64 {
    now_ms() / 1000
}

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_webhooks_verify_and_new_subscriptions_are_picked_up() {
    let topic = event_topic("acme", 2).await;
    let rx = Receiver::ok().await;
    let (old, new) = (secret(), secret());
    let sub_id = unique("sub");
    let mut sub = subscription(&sub_id, "acme", &[&topic], &rx.url(), &[&new, &old]);
    sub.headers.insert("X-Customer".into(), "42".into());
    sub.event_types = vec!["order.*".into()];
    let worker = TestWorker::start(test_config(&["1s", "2s"]), std::slice::from_ref(&sub)).await;
    let since = now_ms();
    let p = producer();
    let mut e = event("order.created", 1);
    e.traceparent = Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".into());
    publish(&p, &topic, &e).await;
    // Filtered out by the event-type filter.
    publish(&p, &topic, &event("user.created", 2)).await;

    let got = rx.wait_for(1, WAIT).await;
    let r = &got[0];
    assert_eq!(r.header("webhook-id"), Some(e.id.as_str()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-customer"), Some("42"));
    assert_eq!(r.header("traceparent"), e.traceparent.as_deref());
    assert_eq!(r.body, e.data);
    let sig = r.header("webhook-signature").unwrap();
    assert_eq!(
        sig.split(' ').count(),
        2,
        "one signature per live secret: {sig}"
    );
    for s in [&new, &old] {
        Verifier::new(s.clone())
            .verify(
                r.header("webhook-id"),
                r.header("webhook-timestamp"),
                Some(sig),
                &r.body,
                unix_now(),
            )
            .expect("signature verifies");
    }
    let stranger = Verifier::new(secret());
    assert!(
        stranger
            .verify(
                r.header("webhook-id"),
                r.header("webhook-timestamp"),
                Some(sig),
                &r.body,
                unix_now()
            )
            .is_err()
    );

    let attempts: Vec<AttemptRecord> = scan(&worker.deployment.attempts_topic(), since, 1, WAIT, {
        let id = sub_id.clone();
        move |a: &AttemptRecord| a.subscription_id == id
    })
    .await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, AttemptOutcome::Succeeded as i32);
    assert_eq!(attempts[0].status, 200);
    assert_eq!(attempts[0].event_id, e.id);

    // A new subscription on a new topic is picked up without a restart.
    let topic2 = event_topic("acme", 1).await;
    let rx2 = Receiver::ok().await;
    // Credentials in the URL are sent as basic auth, never as part of the request target.
    let url2 = rx2
        .url()
        .replacen("http://", "http://hook%40user:s3cr%3At@", 1);
    let sub2_id = unique("sub");
    let sub2 = subscription(&sub2_id, "acme", &[&topic2], &url2, &[&new]);
    worker.publish(2, &[sub.clone(), sub2]);
    let e2 = event("invoice.paid", 3);
    // The consumer re-subscribes asynchronously; earliest offsets make an early publish safe.
    publish(&p, &topic2, &e2).await;
    let got2 = rx2.wait_for(1, WAIT).await;
    assert_eq!(got2[0].header("webhook-id"), Some(e2.id.as_str()));
    // base64("hook@user:s3cr:t")
    assert_eq!(
        got2[0].header("authorization"),
        Some("Basic aG9va0B1c2VyOnMzY3I6dA==")
    );
    let attempts2: Vec<AttemptRecord> =
        scan(&worker.deployment.attempts_topic(), since, 1, WAIT, {
            let id = sub2_id.clone();
            move |a: &AttemptRecord| a.subscription_id == id
        })
        .await;
    assert_eq!(
        attempts2[0].url,
        rx2.url(),
        "the attempt log shows no credentials"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.count(), 1, "the filtered event was not delivered");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_webhooks_go_over_http2_where_the_endpoint_offers_it() {
    let cert = herald_tests::edge::TestCert::new();
    let h2 = Receiver::tls(&cert, &["h2", "http/1.1"]).await;
    let h1 = Receiver::tls(&cert, &["http/1.1"]).await;
    let topic = event_topic("acme", 2).await;
    let subs = [
        subscription(
            &unique("sub"),
            "acme",
            &[&topic],
            &h2.https_url(),
            &[&secret()],
        ),
        subscription(
            &unique("sub"),
            "acme",
            &[&topic],
            &h1.https_url(),
            &[&secret()],
        ),
    ];
    let mut config = test_config(&["1s"]);
    config.http2 = true;
    // The test certificate is self-signed: trusted through the extra-roots setting.
    config.tls_ca_file = cert.cert_file.clone();
    let worker = TestWorker::start(config, &subs).await;
    let p = producer();
    for n in 0..20 {
        publish(&p, &topic, &event("order.created", n)).await;
    }
    for (rx, version) in [
        (&h2, axum::http::Version::HTTP_2),
        (&h1, axum::http::Version::HTTP_11),
    ] {
        let got = rx.wait_for(20, WAIT).await;
        assert!(
            got.iter().all(|r| r.version == version),
            "{:?}",
            got.iter().map(|r| r.version).collect::<Vec<_>>()
        );
        assert!(got.iter().all(|r| r.header("webhook-signature").is_some()));
    }
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_the_event_after_retries() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::start(|n| {
        if n < 3 {
            Reply::Status(500)
        } else {
            Reply::Status(200)
        }
    })
    .await;
    let sub_id = unique("sub");
    let sub = subscription(&sub_id, "acme", &[&topic], &rx.url(), &[&secret()]);
    let worker = TestWorker::start(test_config(&["1s", "1s", "1s", "1s"]), &[sub]).await;
    let since = now_ms();
    let e = event("order.created", 1);
    publish(&producer(), &topic, &e).await;
    let got = rx.wait_for(4, WAIT).await;
    assert!(
        got.iter()
            .all(|r| r.header("webhook-id") == Some(e.id.as_str()))
    );
    for pair in got.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(900),
            "retry after {gap:?}, the tier is 1s"
        );
    }
    let attempts: Vec<AttemptRecord> = scan(
        &worker.deployment.attempts_topic(),
        since,
        4,
        WAIT,
        move |a: &AttemptRecord| a.subscription_id == sub_id,
    )
    .await;
    let mut attempts = attempts;
    attempts.sort_by_key(|a| a.attempt);
    let outcomes: Vec<(u32, i32, i32)> = attempts
        .iter()
        .map(|a| (a.attempt, a.status, a.outcome))
        .collect();
    let retrying = AttemptOutcome::Retrying as i32;
    assert_eq!(
        outcomes,
        vec![
            (1, 500, retrying),
            (2, 500, retrying),
            (3, 500, retrying),
            (4, 200, AttemptOutcome::Succeeded as i32)
        ]
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rx.count(), 4, "no delivery after the success");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_dead_letter_and_a_replay_delivers() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::start(|_| Reply::Status(503)).await;
    let sub_id = unique("sub");
    let sub = subscription(&sub_id, "acme", &[&topic], &rx.url(), &[&secret()]);
    let worker = TestWorker::start(test_config(&["1s", "1s"]), &[sub]).await;
    let since = now_ms();
    let e = event("order.created", 1);
    publish(&producer(), &topic, &e).await;
    let id = sub_id.clone();
    let dlq: Vec<DeliveryTask> = scan(
        &worker.deployment.dlq_topic(),
        since,
        1,
        WAIT,
        move |t: &DeliveryTask| t.subscription_id == id,
    )
    .await;
    assert_eq!(dlq.len(), 1, "the task reached the dlq");
    let task = dlq[0].clone();
    assert_eq!(task.event_id, e.id);
    assert_eq!(task.attempt, 3, "first attempt plus two retries");
    assert_eq!(task.last_status, 503);
    assert!(
        task.dead_letter_reason.contains("exhausted"),
        "{}",
        task.dead_letter_reason
    );
    assert_eq!(task.data, e.data);
    assert_eq!(rx.count(), 3);
    assert_eq!(
        worker.metric("herald_delivery_dead_lettered_total"),
        Some(1.0)
    );
    // The topic's size is read from the broker every 10 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while worker
        .metric("herald_delivery_dlq_records")
        .is_none_or(|n| n < 1.0)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "dlq size gauge: {:?}",
            worker.metric("herald_delivery_dlq_records")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ops = scan_events("acme.herald", since, 50, Duration::from_secs(20)).await;
    assert!(
        ops.iter().any(|o| o.ty == "herald.delivery.dead_lettered"
            && o.subject.as_deref() == Some(sub_id.as_str())),
        "dead-letter operational event"
    );

    // The receiver recovers; the control plane's DLQ replay writes the task to herald.replay.
    rx.set(|_| Reply::Status(204));
    let replay = DeliveryTask {
        attempt: 0,
        due_at_ms: 0,
        tier: String::new(),
        dead_lettered_at_ms: 0,
        dead_letter_reason: String::new(),
        replay: true,
        ..task
    };
    producer()
        .send(
            &worker.deployment.replay_topic(),
            Some(sub_id.as_bytes()),
            &[],
            &replay.encode_to_vec(),
        )
        .await
        .unwrap();
    let got = rx.wait_for(4, WAIT).await;
    assert_eq!(got[3].header("webhook-id"), Some(e.id.as_str()));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_disables_the_subscription_and_stops_deliveries() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::start(|_| Reply::Status(410)).await;
    let sub_id = unique("sub");
    let sub = subscription(&sub_id, "acme", &[&topic], &rx.url(), &[&secret()]);
    let worker = TestWorker::start(test_config(&["1s", "1s"]), &[sub]).await;
    let since = now_ms();
    let p = producer();
    publish(&p, &topic, &event("order.created", 1)).await;
    rx.wait_for(1, WAIT).await;
    let deadline = Instant::now() + WAIT;
    while worker.control.calls.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "control plane never asked to disable"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let calls = worker.control.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].0.as_str(), calls[0].1.as_str()),
        ("acme", sub_id.as_str())
    );
    assert!(calls[0].2.contains("410"), "{}", calls[0].2);
    for i in 0..5 {
        publish(&p, &topic, &event("order.created", i + 2)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(rx.count(), 1, "no delivery after 410");
    let id = sub_id.clone();
    let dlq: Vec<DeliveryTask> = scan(
        &worker.deployment.dlq_topic(),
        since,
        1,
        WAIT,
        move |t: &DeliveryTask| t.subscription_id == id,
    )
    .await;
    assert!(dlq[0].dead_letter_reason.contains("410"));
    let ops = scan_events("acme.herald", since, 50, Duration::from_secs(20)).await;
    assert!(
        ops.iter().any(|o| o.ty == "herald.subscription.disabled"
            && o.subject.as_deref() == Some(sub_id.as_str()))
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::start(|n| match n {
        0 => Reply::WithHeaders(429, vec![("retry-after", "3".into())]),
        1 => {
            let at = std::time::SystemTime::now() + Duration::from_secs(4);
            Reply::WithHeaders(503, vec![("retry-after", httpdate_fmt(at))])
        }
        _ => Reply::Status(200),
    })
    .await;
    let sub = subscription(&unique("sub"), "acme", &[&topic], &rx.url(), &[&secret()]);
    let worker = TestWorker::start(test_config(&["1s", "2s", "10s"]), &[sub]).await;
    publish(&producer(), &topic, &event("order.created", 1)).await;
    let got = rx.wait_for(3, WAIT).await;
    let first = got[1].at - got[0].at;
    let second = got[2].at - got[1].at;
    assert!(
        first >= Duration::from_secs(3),
        "Retry-After: 3 honoured, waited {first:?}"
    );
    // The HTTP date has one-second resolution.
    assert!(
        second >= Duration::from_secs(3),
        "Retry-After date honoured, waited {second:?}"
    );
    assert!(
        first < Duration::from_secs(9),
        "and not stretched to the 10s tier: {first:?}"
    );
    worker.stop().await;
}

fn httpdate_fmt(t: std::time::SystemTime) -> String {
    // RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    time_from_unix(t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64)
}

fn time_from_unix(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_targets_are_refused_unless_allowed() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::ok().await;
    let by_ip = subscription(&unique("sub"), "acme", &[&topic], &rx.url(), &[&secret()]);
    let by_name = subscription(
        &unique("sub"),
        "acme",
        &[&topic],
        &format!("http://localhost:{}/hook", rx.addr.port()),
        &[&secret()],
    );
    let mapped = subscription(
        &unique("sub"),
        "acme",
        &[&topic],
        &format!("http://[::ffff:127.0.0.1]:{}/hook", rx.addr.port()),
        &[&secret()],
    );
    let mut config = test_config(&["1s", "1s"]);
    config.allow_private_targets = false;
    let worker = TestWorker::start(config, &[by_ip.clone(), by_name.clone(), mapped.clone()]).await;
    let since = now_ms();
    publish(&producer(), &topic, &event("order.created", 1)).await;
    let ids: HashSet<String> = [&by_ip, &by_name, &mapped]
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let dlq: Vec<DeliveryTask> = scan(
        &worker.deployment.dlq_topic(),
        since,
        3,
        WAIT,
        move |t: &DeliveryTask| ids.contains(&t.subscription_id),
    )
    .await;
    assert_eq!(dlq.len(), 3, "every internal target dead-lettered at once");
    for t in &dlq {
        assert_eq!(t.attempt, 1, "refusals are permanent: no retries");
        assert!(t.last_error.contains("refused"), "{}", t.last_error);
    }
    assert_eq!(rx.count(), 0, "no request reached the internal receiver");
    worker.stop().await;

    // The same target is delivered when private targets are allowed.
    let allowed = TestWorker::start(
        test_config(&["1s"]),
        &[subscription(
            &unique("sub"),
            "acme",
            &[&topic],
            &rx.url(),
            &[&secret()],
        )],
    )
    .await;
    rx.wait_for(1, WAIT).await;
    allowed.stop().await;
}

/// Delivers `n` pre-published events to `rx` and returns the rate (events/s), first to last.
async fn rate_of(rx: &Receiver, from: usize, n: usize) -> f64 {
    let got = rx.wait_for(from + n, Duration::from_secs(120)).await;
    let window = &got[from..from + n];
    let span = window[n - 1].at - window[0].at;
    n as f64 / span.as_secs_f64().max(0.001)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_endpoint_does_not_slow_a_healthy_one() {
    const N: usize = 1000;
    let fast_topic = event_topic("acme", 3).await;
    let slow_topic = event_topic("acme", 3).await;
    // The healthy endpoint's own capacity (4 in flight x 20 ms) bounds its throughput, not the
    // machine's CPU, so the comparison measures isolation and not how busy the 2 cores are.
    let fast = Receiver::start(|_| Reply::Slow(Duration::from_millis(20), 200)).await;
    let slow = Receiver::start(|_| Reply::Slow(Duration::from_secs(2), 200)).await;
    let mut fast_sub = subscription(
        &unique("fast"),
        "acme",
        &[&fast_topic],
        &fast.url(),
        &[&secret()],
    );
    fast_sub.max_in_flight = 4;
    let slow_sub = subscription(
        &unique("slow"),
        "acme",
        &[&slow_topic],
        &slow.url(),
        &[&secret()],
    );
    let config = test_config(&["30s"]);
    let p = producer();
    let publish_n = |topic: String, n: usize| {
        let p = p.clone();
        async move {
            let sends = (0..n).map(|i| {
                let e = event("order.created", i);
                let p = p.clone();
                let topic = topic.clone();
                async move { publish(&p, &topic, &e).await }
            });
            futures::future::join_all(sends).await;
        }
    };

    // Rounds of (solo, together) back to back, so load from elsewhere on the machine hits both
    // halves of a round alike; one round at or above 90% passes.
    let mut ratios = Vec::new();
    let mut delivered = 0;
    for _round in 0..4 {
        // Solo: the healthy endpoint alone.
        publish_n(fast_topic.clone(), N).await;
        let worker = TestWorker::start(config.clone(), std::slice::from_ref(&fast_sub)).await;
        let solo = rate_of(&fast, delivered, N).await;
        delivered += N;
        worker.stop().await;
        // Together: a backlog for the slow endpoint (2 s per request, so it stays busy for the
        // whole measurement) is published first, then the healthy one's.
        publish_n(slow_topic.clone(), 300).await;
        publish_n(fast_topic.clone(), N).await;
        let worker = TestWorker::start(config.clone(), &[fast_sub.clone(), slow_sub.clone()]).await;
        let mixed = rate_of(&fast, delivered, N).await;
        delivered += N;
        worker.stop().await;
        let ratio = mixed / solo;
        eprintln!(
            "slow-endpoint isolation: solo {solo:.0}/s, with a slow endpoint {mixed:.0}/s, ratio {ratio:.2}"
        );
        ratios.push(ratio);
        if ratio >= 0.9 {
            break;
        }
    }
    let best = ratios.iter().cloned().fold(0.0, f64::max);
    assert!(
        best >= 0.9,
        "healthy throughput with a slow endpoint fell to {best:.2} of solo ({ratios:?})"
    );
    assert!(
        slow.count() > 0,
        "the slow endpoint was being delivered to meanwhile"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_load_loses_nothing() {
    const N: usize = 4000;
    let topic = event_topic("acme", 4).await;
    let rx = Receiver::ok().await;
    let sub_id = unique("sub");
    let dir = std::env::temp_dir().join(unique("delivery-kill"));
    std::fs::create_dir_all(&dir).unwrap();
    let config_path = dir.join("delivery.toml");
    let group = unique("delivery-kill");
    let toml = format!(
        r#"group_id = "{group}"
admin_listen = "127.0.0.1:0"
allow_private_targets = true
commit_interval = "200ms"
internal_replication = 1
[kafka]
bootstrap_servers = "{bootstrap}"
[retry]
delays = ["1s", "2s"]
jitter = 0.0
[[static_subscriptions]]
id = "{sub_id}"
team = "acme"
topics = ["{topic}"]
url = "{url}"
secrets = ["{secret}"]
"#,
        bootstrap = herald_tests::bootstrap(),
        url = rx.url(),
        secret = secret().expose(),
    );
    std::fs::write(&config_path, toml).unwrap();
    let bin = worker_binary();
    let spawn = || {
        std::process::Command::new(&bin)
            .env("HERALD_CONFIG", &config_path)
            .env("HERALD_TELEMETRY__LOG_FILTER", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("start herald-delivery")
    };

    let mut first = spawn();
    let p = producer();
    let publisher = {
        let topic = topic.clone();
        tokio::spawn(async move {
            let mut ledger = Vec::with_capacity(N);
            for chunk in 0..(N / 100) {
                let batch: Vec<_> = (0..100)
                    .map(|i| event("order.created", chunk * 100 + i))
                    .collect();
                futures::future::join_all(batch.iter().map(|e| publish(&p, &topic, e))).await;
                ledger.extend(batch.into_iter().map(|e| e.id));
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            ledger
        })
    };
    // Kill mid-load: after a good part has been delivered, while publishing goes on.
    rx.wait_for(N / 4, Duration::from_secs(120)).await;
    first.kill().expect("SIGKILL");
    let _ = first.wait();
    let at_kill = rx.count();
    let mut second = spawn();
    let ledger = publisher.await.unwrap();
    let wanted: HashSet<&str> = ledger.iter().map(String::as_str).collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    let (missing, duplicates) = loop {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for r in rx.requests() {
            *seen
                .entry(r.header("webhook-id").unwrap_or_default().to_owned())
                .or_default() += 1;
        }
        let missing = wanted.iter().filter(|id| !seen.contains_key(**id)).count();
        let duplicates: usize = seen.values().map(|c| c - 1).sum();
        if missing == 0 || Instant::now() > deadline {
            break (missing, duplicates);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = second.kill();
    let _ = second.wait();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "sigkill: published {N}, delivered before the kill {at_kill}, missing {missing}, duplicates {duplicates}"
    );
    assert_eq!(missing, 0, "events lost across a SIGKILL");
    assert!(at_kill < N, "the kill happened mid-load");
}

/// The `herald-delivery` binary next to this test binary, built if needed.
fn worker_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/e2e-xxxx -> target/debug/herald-delivery
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("herald-delivery");
    if !bin.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "herald-delivery", "--bin", "herald-delivery"])
            .status()
            .unwrap();
        assert!(status.success(), "building herald-delivery failed");
    }
    bin
}

#[test]
fn http_dates_format_like_imf_fixdate() {
    assert_eq!(time_from_unix(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_circuit_short_circuits_then_a_probe_recovers() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::start(|_| Reply::Status(500)).await;
    let sub_id = unique("sub");
    let sub = subscription(&sub_id, "acme", &[&topic], &rx.url(), &[&secret()]);
    let mut config = test_config(&["1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s"]);
    config.circuit.failure_threshold = 3;
    config.circuit.open_for = Duration::from_secs(3);
    let worker = TestWorker::start(config, &[sub]).await;
    let since = now_ms();
    let p = producer();
    // One at a time, so the first three failures are the ones that open the circuit.
    for i in 0..3 {
        publish(&p, &topic, &event("order.created", i)).await;
        rx.wait_for(i + 1, WAIT).await;
    }
    for i in 3..10 {
        publish(&p, &topic, &event("order.created", i)).await;
    }
    let id = sub_id.clone();
    let short: Vec<AttemptRecord> = scan(
        &worker.deployment.attempts_topic(),
        since,
        7,
        WAIT,
        move |a: &AttemptRecord| {
            a.subscription_id == id && a.outcome == AttemptOutcome::ShortCircuited as i32
        },
    )
    .await;
    assert_eq!(short.len(), 7, "deliveries while open are not sent");
    assert!(short.iter().all(|a| a.status == 0));
    assert!(
        rx.count() < 10,
        "open circuit sent no requests for new deliveries ({} requests)",
        rx.count()
    );
    // The endpoint recovers: the half-open probe succeeds and everything is delivered.
    rx.set(|_| Reply::Status(200));
    let deadline = Instant::now() + WAIT;
    loop {
        let ok: HashSet<String> = rx
            .requests()
            .iter()
            .filter_map(|r| r.header("webhook-id").map(str::to_owned))
            .collect();
        if ok.len() == 10 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "all events delivered after recovery ({} distinct)",
            ok.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let recovered = scan_events("acme.herald", since, 1000, Duration::from_secs(10)).await;
    assert!(
        recovered.iter().any(|o| o.ty == "herald.endpoint.recovered"
            && o.subject.as_deref() == Some(sub_id.as_str())),
        "recovery operational event"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_failing_long_enough_is_auto_disabled() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::start(|_| Reply::Status(502)).await;
    let sub_id = unique("sub");
    let sub = subscription(&sub_id, "acme", &[&topic], &rx.url(), &[&secret()]);
    let mut config = test_config(&["1s", "1s", "1s", "1s", "1s", "1s"]);
    config.auto_disable_after = Duration::from_secs(3);
    let worker = TestWorker::start(config, &[sub]).await;
    publish(&producer(), &topic, &event("order.created", 1)).await;
    let deadline = Instant::now() + WAIT;
    while worker.control.calls.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "never auto-disabled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let call = worker.control.calls.lock().unwrap()[0].clone();
    assert_eq!(call.1, sub_id);
    assert!(call.2.contains("failing continuously"), "{}", call.2);
    let at_disable = rx.count();
    assert!(
        (3..=6).contains(&at_disable),
        "disabled after about 3s of failures ({at_disable} attempts)"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        rx.count() <= at_disable + 1,
        "no deliveries after the disable"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_leaving_the_group_hands_its_partitions_over_without_loss() {
    const N: usize = 2000;
    let topic = event_topic("acme", 6).await;
    let rx = Receiver::ok().await;
    let sub = subscription(&unique("sub"), "acme", &[&topic], &rx.url(), &[&secret()]);
    let config = test_config(&["1s"]);
    let a = TestWorker::start(config.clone(), std::slice::from_ref(&sub)).await;
    let b = TestWorker::start(config, std::slice::from_ref(&sub)).await;
    let p = producer();
    let publisher = {
        let topic = topic.clone();
        tokio::spawn(async move {
            let mut ledger = Vec::with_capacity(N);
            for chunk in 0..(N / 50) {
                let batch: Vec<_> = (0..50)
                    .map(|i| event("order.created", chunk * 50 + i))
                    .collect();
                futures::future::join_all(batch.iter().map(|e| publish(&p, &topic, e))).await;
                ledger.extend(batch.into_iter().map(|e| e.id));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            ledger
        })
    };
    rx.wait_for(N / 3, Duration::from_secs(120)).await;
    // Graceful leave mid-load: in-flight work finishes, offsets are committed, then the
    // partitions move to the other worker.
    a.stop().await;
    let ledger = publisher.await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let (missing, duplicates) = loop {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for r in rx.requests() {
            *seen
                .entry(r.header("webhook-id").unwrap_or_default().to_owned())
                .or_default() += 1;
        }
        let missing = ledger.iter().filter(|id| !seen.contains_key(*id)).count();
        let duplicates: usize = seen.values().map(|c| c - 1).sum();
        if missing == 0 || Instant::now() > deadline {
            break (missing, duplicates);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!("graceful handover: published {N}, missing {missing}, duplicates {duplicates}");
    assert_eq!(missing, 0);
    b.stop().await;
}

/// The whole path of custom headers and secrets: the control plane stores them sealed, its
/// internal Watch hands them to the worker in clear, and the worker sends the real header values
/// and signs only with the secret left after a rotation without overlap. The attempt record
/// carries no header value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_and_secrets_from_the_control_plane_reach_the_endpoint() {
    use herald_proto::v1::{CreateSubscriptionRequest, RotateSecretRequest};
    use herald_tests::control::{TestControl, team_with_topic, test_config as control_config};

    let control = TestControl::start(control_config()).await;
    let mut root = control.root().await;
    let team = team_with_topic(&mut root, "hdr", "orders").await;
    let rx = Receiver::ok().await;
    let credential = format!("Bearer partner-{}", uuid::Uuid::new_v4().simple());
    let created = root
        .create_subscription(CreateSubscriptionRequest {
            team: team.clone(),
            topics: vec!["orders".into()],
            url: rx.url(),
            headers: [
                ("Authorization".to_owned(), credential.clone()),
                ("X-Tenant".to_owned(), "t1".to_owned()),
            ]
            .into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let sub_id = created.subscription.unwrap().id;
    let leaked = created.secret;
    let rotated = root
        .rotate_secret(RotateSecretRequest {
            team: team.clone(),
            id: sub_id.clone(),
            overlap_ms: Some(0),
        })
        .await
        .unwrap()
        .into_inner()
        .secret;

    let cancel = tokio_util::sync::CancellationToken::new();
    let mut view = herald_watch::follow(
        control.endpoint.clone(),
        control.internal_token().to_owned(),
        cancel.clone(),
    );
    assert!(view.wait_synced(Duration::from_secs(10)).await);
    let seen = view.current().subscriptions[&sub_id].clone();
    assert_eq!(seen.headers["authorization"], credential);
    assert_eq!(
        seen.secrets.iter().map(|s| &s.secret).collect::<Vec<_>>(),
        [&rotated],
        "only the new secret after a rotation without overlap"
    );

    let config = test_config(&["1s"]);
    let worker =
        FollowingWorker::start(&config, view, &control.endpoint, control.internal_token()).await;
    let since = now_ms();
    let e = event("order.created", 1);
    publish(&producer(), &format!("{team}.orders"), &e).await;

    let got = rx.wait_for(1, WAIT).await;
    let r = &got[0];
    assert_eq!(r.header("authorization"), Some(credential.as_str()));
    assert_eq!(r.header("x-tenant"), Some("t1"));
    let sig = r.header("webhook-signature").unwrap();
    assert_eq!(sig.split(' ').count(), 1, "one live secret: {sig}");
    let verify = |secret: &str| {
        Verifier::new(herald_core::Secret::parse(secret).unwrap()).verify(
            r.header("webhook-id"),
            r.header("webhook-timestamp"),
            Some(sig),
            &r.body,
            unix_now(),
        )
    };
    verify(&rotated).expect("signed with the new secret");
    assert!(verify(&leaked).is_err(), "the cut secret no longer signs");

    let attempts: Vec<AttemptRecord> = scan(&config.deployment.attempts_topic(), since, 1, WAIT, {
        let id = sub_id.clone();
        move |a: &AttemptRecord| a.subscription_id == id
    })
    .await;
    assert_eq!(attempts[0].outcome, AttemptOutcome::Succeeded as i32);
    let raw = attempts[0].encode_to_vec();
    assert!(
        !raw.windows(credential.len())
            .any(|w| w == credential.as_bytes()),
        "a header value in the attempt record"
    );
    worker.stop().await;
    cancel.cancel();
    control.stop().await;
}

/// The console's view of one subscription, against a real control plane and worker: a test
/// event reaches that subscription only, signed, and shows in its attempts (with the request
/// excerpt) and its health; DescribeTopic reports the worker group's commits as lag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_event_reaches_one_subscription_and_the_console_sees_it() {
    use herald_proto::v1::CreateSubscriptionRequest;
    use herald_tests::control::{TestControl, team_with_topic, test_config as control_config};
    use herald_tests::rest::Rest;
    use reqwest::Method;
    use serde_json::json;

    let config = test_config(&["1s"]);
    // Control and the worker are one deployment: control reads the topics delivery writes, and
    // reports lag against the worker's group.
    let control = TestControl::start(herald_control::ControlConfig {
        deployment: config.deployment.clone(),
        ..control_config()
    })
    .await;
    let rest = Rest::new(&control.http_url);
    let root_key = control.root_key().to_owned();
    let mut root = control.root().await;
    let team = team_with_topic(&mut root, "console", "orders").await;
    let (tested, other) = (Receiver::ok().await, Receiver::ok().await);
    let mut subs = Vec::new();
    for rx in [&tested, &other] {
        let created = root
            .create_subscription(CreateSubscriptionRequest {
                team: team.clone(),
                topics: vec!["orders".into()],
                url: rx.url(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        subs.push((created.subscription.unwrap().id, created.secret));
    }
    let (sub, secret) = subs[0].clone();
    let other_sub = subs[1].0.clone();

    let cancel = tokio_util::sync::CancellationToken::new();
    let mut view = herald_watch::follow(
        control.endpoint.clone(),
        control.internal_token().to_owned(),
        cancel.clone(),
    );
    assert!(view.wait_synced(Duration::from_secs(10)).await);
    let worker =
        FollowingWorker::start(&config, view, &control.endpoint, control.internal_token()).await;

    // Before delivery committed anything the whole partition is lag.
    let topic_path = format!("/v1/teams/{team}/topics/orders");
    let described = rest
        .call(Method::GET, &topic_path, Some(&root_key), None)
        .await;
    assert_eq!(
        described.body["partitions"][0]["committed_offset"], -1,
        "{:?}",
        described.body
    );
    // One real event: both subscriptions get it.
    let e = event("order.created", 1);
    publish(&producer(), &format!("{team}.orders"), &e).await;
    tested.wait_for(1, WAIT).await;
    other.wait_for(1, WAIT).await;

    let s = format!("/v1/teams/{team}/subscriptions/{sub}");
    let sent = rest
        .call(
            Method::POST,
            &format!("{s}/test"),
            Some(&root_key),
            Some(json!({"event_type": "console.check", "data": {"hello": "é"}})),
        )
        .await;
    assert_eq!(sent.status, 202, "{:?}", sent.body);
    let event_id = sent.body["event_id"].as_str().expect("event id").to_owned();
    let got = tested.wait_for(2, WAIT).await;
    let r = &got[1];
    assert_eq!(r.header("webhook-id"), Some(event_id.as_str()));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&r.body).unwrap(),
        json!({"hello": "é"})
    );
    Verifier::new(herald_core::Secret::parse(&secret).unwrap())
        .verify(
            r.header("webhook-id"),
            r.header("webhook-timestamp"),
            r.header("webhook-signature"),
            &r.body,
            unix_now(),
        )
        .expect("the test event is signed with the subscription's secret");

    // The attempt log: the test event succeeded, with what was sent.
    let attempts = loop {
        let page = rest
            .call(
                Method::GET,
                &format!("{s}/attempts?event_id={event_id}"),
                Some(&root_key),
                None,
            )
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        if page.body["attempts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            break page.body["attempts"].clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(attempts[0]["outcome"], "succeeded", "{attempts}");
    assert_eq!(
        attempts[0]["request_excerpt"],
        String::from_utf8(r.body.clone()).unwrap()
    );
    let first = rest
        .call(
            Method::GET,
            &format!("{s}/attempts?event_id={}", e.id),
            Some(&root_key),
            None,
        )
        .await;
    assert_eq!(
        first.body["attempts"][0]["request_excerpt"],
        String::from_utf8(e.data.clone()).unwrap(),
        "{:?}",
        first.body
    );

    let health = rest
        .call(
            Method::GET,
            &format!("{s}/health?window_ms=60000"),
            Some(&root_key),
            None,
        )
        .await;
    assert_eq!(health.status, 200, "{:?}", health.body);
    let h = &health.body;
    assert_eq!(
        (h["window_ms"].as_i64(), h["succeeded"].as_u64()),
        (Some(60_000), Some(2)),
        "{h}"
    );
    assert_eq!(
        (h["failed"].as_u64(), h["short_circuited"].as_u64()),
        (Some(0), Some(0)),
        "{h}"
    );
    assert_eq!(h["success_rate"], 1.0, "{h}");
    assert_eq!(h["circuit"], "closed", "{h}");
    assert!(
        h["latency_p50_ms"].is_i64() && h["latency_p99_ms"].is_i64(),
        "{h}"
    );
    assert_eq!(h["last_errors"], json!([]), "{h}");
    let buckets = h["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 12, "{h}");
    let in_buckets: u64 = buckets
        .iter()
        .map(|b| b["succeeded"].as_u64().unwrap())
        .sum();
    assert_eq!(in_buckets, 2, "{h}");
    assert_eq!(h["truncated"], false, "{h}");
    let bad = rest
        .call(
            Method::GET,
            &format!("{s}/health?window_ms=5"),
            Some(&root_key),
            None,
        )
        .await;
    assert_eq!(bad.status, 400, "{:?}", bad.body);
    assert!(bad.message().contains("window_ms"), "{}", bad.message());

    // Delivery commits the event: no lag left.
    let deadline = Instant::now() + WAIT;
    loop {
        let d = rest
            .call(Method::GET, &topic_path, Some(&root_key), None)
            .await;
        let p = &d.body["partitions"][0];
        if p["committed_offset"] == 1 {
            assert_eq!(
                (p["high_offset"].as_i64(), p["lag"].as_i64()),
                (Some(1), Some(0)),
                "{p}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no commit seen: {p}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The other subscription never got the test event; a paused one is refused one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        other.count(),
        1,
        "the test event went to one subscription only"
    );
    let o = format!("/v1/teams/{team}/subscriptions/{other_sub}");
    assert_eq!(
        rest.call(Method::POST, &format!("{o}/pause"), Some(&root_key), None)
            .await
            .status,
        200
    );
    let refused = rest
        .call(Method::POST, &format!("{o}/test"), Some(&root_key), None)
        .await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(refused.code(), "failed_precondition");
    assert!(
        refused.message().contains("paused"),
        "{}",
        refused.message()
    );

    worker.stop().await;
    cancel.cancel();
    control.stop().await;
}

/// A subscription's rate limit holds across workers: three workers share it by the partitions
/// each owns, so together they deliver at the limit, not three times it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_holds_across_three_workers() {
    const N: usize = 1200;
    const LIMIT: u32 = 100;
    let topic = event_topic("acme", 6).await;
    let rx = Receiver::ok().await;
    let mut sub = subscription(&unique("sub"), "acme", &[&topic], &rx.url(), &[&secret()]);
    sub.rate_limit = LIMIT;
    let config = test_config(&["1s"]);
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(TestWorker::start(config.clone(), std::slice::from_ref(&sub)).await);
    }
    // Let the group settle: each worker owns two partitions and knows the topic has six.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let p = producer();
    let events: Vec<_> = (0..N).map(|i| event("order.created", i)).collect();
    futures::future::join_all(events.iter().map(|e| publish(&p, &topic, e))).await;
    // The middle of the run: past the first bursts, before partitions that got fewer events
    // run dry.
    let rate = rate_of(&rx, N / 10, N / 2).await;
    eprintln!("rate limit {LIMIT}/s across 3 workers: delivered at {rate:.1}/s");
    assert!(
        (f64::from(LIMIT) * 0.9..=f64::from(LIMIT) * 1.1).contains(&rate),
        "3 workers together delivered at {rate:.1}/s for a limit of {LIMIT}/s"
    );
    rx.wait_for(N, Duration::from_secs(60)).await;
    for w in workers {
        w.stop().await;
    }
}

/// A worker restart keeps an open circuit open and the auto-disable clock running: the next
/// worker sends nothing to the failing endpoint until the circuit's time is up, and disables the
/// subscription when the failures that began under the previous worker have lasted long enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circuit_state_and_the_failure_clock_survive_a_worker_restart() {
    let topic = event_topic("acme", 1).await;
    let rx = Receiver::start(|_| Reply::Status(500)).await;
    let sub_id = unique("sub");
    let sub = subscription(&sub_id, "acme", &[&topic], &rx.url(), &[&secret()]);
    let mut config = test_config(&["1s"; 30]);
    config.circuit.failure_threshold = 3;
    config.circuit.open_for = Duration::from_secs(60);
    config.auto_disable_after = Duration::from_secs(12);
    let first = TestWorker::start(config.clone(), std::slice::from_ref(&sub)).await;
    let p = producer();
    let began = Instant::now();
    for i in 0..3 {
        publish(&p, &topic, &event("order.created", i)).await;
        rx.wait_for(i + 1, WAIT).await;
    }
    // The circuit is open now; the first worker goes away some seconds later.
    tokio::time::sleep(Duration::from_secs(4)).await;
    first.stop().await;
    let sent_before = rx.count();

    let second = TestWorker::start(config, std::slice::from_ref(&sub)).await;
    for i in 3..6 {
        publish(&p, &topic, &event("order.created", i)).await;
    }
    let deadline = Instant::now() + WAIT;
    while second.control.calls.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "never auto-disabled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let disabled_after = began.elapsed();
    assert_eq!(
        rx.count(),
        sent_before,
        "the restored open circuit sent nothing to the failing endpoint"
    );
    // Twelve seconds after the first failure, not twelve after the restart (about 17 s).
    assert!(
        disabled_after < Duration::from_secs(15),
        "disabled {disabled_after:?} after the first failure"
    );
    let reason = second.control.calls.lock().unwrap()[0].2.clone();
    assert!(reason.contains("failing continuously"), "{reason}");
    second.stop().await;
}
