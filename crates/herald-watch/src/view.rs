use std::collections::{BTreeMap, HashMap};

use herald_core::event_type_matches;
use herald_proto::v1::{
    ApiKey, Entity, EventType, Grant, Snapshot, Subscription, SubscriptionState, Team, Topic,
    WatchEvent, entity, watch_event,
};

/// Every entity of the control plane at one revision.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Revision of the last change applied.
    pub revision: i64,
    /// Teams by name.
    pub teams: BTreeMap<String, Team>,
    /// Topics by Kafka topic name (`<team>.<topic>`).
    pub topics: BTreeMap<String, Topic>,
    /// API keys by id.
    pub keys: BTreeMap<String, ApiKey>,
    /// Grants by id.
    pub grants: BTreeMap<String, Grant>,
    /// Subscriptions by id.
    pub subscriptions: BTreeMap<String, Subscription>,
    /// The event-type catalog by `<team>/<name>`.
    pub event_types: BTreeMap<String, EventType>,
    key_by_hash: HashMap<String, String>,
}

impl View {
    /// A view holding exactly `entities`.
    pub fn from_entities(revision: i64, entities: impl IntoIterator<Item = Entity>) -> Self {
        let mut view = Self {
            revision,
            ..Self::default()
        };
        for e in entities {
            view.upsert(e);
        }
        view
    }

    /// Applies one Watch message: a snapshot replaces everything, an upsert or a deletion
    /// changes one entity.
    pub fn apply(&mut self, event: WatchEvent) {
        match event.event {
            Some(watch_event::Event::Snapshot(Snapshot { entities })) => {
                *self = Self::from_entities(event.revision, entities);
            }
            Some(watch_event::Event::Upsert(e)) => self.upsert(e),
            Some(watch_event::Event::Deleted(id)) => self.delete(&id),
            None => {}
        }
        self.revision = self.revision.max(event.revision);
    }

    /// Inserts or replaces one entity.
    pub fn upsert(&mut self, entity: Entity) {
        let Some(kind) = entity.kind else { return };
        match kind {
            entity::Kind::Team(t) => {
                self.teams.insert(t.name.clone(), t);
            }
            entity::Kind::Topic(t) => {
                self.topics.insert(format!("{}.{}", t.team, t.name), t);
            }
            entity::Kind::ApiKey(k) => {
                if let Some(old) = self.keys.get(&k.id) {
                    self.key_by_hash.remove(&old.key_hash);
                }
                if !k.key_hash.is_empty() {
                    self.key_by_hash.insert(k.key_hash.clone(), k.id.clone());
                }
                self.keys.insert(k.id.clone(), k);
            }
            entity::Kind::Grant(g) => {
                self.grants.insert(g.id.clone(), g);
            }
            entity::Kind::Subscription(s) => {
                self.subscriptions.insert(s.id.clone(), s);
            }
            entity::Kind::EventType(t) => {
                self.event_types.insert(format!("{}/{}", t.team, t.name), t);
            }
        }
    }

    /// Removes the entity with this id (see [`crate::entity_id`]).
    pub fn delete(&mut self, id: &str) {
        let Some((kind, rest)) = id.split_once('/') else {
            return;
        };
        match kind {
            "team" => {
                self.teams.remove(rest);
            }
            "topic" => {
                if let Some((team, name)) = rest.split_once('/') {
                    self.topics.remove(&format!("{team}.{name}"));
                }
            }
            "key" => {
                if let Some(k) = self.keys.remove(rest) {
                    self.key_by_hash.remove(&k.key_hash);
                }
            }
            "grant" => {
                self.grants.remove(rest);
            }
            "subscription" => {
                self.subscriptions.remove(rest);
            }
            "event-type" => {
                self.event_types.remove(rest);
            }
            _ => {}
        }
    }

