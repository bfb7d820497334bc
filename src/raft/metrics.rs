//! What a node counts as things happen, for `/metrics`: write latency, the wait for the
//! barrier, each service's time from leader-ready to running, connections and refused
//! frames. What can be read at any time (term, role, indexes, service states) is read at
//! scrape time instead (see [`super::metrics_snapshot`]). Owned by one [`super::RaftNode`]:
//! nothing here is global.

use omsvc_core::leadership::Term;
use omsvc_core::services::ServiceObserver;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why a frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameRefusal {
    /// Not a frame this node can decode (or over the size limit); its connection was closed.
    Malformed,
    /// Begun but not completed within the frame timeout; its connection was closed.
    Incomplete,
    /// A frame of another cluster; answered with an error.
    WrongCluster,
}

impl FrameRefusal {
    fn label(self) -> &'static str {
        match self {
            FrameRefusal::Malformed => "malformed",
            FrameRefusal::Incomplete => "incomplete",
            FrameRefusal::WrongCluster => "wrong_cluster",
        }
    }
}

type ServiceLabel = [(&'static str, String); 1];
type ReasonLabel = [(&'static str, &'static str); 1];

/// 1 ms to about 16 s: elections, barriers and service starts.
fn transition_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// 0.25 ms to about 4 s: a write's commit (an fsync on a quorum).
fn write_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.00025, 2.0, 15))
}

/// When this node last won a term and became leader-ready, and which service starts were
/// already timed.
#[derive(Debug, Default)]
struct Transitions {
    elected: Option<(Term, Instant)>,
    ready: Option<(Term, Instant)>,
    /// Service -> the epoch whose first start was timed (later starts in that epoch, after a
    /// user's stop and start say, are not a failover and are not timed).
    timed_start: HashMap<String, Term>,
}

/// The Prometheus metrics one node records itself (write latency, barrier wait, time from
/// leader-ready to running, connections, refused frames), beside those read from its status.
#[derive(Debug)]
pub struct NodeMetrics {
    write_latency: Histogram,
    barrier_wait: Histogram,
    ready_to_running: Family<ServiceLabel, Histogram, fn() -> Histogram>,
    connections_open: Gauge,
    connections_refused: Counter,
    frames_refused: Family<ReasonLabel, Counter>,
    /// The last committed log index, as the log store last saved it.
    committed_index: Arc<AtomicU64>,
    transitions: Mutex<Transitions>,
}

impl Default for NodeMetrics {
    fn default() -> Self {
        NodeMetrics::new(Arc::default())
    }
}

impl NodeMetrics {
    /// `committed_index`: kept current by the log store.
    pub fn new(committed_index: Arc<AtomicU64>) -> NodeMetrics {
        NodeMetrics {
            write_latency: write_histogram(),
            barrier_wait: transition_histogram(),
            ready_to_running: Family::new_with_constructor(transition_histogram),
            connections_open: Gauge::default(),
            connections_refused: Counter::default(),
            frames_refused: Family::default(),
            committed_index,
            transitions: Mutex::new(Transitions::default()),
        }
    }

    /// A write was committed and applied, `elapsed` after it was proposed.
    pub fn write_committed(&self, elapsed: Duration) {
        self.write_latency.observe(elapsed.as_secs_f64());
    }

    /// A quorum confirmed this node as the leader of `term`.
    pub fn elected(&self, term: Term) {
        self.lock().elected = Some((term, Instant::now()));
    }

    /// This node became leader-ready in `term`: the entry that opens its term is applied, so
    /// is every entry before it (openraft's barrier).
    pub fn leader_ready(&self, term: Term) {
        let now = Instant::now();
        let mut transitions = self.lock();
        if let Some((elected_term, at)) = transitions.elected {
            if elected_term == term {
                self.barrier_wait
                    .observe(now.saturating_duration_since(at).as_secs_f64());
            }
        }
        transitions.ready = Some((term, now));
    }

    /// An inbound connection was admitted.
    pub fn connection_opened(&self) {
        self.connections_open.inc();
    }

    /// An admitted connection closed.
    pub fn connection_closed(&self) {
        self.connections_open.dec();
    }

