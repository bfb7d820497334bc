//! `omsvc demo`: three openraft nodes in this process on ephemeral 127.0.0.1 ports and
//! temporary directories, a stateful service that makes progress and saves it, the leader
//! killed, and the service resumed on the new leader from the saved progress.

mod progress_service;
mod timeline;

pub use progress_service::{DemoProgress, EventSink, ProgressEvent, ProgressService};

use crate::error::CliError;
use crate::Outcome;
use clap::Args;
use omsvc_core::ServiceOptions;
use omsvc_raft::LocalCluster;
use omsvc_raft::{RaftNode, RaftNodeOptions, RaftTimeouts};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use timeline::Timeline;

pub const SERVICE: &str = "DemoProgressService";

#[derive(Args)]
pub struct DemoArgs {
    /// Number of nodes (3 or more, so a majority survives the kill).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(3..=7))]
    nodes: u64,
    /// How long the first leader works before it is killed, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    work_ms: u64,
    /// Time per processed item, in milliseconds.
    #[arg(long, default_value_t = 100)]
    step_ms: u64,
}

const WAIT: Duration = Duration::from_secs(20);

pub fn run(args: DemoArgs) -> Result<Outcome, CliError> {
    let timeline = Timeline::new();
    timeline.say(format!(
        "starting {} nodes on 127.0.0.1 (ephemeral ports, temporary directories)",
        args.nodes
    ));
    let (events_tx, events) = mpsc::channel();
    let sink: EventSink = Arc::new(move |event| {
        let _ = events_tx.send(event);
    });
    let step = Duration::from_millis(args.step_ms);
    let register = move |node: &RaftNode| {
        let config = node
            .node()
            .stateful_config::<DemoProgress>(SERVICE, node.submitter())?;
        let name = format!("node {}", node.id());
        let service = ProgressService::new(name, config, step, sink.clone());
        node.node()
            .register(SERVICE, service, ServiceOptions::default())
    };
    // The node defaults, as `omsvc node run` starts with.
    let snapshot_every = RaftNodeOptions::new(1, "127.0.0.1:0", None).snapshot_every;
    let mut cluster = LocalCluster::start(
        args.nodes,
        RaftTimeouts::default(),
        snapshot_every,
        register,
    )?;
    for node in cluster.nodes() {
        timeline.say(format!("node {} listening on {}", node.id(), node.addr()));
    }
    cluster.initialize()?;
    timeline.say("cluster initialized; waiting for an election");

    let first = wait_for_start(&events, &timeline, &cluster, None)?;
    let leader = first.node_id;
    timeline.say(format!("node {leader} leads term {}", first.term));
    let mut last_saved = first.resume_from;
    let work_until = Instant::now() + Duration::from_millis(args.work_ms);
    while Instant::now() < work_until {
        match events.recv_timeout(Duration::from_millis(20)) {
            Ok(ProgressEvent::Saved {
                node,
                next_item,
                epoch,
                ..
            }) => {
                last_saved = next_item;
                timeline.say(format!(
                    "{node}: progress saved, next item {next_item} (epoch {epoch})"
                ));
            }
            Ok(other) => print_event(&timeline, &other),
            Err(_) => {}
        }
    }

    timeline.say(format!(
        "killing the leader, node {leader}: its raft, server and services stop with no hand-over (last saved progress: next item {last_saved})"
    ));
    let killed_at = Instant::now();
    cluster.stop_node(leader);
    // Saves acknowledged just before the kill may still arrive on the channel.
    let second = loop {
        let started = wait_for_start(&events, &timeline, &cluster, Some(&mut last_saved))?;
        if started.node_id != leader {
            break started;
        }
    };
    let failover = killed_at.elapsed();
    timeline.say(format!(
        "node {} leads term {}; its service resumed at item {} saved by {} in epoch {}",
        second.node_id, second.term, second.resume_from, second.saved_by, second.saved_in_epoch
    ));
    if second.resume_from < last_saved {
        return Err(CliError::Failed(format!(
            "the new leader resumed at item {} but item {last_saved} was already saved: progress was lost",
            second.resume_from
        )));
    }

    let settle_until = Instant::now() + Duration::from_millis(args.step_ms * 5);
    while Instant::now() < settle_until {
        if let Ok(event) = events.recv_timeout(Duration::from_millis(20)) {
            if let ProgressEvent::Saved { next_item, .. } = &event {
                last_saved = *next_item;
            }
            print_event(&timeline, &event);
        }
    }
    for id in cluster.ids() {
        cluster.stop_node(id);
    }
    drop(cluster);
    timeline.say("all nodes stopped; temporary directories removed");
    println!();
    println!("summary:");
    println!(
        "  failover: {} ms from killing leader node {leader} to the service running on node {}",
        failover.as_millis(),
        second.node_id
    );
    println!(
        "  progress: node {leader} saved up to item {}; node {} resumed there and reached item {last_saved}",
        second.resume_from, second.node_id
    );
    println!(
        "  epochs:   {} on node {leader}, then {} on node {}",
        first.epoch, second.epoch, second.node_id
    );
    Ok(Outcome::Done)
}

struct Started {
    node_id: u64,
    term: u64,
    epoch: u64,
    resume_from: u64,
    saved_by: String,
    saved_in_epoch: u64,
}

/// Waits for a service start, printing other events; tracks saves into `last_saved`.
fn wait_for_start(
    events: &Receiver<ProgressEvent>,
    timeline: &Timeline,
    cluster: &LocalCluster,
    mut last_saved: Option<&mut u64>,
) -> Result<Started, CliError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(ProgressEvent::Started {
                node,
                epoch,
                resume_from,
                saved_by,
                saved_in_epoch,
            }) => {
                timeline.say(format!(
                    "{node}: service STARTED at epoch {epoch}, resuming at item {resume_from}"
                ));
                let node_id = node.trim_start_matches("node ").parse().unwrap_or(0);
                let term = cluster
                    .nodes()
                    .find(|n| n.id() == node_id)
                    .map_or(epoch, |n| n.report().term().0);
                let saved_by = if saved_by.is_empty() {
                    "nobody yet".to_owned()
                } else {
                    saved_by
                };
                return Ok(Started {
                    node_id,
                    term,
                    epoch,
                    resume_from,
                    saved_by,
                    saved_in_epoch,
                });
            }
            Ok(ProgressEvent::Saved {
                node,
                epoch,
                next_item,
                ..
            }) => {
                if let Some(last) = last_saved.as_deref_mut() {
                    *last = (*last).max(next_item);
                }
                timeline.say(format!(
                    "{node}: progress saved, next item {next_item} (epoch {epoch})"
                ));
            }
            Ok(other) => print_event(timeline, &other),
            Err(RecvTimeoutError::Timeout) => {
                return Err(CliError::Failed(format!(
                    "no service started within {} s: is 127.0.0.1 usable?",
                    WAIT.as_secs()
                )))
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(CliError::Failed("the services went away".into()))
            }
        }
    }
}

fn print_event(timeline: &Timeline, event: &ProgressEvent) {
    match event {
        ProgressEvent::Saved {
            node,
            epoch,
            next_item,
            ..
        } => timeline.say(format!(
            "{node}: progress saved, next item {next_item} (epoch {epoch})"
        )),
        ProgressEvent::SaveFailed { node, error } => {
            timeline.say(format!("{node}: could not save progress: {error}"))
        }
        ProgressEvent::Stopped { node } => timeline.say(format!("{node}: service stopped")),
        ProgressEvent::Started { node, epoch, .. } => {
            timeline.say(format!("{node}: service started at epoch {epoch}"))
        }
    }
}
