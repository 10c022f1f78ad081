use std::path::Path;

use figment::Figment;
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

/// Layers the embedded defaults (`T::default()`), then the optional TOML file, then `HERALD_*`
/// environment variables; nested keys use `__`, e.g. `HERALD_KAFKA__BOOTSTRAP_SERVERS`.
pub fn load_config<T>(file: Option<&Path>) -> Result<T, ConfigError>
where
    T: DeserializeOwned + Serialize + Default,
{
    load_config_with_env(file, std::env::vars())
}

/// [`load_config`] with the environment given as `vars` (the shared settings tests).
pub(crate) fn load_config_with_env<T>(
    file: Option<&Path>,
    vars: impl Iterator<Item = (String, String)>,
) -> Result<T, ConfigError>
where
    T: DeserializeOwned + Serialize + Default,
{
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError::MissingFile(path.display().to_string()));
        }
        figment = figment.merge(Toml::file(path));
    }
    figment = figment.merge(Serialized::defaults(env_settings(vars)));
    figment
        .extract_lossy()
        .map_err(|e| ConfigError::Invalid(Box::new(e)))
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

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn file_then_env_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "port = 7")?;
            let c: Sample = load_config(Some(Path::new("c.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Sample {
                    port: 7,
                    ..Sample::default()
                }
            );
            jail.set_env("HERALD_NAME", "y");
            let c: Sample = load_config(Some(Path::new("c.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Sample {
                    name: "y".into(),
                    port: 7,
                    ..Sample::default()
                }
            );
            jail.set_env("HERALD_PORT", "not-a-port");
            let err = load_config::<Sample>(None).unwrap_err().to_string();
            assert!(err.contains("port"), "{err}");
            jail.set_env("HERALD_PORT", "8");
            jail.set_env("HERALD_NAME", "0123");
            jail.set_env("HERALD_RATIO", "0.25");
            jail.set_env("HERALD_ON", "true");
            jail.set_env("HERALD_LIST", r#"["a", "007"]"#);
            jail.set_env("HERALD_NESTED__SECRET", "1e5");
            jail.set_env("HERALD_CONFIG", "c.toml");
            jail.set_env("HERALD_PROPS__SECURITY.PROTOCOL", "SSL");
            let c: Sample = load_config(None).map_err(|e| e.to_string())?;
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
            load_config::<Sample>(Some(Path::new("/nonexistent.toml"))),
            Err(ConfigError::MissingFile(_))
        ));
    }
}
