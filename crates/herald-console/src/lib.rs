//! Herald's web console: plain HTML, CSS and JavaScript modules compiled into the binary and
//! served under `/console/`. The browser code talks to the REST API with the operator's key;
//! this crate only serves the files, `/console/config.json` (where the edge and ingest are) and
//! the security headers, above all a `Content-Security-Policy` without inline script.

mod config;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub use config::ConsoleConfig;

/// The `[console]` section's source, for the settings reference of the service that embeds it.
pub const CONFIG_SOURCE: &str = include_str!("config.rs");

/// Where the console is served.
pub const PATH: &str = "/console/";

/// A bad console setting.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// `edge_url` or `ingest_url` is not an http(s) origin.
    #[error(
        "console.{key} is not a usable URL ({reason}): write an origin such as https://stream.example.com, or leave it empty for the console's own origin"
    )]
    Url {
        /// The setting.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("../assets/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("ui.js", JS),
    asset!("chart.js", JS),
    asset!("pages/admin.js", JS),
    asset!("pages/subscriptions.js", JS),
    asset!("pages/tools.js", JS),
];

struct Console {
    config_json: Vec<u8>,
    csp: HeaderValue,
    etags: Vec<HeaderValue>,
}

/// The console's routes: `/console` (redirect), `/console/`, `/console/config.json` and the
/// assets. Check the configuration first with [`ConsoleConfig::validate`]; a URL it refuses is
/// left out of `connect-src`.
pub fn router(config: ConsoleConfig) -> Router {
    let mut connect = vec!["'self'".to_owned()];
    connect.extend(config.origins());
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        connect.join(" ")
    );
    let trim = |s: &str| s.trim().trim_end_matches('/').to_owned();
    let config_json = serde_json::to_vec(&serde_json::json!({
        "edge_url": trim(&config.edge_url),
        "ingest_url": trim(&config.ingest_url),
    }))
    .unwrap_or_default();
    let console = Arc::new(Console {
        config_json,
        // Origins are ASCII serializations, so the value is always a valid header.
        csp: HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'none'")),
        etags: ASSETS.iter().map(|a| etag(a.body)).collect(),
    });
    Router::new()
        .route("/console", get(|| async { Redirect::permanent(PATH) }))
        .route("/console/", get(index))
        .route("/console/{*path}", get(asset))
        .with_state(console)
}

