//! Delivery history (attempts, dead letters) and replays.

use super::*;

pub(super) async fn list_attempts(
    svc: &ControlService,
    request: Request<ListAttemptsRequest>,
) -> Result<Response<ListAttemptsResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    read_deliveries(&principal, &view, &sub)?;
    let (attempts, truncated) = svc.history.attempts(&sub.id, req.limit).await?;
    Ok(Response::new(ListAttemptsResponse {
        attempts,
        truncated,
    }))
}

pub(super) async fn list_dead_letters(
    svc: &ControlService,
    request: Request<ListDeadLettersRequest>,
) -> Result<Response<ListDeadLettersResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    read_deliveries(&principal, &view, &sub)?;
    if req.until_ms != 0 && req.until_ms <= req.since_ms {
        return Err(invalid("until_ms must be after since_ms"));
    }
    let (tasks, truncated) = svc
        .history
        .dead_letters(&sub.id, req.limit, req.since_ms, req.until_ms)
        .await?;
    Ok(Response::new(ListDeadLettersResponse { tasks, truncated }))
}

pub(super) async fn replay_dead_letters(
    svc: &ControlService,
    request: Request<ReplayDeadLettersRequest>,
) -> Result<Response<ReplayResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    admin_of(&principal, &view, &sub)?;
    if req.until_ms != 0 && req.until_ms <= req.since_ms {
        return Err(invalid("until_ms must be after since_ms"));
    }
    let out = svc.history.replay_dead_letters(&sub, &req).await?;
    tracing::info!(subscription = %sub.id, replayed = out.replayed, "dead letters replayed");
    Ok(Response::new(out))
}

pub(super) async fn replay_topic(
    svc: &ControlService,
    request: Request<ReplayTopicRequest>,
) -> Result<Response<ReplayResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
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
    let out = svc
        .history
        .replay_topic(&sub, &kafka_topic, from, req.limit)
        .await?;
    tracing::info!(subscription = %sub.id, topic = %kafka_topic, replayed = out.replayed, "topic replayed");
    Ok(Response::new(out))
}
