//! Validation of subscription settings. Everything here answers with a message a user can act on.

use std::collections::HashMap;

/// Longest accepted endpoint URL.
const MAX_URL_LEN: usize = 2048;
/// Most custom headers on one subscription.
const MAX_HEADERS: usize = 32;
/// Most event-type filters on one subscription.
const MAX_EVENT_TYPES: usize = 64;
/// Highest accepted rate limit (deliveries per second).
pub const MAX_RATE_LIMIT: u32 = 100_000;
/// Highest accepted in-flight limit.
pub const MAX_IN_FLIGHT: u32 = 10_000;

/// Headers a subscription may not set: connection management belongs to the HTTP client, and
/// the signature headers to Herald.
const RESERVED_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-type",
];

/// An endpoint URL: absolute http(s) with a host, no credentials or fragment. Whether the
/// address may be connected to (SSRF) is checked by delivery on the resolved address.
pub fn url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("url is required".into());
    }
    if text.len() > MAX_URL_LEN {
        return Err(format!(
            "url is {} characters, the limit is {MAX_URL_LEN}",
            text.len()
        ));
    }
    let parsed = url::Url::parse(text)
        .map_err(|e| format!("url {text:?} is not a valid absolute URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "url scheme must be http or https, not {:?}",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("url {text:?} has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("url must not carry credentials; use custom headers instead".into());
    }
    if parsed.fragment().is_some() {
        return Err("url must not have a #fragment".into());
    }
    Ok(parsed.to_string())
}

/// A payload filter expression: parsed to refuse an invalid one; blank = none.
pub fn filter(expr: &str) -> Result<String, String> {
    let expr = expr.trim();
    if expr.is_empty() {
        return Ok(String::new());
    }
    herald_core::Filter::parse(expr).map_err(|e| e.to_string())?;
    Ok(expr.to_owned())
}

/// Event-type filters: exact types or prefixes written `prefix.*` (a lone `*` means all).
pub fn event_types(types: &[String]) -> Result<Vec<String>, String> {
    if types.len() > MAX_EVENT_TYPES {
        return Err(format!(
            "at most {MAX_EVENT_TYPES} event types, got {}",
            types.len()
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(types.len());
    for t in types {
        let t = t.trim();
        if t == "*" {
            // Matches everything: same as no filter.
            return Ok(Vec::new());
        }
        let body = t.strip_suffix(".*").unwrap_or(t);
        if body.is_empty() || body.len() > 256 {
            return Err(format!("event type {t:?} must be 1 to 256 characters"));
        }
        if let Some(c) = body
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/')))
        {
            return Err(format!(
                "event type {t:?} contains {c:?}; use letters, digits and . _ - : /, with an optional trailing .* for a prefix"
            ));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    Ok(out)
}

/// Custom headers: valid tokens and values, not hop-by-hop, not `webhook-*`.
pub fn headers(headers: &HashMap<String, String>) -> Result<HashMap<String, String>, String> {
    if headers.len() > MAX_HEADERS {
        return Err(format!(
            "at most {MAX_HEADERS} custom headers, got {}",
            headers.len()
        ));
    }
    let mut out = HashMap::with_capacity(headers.len());
    for (name, value) in headers {
        let lower = name.trim().to_ascii_lowercase();
        if lower.is_empty() || http_name_invalid(&lower) {
            return Err(format!(
                "header name {name:?} is not a valid HTTP header name"
            ));
        }
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(format!(
                "header {name:?} is managed by Herald's HTTP client and cannot be set"
            ));
        }
        if lower.starts_with("webhook-") {
            return Err(format!(
                "header {name:?} is reserved for the Standard Webhooks signature"
            ));
        }
        if value.len() > 4096 || value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
            return Err(format!(
                "header {name:?} has an invalid value (control characters or over 4096 bytes)"
            ));
        }
        if out.insert(lower, value.clone()).is_some() {
            return Err(format!("header {name:?} is given twice"));
        }
    }
    Ok(out)
}

fn http_name_invalid(name: &str) -> bool {
    name.len() > 256
        || name
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)))
}

/// Longest subscription description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A caller-supplied signing secret: `whsec_` and the base64 of 24 to 64 bytes, as Standard
/// Webhooks defines it, so every receiver library accepts it.
pub fn signing_secret(text: &str) -> Result<String, String> {
    let text = text.trim();
    if !text.starts_with(herald_core::signing::SECRET_PREFIX) {
        return Err(
            "secret must start with whsec_ followed by the base64 of 24 to 64 random bytes, or be left out for Herald to generate one".into(),
        );
    }
    herald_core::signing::Secret::parse(text)
        .map(|s| s.expose())
        .map_err(|e| {
            format!("secret: {e}; use whsec_ followed by the base64 of 24 to 64 random bytes")
        })
}

/// A subscription description: free text of bounded length, without control characters.
pub fn description(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "description is longer than {MAX_DESCRIPTION_CHARS} characters"
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err("description must not contain control characters other than newlines".into());
    }
    Ok(text.to_owned())
}

