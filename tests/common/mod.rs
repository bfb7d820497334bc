//! Helpers shared by the integration tests: a recording service and a small in-process
//! group of nodes that replicates configuration entries to every member.

#![allow(dead_code)]

use omsvc_core::{
    ApplyOutcome, ConfigSubmitter, DbLocation, EpochToken, Error, Node, NodeOptions, Service,
    ServiceError, SubmitReceipt,
};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

pub const SETTLE: Duration = Duration::from_secs(10);

/// Polls `condition` until it holds or `timeout` passes.
pub fn eventually(timeout: Duration, condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Start { service: String, epoch: u64 },
    Stop { service: String },
}

/// A service that records every call into a log (shared across services to see ordering),
/// detects overlapping calls, and can be told to fail its next starts.
pub struct Recorder {
    pub name: String,
    pub log: Arc<Mutex<Vec<Call>>>,
    in_call: AtomicBool,
    pub overlaps: AtomicU64,
    pub failures_left: AtomicU32,
    pub should_run: AtomicBool,
    pub running: AtomicBool,
    /// Every call with the instant it was made.
    pub timeline: Mutex<Vec<(Instant, Call)>>,
}

impl Recorder {
    pub fn new(name: &str, log: Arc<Mutex<Vec<Call>>>) -> Arc<Recorder> {
        Arc::new(Recorder {
            name: name.to_owned(),
            log,
            in_call: AtomicBool::new(false),
            overlaps: AtomicU64::new(0),
            failures_left: AtomicU32::new(0),
            should_run: AtomicBool::new(true),
            running: AtomicBool::new(false),
            timeline: Mutex::new(Vec::new()),
        })
    }

    pub fn calls(&self) -> Vec<Call> {
        self.log.lock().unwrap().clone()
    }

    pub fn starts(&self) -> Vec<u64> {
        self.calls()
            .into_iter()
            .filter_map(|call| match call {
                Call::Start { service, epoch } if service == self.name => Some(epoch),
                _ => None,
            })
            .collect()
    }

    fn enter(&self) {
        if self.in_call.swap(true, Ordering::SeqCst) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn leave(&self) {
        self.in_call.store(false, Ordering::SeqCst);
    }
}

impl Service for Recorder {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        self.enter();
        let result = if self.failures_left.load(Ordering::SeqCst) > 0 {
            self.failures_left.fetch_sub(1, Ordering::SeqCst);
            Err("disk not mounted".into())
        } else {
            if self.running.swap(true, Ordering::SeqCst) {
                self.overlaps.fetch_add(1, Ordering::SeqCst); // started twice without a stop
            }
            let call = Call::Start {
                service: self.name.clone(),
                epoch: epoch.epoch(),
            };
            self.timeline
                .lock()
                .unwrap()
                .push((Instant::now(), call.clone()));
            self.log.lock().unwrap().push(call);
            Ok(())
        };
        self.leave();
        result
    }

    fn stop(&self) -> Result<(), ServiceError> {
        self.enter();
        self.running.store(false, Ordering::SeqCst);
        let call = Call::Stop {
            service: self.name.clone(),
        };
        self.timeline
            .lock()
            .unwrap()
            .push((Instant::now(), call.clone()));
        self.log.lock().unwrap().push(call);
        self.leave();
        Ok(())
    }

    fn should_run(&self) -> Result<bool, ServiceError> {
        Ok(self.should_run.load(Ordering::SeqCst))
    }
}

/// Nodes of one group in this process, each with its own RocksDB on a temp dir. Configuration
/// entries go to every member with the same (term, index), as a Raft log would deliver them.
pub struct Group {
    pub dir: tempfile::TempDir,
    pub nodes: Vec<Node>,
    log: Mutex<LogPosition>,
}

#[derive(Default)]
struct LogPosition {
    term: u64,
    index: u64,
    leader: Option<usize>,
}

impl Group {
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

    pub fn id(i: usize) -> String {
        format!("om{}", i + 1)
    }

    pub fn submitter(self: &Arc<Group>) -> Arc<dyn ConfigSubmitter> {
        Arc::new(GroupSubmitter(Arc::downgrade(self)))
    }

    /// Appends an entry and applies it on every node (a refused entry too: every node refuses
    /// it alike); returns the first node's refusal as the error.
    pub fn replicate(&self, request: &[u8]) -> Result<SubmitReceipt, Error> {
        let mut log = self.log.lock().unwrap();
        log.index += 1;
        let mut outcomes = Vec::new();
        for node in &self.nodes {
            outcomes.push(node.apply_entry(log.term, log.index, request));
        }
        for outcome in outcomes {
            match outcome? {
                ApplyOutcome::Applied { .. } => {}
                ApplyOutcome::AlreadyApplied { last } => {
                    return Err(Error::SubmissionNotApplied {
                        term: log.term,
                        index: log.index,
                        last_index: last.index,
                    })
                }
            }
        }
        Ok(SubmitReceipt {
            term: log.term,
            index: log.index,
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
            self.nodes[old].not_leader(term);
        }
        let leader_id = Group::id(new_leader);
        for node in &self.nodes {
            node.leader_changed(term, Some(&leader_id));
        }
        log.index += 1;
        for node in &self.nodes {
            node.applied(term, log.index);
        }
        self.nodes[new_leader].leader_ready(term, log.index);
        log.leader = Some(new_leader);
        term
    }

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
    fn submit(&self, request: Vec<u8>) -> Result<SubmitReceipt, Error> {
        self.0.upgrade().ok_or(Error::ShutDown)?.replicate(&request)
    }
}

/// xorshift64*: small, fast and replayable from its seed, for tests that pick at random.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}
