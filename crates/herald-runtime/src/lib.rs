//! What every Herald service shares: layered config with credentials kept secret and checked,
//! tracing and OpenTelemetry, shutdown on signals with a grace period, and the admin HTTP server
//! (`/livez`, `/readyz`, `/metrics`).

mod admin;
mod config;
pub mod duration;
mod http_error;
pub mod openapi;
mod secret;
mod serve;
mod service;
mod settings;
mod shutdown;
pub mod ssrf;
mod telemetry;
pub mod trace;

pub use admin::{Health, serve_admin};
pub use config::{
    ConfigError, Loaded, Renamed, RenderError, fmt_config, load_config, render_config,
};
pub use http_error::{ErrorBody, error_code, error_response, method_not_allowed, route_not_found};
pub use prometheus_client;
pub use secret::{Credential, CredentialError, REDACTED, Secret};
pub use serve::{BindError, Failure, ReflectionError, bind, drain, grpc_server};
pub use service::{ServiceArgs, ServiceConfig, check_credentials, service_main};
pub use settings::{
    assert_credentials_guarded, assert_settings_documented, parse_service_args, settings_help,
    undocumented_settings,
};
pub use shutdown::{Shutdown, spawn_signal_handler};
pub use telemetry::{Telemetry, TelemetryConfig, TelemetryError, init_telemetry};
pub use tonic_health::server::HealthReporter;
