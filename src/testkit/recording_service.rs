//! A service that records what the node asks of it: the calls, in order and with their
//! instants, overlapping calls, and failures it was told to give.

use omsvc_core::{EpochToken, Service, ServiceError};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One call a [`Recorder`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `start` of `service` in `epoch`.
    Start {
        /// The recorder's name.
        service: String,
        /// The epoch it was started in.
        epoch: u64,
    },
    /// `stop` of `service`.
    Stop {
        /// The recorder's name.
        service: String,
    },
}

/// A service that records every call into a log (shared across services to see ordering),
/// detects overlapping calls, and can be told to fail its next starts.
#[derive(Debug)]
pub struct Recorder {
    /// The name its calls are recorded under.
    pub name: String,
    /// The call log, shared with other recorders to see the order across services.
    pub log: Arc<Mutex<Vec<Call>>>,
    in_call: AtomicBool,
    /// Calls that overlapped another call, and starts without a stop in between.
    pub overlaps: AtomicU64,
    /// How many of the next starts fail.
    pub failures_left: AtomicU32,
    /// What `should_run` answers.
    pub should_run: AtomicBool,
    /// Whether it was started and not stopped since.
    pub running: AtomicBool,
    /// Every call with the instant it was made.
    pub timeline: Mutex<Vec<(Instant, Call)>>,
}

impl Recorder {
    /// A recorder named `name` that records into `log`.
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

    /// Every call in the shared log, of every recorder.
    pub fn calls(&self) -> Vec<Call> {
        self.log.lock().unwrap().clone()
    }

    /// The epochs this recorder was started in, in order.
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
                epoch: epoch.epoch().0,
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

/// The [`Recorder`] each node registered, by node id.
pub type Recorders = Arc<Mutex<BTreeMap<u64, Arc<Recorder>>>>;

/// A service factory for a cluster (`raft_cluster::Cluster::start`): a [`Recorder`] named
/// `svc@{id}` on each node, all sharing one call log; and where to find them.
pub fn recorders() -> (Recorders, impl Fn(u64) -> Arc<dyn Service> + 'static) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let by_node: Recorders = Default::default();
    let factory = {
        let by_node = by_node.clone();
        move |id: u64| -> Arc<dyn Service> {
            let recorder = Recorder::new(&format!("svc@{id}"), log.clone());
            by_node.lock().unwrap().insert(id, recorder.clone());
            recorder
        }
    };
    (by_node, factory)
}

/// The [`Recorder`] node `id` registered; panics if it registered none.
pub fn recorder(by_node: &Recorders, id: u64) -> Arc<Recorder> {
    by_node.lock().unwrap()[&id].clone()
}
