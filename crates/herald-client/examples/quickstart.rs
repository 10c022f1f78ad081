//! Quickstart against `herald dev`: publish an event (once more with the same id, which the
//! server recognizes), publish a batch, subscribe a local webhook receiver, and verify the
//! delivery's signature.
//!
//! ```sh
//! cargo run -p herald -- dev            # in one shell; paste its export lines in another
//! cargo run -p herald-client --example quickstart
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use herald_client::proto::CreateSubscriptionRequest;
use herald_client::{Client, Event, verify_webhook};
use tokio::sync::mpsc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::env::var("HERALD_SERVER").unwrap_or("http://127.0.0.1:50051".into());
    let key = std::env::var("HERALD_KEY")
        .map_err(|_| "set HERALD_KEY to the demo key `herald dev` printed")?;
    let client = Client::connect(server, &key).await?;

    // A local webhook receiver: every delivery goes to a channel, verified below.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks", listener.local_addr()?);
    let (deliveries, mut received) = mpsc::channel::<(HeaderMap, Bytes)>(64);
    let receiver = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let deliveries = deliveries.clone();
            async move {
                let _ = deliveries.send((headers, body)).await;
                StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let created = client
        .create_subscription(CreateSubscriptionRequest {
            team: "demo".into(),
            topics: vec!["events".into()],
            url,
            ..Default::default()
        })
        .await?;
    let subscription = created.subscription.id;
    println!("subscription {subscription} created");

    // Our own id makes the publish safe to retry: the same id again is not stored twice.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let id = format!("quickstart-{nanos}");
    let event = Event::new("order.created", r#"{"order":42}"#).with_id(&id);
    let receipt = client.publish("demo", "events", event.clone()).await?;
    println!(
        "published {} at partition {} offset {}",
        receipt.id, receipt.partition, receipt.offset
    );
    assert_eq!(receipt.id, id);
    let again = client.publish("demo", "events", event).await?;
    assert!(again.duplicate, "a repeated id must be recognized");
    assert_eq!(
        (again.partition, again.offset),
        (receipt.partition, receipt.offset)
    );

    let batch = client
        .publish_batch(
            "demo",
            "events",
            [
                Event::new("order.created", r#"{"order":43}"#),
                Event::new("order.shipped", r#"{"order":42}"#),
            ],
        )
        .await?;
    for outcome in &batch {
        let receipt = outcome.as_ref().map_err(ToString::to_string)?;
        println!("batch event {} at offset {}", receipt.id, receipt.offset);
    }

    // The first delivery to a new subscription can take a few seconds (the delivery group
    // rebalances); other events of the topic may arrive too, so wait for ours.
    let verified = tokio::time::timeout(Duration::from_secs(90), async {
        while let Some((headers, body)) = received.recv().await {
            let webhook = verify_webhook(&created.secret, &headers, &body)?;
            if webhook.id == id {
                assert_eq!(&body[..], br#"{"order":42}"#);
                return Ok(webhook);
            }
        }
        Err::<_, Box<dyn std::error::Error>>("the webhook receiver stopped".into())
    })
    .await
    .map_err(|_| "no webhook for our event within 90 s")??;
    println!("webhook {} verified", verified.id);

    client.delete_subscription("demo", &subscription).await?;
    println!("subscription {subscription} deleted");
    Ok(())
}
