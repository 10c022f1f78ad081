//! `herald.v1.Publisher` over gRPC.

use std::sync::Arc;

use herald_proto::v1::publisher_server::Publisher;
use herald_proto::v1::{
    Event as ProtoEvent, EventReceipt, EventResult, PublishBatchRequest, PublishBatchResponse,
    PublishRequest, PublishResponse,
};
use tonic::{Request, Response, Status};

use crate::metrics::Transport;
use crate::publish::{Core, Draft, Receipt};
use herald_core::envelope::TRACEPARENT_HEADER;

use crate::IngestError;

/// The tonic implementation of `herald.v1.Publisher`; mount it with
/// [`crate::Ingest::grpc_service`].
#[derive(Clone)]
pub struct PublisherService {
    core: Arc<Core>,
}

impl std::fmt::Debug for PublisherService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublisherService").finish_non_exhaustive()
    }
}

impl PublisherService {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Self { core }
    }
}

fn text(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn draft(e: ProtoEvent) -> Draft {
    let mut extensions = e
        .extensions
        .into_iter()
        .collect::<std::collections::BTreeMap<_, _>>();
    // The CloudEvents distributed-tracing extension travels in the record's traceparent header.
    let traceparent = extensions.remove("traceparent");
    Draft {
        id: text(e.id),
        ty: text(e.r#type),
        source: text(e.source),
        subject: text(e.subject),
        time: text(e.time),
        content_type: text(e.data_content_type),
        data_schema: None,
        key: text(e.key),
        traceparent,
        extensions,
        data: e.data,
    }
}

fn receipt(r: Receipt) -> EventReceipt {
    EventReceipt {
        id: r.id,
        partition: r.partition,
        offset: r.offset,
        duplicate: r.duplicate,
    }
}

/// `(authorization, traceparent)` from the request metadata.
fn credentials<T>(request: &Request<T>) -> (Option<String>, Option<String>) {
    let get = |name| {
        request
            .metadata()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    (get("authorization"), get(TRACEPARENT_HEADER))
}

#[tonic::async_trait]
impl Publisher for PublisherService {
    async fn publish(
        &self,
        request: Request<PublishRequest>,
    ) -> Result<Response<PublishResponse>, Status> {
        let (authorization, traceparent) = credentials(&request);
        let req = request.into_inner();
        let Some(event) = req.event else {
            let e = IngestError::Invalid("missing required field 'event'".to_owned());
            self.core.reject(Transport::Grpc, &e, 1);
            return Err(e.into());
        };
        let kafka_topic = self.core.authorize(
            Transport::Grpc,
            authorization.as_deref(),
            &req.team,
            &req.topic,
            1,
        )?;
        let mut results = self
            .core
            .publish_to(
                Transport::Grpc,
                &kafka_topic,
                traceparent.as_deref(),
                &req.team,
                &req.topic,
                vec![draft(event)],
                false,
            )
            .await?;
        match results.pop() {
            Some(Ok(r)) => Ok(Response::new(PublishResponse {
                receipt: Some(receipt(r)),
            })),
            Some(Err(e)) => Err(e.into()),
            None => Err(Status::internal("no outcome for the event")),
        }
    }

    async fn publish_batch(
        &self,
        request: Request<PublishBatchRequest>,
    ) -> Result<Response<PublishBatchResponse>, Status> {
        let (authorization, traceparent) = credentials(&request);
        let req = request.into_inner();
        let kafka_topic = self.core.authorize(
            Transport::Grpc,
            authorization.as_deref(),
            &req.team,
            &req.topic,
            req.events.len(),
        )?;
        let drafts = req.events.into_iter().map(draft).collect();
        let results = self
            .core
            .publish_to(
                Transport::Grpc,
                &kafka_topic,
                traceparent.as_deref(),
                &req.team,
                &req.topic,
                drafts,
                true,
            )
            .await?;
        // Nothing accepted: the call as a whole failed, which plain clients handle best.
        if results.iter().all(Result::is_err) {
            return Err(match results.into_iter().next() {
                Some(Err(first)) => first.into(),
                _ => Status::internal("no outcome for the batch"),
            });
        }
        Ok(Response::new(PublishBatchResponse {
            results: results
                .into_iter()
                .map(|r| match r {
                    Ok(r) => EventResult {
                        receipt: Some(receipt(r)),
                        code: 0,
                        error: String::new(),
                    },
                    Err(e) => EventResult {
                        receipt: None,
                        code: e.grpc_code() as i32,
                        error: e.to_string(),
                    },
                })
                .collect(),
        }))
    }
}
