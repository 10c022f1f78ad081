//! `herald topic`: a team's topics.

use super::catalog::Policy;
use super::output::*;
use super::*;

/// A team's topics.
#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic (the Kafka topic `<team>.<name>`).
    Create {
        /// Owning team.
        team: String,
        /// Topic name.
        name: String,
        /// Partitions (default: the server's).
        #[arg(long, default_value_t = 0)]
        partitions: i32,
        /// Retention in milliseconds (-1 = forever; default: the server's).
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        retention_ms: i64,
        /// What ingest does with events outside the team's event-type catalog.
        #[arg(long, value_enum, default_value_t = Policy::Off)]
        schema_policy: Policy,
    },
    /// Set what ingest does with a topic's events outside the team's event-type catalog.
    SchemaPolicy {
        /// Team.
        team: String,
        /// Topic name.
        name: String,
        /// `off`, `enforce` (refuse) or `count` (accept and count).
        #[arg(value_enum)]
        policy: Policy,
    },
    /// List a team's topics.
    List {
        /// Team.
        team: String,
    },
    /// Show a topic with its partitions and offsets.
    Describe {
        /// Team.
        team: String,
        /// Topic name.
        name: String,
    },
    /// Delete a topic and its Kafka topic (it must have no subscriptions).
    Delete {
        /// Team.
        team: String,
        /// Topic name.
        name: String,
    },
}

/// Runs a `herald topic` command.
pub(super) async fn execute(c: &mut Client, cmd: TopicCommand) -> Result<Printed, tonic::Status> {
    Ok(match cmd {
        TopicCommand::Create {
            team,
            name,
            partitions,
            retention_ms,
            schema_policy,
        } => {
            let t = c
                .create_topic(CreateTopicRequest {
                    team,
                    name,
                    partitions,
                    retention_ms,
                    schema_policy: schema_policy.to_pb() as i32,
                })
                .await?
                .into_inner();
            topics_out(&[t])
        }
        TopicCommand::SchemaPolicy { team, name, policy } => {
            let t = c
                .set_schema_policy(SetSchemaPolicyRequest {
                    team,
                    topic: name,
                    schema_policy: policy.to_pb() as i32,
                })
                .await?
                .into_inner();
            topics_out(&[t])
        }
        TopicCommand::List { team } => topics_out(
            &c.list_topics(ListTopicsRequest { team })
                .await?
                .into_inner()
                .topics,
        ),
        TopicCommand::Describe { team, name } => {
            let d = c
                .describe_topic(DescribeTopicRequest { team, name })
                .await?
                .into_inner();
            let topic = d.topic.unwrap_or_default();
            let parts: Vec<Value> = d
                .partitions
                .iter()
                .map(|p| {
                    json!({
                        "partition": p.partition, "low_offset": p.low_offset,
                        "high_offset": p.high_offset, "committed_offset": p.committed_offset,
                        "lag": p.lag,
                    })
                })
                .collect();
            let mut json = topic_json(&topic);
            json["partition_offsets"] = json!(parts);
            Printed::rows(
                json,
                vec![
                    "partition",
                    "low offset",
                    "high offset",
                    "records",
                    "delivered to",
                    "lag",
                ],
                d.partitions
                    .iter()
                    .map(|p| {
                        vec![
                            p.partition.to_string(),
                            p.low_offset.to_string(),
                            p.high_offset.to_string(),
                            (p.high_offset - p.low_offset).to_string(),
                            match p.committed_offset {
                                -1 => "-".into(),
                                c => c.to_string(),
                            },
                            p.lag.to_string(),
                        ]
                    })
                    .collect(),
            )
            .note(format!(
                "\n{} ({} partitions, retention {})",
                topic.kafka_topic,
                topic.partitions,
                retention(topic.retention_ms)
            ))
        }
        TopicCommand::Delete { team, name } => {
            c.delete_topic(DeleteTopicRequest {
                team: team.clone(),
                name: name.clone(),
            })
            .await?;
            Printed::done(format!("deleted topic {team}.{name}"))
        }
    })
}
