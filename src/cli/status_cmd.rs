//! `omsvc status --node ADDR`: leader, term, members and every service's state and epoch.
//! The node answers its `RaftNodeStatus` message; `--json` prints its one JSON rendering.

use crate::config_cmd::print_json;
use crate::error::CliError;
use crate::target::Remote;
use crate::Outcome;
use clap::Args;

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    remote: Remote,
    /// Machine-readable JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: StatusArgs) -> Result<Outcome, CliError> {
    let report = args.remote.cluster.client(&args.remote.node)?.status()?;
    if args.json {
        print_json(report.to_json());
        return Ok(Outcome::Done);
    }
    let node = report.node();
    let leader = match (report.leader(), &report.leader_addr) {
        (Some(id), Some(addr)) => format!("node {id} at {addr}"),
        (Some(id), None) => format!("node {id}"),
        _ => "none known".to_owned(),
    };
    println!(
        "node {} at {} (cluster {:?}): {:?} (core role {:?})",
        report.id(),
        report.addr,
        report.cluster,
        report.server_state(),
        node.role()
    );
    println!(
        "term {}, leader {leader}, last applied index {}",
        node.term,
        report.last_applied_index()
    );
    if let Some(at) = report.leadership_changed_unix_ms() {
        println!("leadership last changed {}", ago(at));
    }
    for member in &report.members {
        println!(
            "  member {} at {}{}",
            member.id,
            member.addr,
            if member.voter { "" } else { " (learner)" }
        );
    }
    if report.pauses_seen > 0 {
        println!("pauses of this process seen: {}", report.pauses_seen);
    }
    if let Some(blocker) = &node.blocker {
        println!("services here: {blocker}");
    }
    for service in &node.services {
        let epoch = service
            .epoch
            .map(|e| format!(" epoch {e}"))
            .unwrap_or_default();
        let waiting = service
            .waiting_for
            .as_ref()
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        println!(
            "  service {}: {}{epoch}{waiting} {}, started {} time(s), stopped {}",
            service.name,
            service.state().as_str_name(),
            ago(service.since_unix_ms),
            service.start_count,
            service.stop_count
        );
        if let Some(error) = &service.last_error {
            println!("    last error: {error}");
        }
    }
    Ok(Outcome::Done)
}

/// "since 12.3 s" for a wall-clock time in Unix milliseconds.
fn ago(unix_ms: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64);
    format!(
        "since {:.1} s (unix ms {unix_ms})",
        now.saturating_sub(unix_ms) as f64 / 1000.0
    )
}
