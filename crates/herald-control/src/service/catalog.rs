//! The event-type catalog (types with versioned JSON Schemas) and topics' schema policies.

use super::*;
use crate::schema;

/// Most versions one event type keeps.
const MAX_VERSIONS: usize = 1000;

/// An event type's name: a CloudEvents type made of URL-safe characters (`order.created`).
fn type_name(name: &str) -> Result<String, Status> {
    let name = name.trim();
    if name.is_empty() || name.len() > 256 {
        return Err(invalid("event type name must be 1 to 256 characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(invalid(format!(
            "event type name {name:?} has {c:?}: use letters, digits, '.', '_' and '-'"
        )));
    }
    Ok(name.to_owned())
}

fn not_found(team: &str, name: &str) -> Status {
    Status::not_found(format!("event type {name} does not exist in team {team}"))
}

pub(super) async fn set_schema_policy(
    svc: &ControlService,
    request: Request<SetSchemaPolicyRequest>,
) -> Result<Response<Topic>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let policy = SchemaPolicy::try_from(req.schema_policy)
        .map_err(|_| invalid(format!("unknown schema_policy {}", req.schema_policy)))?;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    let mut topic = view.topic(&req.team, &req.topic).cloned().ok_or_else(|| {
        Status::not_found(format!("topic {}.{} does not exist", req.team, req.topic))
    })?;
    topic.schema_policy = policy as i32;
    svc.store
        .write(&guard, vec![upsert(entity::Kind::Topic(topic.clone()))])
        .await?;
    tracing::info!(topic = %topic.kafka_topic, policy = policy.as_str_name(), "schema policy set");
    Ok(Response::new(topic))
}

pub(super) async fn create_event_type(
    svc: &ControlService,
    request: Request<CreateEventTypeRequest>,
) -> Result<Response<EventType>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let name = type_name(&req.name)?;
    let description = validate::description(&req.description).map_err(invalid)?;
    let schema = schema::check(&req.schema).map_err(invalid)?;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    ControlService::team_exists(&view, &req.team)?;
    if view.event_type(&req.team, &name).is_some() {
        return Err(Status::already_exists(format!(
            "event type {name} already exists in team {}: add a version instead",
            req.team
        )));
    }
    let now = now_ms();
    let event_type = EventType {
        team: req.team.clone(),
        name,
        description,
        versions: vec![EventTypeVersion {
            version: 1,
            schema,
            created_at_ms: now,
        }],
        created_at_ms: now,
        updated_at_ms: now,
    };
    svc.store
        .write(
            &guard,
            vec![upsert(entity::Kind::EventType(event_type.clone()))],
        )
        .await?;
    tracing::info!(team = %event_type.team, event_type = %event_type.name, "event type created");
    Ok(Response::new(event_type))
}

pub(super) async fn add_event_type_version(
    svc: &ControlService,
    request: Request<AddEventTypeVersionRequest>,
) -> Result<Response<EventType>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let schema = schema::check(&req.schema).map_err(invalid)?;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    let mut event_type = view
        .event_type(&req.team, &req.name)
        .cloned()
        .ok_or_else(|| not_found(&req.team, &req.name))?;
    if event_type.versions.len() >= MAX_VERSIONS {
        return Err(Status::failed_precondition(format!(
            "event type {} has {MAX_VERSIONS} versions, the most it keeps",
            req.name
        )));
    }
    let now = now_ms();
    let version = event_type.versions.last().map_or(1, |v| v.version + 1);
    event_type.versions.push(EventTypeVersion {
        version,
        schema,
        created_at_ms: now,
    });
    event_type.updated_at_ms = now;
    svc.store
        .write(
            &guard,
            vec![upsert(entity::Kind::EventType(event_type.clone()))],
        )
        .await?;
    tracing::info!(team = %event_type.team, event_type = %event_type.name, version, "event type version added");
    Ok(Response::new(event_type))
}

pub(super) async fn get_event_type(
    svc: &ControlService,
    request: Request<GetEventTypeRequest>,
) -> Result<Response<EventType>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::ReadCatalog { team: &req.team })?;
    view.event_type(&req.team, &req.name)
        .cloned()
        .map(Response::new)
        .ok_or_else(|| not_found(&req.team, &req.name))
}

pub(super) async fn list_event_types(
    svc: &ControlService,
    request: Request<ListEventTypesRequest>,
) -> Result<Response<ListEventTypesResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let team = request.into_inner().team;
    allow(&principal, &view, Action::ReadCatalog { team: &team })?;
    ControlService::team_exists(&view, &team)?;
    let event_types = view
        .event_types
        .values()
        .filter(|t| t.team == team)
        .cloned()
        .collect();
    Ok(Response::new(ListEventTypesResponse { event_types }))
}

pub(super) async fn delete_event_type(
    svc: &ControlService,
    request: Request<DeleteEventTypeRequest>,
) -> Result<Response<DeleteEventTypeResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    if view.event_type(&req.team, &req.name).is_none() {
        return Err(not_found(&req.team, &req.name));
    }
    svc.store
        .write(
            &guard,
            vec![Write::Delete(entity_id::event_type(&req.team, &req.name))],
        )
        .await?;
    tracing::info!(team = %req.team, event_type = %req.name, "event type deleted");
    Ok(Response::new(DeleteEventTypeResponse {}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_url_safe() {
        assert_eq!(type_name(" order.created ").unwrap(), "order.created");
        assert!(type_name("com.example.v1_x-y").is_ok());
        assert!(type_name("").is_err());
        assert!(type_name("order/created").is_err());
        assert!(type_name("order.*").is_err());
        assert!(type_name(&"a".repeat(257)).is_err());
    }
}
