//! Configuration of the console: where a browser reaches the edge and ingest.

use serde::{Deserialize, Serialize};

use crate::ConsoleError;

/// Where the console's browser code sends stream and publish requests (`[console]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsoleConfig {
    /// Base URL of the SSE edge as browsers reach it, e.g. `https://stream.example.com`; empty = the console's own origin.
    pub edge_url: String,
    /// Base URL of ingest's HTTP API as browsers reach it, e.g. `https://ingest.example.com`; empty = the console's own origin.
    pub ingest_url: String,
}

impl ConsoleConfig {
    /// Checks that each URL is empty or an `http`/`https` origin (a path is allowed, credentials,
    /// a query or a fragment are not).
    pub fn validate(&self) -> Result<(), ConsoleError> {
        for (key, value) in [
            ("edge_url", &self.edge_url),
            ("ingest_url", &self.ingest_url),
        ] {
            origin(key, value)?;
        }
        Ok(())
    }

    /// The origins the browser code connects to besides its own, for `connect-src`.
    pub(crate) fn origins(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (key, value) in [
            ("edge_url", &self.edge_url),
            ("ingest_url", &self.ingest_url),
        ] {
            if let Ok(Some(origin)) = origin(key, value)
                && !out.contains(&origin)
            {
                out.push(origin);
            }
        }
        out
    }
}

/// The ASCII origin of `value`, `None` when it is empty (same origin).
fn origin(key: &'static str, value: &str) -> Result<Option<String>, ConsoleError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let bad = |reason: &str| ConsoleError::Url {
        key,
        reason: reason.to_owned(),
    };
    let url = url::Url::parse(value).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("use an http:// or https:// URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("leave credentials out of the URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("leave the query and fragment out of the URL"));
    }
    if url.host_str().is_none() {
        return Err(bad("name a host"));
    }
    Ok(Some(url.origin().ascii_serialization()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_means_same_origin() {
        let config = ConsoleConfig::default();
        assert!(config.validate().is_ok());
        assert!(config.origins().is_empty());
    }

    #[test]
    fn origins_are_deduplicated_and_path_free() {
        let config = ConsoleConfig {
            edge_url: "https://stream.example.com/base/".into(),
            ingest_url: "https://stream.example.com".into(),
        };
        assert!(config.validate().is_ok());
        assert_eq!(config.origins(), vec!["https://stream.example.com"]);
    }

    #[test]
    fn bad_urls_name_the_key() {
        for (edge, why) in [
            ("stream.example.com", "relative"),
            ("ftp://x.example", "scheme"),
            ("https://u:p@x.example", "credentials"),
            ("https://x.example/?a=1", "query"),
        ] {
            let config = ConsoleConfig {
                edge_url: edge.into(),
                ..ConsoleConfig::default()
            };
            let error = config.validate().expect_err(why).to_string();
            assert!(error.contains("edge_url"), "{why}: {error}");
        }
    }
}
