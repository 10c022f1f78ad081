use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use herald_core::ErrorClass;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    Credential, CredentialError, Failure, Loaded, Renamed, Shutdown, TelemetryConfig,
    init_telemetry, load_config, render_config, spawn_signal_handler,
};

/// Implemented by each service's configuration so the shared `main` can find its settings.
///
/// `Debug` must keep secrets out: implement it with [`fmt_config`](crate::fmt_config).
pub trait ServiceConfig: DeserializeOwned + Serialize + Default + std::fmt::Debug {
    /// Source of the module(s) declaring the config structs (`include_str!("config.rs")`); their
    /// doc comments are the settings reference of `--help`.
    const CONFIG_SOURCES: &'static [&'static str];
    /// Name of the top-level config struct in [`Self::CONFIG_SOURCES`].
    const CONFIG_STRUCT: &'static str;
    /// Logging and tracing settings.
    fn telemetry(&self) -> &TelemetryConfig;
    /// Every credential of the configuration, set or not; a set one must be strong to start.
    fn credentials(&self) -> Vec<Credential<'_>>;
    /// How long in-flight work may take to drain after SIGTERM (the `shutdown_grace` setting).
    fn shutdown_grace(&self) -> Duration;
    /// Keys renamed in this release, still read under their old names with a warning.
    const RENAMED: &'static [Renamed] = &[];
}

/// The command line every service binary shares.
#[derive(Debug, Parser)]
pub struct ServiceArgs {
    /// TOML configuration file; `HERALD_*` environment variables override it (nested keys with
    /// `__`, e.g. `HERALD_KAFKA__BOOTSTRAP_SERVERS`).
    #[arg(long, env = "HERALD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print the effective configuration (defaults + file + environment) as TOML and exit;
    /// credentials show as `<redacted>` when set.
    #[arg(long)]
    pub print_config: bool,
}

/// Refuses the first weak credential of `config` (see [`Credential::check`]); `service_main`
/// runs it before starting, `herald dev` generates its own.
pub fn check_credentials<C: ServiceConfig>(config: &C) -> Result<(), CredentialError> {
    config.credentials().iter().try_for_each(Credential::check)
}

/// The whole `main` of a service: parse arguments, load config, refuse weak credentials, start
/// telemetry and the signal handler, run `serve` on a multi-threaded runtime, and map its
/// outcome to an exit code: 0 stopped, 2 a configuration or other permanent error (starting
/// again will fail again), 1 an error a restart may cure.
pub fn service_main<C, F, Fut>(name: &'static str, args: ServiceArgs, serve: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C, Shutdown) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let Loaded {
        config,
        deprecations,
    } = match load_config::<C>(args.config.as_deref(), C::RENAMED) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::from(2);
        }
    };
    if args.print_config {
        for deprecation in &deprecations {
            eprintln!("{name}: warning: {deprecation}");
        }
        return match render_config(&config) {
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
    if let Err(error) = check_credentials(&config) {
        eprintln!("{name}: {error}");
        return ExitCode::from(2);
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
        for deprecation in &deprecations {
            tracing::warn!(service = name, "{deprecation}");
        }
        let shutdown = Shutdown::new(config.shutdown_grace());
        spawn_signal_handler(shutdown.clone());
        match serve(config, shutdown).await {
            Ok(()) => {
                tracing::info!(service = name, "stopped");
                ExitCode::SUCCESS
            }
            Err(failure) => {
                tracing::error!(
                    service = name,
                    error = %failure,
                    retryable = failure.class() == ErrorClass::Retryable,
                    "failed"
                );
                ExitCode::from(failure.exit_code())
            }
        }
    })
}
