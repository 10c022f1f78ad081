//! `herald.v1.Control`: every RPC authenticates, validates against the local view, writes the
//! state topic and answers once its own write is applied.

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use herald_core::{Classify, NameError, TeamName, TopicName, TopicRef};
use herald_kafka::{KafkaError, TopicAdmin, TopicSpec};
use herald_proto::v1::control_server::Control;
use herald_proto::v1::*;
use herald_watch::{Action, Authenticator, Principal, View, entity_id};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::crypto::{generate_api_key, generate_signing_secret};
use crate::history::History;
use crate::store::{self, Store, Write, change_event, now_ms, snapshot_event};
use crate::validate;
use crate::verify::Verifier;

/// Longest overlap a rotation may ask for.
const MAX_OVERLAP_MS: i64 = 30 * 24 * 3600 * 1000;
/// Signing secrets kept per subscription (the newest, plus rotated-out ones still overlapping).
const MAX_SECRETS: usize = 5;
/// Topics one subscription may name.
const MAX_SUBSCRIPTION_TOPICS: usize = 100;
/// How long an RPC waits for the initial load of the state before answering UNAVAILABLE.
const READY_WAIT: Duration = Duration::from_secs(10);

/// Settings the RPCs need beyond the store.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub default_partitions: i32,
    pub max_partitions: i32,
    pub default_retention_ms: i64,
    pub secret_overlap_ms: i64,
}

/// The implementation of `herald.v1.Control`; wrap it in
/// [`ControlServer`](herald_proto::v1::control_server::ControlServer) (see [`crate::build`]).
pub struct ControlService {
    pub(crate) store: Arc<Store>,
    pub(crate) auth: Authenticator,
    pub(crate) admin: Arc<dyn TopicAdmin>,
    pub(crate) history: History,
    pub(crate) limits: Limits,
    pub(crate) verifier: Verifier,
    pub(crate) shutdown: CancellationToken,
}

impl std::fmt::Debug for ControlService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlService").finish_non_exhaustive()
    }
}

fn invalid(e: impl ToString) -> Status {
    Status::invalid_argument(e.to_string())
}

