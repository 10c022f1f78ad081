//! Schema checks against the team's event-type catalog, per the topic's `schema_policy`:
//! each schema version is compiled once and cached, never per event.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use herald_core::Event;
use herald_proto::v1::{EventType, SchemaPolicy};
use herald_watch::View;
use jsonschema::Validator;

/// Compiled versions kept before the cache starts over (a catalog rarely has that many).
const MAX_CACHED: usize = 10_000;

/// A compiled schema version: team, type, version and the version's creation time (a type
/// deleted and created again reuses version numbers).
type CacheKey = (String, String, u32, i64);

/// The compiled schemas and where their documents are served.
pub(crate) struct Schemas {
    cache: RwLock<HashMap<CacheKey, Arc<Validator>>>,
    /// Base of `dataschema` URLs: the control plane's HTTP API.
    base_url: String,
}

/// What the check says about one event.
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    /// The topic does not check schemas.
    Unchecked,
    /// The data matches the latest schema; the event's `dataschema` was set to it.
    Valid,
    /// The type is unknown or the data fails its schema; the message says where.
    Violation {
        /// The metric label: `unknown_type`, `not_json` or `invalid`.
        reason: &'static str,
        /// For the publisher.
        message: String,
    },
}

impl Schemas {
    /// An empty cache; `base_url` prefixes the schema documents' paths.
    pub(crate) fn new(base_url: &str) -> Self {
        Self {
            cache: RwLock::new(HashMap::new()),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Checks `event` of a topic with `policy` against `team`'s catalog in `view`; a valid
    /// event gets its `dataschema`.
    pub(crate) fn check(
        &self,
        view: &View,
        team: &str,
        policy: SchemaPolicy,
        event: &mut Event,
    ) -> Verdict {
        if policy == SchemaPolicy::Off {
            return Verdict::Unchecked;
        }
        let Some(event_type) = view.event_type(team, &event.ty) else {
            return Verdict::Violation {
                reason: "unknown_type",
                message: format!(
                    "event type {} is not in team {team}'s event-type catalog",
                    event.ty
                ),
            };
        };
        let Some(latest) = event_type.versions.last() else {
            return Verdict::Unchecked;
        };
        let data: serde_json::Value = match serde_json::from_slice(&event.data) {
            Ok(v) => v,
            Err(e) => {
                return Verdict::Violation {
                    reason: "not_json",
                    message: format!(
                        "data of {} must be JSON to be checked against its schema: {e}",
                        event.ty
                    ),
                };
            }
        };
        let validator = match self.validator(event_type) {
            Ok(v) => v,
            // Control checks schemas before storing them; one that does not compile here
            // (another library version) refuses rather than lets anything through.
            Err(message) => {
                return Verdict::Violation {
                    reason: "invalid",
                    message,
                };
            }
        };
        // `is_valid` skips building errors: the common, valid case pays only for the check.
        if !validator.is_valid(&data)
            && let Err(e) = validator.validate(&data)
        {
            let pointer = e.instance_path().as_str();
            return Verdict::Violation {
                reason: "invalid",
                message: format!(
                    "data does not match the schema of {} version {} at {}: {e}",
                    event.ty,
                    latest.version,
                    if pointer.is_empty() { "/" } else { pointer }
                ),
            };
        }
        event.data_schema = Some(format!(
            "{}/v1/teams/{team}/event-types/{}/versions/{}/schema",
            self.base_url, event.ty, latest.version
        ));
        Verdict::Valid
    }

    /// The compiled latest version of `event_type`, compiling it on first use.
    fn validator(&self, event_type: &EventType) -> Result<Arc<Validator>, String> {
        let latest = event_type
            .versions
            .last()
            .ok_or_else(|| format!("event type {} has no schema", event_type.name))?;
        let key = (
            event_type.team.clone(),
            event_type.name.clone(),
            latest.version,
            latest.created_at_ms,
        );
        if let Some(v) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(v.clone());
        }
        let schema: serde_json::Value = serde_json::from_str(&latest.schema)
            .map_err(|e| format!("the schema of {} is not JSON: {e}", event_type.name))?;
        let compiled = Arc::new(jsonschema::draft202012::new(&schema).map_err(|e| {
            format!(
                "the schema of {} version {} does not compile: {e}",
                event_type.name, latest.version
            )
        })?);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(key, compiled.clone());
        Ok(compiled)
    }
}

#[cfg(test)]
mod tests {
    use herald_proto::v1::{Entity, EventTypeVersion, entity};

    use super::*;

    fn view(schema: &str) -> View {
        View::from_entities(
            1,
            [Entity {
                kind: Some(entity::Kind::EventType(EventType {
                    team: "acme".into(),
                    name: "order.created".into(),
                    versions: vec![
                        EventTypeVersion {
                            version: 1,
                            schema: "true".into(),
                            created_at_ms: 1,
                        },
                        EventTypeVersion {
                            version: 2,
                            schema: schema.into(),
                            created_at_ms: 2,
                        },
                    ],
                    ..Default::default()
                })),
            }],
        )
    }

    const SCHEMA: &str = r#"{"type":"object","required":["amount"],"properties":{"amount":{"type":"number","minimum":0},"items":{"type":"array","items":{"type":"object","required":["sku"]}}}}"#;

    fn event(ty: &str, data: &str) -> Event {
        Event::new("1", "/s", ty, data.as_bytes().to_vec())
    }

    #[test]
    fn valid_events_get_the_latest_versions_dataschema() {
        let schemas = Schemas::new("https://herald.example.com/");
        let v = view(SCHEMA);
        let mut e = event("order.created", r#"{"amount": 3}"#);
        assert_eq!(
            schemas.check(&v, "acme", SchemaPolicy::Enforce, &mut e),
            Verdict::Valid
        );
        assert_eq!(
            e.data_schema.as_deref(),
            Some(
                "https://herald.example.com/v1/teams/acme/event-types/order.created/versions/2/schema"
            )
        );
        // Compiled once: the second check uses the cached validator.
        assert_eq!(schemas.cache.read().unwrap().len(), 1);
        schemas.check(&v, "acme", SchemaPolicy::Count, &mut e);
        assert_eq!(schemas.cache.read().unwrap().len(), 1);
    }

    #[test]
    fn violations_name_the_pointer_of_the_first_error() {
        let schemas = Schemas::new("http://c");
        let v = view(SCHEMA);
        let check = |ty: &str, data: &str| {
            let mut e = event(ty, data);
            match schemas.check(&v, "acme", SchemaPolicy::Enforce, &mut e) {
                Verdict::Violation { reason, message } => {
                    assert_eq!(e.data_schema, None);
                    (reason, message)
                }
                other => panic!("{other:?}"),
            }
        };
        let (reason, m) = check("order.created", r#"{"amount": -1}"#);
        assert_eq!(reason, "invalid");
        assert!(m.contains("at /amount"), "{m}");
        let (_, m) = check(
            "order.created",
            r#"{"amount": 1, "items": [{"sku": "a"}, {}]}"#,
        );
        assert!(m.contains("at /items/1"), "{m}");
        let (_, m) = check("order.created", r#"{}"#);
        assert!(m.contains("at /:"), "{m}");
        let (reason, _) = check("order.created", "not json");
        assert_eq!(reason, "not_json");
        let (reason, m) = check("order.deleted", "{}");
        assert_eq!(reason, "unknown_type");
        assert!(m.contains("catalog"), "{m}");
        let mut e = event("order.deleted", "{}");
        assert_eq!(
            schemas.check(&v, "acme", SchemaPolicy::Off, &mut e),
            Verdict::Unchecked
        );
    }
}
