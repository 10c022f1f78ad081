//! API keys of a team: create (the key is shown once), list, revoke.

use super::*;

pub(super) async fn create_api_key(
    svc: &ControlService,
    request: Request<CreateApiKeyRequest>,
) -> Result<Response<CreateApiKeyResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
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
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    ControlService::team_exists(&view, &req.team)?;
    let secret = generate_api_key();
    let key = ApiKey {
        id: new_id("key"),
        team: req.team.clone(),
        name,
        scopes: scopes.into_iter().collect(),
        topics: topics.into_iter().collect(),
        created_at_ms: now_ms(),
        key_hash: herald_watch::hash_key(&secret),
        expires_at_ms: 0,
        portal: false,
    };
    svc.store
        .write(&guard, vec![upsert(entity::Kind::ApiKey(key.clone()))])
        .await?;
    tracing::info!(team = %key.team, key = %key.id, "api key created");
    Ok(Response::new(CreateApiKeyResponse {
        key: Some(public_key(key)),
        secret,
    }))
}

pub(super) async fn list_api_keys(
    svc: &ControlService,
    request: Request<ListApiKeysRequest>,
) -> Result<Response<ListApiKeysResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let team = request.into_inner().team;
    allow(&principal, &view, Action::AdminTeam { team: &team })?;
    ControlService::team_exists(&view, &team)?;
    let keys = view
        .keys
        .values()
        .filter(|k| k.team == team)
        .cloned()
        .map(public_key)
        .collect();
    Ok(Response::new(ListApiKeysResponse { keys }))
}

pub(super) async fn revoke_api_key(
    svc: &ControlService,
    request: Request<RevokeApiKeyRequest>,
) -> Result<Response<RevokeApiKeyResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    if view.keys.get(&req.id).is_none_or(|k| k.team != req.team) {
        return Err(Status::not_found(format!(
            "api key {} does not exist in team {}",
            req.id, req.team
        )));
    }
    svc.store
        .write(&guard, vec![Write::Delete(entity_id::key(&req.id))])
        .await?;
    tracing::info!(team = %req.team, key = %req.id, "api key revoked");
    Ok(Response::new(RevokeApiKeyResponse {}))
}