fn denied(e: herald_watch::Denied) -> Status {
    Status::permission_denied(e.to_string())
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

fn team_name(name: &str) -> Result<TeamName, Status> {
    TeamName::new(name.trim()).map_err(invalid)
}

fn upsert(kind: entity::Kind) -> Write {
    Write::Upsert(Box::new(Entity { kind: Some(kind) }))
}

fn public_key(mut k: ApiKey) -> ApiKey {
    k.key_hash.clear();
    k
}

fn public_sub(mut s: Subscription) -> Subscription {
    store::public_subscription(&mut s);
    s
}

/// A Kafka failure as a status: unavailable when a retry may succeed, else a precondition the
/// operator must change (a replication factor the cluster cannot hold).
fn kafka_error(what: &str, e: KafkaError) -> Status {
    if e.is_retryable() {
        Status::unavailable(format!("{what}: {e}"))
    } else {
        Status::failed_precondition(format!("{what}: {e}"))
    }
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<WatchEvent, Status>> + Send + 'static>>;

impl ControlService {
    /// Waits for the initial load, then authenticates the caller against the current view.
    async fn caller<T>(&self, request: &Request<T>) -> Result<(Principal, Arc<View>), Status> {
        if !self.store.is_ready() && !self.store.wait_ready(READY_WAIT).await {
            return Err(Status::unavailable(
                "the control plane is still loading its state from Kafka; retry shortly",
            ));
        }
        let header = match request.metadata().get("authorization") {
            None => None,
            Some(v) => Some(v.to_str().map_err(|_| {
                Status::unauthenticated(
                    "malformed authorization header: expected 'Bearer <api key>'",
                )
            })?),
        };
        let view = self.store.view();
        let principal = self
            .auth
            .authenticate(&view, header)
            .map_err(|e| Status::unauthenticated(e.to_string()))?;
        Ok((principal, view))
    }

    fn team_exists(view: &View, team: &str) -> Result<(), Status> {
        if view.teams.contains_key(team) {
            Ok(())
        } else {
            Err(Status::not_found(format!("team {team} does not exist")))
        }
    }

    /// The subscription `id`, checked against the request's team (if given) and the caller.
    fn subscription(view: &View, team: &str, id: &str) -> Result<Subscription, Status> {
        view.subscriptions
            .get(id)
            .filter(|s| team.is_empty() || s.team == team)
            .cloned()
            .ok_or_else(|| {
                if team.is_empty() {
                    Status::not_found(format!("subscription {id} does not exist"))
                } else {
                    Status::not_found(format!("subscription {id} does not exist in team {team}"))
                }
            })
    }

    /// Resolves topics named `<topic>` (the team's own) or `<team>.<topic>` to Kafka names that
    /// exist and that `team` may read.
    fn resolve_topics(view: &View, team: &str, topics: &[String]) -> Result<Vec<String>, Status> {
        if topics.is_empty() {
            return Err(invalid("at least one topic is required"));
        }
        if topics.len() > MAX_SUBSCRIPTION_TOPICS {
            return Err(invalid(format!(
                "at most {MAX_SUBSCRIPTION_TOPICS} topics per subscription"
            )));
        }
        let mut out = BTreeSet::new();
        for t in topics {
            let t = t.trim();
            let r = if t.contains('.') {
                TopicRef::from_kafka(t)
            } else {
                TopicRef::parse(team, t)
            }
            .map_err(invalid)?;
            let (owner, name) = (r.team.as_str(), r.topic.as_str());
            if view.topic(owner, name).is_none() {
                return Err(Status::not_found(format!(
                    "topic {owner}.{name} does not exist"
                )));
            }
            if !view.may_read(team, owner, name) {
                return Err(Status::permission_denied(format!(
                    "team {team} may not subscribe to {owner}.{name}: it belongs to team {owner}, which has not granted it to {team}"
                )));
            }
            out.insert(r.kafka_topic());
        }
        Ok(out.into_iter().collect())
    }

    /// The validation handshake against `url`; FAILED_PRECONDITION with the endpoint's answer.
    async fn verify_endpoint(&self, url: &str) -> Result<(), Status> {
        self.verifier
            .verify(url)
            .await
            .map_err(|e| Status::failed_precondition(e.to_string()))
    }

    async fn update_subscription_with(
        &self,
        request_team: &str,
        id: &str,
        principal_check: impl FnOnce(&Principal, &View, &Subscription) -> Result<(), Status>,
        principal: &Principal,
        change: impl FnOnce(&View, &mut Subscription) -> Result<(), Status>,
    ) -> Result<Subscription, Status> {
        let guard = self.store.lock().await;
        let view = self.store.view();
        let mut sub = Self::subscription(&view, request_team, id)?;
        principal_check(principal, &view, &sub)?;
        change(&view, &mut sub)?;
        sub.updated_at_ms = now_ms();
        self.store
            .write(
                &guard,
                vec![upsert(entity::Kind::Subscription(sub.clone()))],
            )
            .await?;
        Ok(public_sub(sub))
    }
}

fn allow(principal: &Principal, view: &View, action: Action<'_>) -> Result<(), Status> {
    principal.authorize(view, action).map_err(denied)
}

fn admin_of(principal: &Principal, view: &View, sub: &Subscription) -> Result<(), Status> {
    allow(principal, view, Action::AdminTeam { team: &sub.team })
}

fn manage_subscription(
    principal: &Principal,
    view: &View,
    sub: &Subscription,
) -> Result<(), Status> {
    allow(
        principal,
        view,
        Action::ManageSubscriptions { team: &sub.team },
    )
}

fn read_deliveries(principal: &Principal, view: &View, sub: &Subscription) -> Result<(), Status> {
    allow(
        principal,
        view,
        Action::ReadDeliveries {
            team: &sub.team,
            topics: &sub.topics,
        },
    )
}

mod catalog;
mod console;
mod grants;
mod history;
mod keys;
mod subscriptions;
mod teams;
mod topics;
mod watch;

#[tonic::async_trait]
impl Control for ControlService {
    type WatchStream = WatchStream;

    async fn create_team(
        &self,
        request: Request<CreateTeamRequest>,
    ) -> Result<Response<Team>, Status> {
        teams::create_team(self, request).await
    }

    async fn get_team(&self, request: Request<GetTeamRequest>) -> Result<Response<Team>, Status> {
        teams::get_team(self, request).await
    }

    async fn list_teams(
        &self,
        request: Request<ListTeamsRequest>,
    ) -> Result<Response<ListTeamsResponse>, Status> {
        teams::list_teams(self, request).await
    }

    async fn delete_team(
        &self,
        request: Request<DeleteTeamRequest>,
    ) -> Result<Response<DeleteTeamResponse>, Status> {
        teams::delete_team(self, request).await
    }

    async fn create_topic(
        &self,
        request: Request<CreateTopicRequest>,
    ) -> Result<Response<Topic>, Status> {
        topics::create_topic(self, request).await
    }

    async fn list_topics(
        &self,
        request: Request<ListTopicsRequest>,
    ) -> Result<Response<ListTopicsResponse>, Status> {
        topics::list_topics(self, request).await
    }

    async fn describe_topic(
        &self,
        request: Request<DescribeTopicRequest>,
    ) -> Result<Response<TopicDescription>, Status> {
        topics::describe_topic(self, request).await
    }

    async fn delete_topic(
        &self,
        request: Request<DeleteTopicRequest>,
    ) -> Result<Response<DeleteTopicResponse>, Status> {
        topics::delete_topic(self, request).await
    }

    async fn set_schema_policy(
        &self,
        request: Request<SetSchemaPolicyRequest>,
    ) -> Result<Response<Topic>, Status> {
        catalog::set_schema_policy(self, request).await
    }

    async fn create_event_type(
        &self,
        request: Request<CreateEventTypeRequest>,
    ) -> Result<Response<EventType>, Status> {
        catalog::create_event_type(self, request).await
    }

    async fn add_event_type_version(
        &self,
        request: Request<AddEventTypeVersionRequest>,
    ) -> Result<Response<EventType>, Status> {
        catalog::add_event_type_version(self, request).await
    }

    async fn get_event_type(
        &self,
        request: Request<GetEventTypeRequest>,
    ) -> Result<Response<EventType>, Status> {
        catalog::get_event_type(self, request).await
    }

    async fn list_event_types(
        &self,
        request: Request<ListEventTypesRequest>,
    ) -> Result<Response<ListEventTypesResponse>, Status> {
        catalog::list_event_types(self, request).await
    }

    async fn delete_event_type(
        &self,
        request: Request<DeleteEventTypeRequest>,
    ) -> Result<Response<DeleteEventTypeResponse>, Status> {
        catalog::delete_event_type(self, request).await
    }

    async fn create_api_key(
        &self,
        request: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        keys::create_api_key(self, request).await
    }

    async fn list_api_keys(
        &self,
        request: Request<ListApiKeysRequest>,
    ) -> Result<Response<ListApiKeysResponse>, Status> {
        keys::list_api_keys(self, request).await
    }

    async fn revoke_api_key(
        &self,
        request: Request<RevokeApiKeyRequest>,
    ) -> Result<Response<RevokeApiKeyResponse>, Status> {
        keys::revoke_api_key(self, request).await
    }

    async fn create_grant(
        &self,
        request: Request<CreateGrantRequest>,
    ) -> Result<Response<Grant>, Status> {
        grants::create_grant(self, request).await
    }

    async fn list_grants(
        &self,
        request: Request<ListGrantsRequest>,
    ) -> Result<Response<ListGrantsResponse>, Status> {
        grants::list_grants(self, request).await
    }

    async fn revoke_grant(
        &self,
        request: Request<RevokeGrantRequest>,
    ) -> Result<Response<RevokeGrantResponse>, Status> {
        grants::revoke_grant(self, request).await
    }

    async fn create_subscription(
        &self,
        request: Request<CreateSubscriptionRequest>,
    ) -> Result<Response<CreateSubscriptionResponse>, Status> {
        subscriptions::create_subscription(self, request).await
    }

    async fn get_subscription(
        &self,
        request: Request<GetSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        subscriptions::get_subscription(self, request).await
    }

    async fn list_subscriptions(
        &self,
        request: Request<ListSubscriptionsRequest>,
    ) -> Result<Response<ListSubscriptionsResponse>, Status> {
        subscriptions::list_subscriptions(self, request).await
    }

    async fn update_subscription(
        &self,
        request: Request<UpdateSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        subscriptions::update_subscription(self, request).await
    }

    async fn pause_subscription(
        &self,
        request: Request<PauseSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        subscriptions::pause_subscription(self, request).await
    }

    async fn resume_subscription(
        &self,
        request: Request<ResumeSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        subscriptions::resume_subscription(self, request).await
    }

    async fn disable_subscription(
        &self,
        request: Request<DisableSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        subscriptions::disable_subscription(self, request).await
    }

    async fn rotate_secret(
        &self,
        request: Request<RotateSecretRequest>,
    ) -> Result<Response<RotateSecretResponse>, Status> {
        subscriptions::rotate_secret(self, request).await
    }

    async fn delete_subscription(
        &self,
        request: Request<DeleteSubscriptionRequest>,
    ) -> Result<Response<DeleteSubscriptionResponse>, Status> {
        subscriptions::delete_subscription(self, request).await
    }

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        watch::watch(self, request).await
    }

    async fn list_attempts(
        &self,
        request: Request<ListAttemptsRequest>,
    ) -> Result<Response<ListAttemptsResponse>, Status> {
        history::list_attempts(self, request).await
    }

    async fn list_dead_letters(
        &self,
        request: Request<ListDeadLettersRequest>,
    ) -> Result<Response<ListDeadLettersResponse>, Status> {
        history::list_dead_letters(self, request).await
    }

    async fn replay_dead_letters(
        &self,
        request: Request<ReplayDeadLettersRequest>,
    ) -> Result<Response<ReplayResponse>, Status> {
        history::replay_dead_letters(self, request).await
    }

    async fn replay_topic(
        &self,
        request: Request<ReplayTopicRequest>,
    ) -> Result<Response<ReplayResponse>, Status> {
        history::replay_topic(self, request).await
    }

    async fn who_am_i(
        &self,
        request: Request<WhoAmIRequest>,
    ) -> Result<Response<WhoAmIResponse>, Status> {
        console::who_am_i(self, request).await
    }

    async fn create_portal_token(
        &self,
        request: Request<CreatePortalTokenRequest>,
    ) -> Result<Response<CreatePortalTokenResponse>, Status> {
        console::create_portal_token(self, request).await
    }

    async fn get_subscription_health(
        &self,
        request: Request<GetSubscriptionHealthRequest>,
    ) -> Result<Response<SubscriptionHealth>, Status> {
        console::get_subscription_health(self, request).await
    }

    async fn send_test_event(
        &self,
        request: Request<SendTestEventRequest>,
    ) -> Result<Response<SendTestEventResponse>, Status> {
        console::send_test_event(self, request).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use herald_proto::v1::SigningSecret;
    use herald_watch::Denied;
    use tonic::Code;

    use super::*;

    #[test]
    fn answers_never_carry_secrets_hashes_or_header_values() {
        let sub = public_sub(Subscription {
            id: "sub_1".into(),
            headers: HashMap::from([("authorization".into(), "Bearer partner".into())]),
            secrets: vec![SigningSecret {
                secret: "whsec_x".into(),
                expires_at_ms: 0,
            }],
            ..Default::default()
        });
        assert!(sub.secrets.is_empty());
        assert_eq!(sub.headers["authorization"], herald_runtime::REDACTED);
        let key = public_key(ApiKey {
            id: "key_1".into(),
            key_hash: "abc".into(),
            ..Default::default()
        });
        assert!(key.key_hash.is_empty());
    }

    #[test]
    fn errors_map_to_their_grpc_codes() {
        assert_eq!(invalid("bad").code(), Code::InvalidArgument);
        assert_eq!(denied(Denied("no".into())).code(), Code::PermissionDenied);
        assert_eq!(
            team_name("Not A Name").unwrap_err().code(),
            Code::InvalidArgument
        );
        assert_eq!(team_name(" acme ").unwrap().as_str(), "acme");
    }

    #[test]
    fn ids_are_prefixed_and_unique() {
        let (a, b) = (new_id("sub"), new_id("sub"));
        assert!(a.starts_with("sub_") && a.len() == 4 + 32, "{a}");
        assert_ne!(a, b);
    }
}
