//! Team and topic names, and the Kafka topic name `<team>.<topic>` built from them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest team name; keeps `<team>.<topic>` well under Kafka's 249-character limit.
pub const MAX_TEAM_LEN: usize = 64;
/// Longest topic name within a team.
pub const MAX_TOPIC_LEN: usize = 128;
/// Team name reserved for Herald's internal topics (`herald.retry.*`, `herald.dlq`, ...).
pub const RESERVED_TEAM: &str = "herald";
/// Prefix of the names of deployments other than the default, which teams may not start with.
pub const TEAM_PREFIX_RESERVED: &str = "herald-";
/// Per-team topic that carries Herald's operational events for the team.
pub const OPERATIONAL_TOPIC: &str = "herald";

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty.
    #[error("{kind} name must not be empty")]
    Empty {
        /// "team" or "topic".
        kind: &'static str,
    },
    /// The name is longer than allowed.
    #[error("{kind} name is {len} characters, the limit is {max}")]
    TooLong {
        /// "team" or "topic".
        kind: &'static str,
        /// Actual length.
        len: usize,
        /// Allowed length.
        max: usize,
    },
    /// The name contains a character outside `[a-z0-9-]`.
    #[error(
        "{kind} name {name:?} has {ch:?} at position {pos}; use lowercase letters, digits and '-'"
    )]
    BadChar {
        /// "team" or "topic".
        kind: &'static str,
        /// The offending name.
        name: String,
        /// The offending character.
        ch: char,
        /// Its character position.
        pos: usize,
    },
    /// The name starts or ends with '-'.
    #[error("{kind} name {name:?} must not start or end with '-'")]
    EdgeDash {
        /// "team" or "topic".
        kind: &'static str,
        /// The offending name.
        name: String,
    },
    /// The name is reserved for Herald itself.
    #[error("{kind} name {name:?} is reserved")]
    Reserved {
        /// "team" or "topic".
        kind: &'static str,
        /// The offending name.
        name: String,
    },
    /// A deployment name that is neither `herald` nor `herald-<name>`.
    #[error("deployment name {0:?} must be \"herald\" or start with \"herald-\"")]
    Deployment(String),
    /// A Kafka topic name that is not `<team>.<topic>`.
    #[error("kafka topic {0:?} is not of the form <team>.<topic>")]
    NotQualified(String),
}

