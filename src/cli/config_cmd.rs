//! `omsvc config list|get|dump|set|delete`: read a node's configuration table (from its
//! directory or a running node), and write through a running cluster.

use crate::error::CliError;
use crate::target::{ClusterName, Remote, Target};
use crate::{hex, Outcome};
use clap::{Args, Subcommand};
use omsvc_core::{ConfigTable, Error};
use omsvc_raft::types::CommandResponse;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// List the services that have a configuration, in name order.
    List {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        cluster: ClusterName,
        #[command(flatten)]
        output: Output,
    },
    /// Show one service's configuration.
    Get {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        cluster: ClusterName,
        #[command(flatten)]
        output: Output,
        /// The service name, e.g. KeyLifecycleService.
        name: String,
        /// Write the raw bytes to stdout (e.g. to pipe into `protoc --decode_raw`).
        #[arg(long, conflicts_with = "json")]
        raw: bool,
    },
    /// Show a node's whole table: format version, last applied entry and every configuration.
    Dump {
        /// A node's database directory (opened read-only).
        #[arg(long, value_name = "DIR")]
        db: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// Set a service's configuration through a running cluster (replicated; the node you name
    /// forwards you to the leader).
    Set {
        #[command(flatten)]
        remote: Remote,
        /// The service name.
        name: String,
        /// The value as UTF-8 text (or use --hex).
        #[arg(required_unless_present = "hex", conflicts_with = "hex")]
        value: Option<String>,
        /// The value as hex bytes, e.g. 0a03666f6f.
        #[arg(long)]
        hex: Option<String>,
        /// Save as the service's run in this epoch (a leader-only command passes
        /// $OMSVC_EPOCH): every node refuses the write, writing nothing, unless this epoch's
        /// leader still leads when it is appended.
        #[arg(long, value_name = "EPOCH")]
        writer_epoch: Option<u64>,
    },
    /// Delete a service's configuration through a running cluster.
    Delete {
        #[command(flatten)]
        remote: Remote,
        /// The service name.
        name: String,
    },
}

#[derive(Args)]
pub struct Output {
    /// Machine-readable JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(command: ConfigCommand) -> Result<Outcome, CliError> {
    match command {
        ConfigCommand::List {
            target,
            cluster,
            output,
        } => list(&target, &cluster, output.json),
        ConfigCommand::Get {
            target,
            cluster,
            output,
            name,
            raw,
        } => get(&target, &cluster, output.json, &name, raw),
        ConfigCommand::Dump { db, output } => dump(&db, output.json),
        ConfigCommand::Set {
            remote,
            name,
            value,
            hex: hex_value,
            writer_epoch,
        } => {
            let value = match (value, hex_value) {
                (Some(text), None) => text.into_bytes(),
                (None, Some(text)) => omsvc_raft::hex::decode(&text)
                    .map_err(|e| CliError::Usage(format!("--hex: {e}")))?,
                _ => {
                    return Err(CliError::Usage(
                        "give the value as text or with --hex, not both".into(),
                    ))
                }
            };
            let request = match writer_epoch {
                Some(epoch) => {
                    omsvc_core::encode_stamped_set_request(&name, &value, omsvc_core::Term(epoch))?
                }
                None => omsvc_core::encode_set_request(&name, &value)?,
            };
            write(
                &remote,
                request,
                &format!("set {name} ({} bytes)", value.len()),
            )
        }
        ConfigCommand::Delete { remote, name } => write(
            &remote,
            omsvc_core::encode_delete_request(&name)?,
            &format!("deleted {name}"),
        ),
    }
}

