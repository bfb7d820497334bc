//! `/metrics`: the node's state read at scrape time (openraft's metrics, the core's service
//! status, the leadership history), with what [`NodeMetrics`](super::metrics::NodeMetrics) recorded, in the Prometheus
//! text format (version 0.0.4) through `prometheus-client`.

use super::server::ServerContext;
use omsvc_core::services::{ServiceStatus, ServiceStatusView};
use openraft::ServerState;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// The `Content-Type` of what [`render`] returns.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

const ROLES: [(ServerState, &str); 5] = [
    (ServerState::Leader, "leader"),
    (ServerState::Follower, "follower"),
    (ServerState::Candidate, "candidate"),
    (ServerState::Learner, "learner"),
    (ServerState::Shutdown, "shutdown"),
];

const SERVICE_STATES: [ServiceStatus; 3] = [
    ServiceStatus::Running,
    ServiceStatus::Stopping,
    ServiceStatus::Pausing,
];

/// What the node's state was when scraped.
#[derive(Debug)]
struct Snapshot {
    term: u64,
    state: ServerState,
    leader: Option<u64>,
    leaders_seen: u64,
    last_log_index: u64,
    committed_index: u64,
    applied_index: u64,
    /// Leader only: since a quorum last acknowledged it.
    quorum_ack_ms: Option<u64>,
    leader_contact_ms: u64,
    services: Vec<ServiceStatusView>,
}

/// The node's metrics now, as Prometheus text.
pub fn render(context: &ServerContext) -> String {
    let services = context.node.status().services;
    // Read before openraft's metrics, so it is not past their last log index.
    let committed_index = context.metrics.committed_index();
    let raft = context.raft.metrics().borrow().clone();
    let applied_index = raft.last_applied.map_or(0, |log_id| log_id.index);
    let snapshot = Snapshot {
        term: raft.current_term,
        state: raft.state,
        leader: raft.current_leader,
        leaders_seen: context.election.leadership_history().leaders_seen(),
        last_log_index: raft.last_log_index.unwrap_or(0),
        // An applied entry was committed, even when a snapshot installed it.
        committed_index: committed_index.max(applied_index),
        applied_index,
        quorum_ack_ms: raft.millis_since_quorum_ack,
        leader_contact_ms: context.election.since_leader_contact().as_millis() as u64,
        services,
    };
    let mut registry = Registry::default();
    context.metrics.register(&mut registry);
    registry.register_collector(Box::new(snapshot));
    let mut text = String::new();
    // Writing into a String cannot fail; an encoder error would be a bug in a metric.
    if let Err(error) = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
        tracing::error!(node = context.id, %error, "cannot encode the metrics");
    }
    text
}

fn metric(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: impl EncodeMetric,
) -> Result<(), std::fmt::Error> {
    value.encode(encoder.encode_descriptor(name, help, None, value.metric_type())?)
}

/// One metric with one sample per label value.
fn family<V: EncodeMetric>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric_type: MetricType,
    samples: impl IntoIterator<Item = (Vec<(&'static str, String)>, V)>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, metric_type)?;
    for (labels, value) in samples {
        value.encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

fn per_service<'a, V: EncodeMetric>(
    services: &'a [ServiceStatusView],
    value: impl Fn(&ServiceStatusView) -> V + 'a,
) -> impl Iterator<Item = (Vec<(&'static str, String)>, V)> + 'a {
    services
        .iter()
        .map(move |service| (vec![("service", service.name.clone())], value(service)))
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let e = &mut encoder;
        metric(
            e,
            "omsvc_raft_term",
            "The current Raft term",
            ConstGauge::new(self.term as i64),
        )?;
        family(
            e,
            "omsvc_raft_role",
            "This node's Raft role: 1 for the current one",
            MetricType::Gauge,
            ROLES.iter().map(|(state, name)| {
                (
                    vec![("role", (*name).to_owned())],
                    ConstGauge::new(i64::from(*state == self.state)),
                )
            }),
        )?;
        metric(
            e,
            "omsvc_raft_leader_id",
            "The leader this node knows of (0: none)",
            ConstGauge::new(self.leader.unwrap_or(0) as i64),
        )?;
        metric(
            e,
            "omsvc_raft_leader_changes_seen",
            "Leaders this node saw take a term",
            ConstCounter::new(self.leaders_seen),
        )?;
        metric(
            e,
            "omsvc_raft_last_log_index",
            "The last index in this node's log",
            ConstGauge::new(self.last_log_index as i64),
        )?;
        metric(
            e,
            "omsvc_raft_committed_index",
            "The last index this node knows committed",
            ConstGauge::new(self.committed_index as i64),
        )?;
        metric(
            e,
            "omsvc_raft_applied_index",
            "The last index applied to the configuration table",
            ConstGauge::new(self.applied_index as i64),
        )?;
        if let Some(ms) = self.quorum_ack_ms {
            metric(
                e,
                "omsvc_raft_quorum_ack_age_seconds",
                "Leader only: time since a quorum last acknowledged this leader",
                ConstGauge::new(ms as f64 / 1000.0),
            )?;
        }
        metric(
            e,
            "omsvc_raft_leader_contact_age_seconds",
            "Time since this node last heard from a leader (a leader hears from itself)",
            ConstGauge::new(self.leader_contact_ms as f64 / 1000.0),
        )?;
        let services = &self.services;
        family(
            e,
            "omsvc_service_state",
            "Each service's state: 1 for the current one",
            MetricType::Gauge,
            services.iter().flat_map(|service| {
                SERVICE_STATES.iter().map(|state| {
                    (
                        vec![
                            ("service", service.name.clone()),
                            ("state", state.as_str().to_owned()),
                        ],
                        ConstGauge::new(i64::from(service.status == *state)),
                    )
                })
            }),
        )?;
        family(
            e,
            "omsvc_service_epoch",
            "The epoch (term) a service runs in on this node (0: not running here)",
            MetricType::Gauge,
            per_service(services, |s| {
                ConstGauge::new(s.epoch.map_or(0, |epoch| epoch.0) as i64)
            }),
        )?;
        family(
            e,
            "omsvc_service_starts",
            "Successful starts of a service on this node",
            MetricType::Counter,
            per_service(services, |s| ConstCounter::new(s.start_count)),
        )?;
        family(
            e,
            "omsvc_service_stops",
            "Stops of a service on this node",
            MetricType::Counter,
            per_service(services, |s| ConstCounter::new(s.stop_count)),
        )?;
        family(
            e,
            "omsvc_service_failed_starts",
            "Failed starts of a service on this node",
            MetricType::Counter,
            per_service(services, |s| ConstCounter::new(s.failed_start_count)),
        )?;
        Ok(())
    }
}
