//! The ids of the control plane's entities: the record keys of `herald.control` and the ids of
//! `WatchEvent.deleted`, spelled in one place.

use herald_proto::v1::{Entity, entity};

/// The id of team `name`.
pub fn team(name: &str) -> String {
    format!("team/{name}")
}

/// The id of topic `name` of `team`.
pub fn topic(team: &str, name: &str) -> String {
    format!("topic/{team}/{name}")
}

/// The id of API key `id`.
pub fn key(id: &str) -> String {
    format!("key/{id}")
}

/// The id of grant `id`.
pub fn grant(id: &str) -> String {
    format!("grant/{id}")
}

/// The id of subscription `id`.
pub fn subscription(id: &str) -> String {
    format!("subscription/{id}")
}

/// The id of event type `name` of `team`.
pub fn event_type(team: &str, name: &str) -> String {
    format!("event-type/{team}/{name}")
}

/// The id of any entity (`None` for an empty one).
pub fn id_of(entity: &Entity) -> Option<String> {
    Some(match entity.kind.as_ref()? {
        entity::Kind::Team(t) => team(&t.name),
        entity::Kind::Topic(t) => topic(&t.team, &t.name),
        entity::Kind::ApiKey(k) => key(&k.id),
        entity::Kind::Grant(g) => grant(&g.id),
        entity::Kind::Subscription(s) => subscription(&s.id),
        entity::Kind::EventType(t) => event_type(&t.team, &t.name),
    })
}
