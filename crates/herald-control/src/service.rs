//! `herald.v1.Control`: every RPC authenticates, validates against the local view, writes the
//! state topic and answers once its own write is applied.

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use herald_core::{NameError, TeamName, TopicName, TopicRef};
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

/// Longest overlap a rotation may ask for.
const MAX_OVERLAP_MS: i64 = 30 * 24 * 3600 * 1000;
/// Signing secrets kept per subscription (the newest, plus rotated-out ones still overlapping).
const MAX_SECRETS: usize = 5;
/// Topics one subscription may name.
const MAX_SUBSCRIPTION_TOPICS: usize = 100;
/// How long an RPC waits for the initial load of the state before answering UNAVAILABLE.
const READY_WAIT: Duration = Duration::from_secs(10);
/// How long CreateTopic waits for the new topic to appear in the cluster's metadata.
const TOPIC_VISIBLE_WAIT: Duration = Duration::from_secs(10);

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

fn kafka_error(what: &str, e: KafkaError) -> Status {
    Status::unavailable(format!("{what}: {e}"))
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

    /// Waits (bounded) until the new topic's metadata is served, so publishers and describe
    /// calls right after CreateTopic find it.
    async fn wait_visible(&self, kafka_topic: &str) {
        let deadline = tokio::time::Instant::now() + TOPIC_VISIBLE_WAIT;
        while self.admin.describe_topic(kafka_topic).await.is_err() {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(topic = %kafka_topic, "created topic not visible in metadata yet");
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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

#[tonic::async_trait]
impl Control for ControlService {
    async fn create_team(
        &self,
        request: Request<CreateTeamRequest>,
    ) -> Result<Response<Team>, Status> {
        let (principal, view) = self.caller(&request).await?;
        allow(&principal, &view, Action::ManageTeams)?;
        let req = request.into_inner();
        let name = team_name(&req.name)?;
        if req.display_name.chars().count() > 200 {
            return Err(invalid("display_name is longer than 200 characters"));
        }
        let guard = self.store.lock().await;
        let view = self.store.view();
        if view.teams.contains_key(name.as_str()) {
            return Err(Status::already_exists(format!(
                "team {name} already exists"
            )));
        }
        let team = Team {
            name: name.to_string(),
            display_name: req.display_name.trim().to_owned(),
            created_at_ms: now_ms(),
        };
        self.store
            .write(&guard, vec![upsert(entity::Kind::Team(team.clone()))])
            .await?;
        tracing::info!(team = %team.name, "team created");
        Ok(Response::new(team))
    }

    async fn get_team(&self, request: Request<GetTeamRequest>) -> Result<Response<Team>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let name = request.into_inner().name;
        allow(&principal, &view, Action::ReadTeam { team: &name })?;
        view.teams
            .get(&name)
            .cloned()
            .map(Response::new)
            .ok_or_else(|| Status::not_found(format!("team {name} does not exist")))
    }

    async fn list_teams(
        &self,
        request: Request<ListTeamsRequest>,
    ) -> Result<Response<ListTeamsResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let teams = view
            .teams
            .values()
            .filter(|t| principal.team().is_none_or(|own| own == t.name))
            .cloned()
            .collect();
        Ok(Response::new(ListTeamsResponse { teams }))
    }

    async fn delete_team(
        &self,
        request: Request<DeleteTeamRequest>,
    ) -> Result<Response<DeleteTeamResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        allow(&principal, &view, Action::ManageTeams)?;
        let name = request.into_inner().name;
        let guard = self.store.lock().await;
        let view = self.store.view();
        Self::team_exists(&view, &name)?;
        let topics: Vec<&str> = view
            .topics
            .values()
            .filter(|t| t.team == name)
            .map(|t| t.name.as_str())
            .collect();
        if !topics.is_empty() {
            return Err(Status::failed_precondition(format!(
                "team {name} still owns topics ({}); delete them first",
                topics.join(", ")
            )));
        }
        let subs: Vec<&str> = view
            .subscriptions
            .values()
            .filter(|s| s.team == name)
            .map(|s| s.id.as_str())
            .collect();
        if !subs.is_empty() {
            return Err(Status::failed_precondition(format!(
                "team {name} still has subscriptions ({}); delete them first",
                subs.join(", ")
            )));
        }
        // Its keys and the grants it received die with it.
        let mut writes: Vec<Write> = view
            .keys
            .values()
            .filter(|k| k.team == name)
            .map(|k| Write::Delete(entity_id::key(&k.id)))
            .collect();
        writes.extend(
            view.grants
                .values()
                .filter(|g| g.grantee == name || g.team == name)
                .map(|g| Write::Delete(entity_id::grant(&g.id))),
        );
        writes.push(Write::Delete(entity_id::team(&name)));
        self.store.write(&guard, writes).await?;
        tracing::info!(team = %name, "team deleted");
        Ok(Response::new(DeleteTeamResponse {}))
    }

    async fn create_topic(
        &self,
        request: Request<CreateTopicRequest>,
    ) -> Result<Response<Topic>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
        let team = team_name(&req.team)?;
        let name = TopicName::new(req.name.trim()).map_err(invalid)?;
        let partitions = match req.partitions {
            0 => self.limits.default_partitions,
            p if p < 0 || p > self.limits.max_partitions => {
                return Err(invalid(format!(
                    "partitions must be between 1 and {}, got {p}",
                    self.limits.max_partitions
                )));
            }
            p => p,
        };
        let retention_ms = match req.retention_ms {
            0 => self.limits.default_retention_ms,
            -1 => -1,
            r if r < 60_000 => {
                return Err(invalid(format!(
                    "retention_ms must be -1 (forever) or at least 60000 (one minute), got {r}"
                )));
            }
            r => r,
        };
        let guard = self.store.lock().await;
        let view = self.store.view();
        Self::team_exists(&view, team.as_str())?;
        if view.topic(team.as_str(), name.as_str()).is_some() {
            return Err(Status::already_exists(format!(
                "topic {team}.{name} already exists"
            )));
        }
        let kafka_topic = format!("{team}.{name}");
        let spec = TopicSpec::new(&kafka_topic, partitions)
            .config("retention.ms", retention_ms.to_string());
        match self.admin.create_topic(&spec).await {
            Ok(()) => {}
            // Left over from an earlier attempt whose state write failed: adopt it.
            Err(KafkaError::TopicExists(_)) => {
                tracing::info!(topic = %kafka_topic, "kafka topic exists already, adopting it");
            }
            Err(e) => {
                return Err(kafka_error(
                    &format!("cannot create kafka topic {kafka_topic}"),
                    e,
                ));
            }
        }
        self.wait_visible(&kafka_topic).await;
        let topic = Topic {
            team: team.to_string(),
            name: name.to_string(),
            partitions,
            retention_ms,
            created_at_ms: now_ms(),
            kafka_topic,
        };
        self.store
            .write(&guard, vec![upsert(entity::Kind::Topic(topic.clone()))])
            .await?;
        tracing::info!(topic = %topic.kafka_topic, partitions, "topic created");
        Ok(Response::new(topic))
    }

    async fn list_topics(
        &self,
        request: Request<ListTopicsRequest>,
    ) -> Result<Response<ListTopicsResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let team = request.into_inner().team;
        allow(&principal, &view, Action::ReadTeam { team: &team })?;
        Self::team_exists(&view, &team)?;
        let topics = view
            .topics
            .values()
            .filter(|t| t.team == team)
            .cloned()
            .collect();
        Ok(Response::new(ListTopicsResponse { topics }))
    }

    async fn describe_topic(
        &self,
        request: Request<DescribeTopicRequest>,
    ) -> Result<Response<TopicDescription>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::ReadTeam { team: &req.team })?;
        let topic = view.topic(&req.team, &req.name).cloned().ok_or_else(|| {
            Status::not_found(format!("topic {}.{} does not exist", req.team, req.name))
        })?;
        let partitions = self
            .admin
            .describe_topic(&topic.kafka_topic)
            .await
            .map_err(|e| {
                kafka_error(
                    &format!("cannot describe kafka topic {}", topic.kafka_topic),
                    e,
                )
            })?
            .into_iter()
            .map(|p| PartitionInfo {
                partition: p.partition,
                low_offset: p.low,
                high_offset: p.high,
            })
            .collect();
        Ok(Response::new(TopicDescription {
            topic: Some(topic),
            partitions,
        }))
    }

    async fn delete_topic(
        &self,
        request: Request<DeleteTopicRequest>,
    ) -> Result<Response<DeleteTopicResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
        let guard = self.store.lock().await;
        let view = self.store.view();
        let topic = view.topic(&req.team, &req.name).cloned().ok_or_else(|| {
            Status::not_found(format!("topic {}.{} does not exist", req.team, req.name))
        })?;
        let subs: Vec<String> = view
            .subscriptions
            .values()
            .filter(|s| s.topics.contains(&topic.kafka_topic))
            .map(|s| format!("{} (team {})", s.id, s.team))
            .collect();
        if !subs.is_empty() {
            return Err(Status::failed_precondition(format!(
                "topic {} still has subscriptions: {}; delete them or remove the topic from them first",
                topic.kafka_topic,
                subs.join(", ")
            )));
        }
        let mut writes: Vec<Write> = view
            .grants
            .values()
            .filter(|g| g.team == topic.team && g.topic == topic.name)
            .map(|g| Write::Delete(entity_id::grant(&g.id)))
            .collect();
        writes.push(Write::Delete(entity_id::topic(&topic.team, &topic.name)));
        self.store.write(&guard, writes).await?;
        drop(guard);
        match self.admin.delete_topic(&topic.kafka_topic).await {
            Ok(()) | Err(KafkaError::UnknownTopic(_)) => {}
            Err(error) => {
                tracing::warn!(topic = %topic.kafka_topic, %error, "topic removed from herald but the kafka topic could not be deleted");
            }
        }
        tracing::info!(topic = %topic.kafka_topic, "topic deleted");
        Ok(Response::new(DeleteTopicResponse {}))
    }

    async fn create_api_key(
        &self,
        request: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
        let name = req.name.trim().to_owned();
        if name.chars().count() > 100 {
            return Err(invalid("key name is longer than 100 characters"));
        }
        let mut scopes = BTreeSet::new();
        for s in &req.scopes {
            match Scope::try_from(*s) {
                Ok(Scope::Unspecified) | Err(_) => {
                    return Err(invalid(format!(
                        "unknown scope {s}; use publish, subscribe or admin"
                    )));
                }
                Ok(scope) => {
                    scopes.insert(scope as i32);
                }
            }
        }
        if scopes.is_empty() {
            return Err(invalid(
                "at least one scope (publish, subscribe, admin) is required",
            ));
        }
        let mut topics = BTreeSet::new();
        for t in &req.topics {
            let t = t.trim();
            if t.contains('.') {
                TopicRef::from_kafka(t).map_err(invalid)?;
            } else {
                TopicName::parse(t).map_err(invalid)?;
            }
            topics.insert(t.to_owned());
        }
        let guard = self.store.lock().await;
        let view = self.store.view();
        Self::team_exists(&view, &req.team)?;
        let secret = generate_api_key();
        let key = ApiKey {
            id: new_id("key"),
            team: req.team.clone(),
            name,
            scopes: scopes.into_iter().collect(),
            topics: topics.into_iter().collect(),
            created_at_ms: now_ms(),
            key_hash: herald_watch::hash_key(&secret),
        };
        self.store
            .write(&guard, vec![upsert(entity::Kind::ApiKey(key.clone()))])
            .await?;
        tracing::info!(team = %key.team, key = %key.id, "api key created");
        Ok(Response::new(CreateApiKeyResponse {
            key: Some(public_key(key)),
            secret,
        }))
    }

    async fn list_api_keys(
        &self,
        request: Request<ListApiKeysRequest>,
    ) -> Result<Response<ListApiKeysResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let team = request.into_inner().team;
        allow(&principal, &view, Action::AdminTeam { team: &team })?;
        Self::team_exists(&view, &team)?;
        let keys = view
            .keys
            .values()
            .filter(|k| k.team == team)
            .cloned()
            .map(public_key)
            .collect();
        Ok(Response::new(ListApiKeysResponse { keys }))
    }

    async fn revoke_api_key(
        &self,
        request: Request<RevokeApiKeyRequest>,
    ) -> Result<Response<RevokeApiKeyResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
        let guard = self.store.lock().await;
        let view = self.store.view();
        if view.keys.get(&req.id).is_none_or(|k| k.team != req.team) {
            return Err(Status::not_found(format!(
                "api key {} does not exist in team {}",
                req.id, req.team
            )));
        }
        self.store
            .write(&guard, vec![Write::Delete(entity_id::key(&req.id))])
            .await?;
        tracing::info!(team = %req.team, key = %req.id, "api key revoked");
        Ok(Response::new(RevokeApiKeyResponse {}))
    }

    async fn create_grant(
        &self,
        request: Request<CreateGrantRequest>,
    ) -> Result<Response<Grant>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
        let topic = match req.topic.trim().split_once('.') {
            Some((team, topic)) if team == req.team => topic.to_owned(),
            Some(_) => {
                return Err(invalid(format!(
                    "topic {} does not belong to team {}",
                    req.topic, req.team
                )));
            }
            None => req.topic.trim().to_owned(),
        };
        let grantee = team_name(&req.grantee)?;
        if grantee.as_str() == req.team {
            return Err(invalid("a team cannot grant a topic to itself"));
        }
        let guard = self.store.lock().await;
        let view = self.store.view();
        if view.topic(&req.team, &topic).is_none() {
            return Err(Status::not_found(format!(
                "topic {}.{topic} does not exist",
                req.team
            )));
        }
        Self::team_exists(&view, grantee.as_str())?;
        if let Some(g) = view
            .grants
            .values()
            .find(|g| g.team == req.team && g.topic == topic && g.grantee == grantee.as_str())
        {
            return Err(Status::already_exists(format!(
                "team {grantee} already holds grant {} for {}.{topic}",
                g.id, req.team
            )));
        }
        let grant = Grant {
            id: new_id("grant"),
            team: req.team.clone(),
            topic,
            grantee: grantee.to_string(),
            created_at_ms: now_ms(),
        };
        self.store
            .write(&guard, vec![upsert(entity::Kind::Grant(grant.clone()))])
            .await?;
        tracing::info!(team = %grant.team, topic = %grant.topic, grantee = %grant.grantee, "grant created");
        Ok(Response::new(grant))
    }

    async fn list_grants(
        &self,
        request: Request<ListGrantsRequest>,
    ) -> Result<Response<ListGrantsResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let team = request.into_inner().team;
        allow(&principal, &view, Action::ReadTeam { team: &team })?;
        Self::team_exists(&view, &team)?;
        let grants = view
            .grants
            .values()
            .filter(|g| g.team == team || g.grantee == team)
            .cloned()
            .collect();
        Ok(Response::new(ListGrantsResponse { grants }))
    }

    async fn revoke_grant(
        &self,
        request: Request<RevokeGrantRequest>,
    ) -> Result<Response<RevokeGrantResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
        let guard = self.store.lock().await;
        let view = self.store.view();
        let grant = view
            .grants
            .get(&req.id)
            .filter(|g| g.team == req.team)
            .cloned()
            .ok_or_else(|| {
                Status::not_found(format!(
                    "grant {} does not exist in team {}",
                    req.id, req.team
                ))
            })?;
        // The grantee's subscriptions to the topic stop: delivery follows state, not grants.
        let kafka_topic = format!("{}.{}", grant.team, grant.topic);
        let now = now_ms();
        let mut writes: Vec<Write> = view
            .subscriptions
            .values()
            .filter(|s| s.team == grant.grantee && s.topics.contains(&kafka_topic))
            .filter(|s| s.state != SubscriptionState::Disabled as i32)
            .map(|s| {
                let mut s = s.clone();
                s.state = SubscriptionState::Disabled as i32;
                s.disabled_reason =
                    format!("grant for {kafka_topic} revoked by team {}", grant.team);
                s.updated_at_ms = now;
                upsert(entity::Kind::Subscription(s))
            })
            .collect();
        writes.push(Write::Delete(entity_id::grant(&grant.id)));
        self.store.write(&guard, writes).await?;
        tracing::info!(grant = %grant.id, "grant revoked");
        Ok(Response::new(RevokeGrantResponse {}))
    }

    async fn create_subscription(
        &self,
        request: Request<CreateSubscriptionRequest>,
    ) -> Result<Response<CreateSubscriptionResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
        let url = validate::url(&req.url).map_err(invalid)?;
        let event_types = validate::event_types(&req.event_types).map_err(invalid)?;
        let headers = validate::headers(&req.headers).map_err(invalid)?;
        validate::limits(req.rate_limit, req.max_in_flight).map_err(invalid)?;
        let guard = self.store.lock().await;
        let view = self.store.view();
        Self::team_exists(&view, &req.team)?;
        let topics = Self::resolve_topics(&view, &req.team, &req.topics)?;
        let secret = generate_signing_secret();
        let now = now_ms();
        let sub = Subscription {
            id: new_id("sub"),
            team: req.team.clone(),
            topics,
            url,
            event_types,
            headers,
            rate_limit: req.rate_limit,
            max_in_flight: req.max_in_flight,
            state: SubscriptionState::Active as i32,
            disabled_reason: String::new(),
            created_at_ms: now,
            updated_at_ms: now,
            secrets: vec![SigningSecret {
                secret: secret.clone(),
                expires_at_ms: 0,
            }],
        };
        self.store
            .write(
                &guard,
                vec![upsert(entity::Kind::Subscription(sub.clone()))],
            )
            .await?;
        tracing::info!(team = %sub.team, subscription = %sub.id, "subscription created");
        Ok(Response::new(CreateSubscriptionResponse {
            subscription: Some(public_sub(sub)),
            secret,
        }))
    }

    async fn get_subscription(
        &self,
        request: Request<GetSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        let sub = Self::subscription(&view, &req.team, &req.id)?;
        read_deliveries(&principal, &view, &sub)?;
        Ok(Response::new(public_sub(sub)))
    }

    async fn list_subscriptions(
        &self,
        request: Request<ListSubscriptionsRequest>,
    ) -> Result<Response<ListSubscriptionsResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let team = request.into_inner().team;
        allow(
            &principal,
            &view,
            Action::ReadDeliveries {
                team: &team,
                topics: &[],
            },
        )?;
        Self::team_exists(&view, &team)?;
        let subscriptions = view
            .subscriptions
            .values()
            .filter(|s| s.team == team && read_deliveries(&principal, &view, s).is_ok())
            .cloned()
            .map(public_sub)
            .collect();
        Ok(Response::new(ListSubscriptionsResponse { subscriptions }))
    }

    async fn update_subscription(
        &self,
        request: Request<UpdateSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        let (principal, _) = self.caller(&request).await?;
        let req = request.into_inner();
        const FIELDS: [&str; 6] = [
            "url",
            "topics",
            "event_types",
            "headers",
            "rate_limit",
            "max_in_flight",
        ];
        if let Some(f) = req
            .update_mask
            .iter()
            .find(|f| !FIELDS.contains(&f.as_str()))
        {
            return Err(invalid(format!(
                "unknown update_mask field {f:?}; use {}",
                FIELDS.join(", ")
            )));
        }
        let set = |field: &str, given: bool| {
            if req.update_mask.is_empty() {
                given
            } else {
                req.update_mask.iter().any(|f| f == field)
            }
        };
        let url = set("url", !req.url.is_empty())
            .then(|| validate::url(&req.url))
            .transpose()
            .map_err(invalid)?;
        let event_types = set("event_types", !req.event_types.is_empty())
            .then(|| validate::event_types(&req.event_types))
            .transpose()
            .map_err(invalid)?;
        let headers = set("headers", !req.headers.is_empty())
            .then(|| validate::headers(&req.headers))
            .transpose()
            .map_err(invalid)?;
        validate::limits(req.rate_limit, req.max_in_flight).map_err(invalid)?;
        let set_topics = set("topics", !req.topics.is_empty());
        let set_rate = set("rate_limit", req.rate_limit != 0);
        let set_inflight = set("max_in_flight", req.max_in_flight != 0);
        let sub = self
            .update_subscription_with(&req.team, &req.id, admin_of, &principal, |view, s| {
                if set_topics {
                    s.topics = Self::resolve_topics(view, &s.team, &req.topics)?;
                }
                if let Some(u) = url {
                    s.url = u;
                }
                if let Some(t) = event_types {
                    s.event_types = t;
                }
                if let Some(mut h) = headers {
                    // Values are write-only: a client that read "<redacted>" and sends it back
                    // keeps the stored value.
                    for (name, value) in h.iter_mut() {
                        if value == herald_runtime::REDACTED {
                            match s.headers.get(name) {
                                Some(stored) => stored.clone_into(value),
                                None => {
                                    return Err(invalid(format!(
                                        "header {name} has no stored value to keep: send its value"
                                    )));
                                }
                            }
                        }
                    }
                    s.headers = h;
                }
                if set_rate {
                    s.rate_limit = req.rate_limit;
                }
                if set_inflight {
                    s.max_in_flight = req.max_in_flight;
                }
                Ok(())
            })
            .await?;
        Ok(Response::new(sub))
    }

    async fn pause_subscription(
        &self,
        request: Request<PauseSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        let (principal, _) = self.caller(&request).await?;
        let req = request.into_inner();
        let sub = self
            .update_subscription_with(&req.team, &req.id, admin_of, &principal, |_, s| {
                s.state = SubscriptionState::Paused as i32;
                s.disabled_reason.clear();
                Ok(())
            })
            .await?;
        tracing::info!(subscription = %sub.id, "subscription paused");
        Ok(Response::new(sub))
    }

    async fn resume_subscription(
        &self,
        request: Request<ResumeSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        let (principal, _) = self.caller(&request).await?;
        let req = request.into_inner();
        let sub = self
            .update_subscription_with(&req.team, &req.id, admin_of, &principal, |view, s| {
                // A subscription disabled by a revoked grant must not come back without one.
                for t in &s.topics {
                    if let Ok(r) = TopicRef::from_kafka(t)
                        && !view.may_read(&s.team, r.team.as_str(), r.topic.as_str())
                    {
                        return Err(Status::failed_precondition(format!(
                            "team {} no longer has a grant for {t}; remove the topic from the subscription first",
                            s.team
                        )));
                    }
                }
                s.state = SubscriptionState::Active as i32;
                s.disabled_reason.clear();
                Ok(())
            })
            .await?;
        tracing::info!(subscription = %sub.id, "subscription resumed");
        Ok(Response::new(sub))
    }

    async fn disable_subscription(
        &self,
        request: Request<DisableSubscriptionRequest>,
    ) -> Result<Response<Subscription>, Status> {
        let (principal, _) = self.caller(&request).await?;
        let req = request.into_inner();
        let reason = req.reason.trim().to_owned();
        if reason.chars().count() > 1000 {
            return Err(invalid("reason is longer than 1000 characters"));
        }
        let check = |p: &Principal, v: &View, s: &Subscription| {
            allow(p, v, Action::DisableSubscription { team: &s.team })
        };
        let sub = self
            .update_subscription_with(&req.team, &req.id, check, &principal, |_, s| {
                s.state = SubscriptionState::Disabled as i32;
                s.disabled_reason = if reason.is_empty() {
                    "disabled".to_owned()
                } else {
                    reason
                };
                Ok(())
            })
            .await?;
        tracing::info!(subscription = %sub.id, reason = %sub.disabled_reason, "subscription disabled");
        Ok(Response::new(sub))
    }

    async fn rotate_secret(
        &self,
        request: Request<RotateSecretRequest>,
    ) -> Result<Response<RotateSecretResponse>, Status> {
        let (principal, _) = self.caller(&request).await?;
        let req = request.into_inner();
        // Unset means the configured default; 0 cuts the old secrets at once (a leaked secret).
        let overlap = match req.overlap_ms {
            None => self.limits.secret_overlap_ms,
            Some(o) if !(0..=MAX_OVERLAP_MS).contains(&o) => {
                return Err(invalid(format!(
                    "overlap_ms must be between 0 and {MAX_OVERLAP_MS} (30 days), got {o}"
                )));
            }
            Some(o) => o,
        };
        let secret = generate_signing_secret();
        let new = secret.clone();
        let sub = self
            .update_subscription_with(&req.team, &req.id, admin_of, &principal, |_, s| {
                let now = now_ms();
                let until = now + overlap;
                let mut secrets = vec![SigningSecret {
                    secret: new,
                    expires_at_ms: 0,
                }];
                secrets.extend(
                    s.secrets
                        .drain(..)
                        .filter(|_| overlap > 0)
                        .filter(|old| old.expires_at_ms == 0 || old.expires_at_ms > now)
                        .map(|mut old| {
                            old.expires_at_ms = if old.expires_at_ms == 0 {
                                until
                            } else {
                                old.expires_at_ms.min(until)
                            };
                            old
                        }),
                );
                secrets.truncate(MAX_SECRETS);
                s.secrets = secrets;
                Ok(())
            })
            .await?;
        tracing::info!(subscription = %sub.id, overlap_ms = overlap, "signing secret rotated");
        Ok(Response::new(RotateSecretResponse {
            subscription: Some(sub),
            secret,
        }))
    }

    async fn delete_subscription(
        &self,
        request: Request<DeleteSubscriptionRequest>,
    ) -> Result<Response<DeleteSubscriptionResponse>, Status> {
        let (principal, _) = self.caller(&request).await?;
        let req = request.into_inner();
        let guard = self.store.lock().await;
        let view = self.store.view();
        let sub = Self::subscription(&view, &req.team, &req.id)?;
        admin_of(&principal, &view, &sub)?;
        self.store
            .write(
                &guard,
                vec![Write::Delete(entity_id::subscription(&sub.id))],
            )
            .await?;
        tracing::info!(subscription = %sub.id, "subscription deleted");
        Ok(Response::new(DeleteSubscriptionResponse {}))
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let (principal, view) = self.caller(&request).await?;
        allow(&principal, &view, Action::WatchConfig)?;
        drop(view);
        let internal = matches!(principal, Principal::Internal);
        let (tx, rx) = mpsc::channel::<Result<WatchEvent, Status>>(256);
        let store = self.store.clone();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            let _watcher = store.watcher();
            'resync: loop {
                let (view, mut changes) = store.watch();
                let revision = view.revision;
                if tx.send(Ok(snapshot_event(&view, internal))).await.is_err() {
                    return;
                }
                drop(view);
                loop {
                    let change = tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tx.closed() => return,
                        c = changes.recv() => c,
                    };
                    match change {
                        Ok(c) if c.revision <= revision => {}
                        Ok(c) => {
                            if tx.send(Ok(change_event(&c, internal))).await.is_err() {
                                return;
                            }
                        }
                        // Too slow to keep up: start over from a fresh snapshot.
                        Err(broadcast::error::RecvError::Lagged(_)) => continue 'resync,
                        Err(broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn list_attempts(
        &self,
        request: Request<ListAttemptsRequest>,
    ) -> Result<Response<ListAttemptsResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        let sub = Self::subscription(&view, &req.team, &req.subscription_id)?;
        read_deliveries(&principal, &view, &sub)?;
        let (attempts, truncated) = self.history.attempts(&sub.id, req.limit).await?;
        Ok(Response::new(ListAttemptsResponse {
            attempts,
            truncated,
        }))
    }

    async fn list_dead_letters(
        &self,
        request: Request<ListDeadLettersRequest>,
    ) -> Result<Response<ListDeadLettersResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        let sub = Self::subscription(&view, &req.team, &req.subscription_id)?;
        read_deliveries(&principal, &view, &sub)?;
        if req.until_ms != 0 && req.until_ms <= req.since_ms {
            return Err(invalid("until_ms must be after since_ms"));
        }
        let (tasks, truncated) = self
            .history
            .dead_letters(&sub.id, req.limit, req.since_ms, req.until_ms)
            .await?;
        Ok(Response::new(ListDeadLettersResponse { tasks, truncated }))
    }

    async fn replay_dead_letters(
        &self,
        request: Request<ReplayDeadLettersRequest>,
    ) -> Result<Response<ReplayResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        let sub = Self::subscription(&view, &req.team, &req.subscription_id)?;
        admin_of(&principal, &view, &sub)?;
        if req.until_ms != 0 && req.until_ms <= req.since_ms {
            return Err(invalid("until_ms must be after since_ms"));
        }
        let out = self.history.replay_dead_letters(&sub, &req).await?;
        tracing::info!(subscription = %sub.id, replayed = out.replayed, "dead letters replayed");
        Ok(Response::new(out))
    }

    async fn replay_topic(
        &self,
        request: Request<ReplayTopicRequest>,
    ) -> Result<Response<ReplayResponse>, Status> {
        let (principal, view) = self.caller(&request).await?;
        let req = request.into_inner();
        let sub = Self::subscription(&view, &req.team, &req.subscription_id)?;
        admin_of(&principal, &view, &sub)?;
        let topic = req.topic.trim();
        let r = if topic.contains('.') {
            TopicRef::from_kafka(topic)
        } else {
            TopicRef::parse(&sub.team, topic)
        }
        .map_err(|e: NameError| invalid(e))?;
        let kafka_topic = r.kafka_topic();
        if !sub.topics.contains(&kafka_topic) {
            return Err(Status::failed_precondition(format!(
                "subscription {} does not subscribe to {kafka_topic} (it has {})",
                sub.id,
                sub.topics.join(", ")
            )));
        }
        let from = req
            .from
            .ok_or_else(|| invalid("give from_offset or from_time_ms"))?;
        let out = self
            .history
            .replay_topic(&sub, &kafka_topic, from, req.limit)
            .await?;
        tracing::info!(subscription = %sub.id, topic = %kafka_topic, replayed = out.replayed, "topic replayed");
        Ok(Response::new(out))
    }
}
