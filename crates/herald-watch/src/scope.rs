//! The scope model: what each kind of caller may do, decided in one place.
//!
//! Every RPC and HTTP route names the [`Action`] it performs and asks
//! [`Principal::authorize`]; `docs/security.md` states the same table in prose.

use herald_proto::v1::{ApiKey, Scope};

use crate::View;
use crate::auth::{Denied, Principal};

/// What a caller asks to do, named by the resource it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Create or delete teams: the root key only.
    ManageTeams,
    /// Read a team's metadata (the team, its topics, its grants): any key of the team.
    ReadTeam {
        /// The team read.
        team: &'a str,
    },
    /// Change a team's topics, keys and grants, mint its portal tokens, or replay a topic into
    /// a subscription: an admin key of the team.
    AdminTeam {
        /// The team changed.
        team: &'a str,
    },
    /// Create, change, pause, resume, rotate and delete a team's subscriptions, replay their
    /// dead letters and send them test events: an admin key of the team, or its portal token
    /// (which has the subscribe scope, so it also reads deliveries and streams, and nothing
    /// else).
    ManageSubscriptions {
        /// The subscriptions' team.
        team: &'a str,
    },
    /// Read a subscription's settings, attempts and dead letters (which hold event payloads):
    /// an admin key, or a subscribe key whose topic restriction covers every topic of it.
    ReadDeliveries {
        /// The subscription's team.
        team: &'a str,
        /// The subscription's Kafka topics (`<team>.<topic>`).
        topics: &'a [String],
    },
    /// Publish to `<team>.<topic>`: a publish (or admin) key of the team, within its topics.
    Publish {
        /// The owning team.
        team: &'a str,
        /// The topic within the team.
        topic: &'a str,
    },
    /// Read `<team>.<topic>` as a stream: a subscribe (or admin) key of the owner or of a team
    /// holding a grant, within its topics.
    Subscribe {
        /// The owning team.
        team: &'a str,
        /// The topic within the team.
        topic: &'a str,
    },
    /// Follow the whole configuration (`Watch`): root (without secrets) or internal.
    WatchConfig,
    /// Disable a subscription after its endpoint answered 410: internal, or an admin key.
    DisableSubscription {
        /// The subscription's team.
        team: &'a str,
    },
    /// Say who the caller is (`WhoAmI`): anyone authenticated.
    WhoAmI,
    /// Read a team's event-type catalog: any key of the team, or a subscribe key of a team
    /// holding a grant on one of its topics (subscribers read the schemas of what they get).
    ReadCatalog {
        /// The catalog's team.
        team: &'a str,
    },
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Publish => "publish",
        Scope::Subscribe => "subscribe",
        Scope::Admin => "admin",
        Scope::Unspecified => "unspecified",
    }
}

fn has_scope(key: &ApiKey, scope: Scope) -> bool {
    key.scopes.contains(&(scope as i32)) || key.scopes.contains(&(Scope::Admin as i32))
}

/// Whether the key's topic restriction (names within its team or `<team>.<topic>`) allows it.
fn topic_allowed(key: &ApiKey, team: &str, topic: &str) -> bool {
    key.topics.is_empty()
        || key.topics.iter().any(|t| {
            (team == key.team && t == topic)
                || t.split_once('.')
                    .is_some_and(|(tt, tn)| tt == team && tn == topic)
        })
}

