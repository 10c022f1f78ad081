//! `herald dev`: every Herald service in one process, on one gRPC port and one HTTP port, on an
//! embedded in-memory Kafka unless `--kafka` names a cluster.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use herald_control::ControlConfig;
use herald_core::RetrySchedule;
use herald_core::names::internal::Deployment;
use herald_delivery::{DeliveryConfig, DeliveryDeps, GrpcControl, RetryConfig};
use herald_edge::{Edge, EdgeConfig};
use herald_ingest::{Ingest, IngestConfig};
use herald_kafka::{EmbeddedKafka, KafkaAdmin, KafkaConfig, TopicAdmin};
use herald_proto::v1::control_client::ControlClient;
use herald_proto::v1::{CreateApiKeyRequest, CreateTeamRequest, CreateTopicRequest, Scope};
use herald_runtime::prometheus_client::registry::Registry;
use herald_runtime::{
    Credential, Health, Secret, Shutdown, TelemetryConfig, init_telemetry, serve_admin,
    spawn_signal_handler,
};
use herald_watch::Bearer;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;

use crate::dev_keys::{self, DevKeys};

/// Arguments of `herald dev`.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// Use this Kafka cluster (host:port) instead of the embedded in-memory broker.
    #[arg(long, env = "HERALD_DEV_KAFKA")]
    kafka: Option<String>,
    /// A librdkafka property for every client, `KEY=VALUE` (repeatable): for example
    /// `security.protocol=SASL_SSL` for `--kafka`, or `group.protocol=classic` for a broker
    /// before Kafka 4.0.
    #[arg(long = "kafka-property", value_name = "KEY=VALUE", value_parser = kafka_property)]
    kafka_properties: Vec<(String, String)>,
    /// gRPC address: herald.v1.Control, herald.v1.Publisher, health, reflection.
    #[arg(long, default_value = "127.0.0.1:50051")]
    grpc: SocketAddr,
    /// HTTP address: publish (POST /v1/topics/…/events) and SSE streams (GET /v1/streams/…).
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// Admin address: /livez, /readyz, /metrics.
    #[arg(long, default_value = "127.0.0.1:9600")]
    admin: SocketAddr,
    /// Root key (at least 32 random characters, e.g. `openssl rand -hex 32`); a fresh one is
    /// generated and printed when unset.
    #[arg(long, env = "HERALD_ROOT_KEY", hide_env_values = true)]
    root_key: Option<Secret>,
    /// Log filter, e.g. `info` or `info,herald_delivery=debug`.
    #[arg(long, default_value = "info")]
    log: String,
    /// OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces.
    #[arg(long, env = "HERALD_TELEMETRY__OTLP_ENDPOINT")]
    otlp_endpoint: Option<String>,
    /// Retry delays of failed webhooks, comma-separated and non-decreasing (`<n>ms|s|m|h|d`);
    /// after the last one a task is dead-lettered. A short ladder such as `1s,2s` shows dead
    /// letters and replay within seconds. Default: the production ladder (about 3.5 days).
    #[arg(long, value_delimiter = ',', value_name = "DELAYS")]
    retry: Vec<String>,
    /// Refuse webhooks to private, loopback and link-local addresses, as the delivery service
    /// does by default; `herald dev` otherwise allows them so local receivers work.
    #[arg(long)]
    refuse_private_targets: bool,
    /// The deployment name: `herald`, or `herald-<name>` to share a `--kafka` cluster with
    /// another Herald (its internal topics and consumer groups are `<deployment>.*` and
    /// `<deployment>-*`, so neither touches the other's), with keys of its own.
    #[arg(long, env = "HERALD_DEPLOYMENT", default_value = "herald", value_parser = deployment)]
    deployment: Deployment,
}

/// A deployment name of `--deployment`.
fn deployment(text: &str) -> Result<Deployment, String> {
    Deployment::new(text).map_err(|e| e.to_string())
}

/// `KEY=VALUE` of `--kafka-property`.
fn kafka_property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

