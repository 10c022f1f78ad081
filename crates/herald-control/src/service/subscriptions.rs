//! Webhook subscriptions: create, read, change, pause, resume, disable, rotate, delete.

use super::*;

pub(super) async fn create_subscription(
    svc: &ControlService,
    request: Request<CreateSubscriptionRequest>,
) -> Result<Response<CreateSubscriptionResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    allow(
        &principal,
        &view,
        Action::ManageSubscriptions { team: &req.team },
    )?;
    let url = validate::url(&req.url).map_err(invalid)?;
    let event_types = validate::event_types(&req.event_types).map_err(invalid)?;
    let filter = validate::filter(&req.filter).map_err(invalid)?;
    let headers = validate::headers(&req.headers).map_err(invalid)?;
    // A client re-creating a subscription from an answer would otherwise store the placeholder
    // as its endpoint credential.
    if let Some(name) = headers
        .iter()
        .find_map(|(name, value)| (value == herald_runtime::REDACTED).then_some(name))
    {
        return Err(invalid(format!(
            "header {name} has the value {}: send the real value (values are write-only)",
            herald_runtime::REDACTED
        )));
    }
    validate::limits(req.rate_limit, req.max_in_flight).map_err(invalid)?;
    let description = validate::description(&req.description).map_err(invalid)?;
    let (ordering, on_dead_letter, content_mode) =
        validate::delivery_mode(&req.ordering, &req.on_dead_letter, &req.content_mode)
            .map_err(invalid)?;
    let secret = if req.secret.trim().is_empty() {
        generate_signing_secret()
    } else {
        validate::signing_secret(&req.secret).map_err(invalid)?
    };
    // Before the lock: the handshake waits on someone else's server.
    if req.verify_endpoint {
        svc.verify_endpoint(&url).await?;
    }
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    ControlService::team_exists(&view, &req.team)?;
    let topics = ControlService::resolve_topics(&view, &req.team, &req.topics)?;
    let now = now_ms();
    let sub = Subscription {
        id: new_id("sub"),
        team: req.team.clone(),
        topics,
        url,
        event_types,
        headers,
        rate_limit: req.rate_limit,
        max_in_flight: req.max_in_flight,
        state: SubscriptionState::Active as i32,
        disabled_reason: String::new(),
        created_at_ms: now,
        updated_at_ms: now,
        secrets: vec![SigningSecret {
            secret: secret.clone(),
            expires_at_ms: 0,
        }],
        description,
        ordering,
        on_dead_letter,
        content_mode,
        filter,
    };
    svc.store
        .write(
            &guard,
            vec![upsert(entity::Kind::Subscription(sub.clone()))],
        )
        .await?;
    tracing::info!(team = %sub.team, subscription = %sub.id, "subscription created");
    Ok(Response::new(CreateSubscriptionResponse {
        subscription: Some(public_sub(sub)),
        secret,
    }))
}

pub(super) async fn get_subscription(
    svc: &ControlService,
    request: Request<GetSubscriptionRequest>,
) -> Result<Response<Subscription>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = ControlService::subscription(&view, &req.team, &req.id)?;
    read_deliveries(&principal, &view, &sub)?;
    Ok(Response::new(public_sub(sub)))
}

pub(super) async fn list_subscriptions(
    svc: &ControlService,
    request: Request<ListSubscriptionsRequest>,
) -> Result<Response<ListSubscriptionsResponse>, Status> {
    let (principal, view) = svc.caller(&request).await?;
    let team = request.into_inner().team;
    allow(
        &principal,
        &view,
        Action::ReadDeliveries {
            team: &team,
            topics: &[],
        },
    )?;
    ControlService::team_exists(&view, &team)?;
    let subscriptions = view
        .subscriptions
        .values()
        .filter(|s| s.team == team && read_deliveries(&principal, &view, s).is_ok())
        .cloned()
        .map(public_sub)
        .collect();
    Ok(Response::new(ListSubscriptionsResponse { subscriptions }))
}

