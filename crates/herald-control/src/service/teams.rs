//! Teams: create, read, list, delete (with everything they own).

use super::*;

pub(super) async fn create_team(
    svc: &ControlService,
    request: Request<CreateTeamRequest>,
) -> Result<Response<Team>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    allow(&principal, &view, Action::ManageTeams)?;
    let req = request.into_inner();
    let name = team_name(&req.name)?;
    if req.display_name.chars().count() > 200 {
        return Err(invalid("display_name is longer than 200 characters"));
    }
    let guard = svc.store.lock().await;
    let view = svc.store.view();
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
    svc.store
        .write(&guard, vec![upsert(entity::Kind::Team(team.clone()))])
        .await?;
    tracing::info!(team = %team.name, "team created");
    Ok(Response::new(team))
}

pub(super) async fn get_team(
    svc: &ControlService,
    request: Request<GetTeamRequest>,
) -> Result<Response<Team>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let name = request.into_inner().name;
    allow(&principal, &view, Action::ReadTeam { team: &name })?;
    view.teams
        .get(&name)
        .cloned()
        .map(Response::new)
        .ok_or_else(|| Status::not_found(format!("team {name} does not exist")))
}

pub(super) async fn list_teams(
    svc: &ControlService,
    request: Request<ListTeamsRequest>,
) -> Result<Response<ListTeamsResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let teams = view
        .teams
        .values()
        .filter(|t| principal.team().is_none_or(|own| own == t.name))
        .cloned()
        .collect();
    Ok(Response::new(ListTeamsResponse { teams }))
}

pub(super) async fn delete_team(
    svc: &ControlService,
    request: Request<DeleteTeamRequest>,
) -> Result<Response<DeleteTeamResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    allow(&principal, &view, Action::ManageTeams)?;
    let name = request.into_inner().name;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    ControlService::team_exists(&view, &name)?;
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
    // So does its event-type catalog.
    writes.extend(
        view.event_types
            .values()
            .filter(|t| t.team == name)
            .map(|t| Write::Delete(entity_id::event_type(&t.team, &t.name))),
    );
    writes.push(Write::Delete(entity_id::team(&name)));
    svc.store.write(&guard, writes).await?;
    tracing::info!(team = %name, "team deleted");
    Ok(Response::new(DeleteTeamResponse {}))
}