fn validate(kind: &'static str, name: &str, max: usize) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty { kind });
    }
    let len = name.chars().count();
    if len > max {
        return Err(NameError::TooLong { kind, len, max });
    }
    if let Some((pos, ch)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(NameError::BadChar {
            kind,
            name: name.to_owned(),
            ch,
            pos,
        });
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(NameError::EdgeDash {
            kind,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// A validated team name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TeamName(String);

impl TeamName {
    /// Validates a team name that users may create.
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        validate("team", &name, MAX_TEAM_LEN)?;
        // `herald` and `herald-*` name deployments, whose internal topics are `<deployment>.*`.
        if name == RESERVED_TEAM || name.starts_with(TEAM_PREFIX_RESERVED) {
            return Err(NameError::Reserved { kind: "team", name });
        }
        Ok(Self(name))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated topic name within a team.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TopicName(String);

impl TopicName {
    /// Validates a topic name that users may create (the operational topic is reserved).
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        let topic = Self::parse(name)?;
        if topic.0 == OPERATIONAL_TOPIC {
            return Err(NameError::Reserved {
                kind: "topic",
                name: topic.0,
            });
        }
        Ok(topic)
    }

    /// Validates a topic name for reading, which may name the operational topic.
    pub fn parse(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        validate("topic", &name, MAX_TOPIC_LEN)?;
        Ok(Self(name))
    }

    /// The per-team operational topic.
    pub fn operational() -> Self {
        Self(OPERATIONAL_TOPIC.to_owned())
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($t:ty, $ctor:path) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, NameError> {
                $ctor(s)
            }
        }
        impl From<$t> for String {
            fn from(n: $t) -> String {
                n.0
            }
        }
    };
}
string_newtype_impls!(TeamName, TeamName::new);
string_newtype_impls!(TopicName, TopicName::parse);

/// A team's topic, which is the Kafka topic `<team>.<topic>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicRef {
    /// Owning team.
    pub team: TeamName,
    /// Topic within the team.
    pub topic: TopicName,
}

impl TopicRef {
    /// Validates both parts (the topic may be the operational one).
    pub fn parse(team: &str, topic: &str) -> Result<Self, NameError> {
        Ok(Self {
            team: TeamName::new(team)?,
            topic: TopicName::parse(topic)?,
        })
    }

    /// Parses a Kafka topic name of the form `<team>.<topic>`.
    pub fn from_kafka(name: &str) -> Result<Self, NameError> {
        let (team, topic) = name
            .split_once('.')
            .ok_or_else(|| NameError::NotQualified(name.to_owned()))?;
        Self::parse(team, topic)
    }

    /// The Kafka topic name.
    pub fn kafka_topic(&self) -> String {
        format!("{}.{}", self.team, self.topic)
    }
}

impl fmt::Display for TopicRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.team, self.topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_names() {
        assert_eq!(TeamName::new("acme-1").unwrap().as_str(), "acme-1");
        let t = TopicRef::parse("acme", "orders").unwrap();
        assert_eq!(t.kafka_topic(), "acme.orders");
        assert_eq!(TopicRef::from_kafka("acme.orders").unwrap(), t);
    }

    #[test]
    fn refuses_bad_names_with_typed_errors() {
        assert_eq!(TeamName::new(""), Err(NameError::Empty { kind: "team" }));
        assert!(matches!(
            TeamName::new("Acme"),
            Err(NameError::BadChar {
                ch: 'A',
                pos: 0,
                ..
            })
        ));
        assert!(matches!(
            TopicName::new("a.b"),
            Err(NameError::BadChar {
                ch: '.',
                pos: 1,
                ..
            })
        ));
        assert!(matches!(
            TeamName::new("-x"),
            Err(NameError::EdgeDash { .. })
        ));
        assert!(matches!(
            TeamName::new("herald"),
            Err(NameError::Reserved { .. })
        ));
        assert!(matches!(
            TopicName::new("herald"),
            Err(NameError::Reserved { .. })
        ));
        assert!(matches!(
            TeamName::new("herald-staging"),
            Err(NameError::Reserved { .. })
        ));
        assert!(TeamName::new("heralds").is_ok());
        assert!(TopicName::parse("herald").is_ok());
        assert!(matches!(
            TeamName::new("a".repeat(65)),
            Err(NameError::TooLong {
                len: 65,
                max: 64,
                ..
            })
        ));
        assert!(matches!(TeamName::new("é"), Err(NameError::BadChar { .. })));
        assert!(matches!(
            TopicRef::from_kafka("nodot"),
            Err(NameError::NotQualified(_))
        ));
    }
}

/// The internal topics and groups of one deployment, shared by delivery (writer), the control
/// plane (reader, replay writer), ingest and the edge, with one retention policy whichever
/// service creates them first.
pub mod internal {
    use std::fmt;

    use serde::{Deserialize, Serialize};

    use super::{NameError, RESERVED_TEAM, TEAM_PREFIX_RESERVED, validate};

    const DAY_MS: i64 = 86_400_000;
    /// Longest deployment name; keeps every derived group id short.
    pub const MAX_DEPLOYMENT_LEN: usize = 40;

    /// The name of one Herald deployment (default `herald`). It prefixes every internal topic
    /// and group id, so several deployments (staging and production, two `herald dev` runs)
    /// share a Kafka cluster without touching each other. Any name other than `herald` is
    /// `herald-<something>`: teams may not start with `herald` (see [`super::TeamName::new`]),
    /// so no team topic `<team>.<topic>` can ever be a deployment's internal topic.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(try_from = "String", into = "String")]
    pub struct Deployment(String);

    impl Default for Deployment {
        fn default() -> Self {
            Self(RESERVED_TEAM.to_owned())
        }
    }

    impl Deployment {
        /// Validates a deployment name: `herald` or `herald-<lowercase letters, digits, '-'>`.
        pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
            let name = name.into();
            validate("deployment", &name, MAX_DEPLOYMENT_LEN)?;
            // `validate` already refuses a trailing '-', so `herald-` cannot pass.
            if name == RESERVED_TEAM || name.starts_with(TEAM_PREFIX_RESERVED) {
                Ok(Self(name))
            } else {
                Err(NameError::Deployment(name))
            }
        }

        /// The name as a string.
        pub fn as_str(&self) -> &str {
            &self.0
        }

        fn topic(&self, suffix: &str) -> String {
            format!("{}.{suffix}", self.0)
        }

        /// Dead-lettered tasks.
        pub fn dlq_topic(&self) -> String {
            self.topic("dlq")
        }

        /// One record per HTTP attempt.
        pub fn attempts_topic(&self) -> String {
            self.topic("attempts")
        }

        /// Tasks written by the control plane's replay RPCs, due at once.
        pub fn replay_topic(&self) -> String {
            self.topic("replay")
        }

