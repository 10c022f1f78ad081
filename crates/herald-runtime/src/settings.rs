//! The settings reference printed by every service's `--help`: each configuration key with its
//! environment variable, default and description.
//!
//! The descriptions are the doc comments of the configuration structs themselves (their source is
//! compiled into the binary with `include_str!`), so the reference cannot drift from the code, and
//! [`undocumented_settings`] lets each service test that every key it has is described.

use std::collections::{BTreeMap, HashMap};

use clap::{CommandFactory, FromArgMatches};

use crate::config::load_config_with_env;
use crate::{REDACTED, ServiceConfig, check_credentials, render_config};

/// Source of the `[telemetry]` section every service config embeds; each service lists the
/// `[kafka]` one (`herald_kafka::CONFIG_SOURCE`) among its own.
const SHARED_SOURCES: &[&str] = &[include_str!("telemetry.rs")];

/// One field of a configuration struct as written in the source.
struct Field {
    name: String,
    ty: String,
    doc: String,
}

/// `pub struct Name { /// doc  pub field: Type, ... }` blocks of `source`, by struct name.
fn parse_structs(source: &str, out: &mut HashMap<String, Vec<Field>>) {
    let mut current: Option<(String, Vec<Field>)> = None;
    let mut doc = Vec::new();
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("pub struct ") {
            if let Some(name) = rest.strip_suffix('{').map(str::trim) {
                current = Some((name.to_owned(), Vec::new()));
            }
            doc.clear();
            continue;
        }
        let Some((_, fields)) = current.as_mut() else {
            continue;
        };
        if line.starts_with('}') {
            if let Some((name, fields)) = current.take() {
                out.insert(name, fields);
            }
            doc.clear();
        } else if let Some(text) = trimmed.strip_prefix("///") {
            doc.push(text.trim().to_owned());
        } else if let Some(decl) = trimmed.strip_prefix("pub ")
            && let Some((name, ty)) = decl.split_once(':')
        {
            fields.push(Field {
                name: name.trim().to_owned(),
                ty: ty.trim().trim_end_matches(',').to_owned(),
                doc: doc.join(" "),
            });
            doc.clear();
        } else if !trimmed.starts_with("#[") {
            doc.clear();
        }
    }
}

fn strip_wrapper<'a>(ty: &'a str, wrapper: &str) -> Option<&'a str> {
    ty.strip_prefix(wrapper)?.strip_suffix('>')
}

/// Every documented key under `root`, in declaration order: nested structs become dotted keys,
/// lists of structs `key[].field`, maps `key.<name>`.
fn walk(
    structs: &HashMap<String, Vec<Field>>,
    root: &str,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) {
    let Some(fields) = structs.get(root) else {
        return;
    };
    for field in fields {
        let key = format!("{prefix}{}", field.name);
        let ty = strip_wrapper(&field.ty, "Option<").unwrap_or(&field.ty);
        if structs.contains_key(ty) {
            walk(structs, ty, &format!("{key}."), out);
        } else if let Some(item) = strip_wrapper(ty, "Vec<")
            && structs.contains_key(item)
        {
            out.push((key.clone(), field.doc.clone()));
            walk(structs, item, &format!("{key}[]."), out);
        } else if ty.starts_with("BTreeMap<") || ty.starts_with("HashMap<") {
            out.push((format!("{key}.<name>"), field.doc.clone()));
        } else {
            out.push((key, field.doc.clone()));
        }
    }
}

fn documented<C: ServiceConfig>() -> Vec<(String, String)> {
    let mut structs = HashMap::new();
    for source in SHARED_SOURCES.iter().chain(C::CONFIG_SOURCES) {
        parse_structs(source, &mut structs);
    }
    let mut out = Vec::new();
    walk(&structs, C::CONFIG_STRUCT, "", &mut out);
    out
}

