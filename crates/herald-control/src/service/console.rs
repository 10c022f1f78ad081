//! What the web console needs beyond the resources: who the caller is, portal tokens (a
//! short-lived key for one team's portal), a subscription's delivery health and test events.

use herald_core::Event;

use super::*;
use crate::health;

/// Portal token lifetimes: the default, and the bounds a request may ask for.
const PORTAL_TTL_DEFAULT_MS: i64 = 3_600_000;
const PORTAL_TTL_MIN_MS: i64 = 60_000;
const PORTAL_TTL_MAX_MS: i64 = 86_400_000;
/// Health windows: the default, and the bounds (herald.attempts keeps 7 days).
const HEALTH_WINDOW_DEFAULT_MS: i64 = 3_600_000;
const HEALTH_WINDOW_MIN_MS: i64 = 60_000;
const HEALTH_WINDOW_MAX_MS: i64 = 7 * 86_400_000;
/// The event type of a test event when the request names none.
const TEST_EVENT_TYPE: &str = "herald.test";
/// Largest test event payload: a test needs little, and the replay record carries it.
const TEST_EVENT_MAX_BYTES: usize = 64 * 1024;

/// Where the console opens a team's portal; the token travels in the fragment, which browsers
/// never send to a server.
pub(crate) fn console_path(token: &str) -> String {
    format!("/console/#portal={token}")
}

/// A duration field: 0 = `default`, else within `[min, max]`.
fn bounded_ms(field: &str, value: i64, default: i64, min: i64, max: i64) -> Result<i64, Status> {
    match value {
        0 => Ok(default),
        v if (min..=max).contains(&v) => Ok(v),
        v => Err(invalid(format!(
            "{field} must be between {min} and {max} (0 = {default}), got {v}"
        ))),
    }
}

pub(super) async fn who_am_i(
    svc: &ControlService,
    request: Request<WhoAmIRequest>,
) -> Result<Response<WhoAmIResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    allow(&principal, &view, Action::WhoAmI)?;
    let out = match principal {
        Principal::Root => WhoAmIResponse {
            principal: PrincipalKind::Root as i32,
            ..Default::default()
        },
        Principal::Internal => WhoAmIResponse {
            principal: PrincipalKind::Internal as i32,
            ..Default::default()
        },
        Principal::Key(k) => WhoAmIResponse {
            principal: PrincipalKind::Key as i32,
            team: k.team,
            key_id: k.id,
            name: k.name,
            scopes: k.scopes,
            topics: k.topics,
            expires_at_ms: k.expires_at_ms,
            portal: k.portal,
        },
    };
    Ok(Response::new(out))
}

pub(super) async fn create_portal_token(
    svc: &ControlService,
    request: Request<CreatePortalTokenRequest>,
) -> Result<Response<CreatePortalTokenResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(&principal, &view, Action::AdminTeam { team: &req.team })?;
    let ttl = bounded_ms(
        "ttl_ms",
        req.ttl_ms,
        PORTAL_TTL_DEFAULT_MS,
        PORTAL_TTL_MIN_MS,
        PORTAL_TTL_MAX_MS,
    )?;
    let name = match req.name.trim() {
        "" => "portal".to_owned(),
        n if n.chars().count() > 100 => {
            return Err(invalid("name is longer than 100 characters"));
        }
        n => n.to_owned(),
    };
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    ControlService::team_exists(&view, &req.team)?;
    let token = generate_api_key();
    let created_at_ms = now_ms();
    // Subscribe scope and the portal flag: see Action::ManageSubscriptions for what that
    // allows.
    let key = ApiKey {
        id: new_id("key"),
        team: req.team.clone(),
        name,
        scopes: vec![Scope::Subscribe as i32],
        topics: Vec::new(),
        created_at_ms,
        key_hash: herald_watch::hash_key(&token),
        expires_at_ms: created_at_ms + ttl,
        portal: true,
    };
    svc.store
        .write(&guard, vec![upsert(entity::Kind::ApiKey(key.clone()))])
        .await?;
    tracing::info!(team = %key.team, key = %key.id, expires_at_ms = key.expires_at_ms, "portal token created");
    Ok(Response::new(CreatePortalTokenResponse {
        console_path: console_path(&token),
        token,
        expires_at_ms: key.expires_at_ms,
        key: Some(public_key(key)),
    }))
}

