//! Authorization that follows the control plane for the whole life of a stream: a revoked key
//! or grant, or a deleted topic, ends the streams that depended on it.

use herald_watch::{Action, ConfigHandle, Principal};

/// Who opened a stream, by what can be revoked.
#[derive(Debug, Clone)]
enum Holder {
    Root,
    Internal,
    /// An API key (by bearer or through an access token minted for it), by id.
    Key(String),
}

/// Re-checks one open stream's right to its topic whenever the configuration changes.
pub(crate) struct Guard {
    config: ConfigHandle,
    holder: Holder,
    team: String,
    topic: String,
    /// False once the configuration source has gone away (the node is stopping).
    following: bool,
}

impl Guard {
    /// A guard for a stream of `team/topic` opened by `principal`, following changes after
    /// the latest view. Check [`Guard::revoked`] once after this: a change may have come
    /// between the authorization and now.
    pub fn new(mut config: ConfigHandle, principal: &Principal, team: &str, topic: &str) -> Self {
        config.mark_seen();
        let holder = match principal {
            Principal::Root => Holder::Root,
            Principal::Internal => Holder::Internal,
            Principal::Key(k) => Holder::Key(k.id.clone()),
        };
        Self {
            config,
            holder,
            team: team.to_owned(),
            topic: topic.to_owned(),
            following: true,
        }
    }

    /// Resolves at the next configuration change; never once the source is gone.
    pub async fn changed(&mut self) {
        if self.following && self.config.changed().await {
            return;
        }
        self.following = false;
        std::future::pending::<()>().await;
    }

    /// Why the stream may no longer run, if the latest view refuses it.
    pub fn revoked(&self) -> Option<String> {
        let view = self.config.current();
        let principal = match &self.holder {
            Holder::Root => Principal::Root,
            Holder::Internal => Principal::Internal,
            Holder::Key(id) => match view.keys.get(id) {
                Some(key) => Principal::Key(key.clone()),
                None => return Some(format!("the api key {id} was revoked")),
            },
        };
        if view.topic(&self.team, &self.topic).is_none() {
            return Some(format!(
                "the topic {}/{} was deleted",
                self.team, self.topic
            ));
        }
        principal
            .authorize(
                &view,
                Action::Subscribe {
                    team: &self.team,
                    topic: &self.topic,
                },
            )
            .err()
            .map(|denied| denied.to_string())
    }
}
