//! One trace per event across processes: the caller's publish call, the Kafka record, the
//! webhook attempt and the SSE fan-out, exported over OTLP/HTTP to a local receiver.

use std::time::Duration;

use herald_proto::v1::{Event as ProtoEvent, PublishRequest};
use herald_tests::edge::{SseItem, open};
use herald_tests::otlp::{ExportedSpan, OtlpReceiver};
use herald_tests::stack::Stack;

fn random_hex(bytes: usize) -> String {
    let mut out = String::new();
    while out.len() < bytes * 2 {
        out.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    out.truncate(bytes * 2);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_from_publish_to_webhook_attempt_and_sse_fanout() {
    let otlp = OtlpReceiver::start().await;
    let mut stack = Stack::start(Some(&otlp.endpoint())).await;
    let http = reqwest::Client::new();
    let mut sse = open(&http, &stack.stream_url(), Some(&stack.key), None)
        .await
        .expect("open the stream");

    let trace_id = random_hex(16);
    let caller_span = random_hex(8);
    let id = uuid::Uuid::now_v7().to_string();
    let mut request = tonic::Request::new(PublishRequest {
        team: stack.team.clone(),
        topic: stack.topic.clone(),
        event: Some(ProtoEvent {
            id: id.clone(),
            r#type: "order.created".into(),
            data: br#"{"traced":true}"#.to_vec(),
            ..Default::default()
        }),
    });
    let metadata = request.metadata_mut();
    metadata.insert(
        "authorization",
        format!("Bearer {}", stack.key).parse().unwrap(),
    );
    metadata.insert(
        "traceparent",
        format!("00-{trace_id}-{caller_span}-01").parse().unwrap(),
    );
    let receipt = stack
        .publisher()
        .publish(request)
        .await
        .expect("publish")
        .into_inner()
        .receipt
        .expect("receipt");

    let webhook = stack
        .receiver
        .wait_for(1, Duration::from_secs(60))
        .await
        .into_iter()
        .find(|r| r.header("webhook-id") == Some(id.as_str()))
        .expect("the event's webhook");
    let event = sse
        .next_event(Duration::from_secs(30))
        .await
        .expect("the event on the stream");
    assert!(
        matches!(&event, SseItem::Event { ty, .. } if ty == "order.created"),
        "{event:?}"
    );

    let in_trace = |spans: &[ExportedSpan], service: &str, name: &str| {
        spans
            .iter()
            .find(|s| s.trace_id == trace_id && s.service == service && s.name == name)
            .cloned()
    };
    let (publish, attempt, fanout) = otlp
        .wait_until(Duration::from_secs(30), |spans| {
            Some((
                in_trace(spans, "herald-ingest", "publish")?,
                in_trace(spans, "herald-delivery", "webhook.attempt")?,
                in_trace(spans, "herald-edge", "sse.fanout")?,
            ))
        })
        .await;

    // The publish span continues the caller's span; the record carries it, so the attempt and
    // the fan-out are its children; the webhook names the attempt as the receiver's parent.
    assert_eq!(publish.parent_span_id, caller_span, "{publish:#?}");
    assert_eq!(attempt.parent_span_id, publish.span_id, "{attempt:#?}");
    assert_eq!(fanout.parent_span_id, publish.span_id, "{fanout:#?}");
    assert_eq!(
        webhook.header("traceparent"),
        Some(format!("00-{trace_id}-{}-01", attempt.span_id).as_str()),
        "the webhook's traceparent names the attempt span"
    );

    assert_eq!(attempt.attr("event_id"), Some(id.as_str()));
    assert_eq!(
        attempt.attr("subscription_id"),
        Some(stack.subscription_id.as_str())
    );
    assert_eq!(attempt.attr("attempt"), Some("1"));
    assert_eq!(attempt.attr("tier"), Some("live"));
    assert_eq!(attempt.attr("http.response.status_code"), Some("200"));
    assert_eq!(attempt.attr("outcome"), Some("success"));
    assert_eq!(fanout.attr("streams"), Some("1"));
    assert_eq!(
        fanout.attr("offset"),
        Some(receipt.offset.to_string().as_str())
    );

    // Every span about this event is in the caller's trace.
    let spans = otlp.spans();
    let about_event = spans.iter().filter(|s| {
        s.attr("event_id") == Some(id.as_str())
            || (s.name == "sse.fanout"
                && s.attr("partition") == Some(receipt.partition.to_string().as_str())
                && s.attr("offset") == Some(receipt.offset.to_string().as_str()))
    });
    for span in about_event {
        assert_eq!(span.trace_id, trace_id, "{span:#?}");
    }

    // With an exporter installed the services still stop cleanly on SIGTERM.
    for service in [&mut stack.ingest, &mut stack.delivery, &mut stack.edge] {
        let status = service.terminate(Duration::from_secs(30)).await;
        assert!(
            status.success(),
            "{} exited with {status}:\n{}",
            service.name,
            service.log_tail()
        );
    }
}