pub(super) async fn update_subscription(
    svc: &ControlService,
    request: Request<UpdateSubscriptionRequest>,
) -> Result<Response<Subscription>, Status> {
    let (principal, _) = svc.caller(&request).await?;
    let req = request.into_inner();
    const FIELDS: [&str; 11] = [
        "url",
        "topics",
        "event_types",
        "headers",
        "rate_limit",
        "max_in_flight",
        "description",
        "ordering",
        "on_dead_letter",
        "content_mode",
        "filter",
    ];
    if let Some(f) = req
        .update_mask
        .iter()
        .find(|f| !FIELDS.contains(&f.as_str()))
    {
        return Err(invalid(format!(
            "unknown update_mask field {f:?}; use {}",
            FIELDS.join(", ")
        )));
    }
    let set = |field: &str, given: bool| {
        if req.update_mask.is_empty() {
            given
        } else {
            req.update_mask.iter().any(|f| f == field)
        }
    };
    let url = set("url", !req.url.is_empty())
        .then(|| validate::url(&req.url))
        .transpose()
        .map_err(invalid)?;
    let event_types = set("event_types", !req.event_types.is_empty())
        .then(|| validate::event_types(&req.event_types))
        .transpose()
        .map_err(invalid)?;
    let filter = set("filter", !req.filter.is_empty())
        .then(|| validate::filter(&req.filter))
        .transpose()
        .map_err(invalid)?;
    let headers = set("headers", !req.headers.is_empty())
        .then(|| validate::headers(&req.headers))
        .transpose()
        .map_err(invalid)?;
    validate::limits(req.rate_limit, req.max_in_flight).map_err(invalid)?;
    let description = set("description", !req.description.is_empty())
        .then(|| validate::description(&req.description))
        .transpose()
        .map_err(invalid)?;
    if req.verify_endpoint {
        let view = svc.store.view();
        let stored = ControlService::subscription(&view, &req.team, &req.id)?;
        manage_subscription(&principal, &view, &stored)?;
        svc.verify_endpoint(url.as_deref().unwrap_or(&stored.url))
            .await?;
    }
    let set_topics = set("topics", !req.topics.is_empty());
    let set_rate = set("rate_limit", req.rate_limit != 0);
    let set_inflight = set("max_in_flight", req.max_in_flight != 0);
    // Refused before the write when a name is unknown; the combination is checked against the
    // stored values below.
    validate::delivery_mode(&req.ordering, "", &req.content_mode).map_err(invalid)?;
    let set_ordering = set("ordering", !req.ordering.is_empty());
    let set_on_dead_letter = set("on_dead_letter", !req.on_dead_letter.is_empty());
    let set_content_mode = set("content_mode", !req.content_mode.is_empty());
    let sub = svc
        .update_subscription_with(
            &req.team,
            &req.id,
            manage_subscription,
            &principal,
            |view, s| {
                if set_topics {
                    s.topics = ControlService::resolve_topics(view, &s.team, &req.topics)?;
                }
                if let Some(u) = url {
                    s.url = u;
                }
                if let Some(t) = event_types {
                    s.event_types = t;
                }
                if let Some(f) = filter {
                    s.filter = f;
                }
                if let Some(mut h) = headers {
                    // Values are write-only: a client that read "<redacted>" and sends it back
                    // keeps the stored value.
                    for (name, value) in h.iter_mut() {
                        if value == herald_runtime::REDACTED {
                            match s.headers.get(name) {
                                Some(stored) => stored.clone_into(value),
                                None => {
                                    return Err(invalid(format!(
                                        "header {name} has no stored value to keep: send its value"
                                    )));
                                }
                            }
                        }
                    }
                    s.headers = h;
                }
                if set_rate {
                    s.rate_limit = req.rate_limit;
                }
                if set_inflight {
                    s.max_in_flight = req.max_in_flight;
                }
                if let Some(d) = description {
                    s.description = d;
                }
                let pick = |set: bool, given: &str, stored: &str| {
                    if set {
                        given.to_owned()
                    } else {
                        stored.to_owned()
                    }
                };
                let (ordering, on_dead_letter, content_mode) = validate::delivery_mode(
                    &pick(set_ordering, &req.ordering, &s.ordering),
                    &pick(set_on_dead_letter, &req.on_dead_letter, &s.on_dead_letter),
                    &pick(set_content_mode, &req.content_mode, &s.content_mode),
                )
                .map_err(invalid)?;
                s.ordering = ordering;
                s.on_dead_letter = on_dead_letter;
                s.content_mode = content_mode;
                Ok(())
            },
        )
        .await?;
    Ok(Response::new(sub))
}

