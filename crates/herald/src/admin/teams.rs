//! `herald team`: teams.

use super::output::*;
use super::*;

/// Teams.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team (root key).
    Create {
        /// Team name: lowercase letters, digits and '-'.
        name: String,
        /// Human-readable name.
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// Show a team.
    Get {
        /// Team name.
        name: String,
    },
    /// List teams (a team key sees its own).
    List,
    /// Delete a team (root key; it must own no topics or subscriptions).
    Delete {
        /// Team name.
        name: String,
    },
}

/// Runs a `herald team` command.
pub(super) async fn execute(c: &mut Client, cmd: TeamCommand) -> Result<Printed, tonic::Status> {
    Ok(match cmd {
        TeamCommand::Create { name, display_name } => {
            let t = c
                .create_team(CreateTeamRequest { name, display_name })
                .await?
                .into_inner();
            teams_out(&[t])
        }
        TeamCommand::Get { name } => {
            teams_out(&[c.get_team(GetTeamRequest { name }).await?.into_inner()])
        }
        TeamCommand::List => {
            teams_out(&c.list_teams(ListTeamsRequest {}).await?.into_inner().teams)
        }
        TeamCommand::Delete { name } => {
            c.delete_team(DeleteTeamRequest { name: name.clone() })
                .await?;
            Printed::done(format!("deleted team {name}"))
        }
    })
}