impl DevArgs {
    /// The retry ladder asked for, checked before anything starts.
    fn retry(&self) -> anyhow::Result<RetryConfig> {
        let mut retry = RetryConfig::default();
        if !self.retry.is_empty() {
            RetrySchedule::parse(self.retry.iter().map(String::as_str), retry.jitter)
                .context("--retry")?;
            retry.delays = self.retry.clone();
        }
        Ok(retry)
    }
}

/// Runs until Ctrl-C or SIGTERM.
pub fn run(args: DevArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: DevArgs) -> anyhow::Result<()> {
    let retry = args.retry()?;
    let telemetry = TelemetryConfig {
        log_filter: args.log.clone(),
        otlp_endpoint: args.otlp_endpoint.clone(),
        ..TelemetryConfig::default()
    };
    let _telemetry = init_telemetry("herald-dev", &telemetry)?;
    let shutdown = Shutdown::new(Duration::from_secs(10));
    spawn_signal_handler(shutdown.clone());
    let token = shutdown.token();

    // The embedded cluster must outlive every client, so it is dropped last.
    let (embedded, kafka, admin): (Option<EmbeddedKafka>, KafkaConfig, Arc<dyn TopicAdmin>) =
        match &args.kafka {
            Some(servers) => {
                let mut kafka = KafkaConfig::new(servers.clone());
                kafka
                    .properties
                    .extend(args.kafka_properties.iter().cloned());
                herald_kafka::ping(&kafka, Duration::from_secs(10))
                    .await
                    .with_context(|| format!("kafka at {servers} does not answer"))?;
                let admin = KafkaAdmin::new(&kafka, 1)?;
                (None, kafka, Arc::new(admin))
            }
            None => {
                let cluster = EmbeddedKafka::start().context("starting the embedded kafka")?;
                let mut kafka = cluster.config();
                kafka
                    .properties
                    .extend(args.kafka_properties.iter().cloned());
                let admin = cluster.admin()?;
                (Some(cluster), kafka, Arc::new(admin))
            }
        };
    let (keys, keys_file) = match &args.kafka {
        Some(servers) => {
            // Keys are per cluster and deployment; the default keeps the file it always had.
            let cluster = match args.deployment.as_str() {
                "herald" => servers.clone(),
                other => format!("{servers}#{other}"),
            };
            let (keys, file) = DevKeys::for_cluster(&dev_keys::state_dir()?, &cluster)?;
            (keys, Some(file))
        }
        None => (DevKeys::generate(), None),
    };

    // A root key given by the user may be reused outside dev, so it is held to the same bar.
    let root_key = match &args.root_key {
        Some(given) if !given.is_empty() => {
            Credential::new("root_key", given).check()?;
            given.clone()
        }
        _ => keys.root_key,
    };
    let internal_token = keys.internal_token;
    let master_key = keys.master_key;
    let grpc = TcpListener::bind(args.grpc)
        .await
        .with_context(|| format!("binding {}", args.grpc))?;
    let http = TcpListener::bind(args.http)
        .await
        .with_context(|| format!("binding {}", args.http))?;
    let admin_listener = TcpListener::bind(args.admin)
        .await
        .with_context(|| format!("binding {}", args.admin))?;
    let grpc_addr = grpc.local_addr()?;
    let grpc_url = format!("http://{grpc_addr}");

    let mut registry = Registry::default();
    let control_config = ControlConfig {
        kafka: kafka.clone(),
        deployment: args.deployment.clone(),
        root_key: root_key.clone(),
        internal_token: internal_token.clone(),
        master_key,
        allow_private_targets: !args.refuse_private_targets,
        ..ControlConfig::default()
    };
    let control =
        herald_control::build(&control_config, admin.clone(), &mut registry, token.clone())?;
    if !control.wait_ready(Duration::from_secs(60)).await {
        bail!("the control plane did not load its state from kafka within 60s");
    }
    let view = control.config_handle();
    let control_router = control.router();

    let ingest_config = IngestConfig {
        kafka: kafka.clone(),
        deployment: args.deployment.clone(),
        root_key: root_key.clone(),
        reply_secret: keys.reply_secret,
        // The catalog's schema documents are served on the one HTTP port.
        schema_base_url: format!("http://{}", http.local_addr()?),
        ..IngestConfig::default()
    };
    // Request-reply works out of the box: its topic, kept for `reply_ttl`.
    admin
        .ensure_topic(&herald_ingest::replies_topic(&ingest_config))
        .await
        .context("creating the replies topic")?;
    admin
        .ensure_topic(&herald_ingest::idempotency_topic(&ingest_config))
        .await
        .context("creating the idempotency log")?;
    let ingest = Ingest::new(&ingest_config, view.clone(), &mut registry)?;
    let edge_config = EdgeConfig {
        kafka: kafka.clone(),
        deployment: args.deployment.clone(),
        root_key: root_key.clone(),
        internal_token: internal_token.clone(),
        token_secret: keys.token_secret,
        ..EdgeConfig::default()
    };
    let edge = Arc::new(Edge::new(
        &edge_config,
        view.clone(),
        &mut registry,
        token.clone(),
    ));

    let (grpc_router, health_reporter) = herald_runtime::grpc_server(
        herald_proto::FILE_DESCRIPTOR_SET,
        &["herald.v1.Control", "herald.v1.Publisher"],
    )?;
    health_reporter
        .set_serving::<herald_proto::v1::control_server::ControlServer<herald_control::ControlService>>()
        .await;
    let grpc_token = token.clone();
    let grpc_task = tokio::spawn(
        grpc_router
            .add_service(control.service)
            .add_service(ingest.grpc_service())
            .serve_with_incoming_shutdown(TcpListenerStream::new(grpc), async move {
                grpc_token.cancelled().await
            }),
    );

    // Delivery disables subscriptions (410 Gone) through the control plane's own gRPC API.
    let delivery_config = DeliveryConfig {
        kafka: kafka.clone(),
        control_endpoint: grpc_url.clone(),
        internal_token: internal_token.clone(),
        allow_private_targets: !args.refuse_private_targets,
        retry,
        deployment: args.deployment.clone(),
        ..DeliveryConfig::default()
    };
    let health = Health::default();
    let delivery = herald_delivery::start(
        &delivery_config,
        DeliveryDeps {
            view: view.clone(),
            admin: admin.clone(),
            control: Arc::new(GrpcControl::new(&grpc_url, internal_token.expose())?),
        },
        &mut registry,
        health.clone(),
        token.clone(),
    )
    .await?;

    // One document for the one port: every route of control, ingest and edge.
    let mut doc = herald_control::openapi();
    doc.merge(herald_ingest::openapi());
    doc.merge(herald_edge::openapi());
    let doc = herald_runtime::openapi::document(doc, "Herald (herald dev)");
    let router = ingest
        .router()
        .merge(edge.router())
        .merge(control_router)
        .merge(herald_runtime::openapi::router(doc))
        // Same origin as the API, publishing and streams: empty edge and ingest URLs.
        .merge(herald_console::router(
            herald_console::ConsoleConfig::default(),
        ))
        .fallback(herald_runtime::route_not_found)
        .method_not_allowed_fallback(herald_runtime::method_not_allowed);
    let http_addr = http.local_addr()?;
    // The edge's server: stream requests take its lean HTTP/1 path, the rest goes to hyper.
    let http_task = tokio::spawn({
        let edge = edge.clone();
        let token = token.clone();
        async move { edge.serve(http, router, token).await }
    });
    let admin_addr = admin_listener.local_addr()?;
    let admin_task = tokio::spawn(serve_admin(
        admin_listener,
        health,
        Arc::new(registry),
        token.clone(),
    ));

    // Team topics are named by team on the whole cluster, so another deployment's demo team
    // has a name of its own: `herald-alice` gets `demo-alice`.
    let demo_team = match args.deployment.as_str().strip_prefix("herald-") {
        Some(name) => format!("demo-{name}"),
        None => "demo".to_owned(),
    };
    let demo_key = create_demo(&grpc_url, root_key.expose(), &demo_team).await?;
    print_banner(&Banner {
        kafka: embedded
            .as_ref()
            .map(|e| {
                format!(
                    "{} (embedded, in memory: everything is lost on exit)",
                    e.bootstrap_servers()
                )
            })
            .unwrap_or_else(|| match &keys_file {
                Some(file) => format!(
                    "{} (keys kept in {})",
                    kafka.bootstrap_servers,
                    file.display()
                ),
                None => kafka.bootstrap_servers.clone(),
            }),
        grpc: grpc_url,
        http: format!("http://{http_addr}"),
        admin: format!("http://{admin_addr}"),
        root_key: root_key.expose().to_owned(),
        demo_team,
        demo_key,
    });

    shutdown.cancelled().await;
    eprintln!("herald dev: shutting down");
    herald_runtime::drain(&shutdown, "herald dev services", async {
        if let Err(error) = delivery.wait().await {
            tracing::warn!(%error, "delivery worker stopped with an error");
        }
        edge.stopped().await;
        let _ = grpc_task.await;
        let _ = http_task.await;
        let _ = admin_task.await;
        if let Err(error) = ingest.flush(Duration::from_secs(5)).await {
            tracing::warn!(%error, "flushing the ingest producer failed");
        }
    })
    .await;
    drop(embedded);
    Ok(())
}

