//! The connection to a Herald server and publishing.

use std::time::Duration;

use herald_proto::v1 as proto;
use herald_proto::v1::control_client::ControlClient;
use herald_proto::v1::publisher_client::PublisherClient;
use herald_watch::Bearer;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

use crate::{Error, Event};

/// How long connecting may take before [`Client::connect`] gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The deadline of every call: long enough for a history scan, short enough not to hang.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) type Authed = InterceptedService<Channel, Bearer>;

/// The outcome of one event of a batch: its receipt, or why it was refused.
pub type EventOutcome = Result<proto::EventReceipt, Error>;

/// A connection to Herald's gRPC API (publishing and the control plane) with one API key.
///
/// Cheap to clone: clones share the connection, and calls may run concurrently.
#[derive(Debug, Clone)]
pub struct Client {
    publisher: PublisherClient<Authed>,
    pub(crate) control: ControlClient<Authed>,
}

impl Client {
    /// Connects to `endpoint` (`http://host:port`, or `https://` with the system's roots),
    /// sending `api_key` (a team's key or the root key) with every call.
    pub async fn connect(endpoint: impl Into<String>, api_key: &str) -> Result<Self, Error> {
        let endpoint = endpoint.into();
        let bearer = Bearer::new(api_key.trim())?;
        let invalid = |reason: String| Error::InvalidEndpoint {
            endpoint: endpoint.clone(),
            reason,
        };
        let mut target = Endpoint::from_shared(endpoint.clone())
            .map_err(|e| invalid(e.to_string()))?
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(CALL_TIMEOUT);
        match target.uri().scheme_str() {
            Some("http") => {}
            Some("https") => {
                target = target
                    .tls_config(ClientTlsConfig::new().with_native_roots())
                    .map_err(|e| invalid(e.to_string()))?;
            }
            _ => return Err(invalid("the scheme must be http or https".into())),
        }
        let channel = target.connect().await.map_err(|source| Error::Connect {
            endpoint: endpoint.clone(),
            source,
        })?;
        Ok(Self {
            publisher: PublisherClient::with_interceptor(channel.clone(), bearer.clone()),
            control: ControlClient::with_interceptor(channel, bearer),
        })
    }

    /// Publishes one event to `team`'s `topic`; answers once Kafka has stored it.
    pub async fn publish(
        &self,
        team: &str,
        topic: &str,
        event: Event,
    ) -> Result<proto::EventReceipt, Error> {
        self.publisher
            .clone()
            .publish(proto::PublishRequest {
                team: team.into(),
                topic: topic.into(),
                event: Some(event.into()),
            })
            .await?
            .into_inner()
            .receipt
            .ok_or(Error::MissingField("receipt"))
    }

    /// Publishes several events to one topic. The outer error means the call failed as a
    /// whole (nothing was stored, e.g. an invalid event or a bad key); otherwise each event has
    /// its own outcome, in request order, since a batch is not a transaction.
    pub async fn publish_batch(
        &self,
        team: &str,
        topic: &str,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<Vec<EventOutcome>, Error> {
        let results = self
            .publisher
            .clone()
            .publish_batch(proto::PublishBatchRequest {
                team: team.into(),
                topic: topic.into(),
                events: events.into_iter().map(Into::into).collect(),
            })
            .await?
            .into_inner()
            .results;
        Ok(results.into_iter().map(outcome).collect())
    }
}

/// One batch result as a `Result`: the receipt when the code is OK, the status otherwise.
fn outcome(result: proto::EventResult) -> EventOutcome {
    match (tonic::Code::from_i32(result.code), result.receipt) {
        (tonic::Code::Ok, Some(receipt)) => Ok(receipt),
        (tonic::Code::Ok, None) => Err(Error::MissingField("receipt")),
        (code, _) => Err(Error::Status {
            code,
            message: result.error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_core::Classify;

    #[test]
    fn batch_results_become_outcomes() {
        let receipt = proto::EventReceipt {
            id: "e1".into(),
            partition: 1,
            offset: 7,
            duplicate: false,
        };
        let ok = outcome(proto::EventResult {
            receipt: Some(receipt.clone()),
            code: 0,
            error: String::new(),
        });
        assert_eq!(ok.unwrap(), receipt);
        let refused = outcome(proto::EventResult {
            receipt: None,
            code: tonic::Code::Unavailable as i32,
            error: "broker down".into(),
        })
        .unwrap_err();
        assert_eq!(refused.code(), Some(tonic::Code::Unavailable));
        assert!(matches!(
            outcome(proto::EventResult::default()),
            Err(Error::MissingField("receipt"))
        ));
    }

    #[tokio::test]
    async fn bad_endpoints_and_keys_fail_before_connecting() {
        for endpoint in ["not a url", "ftp://127.0.0.1:1"] {
            let err = Client::connect(endpoint, "hk_x").await.unwrap_err();
            assert!(
                matches!(err, Error::InvalidEndpoint { .. }),
                "{endpoint}: {err}"
            );
        }
        let err = Client::connect("http://127.0.0.1:1", "bad\nkey")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidKey(_)), "{err}");
        // Nothing listens on port 1: worth retrying later, unlike the mistakes above.
        let err = Client::connect("http://127.0.0.1:1", "hk_x")
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Connect { .. }) && err.is_retryable(),
            "{err}"
        );
    }
}
