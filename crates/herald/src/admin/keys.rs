//! `herald key`: a team's API keys.

use super::output::*;
use super::*;

/// Scopes of an API key.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// Publish events.
    Publish,
    /// Read topics (SSE, subscriptions).
    Subscribe,
    /// Manage the team.
    Admin,
}

/// A team's API keys.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a key; it is printed once and cannot be shown again.
    Create {
        /// Team.
        team: String,
        /// Scopes (repeat).
        #[arg(long = "scope", value_enum, required = true)]
        scopes: Vec<ScopeArg>,
        /// Restrict to these topics (repeat; default: every topic of the team).
        #[arg(long = "topic")]
        topics: Vec<String>,
        /// A label for the key.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List a team's keys (without the keys themselves).
    List {
        /// Team.
        team: String,
    },
    /// Revoke a key.
    Revoke {
        /// Team.
        team: String,
        /// Key id.
        id: String,
    },
}

/// Runs a `herald key` command.
pub(super) async fn execute(c: &mut Client, cmd: KeyCommand) -> Result<Printed, tonic::Status> {
    Ok(match cmd {
        KeyCommand::Create {
            team,
            scopes,
            topics,
            name,
        } => {
            let scopes = scopes
                .iter()
                .map(|s| match s {
                    ScopeArg::Publish => Scope::Publish as i32,
                    ScopeArg::Subscribe => Scope::Subscribe as i32,
                    ScopeArg::Admin => Scope::Admin as i32,
                })
                .collect();
            let r = c
                .create_api_key(CreateApiKeyRequest {
                    team,
                    name,
                    scopes,
                    topics,
                })
                .await?
                .into_inner();
            let key = r.key.unwrap_or_default();
            let mut p = keys_out(std::slice::from_ref(&key));
            p.json = json!({ "key": key_json(&key), "secret": r.secret });
            p.note(format!("\napi key (shown once): {}", r.secret))
        }
        KeyCommand::List { team } => keys_out(
            &c.list_api_keys(ListApiKeysRequest { team })
                .await?
                .into_inner()
                .keys,
        ),
        KeyCommand::Revoke { team, id } => {
            c.revoke_api_key(RevokeApiKeyRequest {
                team,
                id: id.clone(),
            })
            .await?;
            Printed::done(format!("revoked key {id}"))
        }
    })
}