    /// Every entity, e.g. for a snapshot.
    pub fn entities(&self) -> Vec<Entity> {
        let wrap = |kind| Entity { kind: Some(kind) };
        let mut out = Vec::new();
        out.extend(
            self.teams
                .values()
                .cloned()
                .map(entity::Kind::Team)
                .map(wrap),
        );
        out.extend(
            self.topics
                .values()
                .cloned()
                .map(entity::Kind::Topic)
                .map(wrap),
        );
        out.extend(
            self.keys
                .values()
                .cloned()
                .map(entity::Kind::ApiKey)
                .map(wrap),
        );
        out.extend(
            self.grants
                .values()
                .cloned()
                .map(entity::Kind::Grant)
                .map(wrap),
        );
        out.extend(
            self.subscriptions
                .values()
                .cloned()
                .map(entity::Kind::Subscription)
                .map(wrap),
        );
        out.extend(
            self.event_types
                .values()
                .cloned()
                .map(entity::Kind::EventType)
                .map(wrap),
        );
        out
    }

    /// Event type `name` of `team`'s catalog, if it exists.
    pub fn event_type(&self, team: &str, name: &str) -> Option<&EventType> {
        self.event_types.get(&format!("{team}/{name}"))
    }

    /// The topic `<team>.<name>`, if it exists.
    pub fn topic(&self, team: &str, name: &str) -> Option<&Topic> {
        self.topics.get(&format!("{team}.{name}"))
    }

    /// The API key with this hash (hex SHA-256 of the key).
    pub fn key_by_hash(&self, hash: &str) -> Option<&ApiKey> {
        self.key_by_hash.get(hash).and_then(|id| self.keys.get(id))
    }

    /// Whether `reader` may read `<team>.<topic>`: it owns it, or holds a grant for it.
    pub fn may_read(&self, reader: &str, team: &str, topic: &str) -> bool {
        reader == team
            || self
                .grants
                .values()
                .any(|g| g.team == team && g.topic == topic && g.grantee == reader)
    }

    /// Active subscriptions that receive `event_type` from Kafka topic `kafka_topic`.
    pub fn subscriptions_for<'a>(
        &'a self,
        kafka_topic: &'a str,
        event_type: &'a str,
    ) -> impl Iterator<Item = &'a Subscription> + 'a {
        self.subscriptions.values().filter(move |s| {
            s.state == SubscriptionState::Active as i32
                && s.topics.iter().any(|t| t == kafka_topic)
                && event_type_matches(&s.event_types, event_type)
        })
    }

    /// Kafka topics that at least one subscription (in any state) names.
    pub fn subscribed_topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self
            .subscriptions
            .values()
            .flat_map(|s| s.topics.iter().cloned())
            .collect();
        topics.sort();
        topics.dedup();
        topics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, topics: &[&str], types: &[&str], state: SubscriptionState) -> Entity {
        Entity {
            kind: Some(entity::Kind::Subscription(Subscription {
                id: id.into(),
                team: "acme".into(),
                topics: topics.iter().map(|t| t.to_string()).collect(),
                event_types: types.iter().map(|t| t.to_string()).collect(),
                state: state as i32,
                ..Default::default()
            })),
        }
    }

    #[test]
    fn snapshot_upsert_delete() {
        let mut v = View::default();
        v.apply(WatchEvent {
            revision: 5,
            event: Some(watch_event::Event::Snapshot(Snapshot {
                entities: vec![
                    sub(
                        "s1",
                        &["acme.orders"],
                        &["order.*"],
                        SubscriptionState::Active,
                    ),
                    sub("s2", &["acme.orders"], &[], SubscriptionState::Paused),
                ],
            })),
        });
        assert_eq!(v.revision, 5);
        let ids: Vec<&str> = v
            .subscriptions_for("acme.orders", "order.paid")
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, ["s1"]);
        assert_eq!(
            v.subscriptions_for("acme.orders", "user.created").count(),
            0
        );
        v.apply(WatchEvent {
            revision: 6,
            event: Some(watch_event::Event::Deleted("subscription/s1".into())),
        });
        assert_eq!(v.subscriptions_for("acme.orders", "order.paid").count(), 0);
        assert_eq!(v.subscribed_topics(), ["acme.orders"]);
        let e = sub("s3", &["acme.users"], &[], SubscriptionState::Active);
        assert_eq!(
            crate::entity_id::id_of(&e).as_deref(),
            Some("subscription/s3")
        );
        v.apply(WatchEvent {
            revision: 7,
            event: Some(watch_event::Event::Upsert(e)),
        });
        assert_eq!(v.revision, 7);
        assert_eq!(v.entities().len(), 2);
    }
}
