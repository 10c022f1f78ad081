//! `herald grant`: sharing a team's topic with another team.

use super::output::*;
use super::*;

/// Grants of a team's topics to other teams.
#[derive(Debug, Subcommand)]
pub enum GrantCommand {
    /// Let `grantee` subscribe to `team`'s `topic`.
    Create {
        /// Owning team.
        team: String,
        /// Topic name.
        topic: String,
        /// The team receiving access.
        grantee: String,
    },
    /// List grants given or received by a team.
    List {
        /// Team.
        team: String,
    },
    /// Revoke a grant (the grantee's subscriptions to the topic are disabled).
    Revoke {
        /// Owning team.
        team: String,
        /// Grant id.
        id: String,
    },
}

/// Runs a `herald grant` command.
pub(super) async fn execute(c: &mut Client, cmd: GrantCommand) -> Result<Printed, tonic::Status> {
    Ok(match cmd {
        GrantCommand::Create {
            team,
            topic,
            grantee,
        } => grants_out(&[c
            .create_grant(CreateGrantRequest {
                team,
                topic,
                grantee,
            })
            .await?
            .into_inner()]),
        GrantCommand::List { team } => grants_out(
            &c.list_grants(ListGrantsRequest { team })
                .await?
                .into_inner()
                .grants,
        ),
        GrantCommand::Revoke { team, id } => {
            c.revoke_grant(RevokeGrantRequest {
                team,
                id: id.clone(),
            })
            .await?;
            Printed::done(format!("revoked grant {id}"))
        }
    })
}