/// A strong validator for `If-None-Match`: FNV-1a over the body.
fn etag(body: &[u8]) -> HeaderValue {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    HeaderValue::from_str(&format!("\"{hash:016x}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

async fn index(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    serve(&console, "index.html", &headers)
}

async fn asset(
    State(console): State<Arc<Console>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve(&console, &path, &headers)
}

fn serve(console: &Console, name: &str, request: &HeaderMap) -> Response {
    let mut response = if name == "config.json" {
        (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            console.config_json.clone(),
        )
            .into_response()
    } else if let Some(i) = ASSETS.iter().position(|a| a.name == name) {
        let asset = &ASSETS[i];
        let tag = &console.etags[i];
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim().as_bytes() == tag.as_bytes()));
        // Not fingerprinted, so every use revalidates; an unchanged file costs a 304.
        let headers = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::ETAG, tag.clone()),
        ];
        if fresh {
            (StatusCode::NOT_MODIFIED, headers).into_response()
        } else {
            (headers, asset.body).into_response()
        }
    } else {
        let body = serde_json::json!({
            "code": "not_found",
            "message": format!("the console has no file {name}"),
        });
        (
            StatusCode::NOT_FOUND,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, console.csp.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn get(router: &Router, uri: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = Request::get(uri);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    async fn text(response: Response) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn header<'a>(response: &'a Response, name: &str) -> &'a str {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    #[tokio::test]
    async fn serves_index_and_assets_with_their_types_and_headers() {
        let router = router(ConsoleConfig::default());
        for (uri, ty) in [
            ("/console/", "text/html; charset=utf-8"),
            ("/console/index.html", "text/html; charset=utf-8"),
            ("/console/app.js", "text/javascript; charset=utf-8"),
            (
                "/console/pages/subscriptions.js",
                "text/javascript; charset=utf-8",
            ),
            ("/console/style.css", "text/css; charset=utf-8"),
            ("/console/favicon.svg", "image/svg+xml"),
        ] {
            let response = get(&router, uri, &[]).await;
            assert_eq!(response.status(), StatusCode::OK, "{uri}");
            assert_eq!(header(&response, "content-type"), ty, "{uri}");
            assert_eq!(header(&response, "x-content-type-options"), "nosniff");
            assert_eq!(header(&response, "cache-control"), "no-cache");
            let csp = header(&response, "content-security-policy");
            assert!(csp.contains("script-src 'self';"), "{csp}");
            assert!(!csp.contains("unsafe-inline"), "{csp}");
            assert!(!text(response).await.is_empty(), "{uri}");
        }
    }

    #[tokio::test]
    async fn index_loads_only_external_scripts() {
        let html = text(get(&router(ConsoleConfig::default()), "/console/", &[]).await).await;
        assert!(html.contains("<html lang=\"en\""));
        assert!(html.contains("<script type=\"module\" src=\"app.js\"></script>"));
        assert!(!html.contains("<script>"), "no inline script");
        assert!(!html.contains("style=\""), "no inline style");
    }

    #[tokio::test]
    async fn redirects_the_bare_path() {
        let response = get(&router(ConsoleConfig::default()), "/console", &[]).await;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(header(&response, "location"), "/console/");
    }

    #[tokio::test]
    async fn unknown_assets_are_404_with_an_error_body() {
        let router = router(ConsoleConfig::default());
        for uri in [
            "/console/nope.js",
            "/console/../Cargo.toml",
            "/console/pages/",
        ] {
            let response = get(&router, uri, &[]).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
            assert_eq!(header(&response, "content-type"), "application/json");
            assert_eq!(header(&response, "x-content-type-options"), "nosniff");
            let body: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
            assert_eq!(body["code"], "not_found");
        }
    }

    #[tokio::test]
    async fn config_json_names_the_edge_and_ingest_and_csp_allows_them() {
        let router = router(ConsoleConfig {
            edge_url: "https://stream.example.com/".into(),
            ingest_url: "https://ingest.example.com:8443".into(),
        });
        let response = get(&router, "/console/config.json", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "content-type"), "application/json");
        assert_eq!(header(&response, "cache-control"), "no-store");
        let csp = header(&response, "content-security-policy").to_owned();
        assert!(
            csp.contains(
                "connect-src 'self' https://stream.example.com https://ingest.example.com:8443;"
            ),
            "{csp}"
        );
        let body: serde_json::Value = serde_json::from_str(&text(response).await).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "edge_url": "https://stream.example.com",
                "ingest_url": "https://ingest.example.com:8443",
            })
        );
        let same = get(
            &super::router(ConsoleConfig::default()),
            "/console/config.json",
            &[],
        )
        .await;
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text(same).await).unwrap(),
            serde_json::json!({"edge_url": "", "ingest_url": ""})
        );
    }

    /// Every module a script imports and every file the page links is embedded, so the browser
    /// never meets a 404 for a piece of the console.
    #[test]
    fn every_referenced_file_is_embedded() {
        let names: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        let mut checked = 0;
        for asset in ASSETS {
            let text = std::str::from_utf8(asset.body).unwrap();
            let dir = asset.name.rsplit_once('/').map_or("", |(d, _)| d);
            let mut refs = Vec::new();
            for marker in [" from \"", "src=\"", "href=\""] {
                for piece in text.split(marker).skip(1) {
                    let target = piece.split('"').next().unwrap();
                    if target.ends_with(".js")
                        || target.ends_with(".css")
                        || target.ends_with(".svg")
                    {
                        refs.push(target.to_owned());
                    }
                }
            }
            for target in refs {
                let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
                for part in target.trim_start_matches("./").split('/') {
                    match part {
                        ".." => {
                            parts.pop();
                        }
                        "." => {}
                        p => parts.push(p),
                    }
                }
                let resolved = parts.join("/");
                assert!(
                    names.contains(&resolved.as_str()),
                    "{} refers to {target} ({resolved}), which is not embedded",
                    asset.name
                );
                checked += 1;
            }
        }
        assert!(checked >= 15, "only {checked} references found");
    }

    #[tokio::test]
    async fn an_unchanged_asset_revalidates_to_304() {
        let router = router(ConsoleConfig::default());
        let first = get(&router, "/console/app.js", &[]).await;
        let tag = header(&first, "etag").to_owned();
        assert!(tag.starts_with('"'));
        let again = get(&router, "/console/app.js", &[("if-none-match", &tag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let other = get(&router, "/console/app.js", &[("if-none-match", "\"x\"")]).await;
        assert_eq!(other.status(), StatusCode::OK);
    }
}
