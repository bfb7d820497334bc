//! Turns openraft's metrics into the leadership model's events, so services on an openraft
//! node follow the same rules as on a Ratis host:
//! - leader changed: a new term or a new leader in the metrics;
//! - leader (elected): only after a quorum round confirms it, since a restarted node can
//!   briefly show itself as leader in its metrics;
//! - leader lease: every tick a leader confirms its leadership with a quorum round; the
//!   instant the round began, plus [`RaftTimeouts::leader_lease`], is when its lease ends. No
//!   follower grants another candidate its vote within `election_max` of hearing from the
//!   leader, so the lease ends early enough that services stop before another node can be
//!   elected. A leader cut off from its quorum, or a process paused and resumed, finds its
//!   lease expired: `EpochToken::is_current` answers false and its services stop, without a
//!   step-down (if the quorum answers again within the term, services start again);
//! - leader-ready: once an entry of this term (the leader's first, a no-op) is applied;
//! - not leader: on losing leadership, and whenever the watch ends (openraft stopped or
//!   failed): services never outlive the watch that vouches for them.

use super::metrics::NodeMetrics;
use super::node::RaftTimeouts;
use super::types::RaftNodeId;
use omsvc_core::node::Node;
use omsvc_core::{LogIndex, Term};
use openraft::{BasicNode, RaftMetrics, ServerState};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;

/// openraft's metrics for libomsvc's node type.
pub type Metrics = RaftMetrics<RaftNodeId, BasicNode>;

/// What was last told to the core, so each event is sent once. Dropping it (the watch
/// ended, returned or panicked, or its task was aborted) demotes the node.
struct Reported {
    node: Arc<Node>,
    metrics: Arc<NodeMetrics>,
    self_id: RaftNodeId,
    term: u64,
    leader: Option<RaftNodeId>,
    leading: bool,
    ready: bool,
}

impl Drop for Reported {
    fn drop(&mut self) {
        if self.leading {
            tracing::warn!(
                node = self.self_id,
                term = self.term,
                "leadership watch ended: services stop"
            );
        }
        // Whatever the state, nothing vouches for leadership any more.
        self.node.not_leader(Term(self.term));
    }
}

/// Watches `metrics` until its sender is gone. `confirm` runs one quorum round and answers
/// whether this node still leads (openraft's `get_read_log_id`).
pub async fn watch<C, F>(
    mut metrics: watch::Receiver<Metrics>,
    confirm: C,
    node: Arc<Node>,
    node_metrics: Arc<NodeMetrics>,
    self_id: RaftNodeId,
    timeouts: RaftTimeouts,
) where
    C: Fn() -> F,
    F: Future<Output = bool>,
{
    let mut ticker = tokio::time::interval(timeouts.heartbeat);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reported = Reported {
        node,
        metrics: node_metrics,
        self_id,
        term: 0,
        leader: None,
        leading: false,
        ready: false,
    };
    loop {
        tokio::select! {
            changed = metrics.changed() => if changed.is_err() { return },
            _ = ticker.tick() => {}
        }
        let current = metrics.borrow_and_update().clone();
        if !claims_leadership(&current, self_id) {
            follow(&current, &mut reported);
            continue;
        }
        let round_began = Instant::now();
        let lease = timeouts.leader_lease();
        let confirmed = matches!(tokio::time::timeout(lease, confirm()).await, Ok(true));
        // What held before the round may not hold after it: look again.
        let current = metrics.borrow_and_update().clone();
        if !confirmed || !claims_leadership(&current, self_id) {
            continue; // the lease runs out by itself
        }
        lead(&current, round_began + lease, &mut reported);
    }
}

fn claims_leadership(metrics: &Metrics, self_id: RaftNodeId) -> bool {
    metrics.state == ServerState::Leader && metrics.current_leader == Some(self_id)
}

fn follow(metrics: &Metrics, reported: &mut Reported) {
    let term = metrics.current_term;
    if reported.leading {
        reported.node.not_leader(Term(term));
        tracing::info!(node = reported.self_id, term, "stepped down");
    }
    reported.leading = false;
    reported.ready = false;
    if reported.term != term || reported.leader != metrics.current_leader {
        let leader = metrics.current_leader.map(|id| id.to_string());
        tracing::info!(
            node = reported.self_id,
            term,
            leader = leader.as_deref().unwrap_or("none known"),
            "leader changed"
        );
        reported.node.leader_changed(Term(term), leader.as_deref());
        reported.term = term;
        reported.leader = metrics.current_leader;
    }
}