pub(super) async fn pause_subscription(
    svc: &ControlService,
    request: Request<PauseSubscriptionRequest>,
) -> Result<Response<Subscription>, Status> {
    let (principal, _) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = svc
        .update_subscription_with(
            &req.team,
            &req.id,
            manage_subscription,
            &principal,
            |_, s| {
                s.state = SubscriptionState::Paused as i32;
                s.disabled_reason.clear();
                Ok(())
            },
        )
        .await?;
    tracing::info!(subscription = %sub.id, "subscription paused");
    Ok(Response::new(sub))
}

pub(super) async fn resume_subscription(
    svc: &ControlService,
    request: Request<ResumeSubscriptionRequest>,
) -> Result<Response<Subscription>, Status> {
    let (principal, _) = svc.caller(&request).await?;
    let req = request.into_inner();
    let sub = svc
        .update_subscription_with(&req.team, &req.id, manage_subscription, &principal, |view, s| {
            // A subscription disabled by a revoked grant must not come back without one.
            for t in &s.topics {
                if let Ok(r) = TopicRef::from_kafka(t)
                    && !view.may_read(&s.team, r.team.as_str(), r.topic.as_str())
                {
                    return Err(Status::failed_precondition(format!(
                        "team {} no longer has a grant for {t}; remove the topic from the subscription first",
                        s.team
                    )));
                }
            }
            s.state = SubscriptionState::Active as i32;
            s.disabled_reason.clear();
            Ok(())
        })
        .await?;
    tracing::info!(subscription = %sub.id, "subscription resumed");
    Ok(Response::new(sub))
}

pub(super) async fn disable_subscription(
    svc: &ControlService,
    request: Request<DisableSubscriptionRequest>,
) -> Result<Response<Subscription>, Status> {
    let (principal, _) = svc.caller(&request).await?;
    let req = request.into_inner();
    let reason = req.reason.trim().to_owned();
    if reason.chars().count() > 1000 {
        return Err(invalid("reason is longer than 1000 characters"));
    }
    let check = |p: &Principal, v: &View, s: &Subscription| {
        allow(p, v, Action::DisableSubscription { team: &s.team })
    };
    let sub = svc
        .update_subscription_with(&req.team, &req.id, check, &principal, |_, s| {
            s.state = SubscriptionState::Disabled as i32;
            s.disabled_reason = if reason.is_empty() {
                "disabled".to_owned()
            } else {
                reason
            };
            Ok(())
        })
        .await?;
    tracing::info!(subscription = %sub.id, reason = %sub.disabled_reason, "subscription disabled");
    Ok(Response::new(sub))
}

pub(super) async fn rotate_secret(
    svc: &ControlService,
    request: Request<RotateSecretRequest>,
) -> Result<Response<RotateSecretResponse>, Status> {
    let (principal, _) = svc.caller(&request).await?;
    let req = request.into_inner();
    let overlap = overlap_of(req.overlap_ms, svc.limits.secret_overlap_ms)?;
    let secret = generate_signing_secret();
    let new = secret.clone();
    let sub = svc
        .update_subscription_with(
            &req.team,
            &req.id,
            manage_subscription,
            &principal,
            |_, s| {
                s.secrets = rotated(std::mem::take(&mut s.secrets), new, overlap, now_ms());
                Ok(())
            },
        )
        .await?;
    tracing::info!(subscription = %sub.id, overlap_ms = overlap, "signing secret rotated");
    Ok(Response::new(RotateSecretResponse {
        subscription: Some(sub),
        secret,
    }))
}

