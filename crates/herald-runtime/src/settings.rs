//! The settings reference printed by every service's `--help`: each configuration key with its
//! environment variable, default and description.
//!
//! The descriptions are the doc comments of the configuration structs themselves (their source is
//! compiled into the binary with `include_str!`), so the reference cannot drift from the code, and
//! [`undocumented_settings`] lets each service test that every key it has is described.

use std::collections::{BTreeMap, HashMap};

use clap::{CommandFactory, FromArgMatches};

use crate::ServiceConfig;

/// Source of the shared sections (`[kafka]`, `[telemetry]`) every service config embeds.
const SHARED_SOURCES: &[&str] = &[
    include_str!("telemetry.rs"),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../herald-kafka/src/config.rs"
    )),
];

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
    use super::*;

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
        parse_structs(SHARED_SOURCES[1], &mut structs);
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
