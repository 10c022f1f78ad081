use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError::MissingFile(path.display().to_string()));
        }
        figment = figment.merge(Toml::file(path));
    }
    figment = figment.merge(Serialized::defaults(env_settings(std::env::vars())));
    figment
        .extract_lossy()
        .map_err(|e| ConfigError::Invalid(Box::new(e)))
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