        /// The control plane's state (compacted).
        pub fn control_topic(&self) -> String {
            self.topic("control")
        }

        /// Delivery's endpoint state by subscription: circuit and failing-since (compacted).
        pub fn endpoint_state_topic(&self) -> String {
            self.topic("endpoint-state")
        }

        /// Replies of async request-reply, key = reply id (written by ingest, read by the edge).
        pub fn replies_topic(&self) -> String {
            self.topic("replies")
        }

        /// Ingest's idempotency log: claims and receipts of producer-chosen event ids, key =
        /// `<kafka topic>/<event id>` (compacted, kept for the idempotency window).
        pub fn idempotency_topic(&self) -> String {
            self.topic("idempotency")
        }

        /// Prefix of the retry tiers: `<deployment>.retry.<delay>`.
        pub fn retry_prefix(&self) -> String {
            self.topic("retry.")
        }

        /// The delivery workers' consumer group.
        pub fn delivery_group(&self) -> String {
            format!("{}-delivery", self.0)
        }

        /// The consumer group of the named pull consumer `name` of `team`.
        pub fn consumer_group(&self, team: &str, name: &str) -> String {
            format!("{}.consumer.{team}.{name}", self.0)
        }

        /// The name a non-joining reader of `service` gives itself (`group.id` is required).
        pub fn reader_group(&self, service: &str) -> String {
            format!("{}-{service}", self.0)
        }
    }

    impl fmt::Display for Deployment {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl TryFrom<String> for Deployment {
        type Error = NameError;
        fn try_from(s: String) -> Result<Self, NameError> {
            Self::new(s)
        }
    }

    impl From<Deployment> for String {
        fn from(d: Deployment) -> String {
            d.0
        }
    }

    /// Partitions of the internal topics unless configured otherwise.
    pub const DEFAULT_PARTITIONS: i32 = 6;
    /// Dead letters wait a month for a replay.
    pub const DLQ_RETENTION_MS: i64 = 30 * DAY_MS;
    /// The attempt history covers a week.
    pub const ATTEMPTS_RETENTION_MS: i64 = 7 * DAY_MS;
    /// Replayed tasks are consumed at once; a week covers a stopped fleet.
    pub const REPLAY_RETENTION_MS: i64 = 7 * DAY_MS;
    /// Replies are kept a day unless ingest's `reply_ttl` says otherwise: a reply id expires
    /// with its reply, so nobody waits for a reply Kafka no longer has.
    pub const REPLIES_RETENTION_MS: i64 = DAY_MS;

    /// Retention of a retry tier with this delay: well past the delay, so a stopped fleet loses
    /// no task, and at least a week.
    pub fn retry_retention_ms(delay_ms: i64) -> i64 {
        delay_ms.saturating_mul(4).max(7 * DAY_MS)
    }
}

#[cfg(test)]
mod deployment_tests {
    use super::internal::Deployment;
    use super::*;

    #[test]
    fn deployments_prefix_every_internal_name() {
        let default = Deployment::default();
        assert_eq!(default.dlq_topic(), "herald.dlq");
        assert_eq!(default.control_topic(), "herald.control");
        assert_eq!(default.retry_prefix(), "herald.retry.");
        assert_eq!(default.delivery_group(), "herald-delivery");
        assert_eq!(
            default.consumer_group("acme", "billing"),
            "herald.consumer.acme.billing"
        );
        let staging = Deployment::new("herald-staging").unwrap();
        assert_eq!(staging.attempts_topic(), "herald-staging.attempts");
        assert_eq!(
            staging.endpoint_state_topic(),
            "herald-staging.endpoint-state"
        );
        assert_eq!(staging.replies_topic(), "herald-staging.replies");
        assert_eq!(staging.replay_topic(), "herald-staging.replay");
        assert_eq!(staging.idempotency_topic(), "herald-staging.idempotency");
        assert_eq!(staging.delivery_group(), "herald-staging-delivery");
        assert_eq!(staging.reader_group("edge"), "herald-staging-edge");
        for bad in ["staging", "herald-", "herald_x", "Herald", "heraldx", ""] {
            assert!(Deployment::new(bad).is_err(), "{bad}");
        }
        // No team can own a deployment's internal topic.
        assert!(TopicRef::from_kafka(&staging.dlq_topic()).is_err());
        assert!(TopicRef::from_kafka(&default.dlq_topic()).is_err());
        assert_eq!(
            Deployment::try_from("herald-b".to_owned())
                .unwrap()
                .as_str(),
            "herald-b"
        );
    }
}
