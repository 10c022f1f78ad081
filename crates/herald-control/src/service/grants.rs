//! Grants: sharing one team's topic with another team.

use super::*;

pub(super) async fn create_grant(
    svc: &ControlService,
    request: Request<CreateGrantRequest>,
) -> Result<Response<Grant>, Status> {
    let (principal, view) = svc.caller(&request).await?;
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
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    if view.topic(&req.team, &topic).is_none() {
        return Err(Status::not_found(format!(
            "topic {}.{topic} does not exist",
            req.team
        )));
    }
    ControlService::team_exists(&view, grantee.as_str())?;
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
    svc.store
        .write(&guard, vec![upsert(entity::Kind::Grant(grant.clone()))])
        .await?;
    tracing::info!(team = %grant.team, topic = %grant.topic, grantee = %grant.grantee, "grant created");
    Ok(Response::new(grant))
}

pub(super) async fn list_grants(
    svc: &ControlService,
    request: Request<ListGrantsRequest>,
) -> Result<Response<ListGrantsResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let team = request.into_inner().team;
    allow(&principal, &view, Action::ReadTeam { team: &team })?;
    ControlService::team_exists(&view, &team)?;
    let grants = view
        .grants
        .values()
        .filter(|g| g.team == team || g.grantee == team)
        .cloned()
        .collect();
    Ok(Response::new(ListGrantsResponse { grants }))
}

pub(super) async fn revoke_grant(
    svc: &ControlService,
    request: Request<RevokeGrantRequest>,
) -> Result<Response<RevokeGrantResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
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
            s.disabled_reason = format!("grant for {kafka_topic} revoked by team {}", grant.team);
            s.updated_at_ms = now;
            upsert(entity::Kind::Subscription(s))
        })
        .collect();
    writes.push(Write::Delete(entity_id::grant(&grant.id)));
    svc.store.write(&guard, writes).await?;
    tracing::info!(grant = %grant.id, "grant revoked");
    Ok(Response::new(RevokeGrantResponse {}))
}
