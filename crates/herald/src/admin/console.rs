//! `herald whoami` and `herald portal-token`: who a key is, and short-lived portal tokens.

use super::output::*;
use super::*;

/// Portal tokens: short-lived keys a team uses in the web console's portal.
#[derive(Debug, Subcommand)]
pub enum PortalTokenCommand {
    /// Mint a portal token for a team; it is printed once. Revoke it with `herald key revoke`.
    Create {
        /// Team.
        team: String,
        /// Lifetime in milliseconds (default: 1 hour; from 1 minute to 24 hours).
        #[arg(long)]
        ttl_ms: Option<i64>,
        /// A label for the token.
        #[arg(long, default_value = "")]
        name: String,
    },
}

fn principal_name(p: i32) -> &'static str {
    match PrincipalKind::try_from(p) {
        Ok(PrincipalKind::Root) => "root",
        Ok(PrincipalKind::Internal) => "internal",
        _ => "key",
    }
}

/// Runs `herald whoami`.
pub(super) async fn who_am_i(c: &mut Client) -> Result<Printed, tonic::Status> {
    let r = c.who_am_i(WhoAmIRequest {}).await?.into_inner();
    let scopes: Vec<&str> = r.scopes.iter().map(|s| scope_name(*s)).collect();
    let json = json!({
        "principal": principal_name(r.principal), "team": r.team, "key_id": r.key_id,
        "name": r.name, "scopes": scopes, "topics": r.topics,
        "expires_at": (r.expires_at_ms > 0).then(|| time(r.expires_at_ms)), "portal": r.portal,
    });
    let line = if r.key_id.is_empty() {
        format!("the {} key", principal_name(r.principal))
    } else {
        format!(
            "key {} ({}) of team {}: {}{}{}",
            r.key_id,
            if r.portal { "portal token" } else { "api key" },
            r.team,
            scopes.join(","),
            if r.topics.is_empty() {
                String::new()
            } else {
                format!(" on {}", r.topics.join(","))
            },
            if r.expires_at_ms > 0 {
                format!(", expires {}", time(r.expires_at_ms))
            } else {
                String::new()
            }
        )
    };
    Ok(Printed {
        json,
        table: None,
        notes: vec![line],
    })
}

/// Runs a `herald portal-token` command.
pub(super) async fn execute(
    c: &mut Client,
    cmd: PortalTokenCommand,
) -> Result<Printed, tonic::Status> {
    match cmd {
        PortalTokenCommand::Create { team, ttl_ms, name } => {
            let r = c
                .create_portal_token(CreatePortalTokenRequest {
                    team,
                    ttl_ms: ttl_ms.unwrap_or(0),
                    name,
                })
                .await?
                .into_inner();
            let key = r.key.unwrap_or_default();
            let mut p = keys_out(std::slice::from_ref(&key));
            p.json = json!({
                "token": r.token, "key": key_json(&key), "expires_at": time(r.expires_at_ms),
                "console_path": r.console_path,
            });
            Ok(p.note(format!(
                "\nportal token (shown once, expires {}): {}\nconsole: {}",
                time(r.expires_at_ms),
                r.token,
                r.console_path
            )))
        }
    }
}
