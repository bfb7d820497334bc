//! `omsvc config list|get|dump`: read a node's configuration table.

use crate::{hex, Outcome};
use clap::{Args, Subcommand};
use omsvc::{ConfigTable, Error};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// List the services that have a configuration, in name order.
    List(DbArgs),
    /// Show one service's configuration.
    Get {
        #[command(flatten)]
        db: DbArgs,
        /// The service name, e.g. KeyLifecycleService.
        name: String,
        /// Write the raw bytes to stdout (e.g. to pipe into `protoc --decode_raw`).
        #[arg(long, conflicts_with = "json")]
        raw: bool,
    },
    /// Show the whole table: format version, last applied entry and every configuration.
    Dump(DbArgs),
}

#[derive(Args)]
pub struct DbArgs {
    /// The node's database directory.
    #[arg(long, value_name = "DIR")]
    db: PathBuf,
    /// Machine-readable JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(command: ConfigCommand) -> Result<Outcome, Error> {
    match command {
        ConfigCommand::List(args) => list(&args),
        ConfigCommand::Get { db, name, raw } => get(&db, &name, raw),
        ConfigCommand::Dump(args) => dump(&args),
    }
}

fn list(args: &DbArgs) -> Result<Outcome, Error> {
    let table = ConfigTable::open_read_only(&args.db)?;
    let names = table.list()?;
    if args.json {
        print_json(json!({ "db": args.db, "services": names }));
    } else if names.is_empty() {
        eprintln!("no configurations in {}", args.db.display());
    } else {
        for name in names {
            println!("{name}");
        }
    }
    Ok(Outcome::Done)
}

fn get(args: &DbArgs, name: &str, raw: bool) -> Result<Outcome, Error> {
    let table = ConfigTable::open_read_only(&args.db)?;
    let Some(value) = table.read(name)? else {
        if args.json {
            print_json(json!({ "name": name, "present": false }));
        }
        eprintln!(
            "no configuration stored for service {name:?} in {}",
            args.db.display()
        );
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
    } else if args.json {
        print_json(
            json!({ "name": name, "present": true, "size": value.len(), "hex": hex::encode(&value) }),
        );
    } else {
        println!("{name}: {} bytes", value.len());
        print!("{}", hex::dump(&value, usize::MAX));
    }
    Ok(Outcome::Done)
}

fn dump(args: &DbArgs) -> Result<Outcome, Error> {
    let table = ConfigTable::open_read_only(&args.db)?;
    let last = table.last_applied();
    let entries = table.entries()?;
    if args.json {
        let entries: Vec<_> = entries
            .iter()
            .map(|(name, value)| json!({ "name": name, "size": value.len(), "hex": hex::encode(value) }))
            .collect();
        print_json(json!({
            "db": args.db,
            "format_version": omsvc::SUPPORTED_FORMAT_VERSION,
            "last_applied": { "term": last.term, "index": last.index },
            "entries": entries,
        }));
    } else {
        println!("database:      {}", args.db.display());
        println!("format:        version {}", omsvc::SUPPORTED_FORMAT_VERSION);
        println!("last applied:  term {} index {}", last.term, last.index);
        println!("configurations: {}", entries.len());
        for (name, value) in entries {
            println!("\n{name}: {} bytes", value.len());
            print!("{}", hex::dump(&value, 4));
        }
    }
    Ok(Outcome::Done)
}

fn print_json(value: serde_json::Value) {
    println!("{value:#}");
}
