//! The standalone service's gRPC surface without a reachable broker: health reports the
//! Publisher as not serving until the broker answers, reflection lists the services, a publish
//! fails as UNAVAILABLE within the delivery timeout, and shutdown is clean.

use std::time::{Duration, Instant};

use herald_ingest::{IngestConfig, StaticConfig};
use herald_kafka::KafkaConfig;
use herald_proto::v1::publisher_client::PublisherClient;
use herald_proto::v1::{Event, PublishRequest};
use herald_runtime::Shutdown;
use herald_watch::ConfigPublisher;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reflection_and_unavailable_broker() {
    // Nothing listens on port 1: the broker is unreachable.
    let config = IngestConfig {
        kafka: KafkaConfig::new("127.0.0.1:1"),
        root_key: "root".into(),
        delivery_timeout: Duration::from_secs(1),
        ..IngestConfig::default()
    };
    let view = StaticConfig {
        topics: vec!["acme.orders".into()],
        ..StaticConfig::default()
    }
    .view()
    .expect("view");
    let (publisher, handle) = ConfigPublisher::new();
    publisher.publish(view);
    let bind = || tokio::net::TcpListener::bind("127.0.0.1:0");
    let (grpc, http, admin) = (
        bind().await.expect("bind"),
        bind().await.expect("bind"),
        bind().await.expect("bind"),
    );
    let url = format!("http://{}", grpc.local_addr().expect("addr"));
    let shutdown = Shutdown::new(Duration::from_secs(5));
    let server = tokio::spawn(herald_ingest::run_with(
        config,
        handle,
        herald_ingest::Listeners { grpc, http, admin },
        shutdown.clone(),
    ));

    let channel = tonic::transport::Endpoint::from_shared(url)
        .expect("url")
        .connect()
        .await
        .expect("connect");
    let mut health = HealthClient::new(channel.clone());
    let overall = health
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("overall health")
        .into_inner();
    assert_eq!(overall.status, ServingStatus::Serving as i32);
    let publisher_health = health
        .check(HealthCheckRequest {
            service: "herald.v1.Publisher".into(),
        })
        .await;
    assert!(
        publisher_health.map_or(true, |r| r.into_inner().status
            != ServingStatus::Serving as i32),
        "the publisher is not serving while the broker is unreachable"
    );

    let mut reflection = ServerReflectionClient::new(channel.clone());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(futures::stream::iter([request]))
        .await
        .expect("reflection")
        .into_inner();
    let response = responses
        .message()
        .await
        .expect("reflection answer")
        .expect("one response");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("expected a service list");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"herald.v1.Publisher".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_owned()),
        "{names:?}"
    );

    let mut client = PublisherClient::new(channel);
    let mut request = tonic::Request::new(PublishRequest {
        team: "acme".into(),
        topic: "orders".into(),
        event: Some(Event {
            r#type: "t".into(),
            ..Default::default()
        }),
    });
    request
        .metadata_mut()
        .insert("authorization", "Bearer root".parse().expect("header"));
    let started = Instant::now();
    let status = client.publish(request).await.expect_err("no broker");
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fails within the delivery timeout, took {:?}",
        started.elapsed()
    );

    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("stops")
        .expect("task")
        .expect("clean exit");
}
