//! Authorization that follows the control plane for the whole life of a stream: a revoked key
//! or grant, or a deleted topic, ends the streams that depended on it, and so does the expiry
//! of a key that has one (a portal token), at that instant.

use std::time::Duration;

use herald_watch::{Action, ConfigHandle, Principal, check_expiry, now_ms};

/// Who opened a stream, by what can be revoked.
#[derive(Debug, Clone)]
enum Holder {
    Root,
    Internal,
    /// An API key (by bearer or through an access token minted for it), by id.
    Key(Box<str>),
}

/// Re-checks one open stream's right to its topic whenever the configuration changes.
pub(crate) struct Guard {
    config: ConfigHandle,
    holder: Holder,
    /// The team's name followed by the topic's, in one allocation (one per stream).
    scope: Box<str>,
    /// Where the team's name ends in `scope`.
    team_len: usize,
    /// When the key expires (unix ms); 0 = never. A key's expiry never changes.
    expires_at_ms: i64,
    /// False once the configuration source has gone away (the node is stopping).
    following: bool,
}

impl Guard {
    /// A guard for a stream of `team/topic` opened by `principal`, following changes after
    /// the latest view. Check [`Guard::revoked`] once after this: a change may have come
    /// between the authorization and now.
    pub fn new(mut config: ConfigHandle, principal: &Principal, team: &str, topic: &str) -> Self {
        config.mark_seen();
        let expires_at_ms = match principal {
            Principal::Key(k) => k.expires_at_ms,
            Principal::Root | Principal::Internal => 0,
        };
        let holder = match principal {
            Principal::Root => Holder::Root,
            Principal::Internal => Holder::Internal,
            Principal::Key(k) => Holder::Key(k.id.as_str().into()),
        };
        Self {
            config,
            holder,
            scope: [team, topic].concat().into(),
            team_len: team.len(),
            expires_at_ms,
            following: true,
        }
    }

    /// When the key expires, if it does.
    pub fn expires_at(&self) -> Option<tokio::time::Instant> {
        (self.expires_at_ms > 0).then(|| {
            let left = u64::try_from(self.expires_at_ms - now_ms()).unwrap_or_default();
            tokio::time::Instant::now() + Duration::from_millis(left)
        })
    }

    /// Resolves at the next configuration change or when the key expires, whichever comes
    /// first (then [`Guard::revoked`] says whether the stream must end). Cancel-safe.
    pub async fn changed(&mut self) {
        let expiry = self.expires_at();
        let expired = async move {
            match expiry {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(expired);
        if self.following {
            tokio::select! {
                alive = self.config.changed() => {
                    if alive {
                        return;
                    }
                    self.following = false;
                }
                () = &mut expired => return,
            }
        }
        expired.await;
    }

    /// Why the stream may no longer run, if the latest view refuses it.
    pub fn revoked(&self) -> Option<String> {
        let (team, topic) = self.scope.split_at(self.team_len);
        let view = self.config.current();
        let principal = match &self.holder {
            Holder::Root => Principal::Root,
            Holder::Internal => Principal::Internal,
            Holder::Key(id) => match view.keys.get(&**id) {
                Some(key) => {
                    if let Err(expired) = check_expiry(key, now_ms()) {
                        return Some(expired.to_string());
                    }
                    Principal::Key(key.clone())
                }
                None => return Some(format!("the api key {id} was revoked")),
            },
        };
        if view.topic(team, topic).is_none() {
            return Some(format!("the topic {team}/{topic} was deleted"));
        }
        principal
            .authorize(&view, Action::Subscribe { team, topic })
            .err()
            .map(|denied| denied.to_string())
    }
}