fn lead(metrics: &Metrics, lease_until: Instant, reported: &mut Reported) {
    let term = metrics.current_term;
    let self_id = reported.self_id;
    if !reported.leading || reported.term != term {
        reported
            .node
            .leader_changed(Term(term), Some(&self_id.to_string()));
        reported.metrics.elected(Term(term));
        tracing::info!(node = self_id, term, "leadership confirmed by a quorum");
        reported.term = term;
        reported.leader = Some(self_id);
        reported.leading = true;
        reported.ready = false;
    }
    reported.node.lease_renewed(Term(term), lease_until);
    if !reported.ready {
        if let Some(applied) = metrics
            .last_applied
            .filter(|applied| applied.leader_id.term == term)
        {
            reported.metrics.leader_ready(Term(term));
            reported
                .node
                .leader_ready(Term(term), LogIndex(applied.index));
            reported.ready = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omsvc_core::node::{DbLocation, NodeOptions};
    use omsvc_core::services::{EpochToken, Service, ServiceError, ServiceOptions};
    use openraft::{CommittedLeaderId, LogId};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;

    #[derive(Default)]
    struct Probe {
        token: Mutex<Option<EpochToken>>,
        running: AtomicBool,
    }

    struct ProbeService(Arc<Probe>);

    impl Service for ProbeService {
        fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
            *self.0.token.lock().unwrap() = Some(epoch);
            self.0.running.store(true, Ordering::SeqCst);
            Ok(())
        }
        fn stop(&self) -> Result<(), ServiceError> {
            self.0.running.store(false, Ordering::SeqCst);
            Ok(())
        }
    }

    fn node_with_probe() -> (Arc<Node>, Arc<Probe>) {
        let node = Arc::new(Node::open(NodeOptions::new("1", DbLocation::Ephemeral)).unwrap());
        let probe = Arc::new(Probe::default());
        node.register(
            "Probe",
            ProbeService(probe.clone()),
            ServiceOptions::default(),
        )
        .unwrap();
        (node, probe)
    }

    fn leading(term: u64) -> Metrics {
        let mut metrics = Metrics::new_initial(1);
        metrics.state = ServerState::Leader;
        metrics.current_leader = Some(1);
        metrics.current_term = term;
        metrics.last_applied = Some(LogId::new(CommittedLeaderId::new(term, 1), 0));
        metrics
    }

    fn timeouts() -> RaftTimeouts {
        RaftTimeouts {
            heartbeat: Duration::from_millis(10),
            election_min: Duration::from_millis(100),
            election_max: Duration::from_millis(200),
        }
    }

    /// The watch of node 1 with the test timeouts and metrics that no test reads.
    fn watch_node_1<C, F>(
        receiver: watch::Receiver<Metrics>,
        confirm: C,
        node: &Arc<Node>,
    ) -> impl Future<Output = ()>
    where
        C: Fn() -> F,
        F: Future<Output = bool>,
    {
        watch(
            receiver,
            confirm,
            node.clone(),
            Arc::default(),
            1,
            timeouts(),
        )
    }

    fn eventually(what: &str, condition: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !condition() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn services_stop_when_the_metrics_sender_is_gone() {
        let (node, probe) = node_with_probe();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (sender, receiver) = watch::channel(leading(2));
        sender.send_modify(|_| {});
        let task = runtime.spawn(watch_node_1(receiver, || async { true }, &node));
        eventually("the service runs", || probe.running.load(Ordering::SeqCst));
        drop(sender); // openraft's core is gone
        eventually("the service stops", || {
            !probe.running.load(Ordering::SeqCst)
        });
        runtime.block_on(task).unwrap();
        assert!(!node.is_epoch_current(Term(2)));
    }

    #[test]
    fn a_term_lost_during_the_quorum_round_is_not_reported_as_won() {
        let (node, probe) = node_with_probe();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (sender, receiver) = watch::channel(leading(2));
        sender.send_modify(|_| {});
        let sender = Arc::new(sender);
        let confirm = {
            let sender = sender.clone();
            move || {
                // While the round is out, a vote for term 3 arrives: node 2 leads it.
                sender.send_modify(|metrics| {
                    metrics.state = ServerState::Follower;
                    metrics.current_term = 3;
                    metrics.current_leader = Some(2);
                });
                async { true }
            }
        };
        runtime.spawn(watch_node_1(receiver, confirm, &node));
        eventually("node 2 is known to lead term 3", || {
            node.status().leader.as_deref() == Some("2")
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(node.wait_settled(Duration::from_secs(5)));
        assert!(!probe.running.load(Ordering::SeqCst));
        assert!(probe.token.lock().unwrap().is_none(), "never started");
        assert_eq!(node.status().term, Term(3));
    }

    #[test]
    fn without_quorum_rounds_the_lease_runs_out_and_the_token_turns_false() {
        let (node, probe) = node_with_probe();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (sender, receiver) = watch::channel(leading(3));
        sender.send_modify(|_| {});
        let answering = Arc::new(AtomicBool::new(true));
        let confirm = {
            let answering = answering.clone();
            move || {
                let answering = answering.clone();
                async move {
                    if answering.load(Ordering::SeqCst) {
                        true
                    } else {
                        std::future::pending::<bool>().await // the quorum went silent
                    }
                }
            }
        };
        runtime.spawn(watch_node_1(receiver, confirm, &node));
        eventually("the service runs", || probe.running.load(Ordering::SeqCst));
        let token = probe.token.lock().unwrap().clone().unwrap();
        assert!(token.is_current());
        answering.store(false, Ordering::SeqCst);
        let silent_since = Instant::now();
        eventually("the token turns false", || !token.is_current());
        let lease = timeouts().leader_lease();
        assert!(silent_since.elapsed() <= lease + Duration::from_millis(100));
        eventually("the service stops", || {
            !probe.running.load(Ordering::SeqCst)
        });
        answering.store(true, Ordering::SeqCst);
        eventually("the service runs again", || {
            probe.running.load(Ordering::SeqCst)
        });
        assert!(!token.is_current(), "the old run's token stays false");
        drop(sender);
    }
}
