//! Thin typed wrappers of the control plane (`herald.v1.Control`): teams, topics, API keys,
//! subscriptions, delivery history and replay, and what the web console uses (who am I,
//! portal tokens, subscription health, test events). Calls that create something take the generated
//! request message, so optional fields are set with `..Default::default()`.

use std::time::Duration;

use herald_proto::v1 as proto;

use crate::{Client, Error};

/// A new API key and the key itself, which is shown only this once.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedApiKey {
    /// The key's metadata (never the key).
    pub key: proto::ApiKey,
    /// The key to send as `authorization: Bearer <key>`; store it now.
    pub secret: String,
}

/// A subscription and its signing secret (`whsec_...`), which is shown only this once.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedSubscription {
    /// The subscription.
    pub subscription: proto::Subscription,
    /// The secret to verify its webhooks with ([`crate::verify_webhook`]).
    pub secret: String,
}

fn required<T>(value: Option<T>, field: &'static str) -> Result<T, Error> {
    value.ok_or(Error::MissingField(field))
}

impl Client {
    /// Creates a team (root key only).
    pub async fn create_team(
        &self,
        request: proto::CreateTeamRequest,
    ) -> Result<proto::Team, Error> {
        Ok(self
            .control
            .clone()
            .create_team(request)
            .await?
            .into_inner())
    }

    /// One team.
    pub async fn get_team(&self, name: &str) -> Result<proto::Team, Error> {
        let request = proto::GetTeamRequest { name: name.into() };
        Ok(self.control.clone().get_team(request).await?.into_inner())
    }

    /// The teams the key may see: every team for the root key, its own for a team key.
    pub async fn list_teams(&self) -> Result<Vec<proto::Team>, Error> {
        let request = proto::ListTeamsRequest {};
        Ok(self
            .control
            .clone()
            .list_teams(request)
            .await?
            .into_inner()
            .teams)
    }

    /// Deletes a team without topics or subscriptions (root key only).
    pub async fn delete_team(&self, name: &str) -> Result<(), Error> {
        let request = proto::DeleteTeamRequest { name: name.into() };
        self.control.clone().delete_team(request).await?;
        Ok(())
    }

    /// Creates a topic and its Kafka topic `<team>.<name>`.
    pub async fn create_topic(
        &self,
        request: proto::CreateTopicRequest,
    ) -> Result<proto::Topic, Error> {
        Ok(self
            .control
            .clone()
            .create_topic(request)
            .await?
            .into_inner())
    }

    /// A team's topics.
    pub async fn list_topics(&self, team: &str) -> Result<Vec<proto::Topic>, Error> {
        let request = proto::ListTopicsRequest { team: team.into() };
        Ok(self
            .control
            .clone()
            .list_topics(request)
            .await?
            .into_inner()
            .topics)
    }

    /// A topic with its partitions' low and high offsets.
    pub async fn describe_topic(
        &self,
        team: &str,
        name: &str,
    ) -> Result<proto::TopicDescription, Error> {
        let request = proto::DescribeTopicRequest {
            team: team.into(),
            name: name.into(),
        };
        Ok(self
            .control
            .clone()
            .describe_topic(request)
            .await?
            .into_inner())
    }

    /// Deletes a topic no subscription uses.
    pub async fn delete_topic(&self, team: &str, name: &str) -> Result<(), Error> {
        let request = proto::DeleteTopicRequest {
            team: team.into(),
            name: name.into(),
        };
        self.control.clone().delete_topic(request).await?;
        Ok(())
    }

    /// Creates an API key; the key itself is in the answer only.
    pub async fn create_api_key(
        &self,
        request: proto::CreateApiKeyRequest,
    ) -> Result<CreatedApiKey, Error> {
        let created = self
            .control
            .clone()
            .create_api_key(request)
            .await?
            .into_inner();
        Ok(CreatedApiKey {
            key: required(created.key, "key")?,
            secret: created.secret,
        })
    }

    /// A team's API keys (never the keys themselves).
    pub async fn list_api_keys(&self, team: &str) -> Result<Vec<proto::ApiKey>, Error> {
        let request = proto::ListApiKeysRequest { team: team.into() };
        Ok(self
            .control
            .clone()
            .list_api_keys(request)
            .await?
            .into_inner()
            .keys)
    }

    /// Revokes an API key by its id.
    pub async fn revoke_api_key(&self, team: &str, id: &str) -> Result<(), Error> {
        let request = proto::RevokeApiKeyRequest {
            team: team.into(),
            id: id.into(),
        };
        self.control.clone().revoke_api_key(request).await?;
        Ok(())
    }

    /// Subscribes a webhook URL to topics; the signing secret is in the answer only.
    pub async fn create_subscription(
        &self,
        request: proto::CreateSubscriptionRequest,
    ) -> Result<CreatedSubscription, Error> {
        let created = self
            .control
            .clone()
            .create_subscription(request)
            .await?
            .into_inner();
        Ok(CreatedSubscription {
            subscription: required(created.subscription, "subscription")?,
            secret: created.secret,
        })
    }

    /// One subscription.
    pub async fn get_subscription(
        &self,
        team: &str,
        id: &str,
    ) -> Result<proto::Subscription, Error> {
        let request = proto::GetSubscriptionRequest {
            team: team.into(),
            id: id.into(),
        };
        Ok(self
            .control
            .clone()
            .get_subscription(request)
            .await?
            .into_inner())
    }

