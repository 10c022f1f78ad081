use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Shutdown, TelemetryConfig, init_telemetry, load_config, spawn_signal_handler};

/// Implemented by each service's configuration so the shared `main` can find its settings.
pub trait ServiceConfig: DeserializeOwned + Serialize + Default {
    /// Source of the module(s) declaring the config structs (`include_str!("config.rs")`); their
    /// doc comments are the settings reference of `--help`.
    const CONFIG_SOURCES: &'static [&'static str];
    /// Name of the top-level config struct in [`Self::CONFIG_SOURCES`].
    const CONFIG_STRUCT: &'static str;
    /// Logging and tracing settings.
    fn telemetry(&self) -> &TelemetryConfig;
    /// How long in-flight work may take to drain after SIGTERM.
    fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(30)
    }
}

/// The command line every service binary shares.
#[derive(Debug, Parser)]
pub struct ServiceArgs {
    /// TOML configuration file; `HERALD_*` environment variables override it (nested keys with
    /// `__`, e.g. `HERALD_KAFKA__BOOTSTRAP_SERVERS`).
    #[arg(long, env = "HERALD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print the effective configuration (defaults + file + environment) as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
}

/// The whole `main` of a service: parse arguments, load config, start telemetry and the signal
/// handler, run `serve` on a multi-threaded runtime, and map its outcome to an exit code.
pub fn service_main<C, F, Fut>(name: &'static str, args: ServiceArgs, serve: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C, Shutdown) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config: C = match load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::from(2);
        }
    };
    if args.print_config {
        return match toml::to_string_pretty(&config) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{name}: cannot print config: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("{name}: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let _telemetry = match init_telemetry(name, config.telemetry()) {
            Ok(t) => t,
            Err(error) => {
                eprintln!("{name}: {error}");
                return ExitCode::from(2);
            }
        };
        let shutdown = Shutdown::new(config.shutdown_grace());
        spawn_signal_handler(shutdown.clone());
        match serve(config, shutdown).await {
            Ok(()) => {
                tracing::info!(service = name, "stopped");
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(service = name, error = format!("{error:#}"), "failed");
                ExitCode::FAILURE
            }
        }
    })
}
