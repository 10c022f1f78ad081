use std::path::Path;

use figment::Figment;
use figment::Provider;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::secret::REDACTED;

/// The configuration could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not exist.
    #[error("config file {0} does not exist")]
    MissingFile(String),
    /// A value has the wrong type or an unknown key (names the key and its source).
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
}

/// A configuration and what loading it has to say (old keys that still work, for now).
#[derive(Debug)]
pub struct Loaded<T> {
    /// The configuration.
    pub config: T,
    /// One line per deprecated key that was read; log them once logging is up.
    pub deprecations: Vec<String>,
}

/// A setting whose key changed: the old key is still read for one release, converted, with a
/// deprecation warning. A value under the new key in the same source wins over the old one.
#[derive(Debug, Clone, Copy)]
pub struct Renamed {
    /// Old dotted key, e.g. `idempotency.window_secs`.
    pub old: &'static str,
    /// New dotted key, e.g. `idempotency.window`.
    pub new: &'static str,
    unit: OldUnit,
}

/// How an old value becomes the new one.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OldUnit {
    Millis,
    Secs,
    Same,
}

impl Renamed {
    /// A number of milliseconds that became a humantime duration (negative: `forever`).
    pub const fn millis(old: &'static str, new: &'static str) -> Self {
        Self {
            old,
            new,
            unit: OldUnit::Millis,
        }
    }

    /// A number of seconds that became a humantime duration.
    pub const fn secs(old: &'static str, new: &'static str) -> Self {
        Self {
            old,
            new,
            unit: OldUnit::Secs,
        }
    }

    /// A key renamed with its value unchanged.
    pub const fn same(old: &'static str, new: &'static str) -> Self {
        Self {
            old,
            new,
            unit: OldUnit::Same,
        }
    }

    /// Moves this key in `dict`, if present; says what happened.
    fn apply(&self, dict: &mut Dict, source: &str) -> Option<String> {
        let old: Vec<&str> = self.old.split('.').collect();
        let value = take(dict, &old)?;
        let new: Vec<&str> = self.new.split('.').collect();
        if get(dict, &new).is_some() {
            return Some(format!(
                "{source}: `{}` is deprecated and ignored: `{}` is set too",
                self.old, self.new
            ));
        }
        let converted = self.convert(&value);
        let shown = match &converted {
            Value::String(_, text) => format!("\"{text}\""),
            other => format!("{other:?}"),
        };
        insert(dict, &new, converted);
        Some(format!(
            "{source}: `{}` is deprecated and will be removed in the next release: write `{} = {shown}`",
            self.old, self.new
        ))
    }

    fn convert(&self, value: &Value) -> Value {
        let number = match value {
            Value::Num(_, n) => n.to_i128(),
            Value::String(_, s) => s.trim().parse::<i128>().ok(),
            _ => None,
        };
        match (self.unit, number) {
            (OldUnit::Same, _) | (_, None) => value.clone(),
            (_, Some(n)) if n < 0 => Value::from(crate::duration::or_forever::FOREVER),
            (OldUnit::Millis, Some(n)) => Value::from(format!("{n}ms")),
            (OldUnit::Secs, Some(n)) => Value::from(format!("{n}s")),
        }
    }
}

/// Layers the embedded defaults (`T::default()`), then the optional TOML file, then `HERALD_*`
/// environment variables; nested keys use `__`, e.g. `HERALD_KAFKA__BOOTSTRAP_SERVERS`. Keys in
/// `renamed` are read under their old names too.
pub fn load_config<T>(file: Option<&Path>, renamed: &[Renamed]) -> Result<Loaded<T>, ConfigError>
where
    T: DeserializeOwned + Serialize + Default,
{
    load_config_with_env(file, std::env::vars(), renamed)
}