    /// An inbound connection was refused by the connection limits.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// A frame was refused, for `why`.
    pub fn frame_refused(&self, why: FrameRefusal) {
        self.frames_refused
            .get_or_create(&[("reason", why.label())])
            .inc();
    }

    /// The last committed log index, as the log store last saved it.
    pub fn committed_index(&self) -> u64 {
        self.committed_index.load(Ordering::Relaxed)
    }

    /// Registers the recorded metrics in `registry` (the metrics share their values with this
    /// node: registering is cheap and can be done per scrape).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "omsvc_raft_write_latency_seconds",
            "Time from proposing a write on this node to it being committed and applied",
            self.write_latency.clone(),
        );
        registry.register(
            "omsvc_raft_barrier_wait_seconds",
            "Time from a quorum confirming this node as leader to its term's first entry \
             applied (every earlier entry applied: the barrier services wait for)",
            self.barrier_wait.clone(),
        );
        registry.register(
            "omsvc_service_ready_to_running_seconds",
            "Time from this node becoming leader-ready to a service's start returning, for \
             the first start of each epoch",
            self.ready_to_running.clone(),
        );
        registry.register(
            "omsvc_connections_open",
            "Inbound Raft and client connections open",
            self.connections_open.clone(),
        );
        registry.register(
            "omsvc_connections_refused",
            "Inbound connections refused by the connection limits",
            self.connections_refused.clone(),
        );
        registry.register(
            "omsvc_frames_refused",
            "Frames refused, by reason",
            self.frames_refused.clone(),
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Transitions> {
        self.transitions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ServiceObserver for NodeMetrics {
    fn started(&self, service: &str, epoch: Term) {
        let now = Instant::now();
        let mut transitions = self.lock();
        let Some((ready_term, ready_at)) = transitions.ready else {
            return;
        };
        if ready_term != epoch || transitions.timed_start.get(service) == Some(&epoch) {
            return;
        }
        transitions.timed_start.insert(service.to_owned(), epoch);
        self.ready_to_running
            .get_or_create(&[("service", service.to_owned())])
            .observe(now.saturating_duration_since(ready_at).as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::prometheus_text::encode;

    fn text(metrics: &NodeMetrics) -> String {
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        let mut text = String::new();
        encode(&mut text, &registry).unwrap();
        text
    }

    #[test]
    fn only_the_first_start_of_an_epoch_after_ready_is_timed() {
        let metrics = NodeMetrics::default();
        metrics.started("Early", Term(1)); // before any leader-ready: not timed
        metrics.elected(Term(2));
        metrics.leader_ready(Term(2));
        metrics.started("Trash", Term(2));
        metrics.started("Trash", Term(2)); // a restart in the same epoch
        metrics.started("Trash", Term(1)); // an older epoch's start reported late
        let text = text(&metrics);
        assert!(
            text.contains("omsvc_service_ready_to_running_seconds_count{service=\"Trash\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("Early"), "{text}");
        assert!(
            text.contains("omsvc_raft_barrier_wait_seconds_count 1\n"),
            "{text}"
        );
    }

    #[test]
    fn a_ready_in_another_term_than_the_election_is_no_barrier_wait() {
        let metrics = NodeMetrics::default();
        metrics.elected(Term(2));
        metrics.leader_ready(Term(3));
        assert!(text(&metrics).contains("omsvc_raft_barrier_wait_seconds_count 0\n"));
    }

    #[test]
    fn refused_frames_are_counted_by_reason() {
        let metrics = NodeMetrics::default();
        metrics.frame_refused(FrameRefusal::Malformed);
        metrics.frame_refused(FrameRefusal::Malformed);
        metrics.frame_refused(FrameRefusal::WrongCluster);
        metrics.connection_opened();
        metrics.connection_opened();
        metrics.connection_closed();
        let text = text(&metrics);
        assert!(text.contains("omsvc_frames_refused_total{reason=\"malformed\"} 2\n"));
        assert!(text.contains("omsvc_frames_refused_total{reason=\"wrong_cluster\"} 1\n"));
        assert!(text.contains("omsvc_connections_open 1\n"));
    }
}