pub(super) async fn get_subscription_health(
    svc: &ControlService,
    request: Request<GetSubscriptionHealthRequest>,
) -> Result<Response<SubscriptionHealth>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    read_deliveries(&principal, &view, &sub)?;
    let window = bounded_ms(
        "window_ms",
        req.window_ms,
        HEALTH_WINDOW_DEFAULT_MS,
        HEALTH_WINDOW_MIN_MS,
        HEALTH_WINDOW_MAX_MS,
    )?;
    let since = now_ms() - window;
    let (attempts, truncated) = svc.history.attempts_since(&sub.id, since).await?;
    Ok(Response::new(health::summarize(
        attempts, since, window, truncated,
    )))
}

/// The test event's payload: the request's JSON, or a small default.
fn test_data(data_json: &str, now: i64) -> Result<Vec<u8>, Status> {
    if data_json.trim().is_empty() {
        let data = serde_json::json!({"message": "test event from Herald", "sent_at_ms": now});
        return Ok(data.to_string().into_bytes());
    }
    if data_json.len() > TEST_EVENT_MAX_BYTES {
        return Err(invalid(format!(
            "data_json is {} bytes; a test event carries at most {TEST_EVENT_MAX_BYTES}",
            data_json.len()
        )));
    }
    let value: serde_json::Value = serde_json::from_str(data_json)
        .map_err(|e| invalid(format!("data_json is not JSON: {e}")))?;
    Ok(value.to_string().into_bytes())
}

pub(super) async fn send_test_event(
    svc: &ControlService,
    request: Request<SendTestEventRequest>,
) -> Result<Response<SendTestEventResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.subscription_id)?;
    manage_subscription(&principal, &view, &sub)?;
    let state = SubscriptionState::try_from(sub.state).unwrap_or_default();
    if state != SubscriptionState::Active {
        let state = match state {
            SubscriptionState::Paused => "paused: resume it",
            SubscriptionState::Disabled => "disabled: resume it",
            _ => "not active: resume it",
        };
        return Err(Status::failed_precondition(format!(
            "subscription {} is {state} before sending a test event",
            sub.id
        )));
    }
    let now = now_ms();
    let ty = match req.event_type.trim() {
        "" => TEST_EVENT_TYPE,
        t => t,
    };
    let id = uuid::Uuid::now_v7().to_string();
    let mut event = Event::new(
        id.clone(),
        format!("/herald/{}/subscriptions/{}", sub.team, sub.id),
        ty,
        test_data(&req.data_json, now)?,
    );
    event.content_type = Some("application/json".into());
    event.subject = Some(sub.id.clone());
    event.validate().map_err(invalid)?;
    let headers = event
        .to_headers()
        .into_iter()
        .map(|h| RecordHeader {
            key: h.key,
            value: h.value,
        })
        .collect();
    // A replay task of this subscription only: delivery signs, POSTs and records it like any
    // other, and nothing is written to the subscription's topics, so no other subscriber sees it.
    let task = DeliveryTask {
        subscription_id: sub.id.clone(),
        team: sub.team.clone(),
        source_topic: sub.topics.first().cloned().unwrap_or_default(),
        source_partition: -1,
        source_offset: -1,
        event_id: id.clone(),
        event_type: event.ty.clone(),
        headers,
        data: event.data,
        due_at_ms: now,
        replay: true,
        ..Default::default()
    };
    svc.history.send_task(task).await?;
    tracing::info!(subscription = %sub.id, event = %id, "test event sent");
    Ok(Response::new(SendTestEventResponse { event_id: id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_default_and_stay_in_bounds() {
        assert_eq!(bounded_ms("ttl_ms", 0, 10, 5, 20).unwrap(), 10);
        assert_eq!(bounded_ms("ttl_ms", 5, 10, 5, 20).unwrap(), 5);
        for bad in [-1, 4, 21] {
            let e = bounded_ms("ttl_ms", bad, 10, 5, 20).unwrap_err();
            assert_eq!(e.code(), tonic::Code::InvalidArgument);
            assert!(
                e.message().contains("ttl_ms must be between 5 and 20"),
                "{e}"
            );
        }
    }

    #[test]
    fn test_data_is_json() {
        let d: serde_json::Value = serde_json::from_slice(&test_data("", 7).unwrap()).unwrap();
        assert_eq!(d["sent_at_ms"], 7);
        assert_eq!(test_data(r#" {"a": [1]} "#, 0).unwrap(), br#"{"a":[1]}"#);
        assert_eq!(
            test_data("{", 0).unwrap_err().code(),
            tonic::Code::InvalidArgument
        );
        assert_eq!(console_path("hk_x"), "/console/#portal=hk_x");
    }
}