/// [`load_config`] with the environment given as `vars` (the shared settings tests).
pub(crate) fn load_config_with_env<T>(
    file: Option<&Path>,
    vars: impl Iterator<Item = (String, String)>,
    renamed: &[Renamed],
) -> Result<Loaded<T>, ConfigError>
where
    T: DeserializeOwned + Serialize + Default,
{
    let mut deprecations = Vec::new();
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError::MissingFile(path.display().to_string()));
        }
        let mut dict = Toml::file(path)
            .data()
            .map_err(|e| ConfigError::Invalid(Box::new(e)))?
            .remove(&figment::Profile::Default)
            .unwrap_or_default();
        let source = path.display().to_string();
        deprecations.extend(renamed.iter().filter_map(|r| r.apply(&mut dict, &source)));
        figment = figment.merge(Serialized::defaults(dict));
    }
    let mut env = env_settings(vars);
    deprecations.extend(
        renamed
            .iter()
            .filter_map(|r| r.apply(&mut env, "environment")),
    );
    figment = figment.merge(Serialized::defaults(env));
    let config = figment
        .extract_lossy()
        .map_err(|e| ConfigError::Invalid(Box::new(e)))?;
    Ok(Loaded {
        config,
        deprecations,
    })
}

/// Removes and returns the value at `path`.
fn take(dict: &mut Dict, path: &[&str]) -> Option<Value> {
    match path {
        [] => None,
        [leaf] => dict.remove(*leaf),
        [head, rest @ ..] => match dict.get_mut(*head) {
            Some(Value::Dict(_, inner)) => take(inner, rest),
            _ => None,
        },
    }
}

/// The value at `path`.
fn get<'a>(dict: &'a Dict, path: &[&str]) -> Option<&'a Value> {
    match path {
        [] => None,
        [leaf] => dict.get(*leaf),
        [head, rest @ ..] => match dict.get(*head) {
            Some(Value::Dict(_, inner)) => get(inner, rest),
            _ => None,
        },
    }
}

/// `config` as TOML for `--print-config`: every [`Secret`](crate::Secret) shows as
/// [`REDACTED`], and so do `kafka.properties` entries that name a password, secret or key.
pub fn render_config<T: Serialize>(config: &T) -> Result<String, RenderError> {
    Ok(redacted_document(config, true)?.to_string())
}

/// Writes `config` for `Debug`, redacted like [`render_config`], on one line
/// (`Name { key = value, ... }`); service configs implement `Debug` with it, so secrets stay
/// out of logs and panics.
pub fn fmt_config<T: Serialize>(
    name: &str,
    config: &T,
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    match redacted_document(config, false) {
        Ok(doc) => write!(f, "{name} {}", doc.as_table().clone().into_inline_table()),
        Err(error) => write!(f, "{name} {{ <cannot render: {error}> }}"),
    }
}

/// The configuration could not be rendered as TOML.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(String);

/// `config` as a TOML document with its secrets redacted; `pretty` puts arrays on many lines.
fn redacted_document<T: Serialize>(
    config: &T,
    pretty: bool,
) -> Result<toml_edit::DocumentMut, RenderError> {
    let text = if pretty {
        toml::to_string_pretty(config)
    } else {
        toml::to_string(config)
    }
    .map_err(|e| RenderError(e.to_string()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| RenderError(e.to_string()))?;
    let properties = doc
        .get_mut("kafka")
        .and_then(|kafka| kafka.as_table_like_mut())
        .and_then(|kafka| kafka.get_mut("properties"))
        .and_then(|properties| properties.as_table_like_mut());
    if let Some(properties) = properties {
        for (key, value) in properties.iter_mut() {
            if is_secret_property(key.get()) {
                *value = toml_edit::value(REDACTED);
            }
        }
    }
    Ok(doc)
}

/// Whether a librdkafka property holds a credential (`sasl.password`, `ssl.key.password`,
/// `ssl.key.pem`, `sasl.oauthbearer.client.secret`, ...): it names a password, secret or key,
/// and is not a file path (`ssl.key.location`), which is worth seeing when debugging.
fn is_secret_property(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "secret", "key"]
        .iter()
        .any(|word| name.contains(word))
        && !name.ends_with(".location")
}