impl Principal {
    /// Decides whether this caller may perform `action`, with `view` as the current grants.
    pub fn authorize(&self, view: &View, action: Action<'_>) -> Result<(), Denied> {
        let key = match self {
            Self::Root => {
                return match action {
                    Action::Publish { .. }
                    | Action::Subscribe { .. }
                    | Action::ManageTeams
                    | Action::ReadTeam { .. }
                    | Action::AdminTeam { .. }
                    | Action::ReadDeliveries { .. }
                    | Action::ManageSubscriptions { .. }
                    | Action::WatchConfig
                    | Action::DisableSubscription { .. }
                    | Action::ReadCatalog { .. }
                    | Action::WhoAmI => Ok(()),
                };
            }
            Self::Internal => {
                return match action {
                    Action::WatchConfig
                    | Action::DisableSubscription { .. }
                    | Action::ReadTeam { .. }
                    | Action::ReadDeliveries { .. }
                    | Action::Subscribe { .. }
                    | Action::ReadCatalog { .. }
                    | Action::WhoAmI => Ok(()),
                    Action::ManageTeams => Err(self.denied("only the root key may do this")),
                    Action::AdminTeam { .. }
                    | Action::ManageSubscriptions { .. }
                    | Action::Publish { .. } => {
                        Err(self.denied("Herald's internal credential may not change state"))
                    }
                };
            }
            Self::Key(key) => key,
        };
        let own = |team: &str| {
            if key.team == team {
                Ok(())
            } else {
                Err(self.denied(&format!("the key belongs to another team than {team}")))
            }
        };
        let scoped = |scope: Scope| {
            if has_scope(key, scope) {
                Ok(())
            } else {
                Err(self.denied(&format!("the key lacks the {} scope", scope_name(scope))))
            }
        };
        match action {
            Action::WhoAmI => Ok(()),
            Action::ManageTeams => Err(self.denied("only the root key may do this")),
            Action::WatchConfig => Err(self.denied(
                "only the root key or Herald's internal credential may watch the configuration",
            )),
            Action::ReadTeam { team } if key.team != team => {
                Err(self.denied(&format!("the key does not belong to team {team}")))
            }
            Action::ReadTeam { .. } => Ok(()),
            Action::ReadCatalog { team } if key.team == team => Ok(()),
            Action::ReadCatalog { team } => {
                if !view
                    .grants
                    .values()
                    .any(|g| g.team == team && g.grantee == key.team)
                {
                    return Err(self.denied(&format!(
                        "team {} has no grant on a topic of {team}",
                        key.team
                    )));
                }
                scoped(Scope::Subscribe)
            }
            Action::AdminTeam { team } | Action::DisableSubscription { team } => {
                own(team)?;
                scoped(Scope::Admin)
            }
            // A portal token manages its team's endpoints; its subscribe scope is checked too,
            // so a portal flag on a key without it grants nothing.
            Action::ManageSubscriptions { team } if key.portal => {
                own(team)?;
                scoped(Scope::Subscribe)
            }
            Action::ManageSubscriptions { team } => {
                own(team)?;
                scoped(Scope::Admin)
            }
            Action::ReadDeliveries { team, topics } => {
                own(team)?;
                scoped(Scope::Subscribe)?;
                match topics.iter().find(|t| {
                    !t.split_once('.')
                        .is_some_and(|(tt, tn)| topic_allowed(key, tt, tn))
                }) {
                    None => Ok(()),
                    Some(t) => {
                        Err(self.denied(&format!("the key is restricted to other topics than {t}")))
                    }
                }
            }
            Action::Publish { team, topic } => {
                own(team)?;
                scoped(Scope::Publish)?;
                if topic_allowed(key, team, topic) {
                    Ok(())
                } else {
                    Err(self.denied(&format!(
                        "the key is restricted to other topics than {topic}"
                    )))
                }
            }
            Action::Subscribe { team, topic } => {
                if !view.may_read(&key.team, team, topic) {
                    return Err(self.denied(&format!(
                        "team {} has no grant for {team}.{topic}",
                        key.team
                    )));
                }
                scoped(Scope::Subscribe)?;
                if topic_allowed(key, team, topic) {
                    Ok(())
                } else {
                    Err(self.denied(&format!(
                        "the key is restricted to other topics than {team}.{topic}"
                    )))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Authenticator;
    use crate::auth::tests::{key, view};

    /// Callers of the table: root, internal, keys of team acme (admin, publish restricted to
    /// orders, subscribe, subscribe restricted to orders, a portal token) and of team beta
    /// (subscribe, admin, a portal token). The view has a grant of acme.orders to beta.
    const CALLERS: [&str; 10] = [
        "root",
        "internal",
        "admin-key",
        "pub-key",
        "acme-sub",
        "sub-orders",
        "acme-portal",
        "sub-key",
        "beta-admin",
        "beta-portal",
    ];

    /// A portal token of `team`, as CreatePortalToken makes one (without an expiry, so the
    /// table does not depend on the clock).
    fn portal(id: &str, team: &str, secret: &str) -> herald_proto::v1::Entity {
        let mut e = key(id, team, &[Scope::Subscribe], &[], secret);
        if let Some(herald_proto::v1::entity::Kind::ApiKey(k)) = &mut e.kind {
            k.portal = true;
        }
        e
    }

    fn principal(view: &View, who: &str) -> Principal {
        Authenticator::new(Some("root"), Some("internal"))
            .authenticate_token(view, who)
            .unwrap()
    }

    #[test]
    fn every_action_for_every_caller() {
        let mut v = view();
        for e in [
            key("k4", "acme", &[Scope::Subscribe], &[], "acme-sub"),
            key("k5", "acme", &[Scope::Subscribe], &["orders"], "sub-orders"),
            key("k6", "beta", &[Scope::Admin], &[], "beta-admin"),
            portal("k7", "acme", "acme-portal"),
            portal("k8", "beta", "beta-portal"),
        ] {
            v.upsert(e);
        }
        let orders = ["acme.orders".to_owned()];
        let both = ["acme.orders".to_owned(), "acme.users".to_owned()];
        // One row per action: whether each caller of CALLERS is allowed (1) or refused (0).
        let table: [(Action, [u8; 10]); 17] = [
            (Action::ManageTeams, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            (
                Action::ReadTeam { team: "acme" },
                [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
            ),
            (
                Action::AdminTeam { team: "acme" },
                [1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
            ),
            (
                Action::AdminTeam { team: "beta" },
                [1, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            ),
            (
                Action::ReadDeliveries {
                    team: "acme",
                    topics: &orders,
                },
                [1, 1, 1, 0, 1, 1, 1, 0, 0, 0],
            ),
            (
                Action::ReadDeliveries {
                    team: "acme",
                    topics: &both,
                },
                [1, 1, 1, 0, 1, 0, 1, 0, 0, 0],
            ),
            (
                Action::Publish {
                    team: "acme",
                    topic: "orders",
                },
                [1, 0, 1, 1, 0, 0, 0, 0, 0, 0],
            ),
            (
                Action::Publish {
                    team: "acme",
                    topic: "users",
                },
                [1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
            ),
            (
                Action::Subscribe {
                    team: "acme",
                    topic: "orders",
                },
                [1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
            ),
            (
                Action::Subscribe {
                    team: "acme",
                    topic: "users",
                },
                [1, 1, 1, 0, 1, 0, 1, 0, 0, 0],
            ),
            (
                Action::Subscribe {
                    team: "beta",
                    topic: "x",
                },
                [1, 1, 0, 0, 0, 0, 0, 1, 1, 1],
            ),
            (Action::WatchConfig, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
            (
                Action::DisableSubscription { team: "acme" },
                [1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
            ),
            (
                Action::DisableSubscription { team: "beta" },
                [1, 1, 0, 0, 0, 0, 0, 0, 1, 0],
            ),
            (
                Action::ManageSubscriptions { team: "acme" },
                [1, 0, 1, 0, 0, 0, 1, 0, 0, 0],
            ),
            (
                Action::ManageSubscriptions { team: "beta" },
                [1, 0, 0, 0, 0, 0, 0, 0, 1, 1],
            ),
            (Action::WhoAmI, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
        ];
        for (action, expected) in table {
            for (who, want) in CALLERS.iter().zip(expected) {
                let got = principal(&v, who).authorize(&v, action);
                assert_eq!(got.is_ok(), want == 1, "{who} on {action:?}: {got:?}");
            }
        }
    }

    #[test]
    fn refusals_say_why() {
        let v = view();
        let publisher = principal(&v, "pub-key");
        let e = publisher
            .authorize(
                &v,
                Action::Subscribe {
                    team: "acme",
                    topic: "orders",
                },
            )
            .unwrap_err();
        assert!(e.to_string().contains("lacks the subscribe scope"), "{e}");
        let reader = principal(&v, "sub-key");
        let e = reader
            .authorize(
                &v,
                Action::Subscribe {
                    team: "acme",
                    topic: "users",
                },
            )
            .unwrap_err();
        assert!(e.to_string().contains("no grant"), "{e}");
        let e = reader.authorize(&v, Action::ManageTeams).unwrap_err();
        assert!(e.to_string().contains("only the root key"), "{e}");
    }
}