/// Creates team `team`, its topic `events` and a publish+subscribe key (idempotent for an
/// external cluster that already has them); returns the key.
async fn create_demo(grpc_url: &str, root_key: &str, team: &str) -> anyhow::Result<String> {
    let channel = tonic::transport::Endpoint::from_shared(grpc_url.to_owned())?
        .connect()
        .await
        .context("connecting to the in-process control plane")?;
    let mut client = ControlClient::with_interceptor(channel, Bearer::new(root_key)?);
    let exists = |s: &tonic::Status| s.code() == tonic::Code::AlreadyExists;
    if let Err(s) = client
        .create_team(CreateTeamRequest {
            name: team.into(),
            display_name: "Demo team".into(),
        })
        .await
        && !exists(&s)
    {
        bail!("creating the demo team: {}", s.message());
    }
    if let Err(s) = client
        .create_topic(CreateTopicRequest {
            team: team.into(),
            name: "events".into(),
            partitions: 3,
            retention_ms: 0,
            ..Default::default()
        })
        .await
        && !exists(&s)
    {
        bail!("creating the demo topic: {}", s.message());
    }
    let key = client
        .create_api_key(CreateApiKeyRequest {
            team: team.into(),
            name: "herald-dev".into(),
            scopes: vec![
                Scope::Admin as i32,
                Scope::Publish as i32,
                Scope::Subscribe as i32,
            ],
            topics: vec![],
        })
        .await
        .map_err(|s| anyhow::anyhow!("creating the demo key: {}", s.message()))?
        .into_inner();
    Ok(key.secret)
}

