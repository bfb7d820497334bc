//! A group of core nodes in this process, without openraft: each with its own RocksDB in a
//! temp dir, configuration entries delivered to every member with the same (term, index) as a
//! Raft log would deliver them, and leadership moved in Ratis's order of events.

use crate::poll::SETTLE;
use omsvc_core::{ApplyOutcome, ConfigSubmitter, DbLocation, Error, Node, NodeOptions, TermIndex};
use omsvc_core::{LogIndex, Term};
use std::sync::{Arc, Mutex, Weak};

/// Nodes of one group in this process, each with its own RocksDB on a temp dir. Configuration
/// entries go to every member with the same (term, index), as a Raft log would deliver them.
#[derive(Debug)]
pub struct Group {
    /// Where the nodes' databases are.
    pub dir: tempfile::TempDir,
    /// The nodes, node `i` with id [`Group::id`]`(i)`.
    pub nodes: Vec<Node>,
    log: Mutex<LogPosition>,
}

#[derive(Debug, Default)]
struct LogPosition {
    term: u64,
    index: u64,
    leader: Option<usize>,
}

impl Group {
    /// `size` nodes, none leading yet.
    pub fn new(size: usize) -> Arc<Group> {
        let dir = tempfile::tempdir().unwrap();
        let nodes = (0..size)
            .map(|i| {
                Node::open(NodeOptions::new(
                    Group::id(i),
                    DbLocation::Dir(dir.path().join(Group::id(i))),
                ))
                .unwrap()
            })
            .collect();
        Arc::new(Group {
            dir,
            nodes,
            log: Mutex::new(LogPosition::default()),
        })
    }

    /// The id of node `i`: `om1`, `om2`, ...
    pub fn id(i: usize) -> String {
        format!("om{}", i + 1)
    }

    /// A submitter that replicates through this group (while it lives).
    pub fn submitter(self: &Arc<Group>) -> Arc<dyn ConfigSubmitter> {
        Arc::new(GroupSubmitter(Arc::downgrade(self)))
    }

    /// Appends an entry and applies it on every node (a refused entry too: every node refuses
    /// it alike); returns the first node's refusal as the error.
    pub fn replicate(&self, request: &[u8]) -> Result<TermIndex, Error> {
        let mut log = self.log.lock().unwrap();
        log.index += 1;
        let mut outcomes = Vec::new();
        for node in &self.nodes {
            outcomes.push(node.apply_entry(Term(log.term), LogIndex(log.index), request));
        }
        for outcome in outcomes {
            match outcome? {
                ApplyOutcome::Applied { .. } => {}
                ApplyOutcome::AlreadyApplied { last } => {
                    return Err(Error::SubmissionNotApplied {
                        term: Term(log.term),
                        index: LogIndex(log.index),
                        last_index: last.index,
                    })
                }
            }
        }
        Ok(TermIndex {
            term: Term(log.term),
            index: LogIndex(log.index),
        })
    }

    /// The term of the group's current leader (its last election).
    pub fn term(&self) -> u64 {
        self.log.lock().unwrap().term
    }

    /// Moves leadership to `new_leader` in the next term, in Ratis's order of events: the old
    /// leader steps down, every peer hears of the new leader, the leader's startup entry is
    /// applied everywhere, then the leader is ready with that entry as its barrier.
    pub fn elect(&self, new_leader: usize) -> u64 {
        let mut log = self.log.lock().unwrap();
        log.term += 1;
        let term = log.term;
        if let Some(old) = log.leader {
            self.nodes[old].not_leader(Term(term));
        }
        let leader_id = Group::id(new_leader);
        for node in &self.nodes {
            node.leader_changed(Term(term), Some(&leader_id));
        }
        log.index += 1;
        for node in &self.nodes {
            node.applied(Term(term), LogIndex(log.index));
        }
        self.nodes[new_leader].leader_ready(Term(term), LogIndex(log.index));
        log.leader = Some(new_leader);
        term
    }

    /// Waits until every node has settled its services; panics naming one that did not.
    pub fn settle(&self) {
        for node in &self.nodes {
            assert!(
                node.wait_settled(SETTLE),
                "node {} did not settle",
                node.self_id()
            );
        }
    }
}

struct GroupSubmitter(Weak<Group>);

impl ConfigSubmitter for GroupSubmitter {
    fn submit(&self, request: Vec<u8>) -> Result<TermIndex, Error> {
        self.0.upgrade().ok_or(Error::ShutDown)?.replicate(&request)
    }
}