/// The defaults of `C` as dotted keys with TOML-rendered values (unset options are absent).
fn defaults<C: ServiceConfig>() -> BTreeMap<String, String> {
    fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    flatten(&format!("{prefix}{k}."), v, out);
                }
            }
            other => {
                out.insert(prefix.trim_end_matches('.').to_owned(), other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(value) = toml::Value::try_from(C::default()) {
        flatten("", &value, &mut out);
    }
    out
}

/// The environment variable that sets `key`, or `None` for keys inside lists (file only).
fn env_var(key: &str) -> Option<String> {
    if key.contains("[]") {
        return None;
    }
    let key = key.replace(".<name>", ".<NAME>");
    Some(format!("HERALD_{}", key.replace('.', "__").to_uppercase()))
}

/// The settings reference for `C`, as printed after `--help`.
pub fn settings_help<C: ServiceConfig>() -> String {
    let defaults = defaults::<C>();
    let mut text = String::from(
        "Settings (TOML key in --config; environment variable; default). Environment variables \
         override the file; lists take TOML syntax, e.g. HERALD_CORS_ORIGINS='[\"https://a\"]'.\n",
    );
    for (key, doc) in documented::<C>() {
        let env = env_var(&key).unwrap_or_else(|| "file only".to_owned());
        let default = defaults
            .get(&key)
            .map(|d| format!("default {d}"))
            .unwrap_or_else(|| "unset by default".to_owned());
        text.push_str(&format!("\n  {key}\n      {env}; {default}\n      {doc}\n"));
    }
    text
}

/// Keys `C` has by default that no doc comment describes; a service's tests assert it is empty.
pub fn undocumented_settings<C: ServiceConfig>() -> Vec<String> {
    let documented: Vec<String> = documented::<C>().into_iter().map(|(k, _)| k).collect();
    defaults::<C>()
        .into_keys()
        .filter(|key| {
            !documented.iter().any(|d| {
                d == key
                    || d.strip_suffix(".<name>")
                        .is_some_and(|map| key.starts_with(&format!("{map}.")))
            })
        })
        .collect()
}

/// Panics naming the keys of `C` without a doc comment, or if the reference lacks the shared
/// sections; every service's tests call it so `--help` cannot silently miss a setting.
pub fn assert_settings_documented<C: ServiceConfig>() {
    let missing = undocumented_settings::<C>();
    assert!(
        missing.is_empty(),
        "settings without a doc comment: {missing:?}"
    );
    assert!(
        settings_help::<C>().contains("HERALD_KAFKA__BOOTSTRAP_SERVERS"),
        "the settings reference lacks the [kafka] section"
    );
}

/// Panics unless the credentials of `C` are guarded: each one, and `kafka.properties` entries
/// naming a password or key, set through its `HERALD_*` variable, is absent from `Debug` and
/// from `--print-config` (which shows `<redacted>`); a weak value is refused at start with what
/// is required, a strong one accepted, an empty one is unset; and every `Secret` setting of the
/// config struct is among [`ServiceConfig::credentials`]. Every service's tests call it.
pub fn assert_credentials_guarded<C: ServiceConfig>() {
    let keys: Vec<&'static str> = C::default().credentials().iter().map(|c| c.key).collect();
    let mut structs = HashMap::new();
    for source in C::CONFIG_SOURCES {
        parse_structs(source, &mut structs);
    }
    for field in structs.get(C::CONFIG_STRUCT).into_iter().flatten() {
        assert!(
            field.ty != "Secret" || keys.contains(&field.name.as_str()),
            "{} is a Secret missing from credentials(), so it is not checked at start",
            field.name
        );
    }
    let load = |vars: &[(String, String)]| -> C {
        load_config_with_env(None, vars.iter().cloned(), C::RENAMED)
            .map(|l| l.config)
            .unwrap_or_else(|error| panic!("loading {vars:?}: {error}"))
    };
    let env = |key: &str| env_var(key).expect("credentials are top-level or nested settings");

    let mut vars: Vec<(String, String)> = keys.iter().map(|k| (env(k), random_hex())).collect();
    for property in ["SASL.PASSWORD", "SSL.KEY.PEM"] {
        vars.push((
            format!("HERALD_KAFKA__PROPERTIES__{property}"),
            random_hex(),
        ));
    }
    vars.push((
        "HERALD_KAFKA__PROPERTIES__SASL.USERNAME".to_owned(),
        "herald".to_owned(),
    ));
    let config = load(&vars);
    for credential in config.credentials() {
        let (_, expected) = vars
            .iter()
            .find(|(name, _)| *name == env(credential.key))
            .expect("every credential was set");
        assert_eq!(
            credential.value.expose(),
            expected,
            "{} does not read its own setting",
            credential.key
        );
    }
    if let Err(error) = check_credentials(&config) {
        panic!("strong credentials refused: {error}");
    }
    let rendered = render_config(&config).expect("--print-config renders");
    let shown = [
        format!("{config:?}"),
        format!("{config:#?}"),
        rendered.clone(),
    ];
    for (name, value) in vars.iter().filter(|(_, v)| v.len() > 16) {
        for text in &shown {
            assert!(!text.contains(value.as_str()), "{name} is shown: {text}");
        }
    }
    let printed: toml::Value = toml::from_str(&rendered).expect("--print-config is TOML");
    let lookup = |key: &str| {
        key.split('.')
            .try_fold(&printed, |node, part| node.get(part))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    for key in &keys {
        assert_eq!(
            lookup(key).as_deref(),
            Some(REDACTED),
            "{key} in --print-config"
        );
    }
    let properties = &printed["kafka"]["properties"];
    assert_eq!(properties["sasl.password"].as_str(), Some(REDACTED));
    assert_eq!(properties["ssl.key.pem"].as_str(), Some(REDACTED));
    assert_eq!(properties["sasl.username"].as_str(), Some("herald"));

    for key in &keys {
        let config = load(&[(env(key), "1".to_owned())]);
        let error = check_credentials(&config)
            .expect_err("a weak credential is refused")
            .to_string();
        assert!(
            error.starts_with(&format!(
                "{key} ({}) is too weak: use at least 32",
                env(key)
            )) && error.contains("`openssl rand"),
            "{error}"
        );
    }
    let unset: Vec<(String, String)> = keys.iter().map(|k| (env(k), String::new())).collect();
    let config = load(&unset);
    assert!(config.credentials().iter().all(|c| c.value.is_empty()));
    check_credentials(&config).expect("unset credentials pass the strength check");
    let printed: toml::Value =
        toml::from_str(&render_config(&config).expect("renders")).expect("is TOML");
    for key in &keys {
        assert!(
            key.split('.')
                .try_fold(&printed, |node, part| node.get(part))
                .is_none(),
            "an unset {key} is absent from --print-config"
        );
    }
}

/// 32 random bytes in hex: a strong credential.
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a service's command line with the settings reference of `C` appended to `--help`.
pub fn parse_service_args<A: CommandFactory + FromArgMatches, C: ServiceConfig>() -> A {
    let matches = A::command()
        .after_long_help(settings_help::<C>())
        .after_help("Run with --help for every setting, its environment variable and default.")
        .get_matches();
    A::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::{Credential, Secret, TelemetryConfig, fmt_config, load_config};

    /// How [`Sample`] is declared, for the settings reference.
    const SAMPLE_SOURCE: &str = r#"
pub struct Sample {
    /// Kafka.
    pub kafka: SampleKafka,
    /// Logs.
    pub telemetry: TelemetryConfig,
    /// Root.
    pub root_key: Secret,
    /// Internal.
    pub internal_token: Secret,
}
"#;

    #[derive(Default, Serialize, Deserialize)]
    #[serde(default)]
    struct Sample {
        kafka: SampleKafka,
        telemetry: TelemetryConfig,
        #[serde(skip_serializing_if = "Secret::is_empty")]
        root_key: Secret,
        #[serde(skip_serializing_if = "Secret::is_empty")]
        internal_token: Secret,
    }

    #[derive(Default, Serialize, Deserialize)]
    #[serde(default)]
    struct SampleKafka {
        bootstrap_servers: String,
        properties: BTreeMap<String, String>,
    }

    impl std::fmt::Debug for Sample {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            fmt_config("Sample", self, f)
        }
    }

    impl ServiceConfig for Sample {
        const CONFIG_SOURCES: &'static [&'static str] = &[SAMPLE_SOURCE];
        const CONFIG_STRUCT: &'static str = "Sample";

        fn telemetry(&self) -> &TelemetryConfig {
            &self.telemetry
        }

        fn credentials(&self) -> Vec<Credential<'_>> {
            vec![
                Credential::new("root_key", &self.root_key),
                Credential::new("internal_token", &self.internal_token),
            ]
        }

        fn shutdown_grace(&self) -> std::time::Duration {
            std::time::Duration::from_secs(1)
        }
    }

    /// [`Sample`] with a credential left out of `credentials()`.
    #[derive(Debug, Default, Serialize, Deserialize)]
    #[serde(transparent)]
    struct Forgetful(Sample);

    impl ServiceConfig for Forgetful {
        const CONFIG_SOURCES: &'static [&'static str] = &[SAMPLE_SOURCE];
        const CONFIG_STRUCT: &'static str = "Sample";

        fn telemetry(&self) -> &TelemetryConfig {
            &self.0.telemetry
        }

        fn credentials(&self) -> Vec<Credential<'_>> {
            vec![Credential::new("root_key", &self.0.root_key)]
        }

        fn shutdown_grace(&self) -> std::time::Duration {
            std::time::Duration::from_secs(1)
        }
    }

    #[test]
    fn credentials_are_redacted_and_checked() {
        assert_credentials_guarded::<Sample>();
    }

    #[test]
    #[should_panic(expected = "internal_token is a Secret missing from credentials()")]
    fn a_secret_left_out_of_credentials_fails_the_shared_test() {
        assert_credentials_guarded::<Forgetful>();
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail dictates the closure's error type
    fn a_weak_root_key_in_the_environment_is_refused_and_a_strong_one_accepted() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("HERALD_ROOT_KEY", "1");
            let config: Sample = load_config(None, &[])
                .map(|l| l.config)
                .map_err(|e| e.to_string())?;
            let error = check_credentials(&config).unwrap_err().to_string();
            assert_eq!(
                error,
                "root_key (HERALD_ROOT_KEY) is too weak: use at least 32 random characters \
                 (128 bits), e.g. `openssl rand -hex 32`"
            );
            let strong = "3f7a9c1e5b2d8f4a6c0e9b7d5a3f1c8e2b4d6f8a0c9e7b5d3a1f2c4e6b8d0f9a";
            jail.set_env("HERALD_ROOT_KEY", strong);
            jail.create_file("c.toml", "internal_token = \"\"")?;
            let config: Sample = load_config(Some(Path::new("c.toml")), &[])
                .map(|l| l.config)
                .map_err(|e| e.to_string())?;
            assert_eq!(config.root_key.expose(), strong);
            assert!(config.internal_token.is_empty());
            check_credentials(&config).map_err(|e| e.to_string())?;
            let printed = render_config(&config).map_err(|e| e.to_string())?;
            assert_eq!(
                printed.lines().filter(|l| l.contains("<redacted>")).count(),
                1,
                "{printed}"
            );
            assert!(!printed.contains(strong) && !format!("{config:?}").contains(strong));
            Ok(())
        });
    }

    /// A `[kafka]` section as herald-kafka declares it.
    const KAFKA_SOURCE: &str = r#"