struct Banner {
    kafka: String,
    grpc: String,
    http: String,
    admin: String,
    root_key: String,
    demo_team: String,
    demo_key: String,
}

fn print_banner(b: &Banner) {
    println!(
        "herald dev is running. Ctrl-C stops it.

  kafka   {kafka}
  grpc    {grpc}   herald.v1.Control, herald.v1.Publisher, grpc.health.v1, reflection
  http    {http}   POST /v1/topics/{{team}}/{{topic}}/events, GET /v1/streams/{{team}}/{{topic}}, /v1/teams/..., /v1/openapi.json
  console {http}/console/   the web console: sign in with the root key or the demo key
  admin   {admin}   /livez /readyz /metrics
  team    {team}, topic events (Kafka topic {team}.events)

Copy these into another shell to follow the README walkthrough:

export HERALD_SERVER={grpc}
export HERALD_HTTP={http}
export HERALD_ROOT_KEY={root}
export HERALD_KEY={demo}
export HERALD_TEAM={team}
",
        kafka = b.kafka,
        grpc = b.grpc,
        http = b.http,
        admin = b.admin,
        root = b.root_key,
        demo = b.demo_key,
        team = b.demo_team,
    );
}

#[cfg(test)]
mod tests {
    use super::kafka_property;

    #[test]
    fn kafka_properties_are_key_equals_value() {
        assert_eq!(
            kafka_property("group.protocol = classic"),
            Ok(("group.protocol".into(), "classic".into()))
        );
        assert_eq!(
            kafka_property("sasl.password=a=b"),
            Ok(("sasl.password".into(), "a=b".into()))
        );
        assert!(kafka_property("novalue").is_err());
        assert!(kafka_property("=x").is_err());
    }
}
