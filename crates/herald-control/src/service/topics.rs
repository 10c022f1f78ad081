//! Topics of a team: create (and the Kafka topic), read, describe, delete.

use herald_kafka::PartitionOffsets;

use super::*;

pub(super) async fn create_topic(
    svc: &ControlService,
    request: Request<CreateTopicRequest>,
) -> Result<Response<Topic>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let team = team_name(&req.team)?;
    let name = TopicName::new(req.name.trim()).map_err(invalid)?;
    let schema_policy = SchemaPolicy::try_from(req.schema_policy)
        .map_err(|_| invalid(format!("unknown schema_policy {}", req.schema_policy)))?;
    let partitions = match req.partitions {
        0 => svc.limits.default_partitions,
        p if p < 0 || p > svc.limits.max_partitions => {
            return Err(invalid(format!(
                "partitions must be between 1 and {}, got {p}",
                svc.limits.max_partitions
            )));
        }
        p => p,
    };
    let retention_ms = match req.retention_ms {
        0 => svc.limits.default_retention_ms,
        -1 => -1,
        r if r < 60_000 => {
            return Err(invalid(format!(
                "retention_ms must be -1 (forever) or at least 60000 (one minute), got {r}"
            )));
        }
        r => r,
    };
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    ControlService::team_exists(&view, team.as_str())?;
    if view.topic(team.as_str(), name.as_str()).is_some() {
        return Err(Status::already_exists(format!(
            "topic {team}.{name} already exists"
        )));
    }
    let kafka_topic = format!("{team}.{name}");
    let spec =
        TopicSpec::new(&kafka_topic, partitions).config("retention.ms", retention_ms.to_string());
    match svc.admin.create_topic(&spec).await {
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
    let topic = Topic {
        team: team.to_string(),
        name: name.to_string(),
        partitions,
        retention_ms,
        created_at_ms: now_ms(),
        kafka_topic,
        schema_policy: schema_policy as i32,
    };
    svc.store
        .write(&guard, vec![upsert(entity::Kind::Topic(topic.clone()))])
        .await?;
    tracing::info!(topic = %topic.kafka_topic, partitions, "topic created");
    Ok(Response::new(topic))
}

pub(super) async fn list_topics(
    svc: &ControlService,
    request: Request<ListTopicsRequest>,
) -> Result<Response<ListTopicsResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let team = request.into_inner().team;
    allow(&principal, &view, Action::ReadTeam { team: &team })?;
    ControlService::team_exists(&view, &team)?;
    let topics = view
        .topics
        .values()
        .filter(|t| t.team == team)
        .cloned()
        .collect();
    Ok(Response::new(ListTopicsResponse { topics }))
}

pub(super) async fn describe_topic(
    svc: &ControlService,
    request: Request<DescribeTopicRequest>,
) -> Result<Response<TopicDescription>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::ReadTeam { team: &req.team })?;
    let topic = view.topic(&req.team, &req.name).cloned().ok_or_else(|| {
        Status::not_found(format!("topic {}.{} does not exist", req.team, req.name))
    })?;
    let offsets = svc
        .admin
        .describe_topic(&topic.kafka_topic)
        .await
        .map_err(|e| {
            kafka_error(
                &format!("cannot describe kafka topic {}", topic.kafka_topic),
                e,
            )
        })?;
    let committed = svc
        .history
        .delivery_committed(
            &topic.kafka_topic,
            offsets.iter().map(|p| p.partition).collect(),
        )
        .await?;
    let partitions = offsets
        .into_iter()
        .map(|p| partition_info(p, committed.get(&p.partition).copied()))
        .collect();
    Ok(Response::new(TopicDescription {
        topic: Some(topic),
        partitions,
    }))
}

/// A partition's offsets with delivery's lag: what it has not committed yet, or (without a
/// commit) everything retained. A commit below the low watermark (the records expired
/// unread) counts from the low watermark.
fn partition_info(p: PartitionOffsets, committed: Option<i64>) -> PartitionInfo {
    let lag = match committed {
        Some(c) => p.high - c.clamp(p.low, p.high),
        None => p.high - p.low,
    };
    PartitionInfo {
        partition: p.partition,
        low_offset: p.low,
        high_offset: p.high,
        committed_offset: committed.unwrap_or(-1),
        lag,
    }
}

pub(super) async fn delete_topic(
    svc: &ControlService,
    request: Request<DeleteTopicRequest>,
) -> Result<Response<DeleteTopicResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
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
    svc.store.write(&guard, writes).await?;
    drop(guard);
    match svc.admin.delete_topic(&topic.kafka_topic).await {
        Ok(()) | Err(KafkaError::UnknownTopic(_)) => {}
        Err(error) => {
            tracing::warn!(topic = %topic.kafka_topic, %error, "topic removed from herald but the kafka topic could not be deleted");
        }
    }
    tracing::info!(topic = %topic.kafka_topic, "topic deleted");
    Ok(Response::new(DeleteTopicResponse {}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_counts_from_the_commit_or_the_low_watermark() {
        let p = PartitionOffsets {
            partition: 0,
            low: 10,
            high: 50,
        };
        let lag = |c| {
            let i = partition_info(p, c);
            (i.committed_offset, i.lag)
        };
        assert_eq!(lag(None), (-1, 40));
        assert_eq!(lag(Some(45)), (45, 5));
        assert_eq!(lag(Some(50)), (50, 0));
        assert_eq!(lag(Some(3)), (3, 40), "expired records are not lag");
    }
}