/// Kafka client settings.
pub struct KafkaConfig {
    /// Bootstrap servers.
    pub bootstrap_servers: String,
    /// Client id.
    pub client_id: String,
    /// librdkafka properties.
    pub properties: BTreeMap<String, String>,
}
"#;

    const SOURCE: &str = r#"
/// Top.
pub struct Top {
    /// The cluster.
    pub kafka: KafkaConfig,
    /// A list
    /// over two lines.
    #[serde(default)]
    pub items: Vec<Item>,
    /// Optional nested.
    pub extra: Option<Item>,
    fn not_a_field() {}
}

pub struct Item {
    /// Item id.
    pub id: String,
}
"#;

    #[test]
    fn nested_lists_maps_and_options_become_keys() {
        let mut structs = HashMap::new();
        parse_structs(KAFKA_SOURCE, &mut structs);
        parse_structs(SOURCE, &mut structs);
        let mut keys = Vec::new();
        walk(&structs, "Top", "", &mut keys);
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "kafka.bootstrap_servers",
                "kafka.client_id",
                "kafka.properties.<name>",
                "items",
                "items[].id",
                "extra.id"
            ]
        );
        assert_eq!(keys[3].1, "A list over two lines.");
        assert_eq!(
            env_var("kafka.properties.<name>").unwrap(),
            "HERALD_KAFKA__PROPERTIES__<NAME>"
        );
        assert_eq!(env_var("items[].id"), None);
    }
}