/// `HERALD_*` variables as nested settings (`HERALD_KAFKA__CLIENT_ID` → `kafka.client_id`),
/// without `HERALD_CONFIG`, which names the file rather than a setting.
///
/// Lists and tables are written in TOML syntax; every other value stays the exact string it was
/// (figment's own env parsing would turn a secret such as `0123` or `1e5` into a number), and
/// `extract_lossy` converts strings where a field wants a number or a bool. Only `__` nests, so
/// a librdkafka property keeps its dots: `HERALD_KAFKA__PROPERTIES__SECURITY.PROTOCOL`.
fn env_settings(vars: impl Iterator<Item = (String, String)>) -> Dict {
    let mut root = Dict::new();
    for (name, raw) in vars {
        let Some(key) = name.strip_prefix("HERALD_").map(str::to_lowercase) else {
            continue;
        };
        if key == "config" || key.is_empty() {
            continue;
        }
        let value = match raw.parse::<Value>() {
            Ok(parsed @ (Value::Array(..) | Value::Dict(..))) => parsed,
            _ => Value::from(raw),
        };
        let path: Vec<&str> = key.split("__").collect();
        insert(&mut root, &path, value);
    }
    root
}

/// Puts `value` at `path` in `dict`, creating (or replacing non-table values with) tables on the way.
fn insert(dict: &mut Dict, path: &[&str], value: Value) {
    match path {
        [] => {}
        [leaf] => {
            dict.insert((*leaf).to_owned(), value);
        }
        [head, rest @ ..] => {
            let entry = dict
                .entry((*head).to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            } else {
                let mut inner = Dict::new();
                insert(&mut inner, rest, value);
                *entry = Value::from(inner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Sample {
        name: String,
        port: u16,
        ratio: f64,
        on: bool,
        list: Vec<String>,
        nested: Nested,
        props: std::collections::BTreeMap<String, String>,
    }

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Nested {
        secret: Option<String>,
    }

    impl Default for Sample {
        fn default() -> Self {
            Self {
                name: "x".into(),
                port: 1,
                ratio: 0.5,
                on: false,
                list: Vec::new(),
                nested: Nested::default(),
                props: Default::default(),
            }
        }
    }

    #[test]
    fn kafka_credentials_are_redacted_but_not_file_paths() {
        #[derive(Serialize)]
        struct Service {
            kafka: Kafka,
        }
        #[derive(Serialize)]
        struct Kafka {
            properties: std::collections::BTreeMap<String, String>,
        }
        let properties = [
            ("sasl.username", "herald"),
            ("sasl.password", "hunter2-hunter2"),
            ("SSL.KEY.PASSWORD", "pem-pass-phrase"),
            ("sasl.oauthbearer.client.secret", "client-secret-value"),
            ("ssl.key.location", "/etc/herald/tls/client.key"),
        ];
        let config = Service {
            kafka: Kafka {
                properties: properties
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            },
        };
        let printed: toml::Value = toml::from_str(&render_config(&config).unwrap()).unwrap();
        let shown = &printed["kafka"]["properties"];
        assert_eq!(shown["sasl.username"].as_str(), Some("herald"));
        assert_eq!(
            shown["ssl.key.location"].as_str(),
            Some("/etc/herald/tls/client.key")
        );
        for key in [
            "sasl.password",
            "SSL.KEY.PASSWORD",
            "sasl.oauthbearer.client.secret",
        ] {
            assert_eq!(shown[key].as_str(), Some(REDACTED), "{key}");
        }
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    struct Timed {
        #[serde(with = "crate::duration")]
        grace: std::time::Duration,
        #[serde(with = "crate::duration::or_forever")]
        retention: Option<std::time::Duration>,
        inner: TimedInner,
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct TimedInner {
        #[serde(with = "crate::duration")]
        window: std::time::Duration,
    }

    impl Default for Timed {
        fn default() -> Self {
            Self {
                grace: std::time::Duration::from_secs(30),
                retention: Some(std::time::Duration::from_secs(60)),
                inner: TimedInner {
                    window: std::time::Duration::from_secs(600),
                },
            }
        }
    }

    const TIMED_RENAMED: &[Renamed] = &[
        Renamed::secs("grace_secs", "grace"),
        Renamed::millis("retention_ms", "retention"),
        Renamed::secs("inner.window_secs", "inner.window"),
    ];

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn old_keys_are_read_converted_and_reported_and_new_keys_win() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "grace_secs = 5\nretention_ms = -1\n[inner]\nwindow_secs = 90\n",
            )?;
            let loaded: Loaded<Timed> =
                load_config(Some(Path::new("c.toml")), TIMED_RENAMED).map_err(|e| e.to_string())?;
            assert_eq!(loaded.config.grace, std::time::Duration::from_secs(5));
            assert_eq!(loaded.config.retention, None);
            assert_eq!(
                loaded.config.inner.window,
                std::time::Duration::from_secs(90)
            );
            assert_eq!(loaded.deprecations.len(), 3, "{:?}", loaded.deprecations);
            assert!(
                loaded.deprecations[0].contains("`grace_secs` is deprecated")
                    && loaded.deprecations[0].contains("write `grace = \"5s\"`"),
                "{:?}",
                loaded.deprecations
            );
            jail.set_env("HERALD_RETENTION_MS", "1500");
            jail.set_env("HERALD_GRACE", "1m");
            jail.set_env("HERALD_GRACE_SECS", "7");
            let loaded: Loaded<Timed> =
                load_config(Some(Path::new("c.toml")), TIMED_RENAMED).map_err(|e| e.to_string())?;
            assert_eq!(loaded.config.grace, std::time::Duration::from_secs(60));
            assert_eq!(
                loaded.config.retention,
                Some(std::time::Duration::from_millis(1500))
            );
            assert!(
                loaded
                    .deprecations
                    .iter()
                    .any(|d| d
                        .contains("`grace_secs` is deprecated and ignored: `grace` is set too")),
                "{:?}",
                loaded.deprecations
            );
            jail.set_env("HERALD_GRACE", "30");
            let error = load_config::<Timed>(None, TIMED_RENAMED)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("\"30\" is not a duration") && error.contains("grace"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn file_then_env_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "port = 7")?;
            let c: Sample = load_config(Some(Path::new("c.toml")), &[])
                .map(|l| l.config)
                .map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Sample {
                    port: 7,
                    ..Sample::default()
                }
            );
            jail.set_env("HERALD_NAME", "y");
            let c: Sample = load_config(Some(Path::new("c.toml")), &[])
                .map(|l| l.config)
                .map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Sample {
                    name: "y".into(),
                    port: 7,
                    ..Sample::default()
                }
            );
            jail.set_env("HERALD_PORT", "not-a-port");
            let err = load_config::<Sample>(None, &[]).unwrap_err().to_string();
            assert!(err.contains("port"), "{err}");
            jail.set_env("HERALD_PORT", "8");
            jail.set_env("HERALD_NAME", "0123");
            jail.set_env("HERALD_RATIO", "0.25");
            jail.set_env("HERALD_ON", "true");
            jail.set_env("HERALD_LIST", r#"["a", "007"]"#);
            jail.set_env("HERALD_NESTED__SECRET", "1e5");
            jail.set_env("HERALD_CONFIG", "c.toml");
            jail.set_env("HERALD_PROPS__SECURITY.PROTOCOL", "SSL");
            let c: Sample = load_config(None, &[])
                .map(|l| l.config)
                .map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Sample {
                    name: "0123".into(),
                    port: 8,
                    ratio: 0.25,
                    on: true,
                    list: vec!["a".into(), "007".into()],
                    nested: Nested {
                        secret: Some("1e5".into())
                    },
                    props: [("security.protocol".to_owned(), "SSL".to_owned())].into(),
                }
            );
            Ok(())
        });
        assert!(matches!(
            load_config::<Sample>(Some(Path::new("/nonexistent.toml")), &[]),
            Err(ConfigError::MissingFile(_))
        ));
    }
}
