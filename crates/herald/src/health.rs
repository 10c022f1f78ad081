//! `herald health URL`: the container healthcheck (the images have no shell or curl).

use std::time::Duration;

use anyhow::{Context, bail};

/// Fetches `url` and succeeds only on a 2xx answer within `timeout`.
pub fn run(url: &str, timeout: Duration) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("building the http client")?;
        let response = client
            .get(url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = response.status();
        if status.is_success() {
            println!("{status}");
            Ok(())
        } else {
            bail!("GET {url} answered {status}")
        }
    })
}
