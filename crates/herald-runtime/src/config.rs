use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
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
    figment = figment.merge(Env::prefixed("HERALD_").split("__"));
    figment
        .extract()
        .map_err(|e| ConfigError::Invalid(Box::new(e)))
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
    }

    impl Default for Sample {
        fn default() -> Self {
            Self {
                name: "x".into(),
                port: 1,
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
                    name: "x".into(),
                    port: 7
                }
            );
            jail.set_env("HERALD_NAME", "y");
            let c: Sample = load_config(Some(Path::new("c.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(
                c,
                Sample {
                    name: "y".into(),
                    port: 7
                }
            );
            jail.set_env("HERALD_PORT", "not-a-port");
            let err = load_config::<Sample>(None).unwrap_err().to_string();
            assert!(err.contains("port"), "{err}");
            Ok(())
        });
        assert!(matches!(
            load_config::<Sample>(Some(Path::new("/nonexistent.toml"))),
            Err(ConfigError::MissingFile(_))
        ));
    }
}
