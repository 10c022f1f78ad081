//! How the worker tells the control plane to disable a subscription (410 Gone, auto-disable).

use std::time::Duration;

use async_trait::async_trait;
use herald_proto::v1::DisableSubscriptionRequest;
use herald_proto::v1::control_client::ControlClient;
use herald_watch::Bearer;
use tonic::transport::Channel;

use crate::DeliveryError;

/// Disables subscriptions on the worker's behalf. Behind a trait so tests and `herald dev` can
/// pass an in-process implementation.
#[async_trait]
pub trait SubscriptionControl: Send + Sync {
    /// Disables subscription `id` of `team` with a human-readable `reason`.
    async fn disable(&self, team: &str, id: &str, reason: &str) -> Result<(), DeliveryError>;
}

/// `herald.v1.Control/DisableSubscription` over gRPC with the internal token.
#[derive(Debug, Clone)]
pub struct GrpcControl {
    client: ControlClient<Channel>,
    bearer: Bearer,
}

impl GrpcControl {
    /// A lazily connecting client for `endpoint` (e.g. `http://127.0.0.1:50051`).
    pub fn new(endpoint: &str, internal_token: &str) -> Result<Self, DeliveryError> {
        let channel = tonic::transport::Endpoint::from_shared(endpoint.to_owned())
            .map_err(|e| DeliveryError::Config(format!("control_endpoint: {e}")))?
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .connect_lazy();
        let bearer = Bearer::new(internal_token)
            .map_err(|e| DeliveryError::Config(format!("internal_token: {e}")))?;
        Ok(Self {
            client: ControlClient::new(channel),
            bearer,
        })
    }
}

#[async_trait]
impl SubscriptionControl for GrpcControl {
    async fn disable(&self, team: &str, id: &str, reason: &str) -> Result<(), DeliveryError> {
        let mut request = tonic::Request::new(DisableSubscriptionRequest {
            team: team.to_owned(),
            id: id.to_owned(),
            reason: reason.to_owned(),
        });
        self.bearer.apply(&mut request);
        self.client
            .clone()
            .disable_subscription(request)
            .await
            .map(|_| ())
            .map_err(|s| DeliveryError::Control(format!("{}: {}", s.code(), s.message())))
    }
}

/// For static subscriptions (no control plane): disabling is local to this process only.
#[derive(Debug, Clone, Default)]
pub struct LocalControl;

#[async_trait]
impl SubscriptionControl for LocalControl {
    async fn disable(&self, team: &str, id: &str, reason: &str) -> Result<(), DeliveryError> {
        tracing::warn!(%team, subscription = %id, %reason, "subscription disabled locally (static configuration, no control plane)");
        Ok(())
    }
}
