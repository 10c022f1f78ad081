//! A client for the control plane's HTTP/JSON API that checks Herald's error body on every
//! error answer, so each test asserts the `{"code", "message"}` contract as a side effect.

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// One answer: status, `Location` (if any) and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Location` header.
    pub location: Option<String>,
    /// The body, parsed.
    pub body: Value,
}

impl Answer {
    /// The error's machine code; panics unless this is an error answer.
    pub fn code(&self) -> &str {
        assert!(!self.status.is_success(), "not an error: {self:?}");
        self.body["code"].as_str().expect("a code")
    }

    /// The error's message.
    pub fn message(&self) -> &str {
        self.body["message"].as_str().expect("a message")
    }
}

/// The HTTP API at `base` (`http://127.0.0.1:<port>`).
#[derive(Debug, Clone)]
pub struct Rest {
    base: String,
    http: reqwest::Client,
}

impl Rest {
    /// A client of the API at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Sends `method path` with `key` as bearer (None = no credentials) and `body` as JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        self.answer(req).await
    }

    /// Sends `method path` with a raw body and content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        key: &str,
        content_type: &str,
        body: &'static str,
    ) -> Answer {
        let req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("content-type", content_type)
            .body(body);
        self.answer(req).await
    }

    async fn answer(&self, req: reqwest::RequestBuilder) -> Answer {
        let res = req.send().await.expect("http request");
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"))
        };
        assert!(status.as_u16() < 500, "server error {status}: {text}");
        if !status.is_success() {
            assert_eq!(content_type.as_deref(), Some("application/json"), "{text}");
            let obj = body.as_object().expect("error body is an object");
            let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["code", "message"], "{text}");
            assert!(
                obj["code"].is_string() && obj["message"].is_string(),
                "{text}"
            );
        }
        Answer {
            status,
            location,
            body,
        }
    }
}