/// How a subscription delivers: `ordering`, `on_dead_letter` and `content_mode`, each given
/// as a name or empty for its default; returns the three canonical names.
pub fn delivery_mode(
    ordering: &str,
    on_dead_letter: &str,
    content_mode: &str,
) -> Result<(String, String, String), String> {
    fn one(field: &str, value: &str, allowed: [&str; 2]) -> Result<String, String> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(allowed[0].to_owned());
        }
        allowed
            .iter()
            .find(|a| value.eq_ignore_ascii_case(a))
            .map(|a| (*a).to_owned())
            .ok_or_else(|| {
                format!(
                    "{field} {value:?} is not one of {:?} (default) or {:?}",
                    allowed[0], allowed[1]
                )
            })
    }
    let ordering = one("ordering", ordering, ["unordered", "key"])?;
    let on_dead_letter = one("on_dead_letter", on_dead_letter, ["skip", "hold"])?;
    let content_mode = one("content_mode", content_mode, ["binary", "structured"])?;
    if on_dead_letter == "hold" && ordering != "key" {
        return Err(
            "on_dead_letter \"hold\" keeps a key's order through the DLQ: it needs ordering \"key\""
                .into(),
        );
    }
    Ok((ordering, on_dead_letter, content_mode))
}

/// Rate and in-flight limits.
pub fn limits(rate_limit: u32, max_in_flight: u32) -> Result<(), String> {
    if rate_limit > MAX_RATE_LIMIT {
        return Err(format!(
            "rate_limit {rate_limit} is above the maximum {MAX_RATE_LIMIT} per second"
        ));
    }
    if max_in_flight > MAX_IN_FLIGHT {
        return Err(format!(
            "max_in_flight {max_in_flight} is above the maximum {MAX_IN_FLIGHT}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_modes_default_and_refuse_unknown_names() {
        let d = |o, h, c| delivery_mode(o, h, c);
        assert_eq!(
            d("", "", "").unwrap(),
            ("unordered".into(), "skip".into(), "binary".into())
        );
        assert_eq!(
            d("Key", "hold", "structured").unwrap(),
            ("key".into(), "hold".into(), "structured".into())
        );
        for (o, h, c, field) in [
            ("partition", "", "", "ordering"),
            ("key", "drop", "", "on_dead_letter"),
            ("", "", "json", "content_mode"),
            ("", "hold", "", "needs ordering"),
        ] {
            let e = d(o, h, c).unwrap_err();
            assert!(e.contains(field), "{e}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            url("https://example.com/hook").unwrap(),
            "https://example.com/hook"
        );
        assert!(url("ftp://example.com").unwrap_err().contains("scheme"));
        assert!(url("example.com/hook").unwrap_err().contains("not a valid"));
        assert!(
            url("https://u:p@example.com")
                .unwrap_err()
                .contains("credentials")
        );
        assert!(url("").unwrap_err().contains("required"));
        assert!(
            url("http://127.0.0.1:8080/x").is_ok(),
            "ssrf is delivery's job"
        );
    }

    #[test]
    fn signing_secrets_and_descriptions() {
        let good = herald_core::signing::Secret::from_bytes(vec![7u8; 32])
            .unwrap()
            .expose();
        assert_eq!(signing_secret(&good).unwrap(), good);
        for bad in [
            "whsec_",
            "whsec_not base64!",
            "whsec_AAAA",
            &good["whsec_".len()..],
            &format!("whsec_{}", "A".repeat(120)),
        ] {
            assert!(signing_secret(bad).is_err(), "{bad}");
        }
        assert_eq!(description("  payments  ").unwrap(), "payments");
        assert!(description(&"x".repeat(1001)).is_err());
        assert!(description("bell\u{7}").is_err());
    }

    #[test]
    fn filters_and_headers() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            event_types(&v(&["order.*", "user.created", "order.*"])).unwrap(),
            v(&["order.*", "user.created"])
        );
        assert!(event_types(&v(&["*"])).unwrap().is_empty());
        assert_eq!(filter("  ").unwrap(), "");
        assert_eq!(filter(" data.a == 1 ").unwrap(), "data.a == 1");
        assert!(filter("data.a ==").unwrap_err().contains("at byte"));
        assert!(event_types(&v(&["or*der"])).unwrap_err().contains("'*'"));
        assert!(event_types(&v(&[".*"])).is_err());
        let h = |k: &str, val: &str| HashMap::from([(k.to_owned(), val.to_owned())]);
        assert_eq!(headers(&h("X-Team", "a")).unwrap(), h("x-team", "a"));
        assert!(
            headers(&h("Connection", "close"))
                .unwrap_err()
                .contains("managed")
        );
        assert!(
            headers(&h("webhook-id", "x"))
                .unwrap_err()
                .contains("reserved")
        );
        assert!(headers(&h("bad name", "x")).is_err());
        assert!(headers(&h("x-a", "a\r\nb")).is_err());
        assert!(limits(MAX_RATE_LIMIT + 1, 0).is_err());
    }
}
