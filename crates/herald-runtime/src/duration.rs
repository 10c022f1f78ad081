//! Durations in settings: humantime text (`500ms`, `15s`, `2m`, `1h 30m`, `5d`), the one way
//! every Herald service spells a time span. Use with `#[serde(with = "herald_runtime::duration")]`.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

/// Writes `value` as humantime text, e.g. `15s` or `5days`.
pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&humantime::format_duration(*value))
}

/// Reads humantime text; a bare number is refused because its unit would be a guess.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = Text::deserialize(deserializer)?;
    parse(&text.0).map_err(serde::de::Error::custom)
}

/// Parses humantime text such as `500ms`, `15s`, `1h 30m` or `5d`.
pub fn parse(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        format!("{text:?} is not a duration ({e}); write it with a unit, e.g. \"500ms\", \"15s\", \"5m\", \"1h\", \"7d\"")
    })
}

/// Durations that may also be `forever` (`None`), such as a topic's retention.
pub mod or_forever {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// The word for "no limit".
    pub const FOREVER: &str = "forever";

    /// Writes `forever` or humantime text.
    pub fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => super::serialize(d, serializer),
            None => serializer.serialize_str(FOREVER),
        }
    }

    /// Reads `forever` or humantime text.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        let text = super::Text::deserialize(deserializer)?;
        if text.0.trim() == FOREVER {
            return Ok(None);
        }
        super::parse(&text.0)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }
}

/// A duration's text; a number is kept to say what is wrong with it.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a duration with a unit, e.g. \"15s\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Text, E> {
                Err(E::custom(format!(
                    "{v} has no unit; write a duration such as \"{v}s\" or \"{v}ms\""
                )))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Text, E> {
                self.visit_i64(v as i64)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "crate::duration")]
        wait: Duration,
        #[serde(with = "crate::duration::or_forever")]
        keep: Option<Duration>,
    }

    #[test]
    fn humantime_text_round_trips_and_numbers_are_refused() {
        let s: Sample = toml::from_str("wait = \"1m 30s\"\nkeep = \"forever\"").unwrap();
        assert_eq!(s.wait, Duration::from_secs(90));
        assert_eq!(s.keep, None);
        let back: Sample = toml::from_str(&toml::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let s: Sample = toml::from_str("wait = \"500ms\"\nkeep = \"7d\"").unwrap();
        assert_eq!(s.wait, Duration::from_millis(500));
        assert_eq!(s.keep, Some(Duration::from_secs(7 * 86_400)));
        let err = toml::from_str::<Sample>("wait = 15\nkeep = \"1s\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no unit"), "{err}");
        let err = toml::from_str::<Sample>("wait = \"soon\"\nkeep = \"1s\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a duration"), "{err}");
    }
}