/// The overlap a rotation asks for: unset means the configured default, and 0 cuts the old
/// secrets at once (a leaked secret), so it must not fall back to the default.
fn overlap_of(requested: Option<i64>, default: i64) -> Result<i64, Status> {
    match requested {
        None => Ok(default),
        Some(o) if !(0..=MAX_OVERLAP_MS).contains(&o) => Err(invalid(format!(
            "overlap_ms must be between 0 and {MAX_OVERLAP_MS} (30 days), got {o}"
        ))),
        Some(o) => Ok(o),
    }
}

/// The secrets after a rotation at `now`: `new` first, then the old ones that still sign, each
/// cut at `now + overlap` at the latest; with no overlap, `new` alone.
fn rotated(old: Vec<SigningSecret>, new: String, overlap: i64, now: i64) -> Vec<SigningSecret> {
    let until = now + overlap;
    let mut secrets = vec![SigningSecret {
        secret: new,
        expires_at_ms: 0,
    }];
    secrets.extend(
        old.into_iter()
            .filter(|_| overlap > 0)
            .filter(|old| old.expires_at_ms == 0 || old.expires_at_ms > now)
            .map(|mut old| {
                old.expires_at_ms = if old.expires_at_ms == 0 {
                    until
                } else {
                    old.expires_at_ms.min(until)
                };
                old
            }),
    );
    secrets.truncate(MAX_SECRETS);
    secrets
}

pub(super) async fn delete_subscription(
    svc: &ControlService,
    request: Request<DeleteSubscriptionRequest>,
) -> Result<Response<DeleteSubscriptionResponse>, Status> {
    let (principal, _) = svc.caller(&request).await?;
    let req = request.into_inner();
    let guard = svc.store.lock().await;
    let view = svc.store.view();
    let sub = ControlService::subscription(&view, &req.team, &req.id)?;
    manage_subscription(&principal, &view, &sub)?;
    svc.store
        .write(
            &guard,
            vec![Write::Delete(entity_id::subscription(&sub.id))],
        )
        .await?;
    tracing::info!(subscription = %sub.id, "subscription deleted");
    Ok(Response::new(DeleteSubscriptionResponse {}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, expires_at_ms: i64) -> SigningSecret {
        SigningSecret {
            secret: name.into(),
            expires_at_ms,
        }
    }

    #[test]
    fn overlap_zero_means_none_and_unset_means_the_default() {
        assert_eq!(overlap_of(Some(0), 86_400_000).unwrap(), 0);
        assert_eq!(overlap_of(None, 86_400_000).unwrap(), 86_400_000);
        assert_eq!(overlap_of(Some(60_000), 86_400_000).unwrap(), 60_000);
        for bad in [-1, MAX_OVERLAP_MS + 1] {
            let err = overlap_of(Some(bad), 0).unwrap_err();
            assert_eq!(err.code(), tonic::Code::InvalidArgument);
            assert!(err.message().contains("overlap_ms"), "{}", err.message());
        }
    }

    #[test]
    fn rotation_without_overlap_keeps_only_the_new_secret() {
        let old = vec![secret("current", 0), secret("older", 5_000)];
        assert_eq!(
            rotated(old, "new".into(), 0, 1_000),
            [secret("new", 0)],
            "a leaked secret is cut at once"
        );
    }

    #[test]
    fn rotation_with_overlap_keeps_the_old_secrets_until_it_ends() {
        let old = vec![
            secret("current", 0),
            secret("soon", 1_500),
            secret("late", 90_000),
            secret("expired", 500),
        ];
        assert_eq!(
            rotated(old, "new".into(), 10_000, 1_000),
            [
                secret("new", 0),
                secret("current", 11_000),
                secret("soon", 1_500),
                secret("late", 11_000),
            ]
        );
        let many = (0..10).map(|i| secret(&format!("s{i}"), 0)).collect();
        assert_eq!(rotated(many, "new".into(), 1, 0).len(), MAX_SECRETS);
    }
}