fn write(remote: &Remote, command: Vec<u8>, what: &str) -> Result<Outcome, CliError> {
    let mut client = remote.cluster.client(&remote.node)?;
    let receipt = client.write(command)?;
    let (term, index) = (receipt.entry.term, receipt.entry.index);
    match receipt.response {
        CommandResponse::Applied => println!("{what}: committed at term {term} index {index}"),
        CommandResponse::AlreadyApplied => {
            println!("{what}: already applied at term {term} index {index}; nothing changed")
        }
        CommandResponse::Refused { reason } => {
            return Err(CliError::Usage(format!(
                "the cluster refused the write: {reason}"
            )))
        }
        CommandResponse::Fenced {
            service,
            writer_epoch,
            term,
        } => {
            return Err(CliError::Usage(format!(
                "the cluster refused the write to {service}: its writer's epoch {writer_epoch} \
                 had ended (the entry was appended in term {term}); nothing was written"
            )))
        }
        CommandResponse::Marker => {
            return Err(CliError::Usage(format!(
                "the node answered the write at term {term} index {index} with a membership \
                 marker, not a configuration result; nothing is known to be written"
            )))
        }
    }
    Ok(Outcome::Done)
}

fn list(target: &Target, cluster: &ClusterName, json: bool) -> Result<Outcome, CliError> {
    let (source, names) = match (&target.db, &target.node) {
        (Some(db), _) => (
            db.display().to_string(),
            ConfigTable::open_read_only(db)?.list()?,
        ),
        (None, Some(addr)) => (addr.clone(), cluster.client(addr)?.list()?),
        (None, None) => unreachable!("clap requires --db or --node"),
    };
    if json {
        print_json(json!({ "source": source, "services": names }));
    } else if names.is_empty() {
        eprintln!("no configurations in {source}");
    } else {
        for name in names {
            println!("{name}");
        }
    }
    Ok(Outcome::Done)
}

fn get(
    target: &Target,
    cluster: &ClusterName,
    json: bool,
    name: &str,
    raw: bool,
) -> Result<Outcome, CliError> {
    let (source, value) = match (&target.db, &target.node) {
        (Some(db), _) => (
            db.display().to_string(),
            ConfigTable::open_read_only(db)?.read(name)?,
        ),
        (None, Some(addr)) => (addr.clone(), cluster.client(addr)?.read(name)?),
        (None, None) => unreachable!("clap requires --db or --node"),
    };
    let Some(value) = value else {
        if json {
            print_json(json!({ "name": name, "present": false }));
        }
        eprintln!("no configuration stored for service {name:?} in {source}");
        return Ok(Outcome::Absent);
    };
    if raw {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&value)
            .and_then(|()| stdout.flush())
            .map_err(|source| Error::Io {
                operation: "write to",
                path: "stdout".into(),
                source,
            })?;
    } else if json {
        print_json(
            json!({ "name": name, "present": true, "size": value.len(), "hex": omsvc_raft::hex::encode(&value) }),
        );
    } else {
        println!("{name}: {} bytes", value.len());
        print!("{}", hex::dump(&value, usize::MAX));
    }
    Ok(Outcome::Done)
}

fn dump(db: &PathBuf, json: bool) -> Result<Outcome, CliError> {
    let table = ConfigTable::open_read_only(db)?;
    let last = table.last_applied();
    let entries = table.entries()?;
    if json {
        let entries: Vec<_> = entries
            .iter()
            .map(|(name, value)| json!({ "name": name, "size": value.len(), "hex": omsvc_raft::hex::encode(value) }))
            .collect();
        print_json(json!({
            "db": db,
            "format_version": omsvc_core::SUPPORTED_FORMAT_VERSION,
            "last_applied": { "term": last.term, "index": last.index },
            "entries": entries,
        }));
    } else {
        println!("database:      {}", db.display());
        println!(
            "format:        version {}",
            omsvc_core::SUPPORTED_FORMAT_VERSION
        );
        println!("last applied:  term {} index {}", last.term, last.index);
        println!("configurations: {}", entries.len());
        for (name, value) in entries {
            println!("\n{name}: {} bytes", value.len());
            print!("{}", hex::dump(&value, 4));
        }
    }
    Ok(Outcome::Done)
}

pub fn print_json(value: serde_json::Value) {
    println!("{value:#}");
}