    /// A team's subscriptions.
    pub async fn list_subscriptions(&self, team: &str) -> Result<Vec<proto::Subscription>, Error> {
        let request = proto::ListSubscriptionsRequest { team: team.into() };
        Ok(self
            .control
            .clone()
            .list_subscriptions(request)
            .await?
            .into_inner()
            .subscriptions)
    }

    /// Changes a subscription: the fields named in `update_mask`, or every non-empty one.
    pub async fn update_subscription(
        &self,
        request: proto::UpdateSubscriptionRequest,
    ) -> Result<proto::Subscription, Error> {
        Ok(self
            .control
            .clone()
            .update_subscription(request)
            .await?
            .into_inner())
    }

    /// Stops deliveries; events wait in Kafka until [`Client::resume_subscription`].
    pub async fn pause_subscription(
        &self,
        team: &str,
        id: &str,
    ) -> Result<proto::Subscription, Error> {
        let request = proto::PauseSubscriptionRequest {
            team: team.into(),
            id: id.into(),
        };
        Ok(self
            .control
            .clone()
            .pause_subscription(request)
            .await?
            .into_inner())
    }

    /// Resumes a paused or disabled subscription.
    pub async fn resume_subscription(
        &self,
        team: &str,
        id: &str,
    ) -> Result<proto::Subscription, Error> {
        let request = proto::ResumeSubscriptionRequest {
            team: team.into(),
            id: id.into(),
        };
        Ok(self
            .control
            .clone()
            .resume_subscription(request)
            .await?
            .into_inner())
    }

    /// Issues a new signing secret. The old ones keep signing for `overlap` (`None`: the
    /// server's default of 24 hours; zero: they stop at once, for a leaked secret).
    pub async fn rotate_secret(
        &self,
        team: &str,
        id: &str,
        overlap: Option<Duration>,
    ) -> Result<CreatedSubscription, Error> {
        let request = proto::RotateSecretRequest {
            team: team.into(),
            id: id.into(),
            overlap_ms: overlap.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        };
        let rotated = self
            .control
            .clone()
            .rotate_secret(request)
            .await?
            .into_inner();
        Ok(CreatedSubscription {
            subscription: required(rotated.subscription, "subscription")?,
            secret: rotated.secret,
        })
    }

    /// Deletes a subscription.
    pub async fn delete_subscription(&self, team: &str, id: &str) -> Result<(), Error> {
        let request = proto::DeleteSubscriptionRequest {
            team: team.into(),
            id: id.into(),
        };
        self.control.clone().delete_subscription(request).await?;
        Ok(())
    }

    /// A subscription's delivery attempts, most recent first, filtered by outcome or event and
    /// paged by `page_token` (`limit` 0: the server's 50).
    pub async fn list_attempts(
        &self,
        request: proto::ListAttemptsRequest,
    ) -> Result<proto::ListAttemptsResponse, Error> {
        Ok(self
            .control
            .clone()
            .list_attempts(request)
            .await?
            .into_inner())
    }

    /// A subscription's dead letters, most recent first.
    pub async fn list_dead_letters(
        &self,
        request: proto::ListDeadLettersRequest,
    ) -> Result<proto::ListDeadLettersResponse, Error> {
        Ok(self
            .control
            .clone()
            .list_dead_letters(request)
            .await?
            .into_inner())
    }

    /// Sends a subscription's dead letters back to delivery.
    pub async fn replay_dead_letters(
        &self,
        request: proto::ReplayDeadLettersRequest,
    ) -> Result<proto::ReplayResponse, Error> {
        Ok(self
            .control
            .clone()
            .replay_dead_letters(request)
            .await?
            .into_inner())
    }

    /// Re-delivers a topic to one subscription from an offset or a point in time.
    pub async fn replay_topic(
        &self,
        request: proto::ReplayTopicRequest,
    ) -> Result<proto::ReplayResponse, Error> {
        Ok(self
            .control
            .clone()
            .replay_topic(request)
            .await?
            .into_inner())
    }

    /// Who the client's key is: its kind, team, scopes and expiry.
    pub async fn who_am_i(&self) -> Result<proto::WhoAmIResponse, Error> {
        Ok(self
            .control
            .clone()
            .who_am_i(proto::WhoAmIRequest {})
            .await?
            .into_inner())
    }

    /// Mints a short-lived portal token for a team (admin); the token is shown only this once.
    pub async fn create_portal_token(
        &self,
        request: proto::CreatePortalTokenRequest,
    ) -> Result<proto::CreatePortalTokenResponse, Error> {
        Ok(self
            .control
            .clone()
            .create_portal_token(request)
            .await?
            .into_inner())
    }

    /// A subscription's delivery health over a window ending now (`window_ms` 0: one hour).
    pub async fn subscription_health(
        &self,
        team: &str,
        subscription_id: &str,
        window_ms: i64,
    ) -> Result<proto::SubscriptionHealth, Error> {
        let request = proto::GetSubscriptionHealthRequest {
            team: team.into(),
            subscription_id: subscription_id.into(),
            window_ms,
        };
        Ok(self
            .control
            .clone()
            .get_subscription_health(request)
            .await?
            .into_inner())
    }

    /// Sends a test event to one subscription only; the new event's id.
    pub async fn send_test_event(
        &self,
        request: proto::SendTestEventRequest,
    ) -> Result<String, Error> {
        Ok(self
            .control
            .clone()
            .send_test_event(request)
            .await?
            .into_inner()
            .event_id)
    }
}
