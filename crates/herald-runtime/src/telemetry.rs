use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Logging and tracing settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TelemetryConfig {
    /// `tracing` filter directives, e.g. `info,herald_delivery=debug`.
    pub log_filter: String,
    /// `text` or `json`.
    pub log_format: String,
    /// `tracing` filter for the spans exported over OTLP, independent of `log_filter`, so quiet
    /// logs (e.g. `warn`) still export whole traces.
    pub trace_filter: String,
    /// OTLP/HTTP traces endpoint (e.g. `http://collector:4318/v1/traces`); none = no export.
    pub otlp_endpoint: Option<String>,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            log_filter: "info".to_owned(),
            log_format: "text".to_owned(),
            trace_filter: "info".to_owned(),
            otlp_endpoint: None,
        }
    }
}

/// Telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// Bad filter directives in `log_filter` or `trace_filter`.
    #[error("invalid {0}: {1}")]
    Filter(&'static str, tracing_subscriber::filter::ParseError),
    /// Unknown log format.
    #[error("log_format must be \"text\" or \"json\", not {0:?}")]
    Format(String),
    /// The OTLP exporter could not be built.
    #[error("otlp exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// Keeps the trace pipeline alive; dropping it flushes pending spans.
#[derive(Debug)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take()
            && let Err(error) = p.shutdown()
        {
            eprintln!("trace export shutdown failed: {error}");
        }
    }
}

/// Installs the global subscriber (logs to stderr, spans to OTLP when configured) and the W3C
/// trace-context propagator. A second call in one process (tests, `herald dev`) keeps the first
/// subscriber.
pub fn init_telemetry(
    service: &str,
    config: &TelemetryConfig,
) -> Result<Telemetry, TelemetryError> {
    let log_filter = EnvFilter::try_new(&config.log_filter)
        .map_err(|e| TelemetryError::Filter("log_filter", e))?;
    let trace_filter = EnvFilter::try_new(&config.trace_filter)
        .map_err(|e| TelemetryError::Filter("trace_filter", e))?;
    let json = match config.log_format.as_str() {
        "json" => true,
        "text" => false,
        other => return Err(TelemetryError::Format(other.to_owned())),
    };
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = match &config.otlp_endpoint {
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(endpoint)
                .build()?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(
                    Resource::builder()
                        .with_service_name(service.to_owned())
                        .build(),
                )
                .build();
            opentelemetry::global::set_tracer_provider(provider.clone());
            Some(provider)
        }
        None => None,
    };
    let otel = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer(service.to_owned()))
            .with_filter(trace_filter)
    });
    let otel_installed = otel.is_some();
    let logs = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .boxed()
    };
    let installed = tracing_subscriber::registry()
        .with(logs.with_filter(log_filter))
        .with(otel)
        .try_init()
        .is_ok();
    // Only when our OpenTelemetry layer is the process's subscriber do spans reach the exporter.
    if installed && otel_installed {
        crate::trace::set_exporting();
    }
    Ok(Telemetry { provider })
}
