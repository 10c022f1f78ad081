//! `herald event-type`: the team's event-type catalog, and `herald topic schema-policy`.

use super::output::*;
use super::*;

/// The event-type catalog: event types with versioned JSON Schemas (draft 2020-12).
#[derive(Debug, Subcommand)]
pub enum EventTypeCommand {
    /// Create an event type with its first schema version.
    Create {
        /// Team.
        team: String,
        /// The CloudEvents type, e.g. `order.created`.
        name: String,
        /// The JSON Schema: a file path, or `-` for standard input.
        #[arg(long)]
        schema: String,
        /// Free text for people.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add the next schema version (ingest validates against the latest).
    AddVersion {
        /// Team.
        team: String,
        /// The event type.
        name: String,
        /// The JSON Schema: a file path, or `-` for standard input.
        #[arg(long)]
        schema: String,
    },
    /// Show an event type with every schema version.
    Get {
        /// Team.
        team: String,
        /// The event type.
        name: String,
    },
    /// List a team's event types.
    List {
        /// Team.
        team: String,
    },
    /// Delete an event type.
    Delete {
        /// Team.
        team: String,
        /// The event type.
        name: String,
    },
}

/// A topic's schema policy, as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Policy {
    /// No check.
    Off,
    /// Refuse unknown types and data failing the schema.
    Enforce,
    /// Accept and count violations.
    Count,
}

impl Policy {
    pub(super) fn to_pb(self) -> SchemaPolicy {
        match self {
            Self::Off => SchemaPolicy::Off,
            Self::Enforce => SchemaPolicy::Enforce,
            Self::Count => SchemaPolicy::Count,
        }
    }
}

/// Reads a schema argument: a file, or standard input for `-`.
fn read_schema(arg: &str) -> Result<String, tonic::Status> {
    let read = if arg == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(arg)
    };
    read.map_err(|e| tonic::Status::invalid_argument(format!("cannot read --schema {arg}: {e}")))
}

fn event_type_json(t: &EventType) -> Value {
    let versions: Vec<Value> = t
        .versions
        .iter()
        .map(|v| {
            json!({
                "version": v.version,
                "schema": serde_json::from_str::<Value>(&v.schema).unwrap_or(Value::Null),
                "created_at": time(v.created_at_ms),
            })
        })
        .collect();
    json!({
        "team": t.team, "name": t.name, "description": t.description, "versions": versions,
        "created_at": time(t.created_at_ms), "updated_at": time(t.updated_at_ms),
    })
}

fn event_types_out(types: &[EventType]) -> Printed {
    Printed::rows(
        json!(types.iter().map(event_type_json).collect::<Vec<_>>()),
        vec!["name", "latest version", "description", "updated"],
        types
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    t.versions
                        .last()
                        .map_or_else(|| "-".into(), |v| v.version.to_string()),
                    t.description.clone(),
                    time(t.updated_at_ms),
                ]
            })
            .collect(),
    )
}

/// Runs a `herald event-type` command.
pub(super) async fn execute(
    c: &mut Client,
    cmd: EventTypeCommand,
) -> Result<Printed, tonic::Status> {
    Ok(match cmd {
        EventTypeCommand::Create {
            team,
            name,
            schema,
            description,
        } => {
            let schema = read_schema(&schema)?;
            let t = c
                .create_event_type(CreateEventTypeRequest {
                    team,
                    name,
                    description,
                    schema,
                })
                .await?
                .into_inner();
            event_types_out(&[t])
        }
        EventTypeCommand::AddVersion { team, name, schema } => {
            let schema = read_schema(&schema)?;
            let t = c
                .add_event_type_version(AddEventTypeVersionRequest { team, name, schema })
                .await?
                .into_inner();
            event_types_out(&[t])
        }
        EventTypeCommand::Get { team, name } => {
            let t = c
                .get_event_type(GetEventTypeRequest { team, name })
                .await?
                .into_inner();
            let json = event_type_json(&t);
            Printed {
                notes: vec![serde_json::to_string_pretty(&json).unwrap_or_default()],
                json,
                table: None,
            }
        }
        EventTypeCommand::List { team } => event_types_out(
            &c.list_event_types(ListEventTypesRequest { team })
                .await?
                .into_inner()
                .event_types,
        ),
        EventTypeCommand::Delete { team, name } => {
            c.delete_event_type(DeleteEventTypeRequest {
                team,
                name: name.clone(),
            })
            .await?;
            Printed::done(format!("event type {name} deleted"))
        }
    })
}
