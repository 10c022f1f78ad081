//! Checks an event type's JSON Schema before it enters the catalog: JSON, draft 2020-12, valid
//! against the meta-schema and compilable without fetching anything.

/// Longest schema accepted, in bytes.
const MAX_SCHEMA_BYTES: usize = 256 * 1024;
/// The only `$schema` accepted (when given).
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Validates a schema; returns it as compact JSON text, or why it is refused.
pub fn check(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("schema is required: a JSON Schema (draft 2020-12) as JSON text".into());
    }
    if text.len() > MAX_SCHEMA_BYTES {
        return Err(format!("schema is larger than {MAX_SCHEMA_BYTES} bytes"));
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("schema is not JSON: {e}"))?;
    if !(value.is_object() || value.is_boolean()) {
        return Err("schema must be a JSON object (or true/false)".into());
    }
    if let Some(draft) = value.get("$schema")
        && draft.as_str() != Some(DRAFT_2020_12)
    {
        return Err(format!(
            "schema's $schema must be {DRAFT_2020_12} (or left out), got {draft}"
        ));
    }
    jsonschema::draft202012::meta::validate(&value).map_err(|e| {
        format!(
            "invalid JSON Schema (draft 2020-12) at {}: {e}",
            pointer(e.instance_path().as_str())
        )
    })?;
    jsonschema::draft202012::new(&value)
        .map_err(|e| format!("schema does not compile (remote references are not fetched): {e}"))?;
    Ok(value.to_string())
}

/// A JSON pointer as messages show it: the root is `/`.
fn pointer(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_schemas_pass_in_compact_form() {
        let s =
            check(r#"{ "type": "object", "properties": { "n": { "type": "integer" } } }"#).unwrap();
        assert_eq!(
            s,
            r#"{"properties":{"n":{"type":"integer"}},"type":"object"}"#
        );
        assert!(check("true").is_ok());
        assert!(check(&format!(r#"{{"$schema":"{DRAFT_2020_12}"}}"#)).is_ok());
    }

    #[test]
    fn invalid_schemas_are_refused_with_a_reason() {
        assert!(check("").unwrap_err().contains("required"));
        assert!(check("{").unwrap_err().contains("not JSON"));
        assert!(check("[1]").unwrap_err().contains("object"));
        let e = check(r#"{"properties": {"n": {"type": "integr"}}}"#).unwrap_err();
        assert!(e.contains("/properties/n/type"), "{e}");
        let e = check(r#"{"minimum": "three"}"#).unwrap_err();
        assert!(e.contains("/minimum"), "{e}");
        let e = check(r#"{"$schema": "http://json-schema.org/draft-07/schema#"}"#).unwrap_err();
        assert!(e.contains("2020-12"), "{e}");
        let e = check(r#"{"$ref": "https://example.com/other.json"}"#).unwrap_err();
        assert!(e.contains("compile"), "{e}");
    }
}
