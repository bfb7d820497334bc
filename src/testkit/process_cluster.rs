//! A cluster of `omsvc node run` processes on 127.0.0.1, each on its own fixed port and data
//! directory in one temp dir.

use crate::node_process::{NodeProc, START_TIMEOUT};
use crate::poll::poll;
use crate::ports::free_ports;
use omsvc_core::proto::raft_node_status::ServerState;
use omsvc_raft::NodeReport;
use std::time::Duration;

/// Nodes `1..=size` in one temp dir, each on its own fixed port.
#[derive(Debug)]
pub struct Cluster {
    /// Node `id` at index `id - 1`. Before `dir`: fields drop in order, so the processes are
    /// killed before their data directories are removed.
    pub nodes: Vec<NodeProc>,
    /// Where the nodes' data directories are.
    pub dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts every node, node 1 last with `--init` and the others as `--peer`s, and waits
    /// until each printed its `listening on` line.
    pub fn start(size: u64, demo_service: bool) -> Cluster {
        Cluster::start_with(size, demo_service, |_| {})
    }

    /// [`Cluster::start`], with `configure` called on each node before its first start.
    pub fn start_with(size: u64, demo_service: bool, configure: impl Fn(&mut NodeProc)) -> Cluster {
        let dir = tempfile::tempdir().expect("a temp dir for the cluster");
        let ports = free_ports(size as usize);
        let nodes: Vec<NodeProc> = (1..=size)
            .zip(ports)
            .map(|(id, port)| {
                let mut node = NodeProc::new(
                    id,
                    format!("127.0.0.1:{port}"),
                    dir.path().join(format!("n{id}")),
                    demo_service,
                );
                configure(&mut node);
                node
            })
            .collect();
        let mut cluster = Cluster { dir, nodes };
        let mut init = vec!["--init".to_owned()];
        for node in &cluster.nodes[1..] {
            init.push("--peer".to_owned());
            init.push(format!("{}={}", node.id, node.addr));
        }
        for index in (0..cluster.nodes.len()).rev() {
            let extra = if index == 0 { init.clone() } else { Vec::new() };
            cluster.nodes[index].spawn(&extra);
        }
        for index in 0..cluster.nodes.len() {
            if let Err(message) = cluster.nodes[index].wait_listening(START_TIMEOUT) {
                panic!("{message}\n{}", cluster.tails(20));
            }
        }
        cluster
    }

    /// Node `id`.
    pub fn node(&self, id: u64) -> &NodeProc {
        &self.nodes[(id - 1) as usize]
    }

    /// Node `id`, to start, stop or signal.
    pub fn node_mut(&mut self, id: u64) -> &mut NodeProc {
        &mut self.nodes[(id - 1) as usize]
    }

    /// Every node's address, by id.
    pub fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(|node| node.addr.clone()).collect()
    }

    /// The address each node serves HTTP on (given `--http`), by id, from the `serving http
    /// on` line of its current start; panics if one does not print it within `timeout`.
    pub fn http_addrs(&self, timeout: Duration) -> Vec<String> {
        self.nodes
            .iter()
            .map(|node| {
                let prefix = format!("omsvc node {} serving http on ", node.id);
                poll(timeout, || {
                    node.stdout_lines(node.generation())
                        .iter()
                        .find_map(|line| line.strip_prefix(&prefix))
                        .and_then(|rest| rest.split_whitespace().next())
                        .map(str::to_owned)
                        .ok_or_else(|| format!("node {} printed no {prefix:?} line", node.id))
                })
                .unwrap_or_else(|reason| panic!("{reason}\n{}", self.tails(20)))
            })
            .collect()
    }

    /// Every node's output tail, for failure messages.
    pub fn tails(&self, n: usize) -> String {
        self.nodes.iter().map(|node| node.tail(n)).collect()
    }

    /// The report of a running node that leads (by its own account and openraft's state) and
    /// satisfies `condition`, among `candidates`; the reason none does otherwise.
    pub fn leader_where(
        &self,
        candidates: &[u64],
        condition: impl Fn(&NodeReport) -> bool,
    ) -> Result<NodeReport, String> {
        let mut seen = Vec::new();
        for &id in candidates {
            let node = self.node(id);
            if !node.is_running() {
                continue;
            }
            match node.status() {
                Ok(report) => {
                    if report.server_state() == ServerState::Leader
                        && report.leader() == Some(report.id())
                        && condition(&report)
                    {
                        return Ok(report);
                    }
                    seen.push(format!(
                        "node {id}: state {:?}, term {}, leader {:?}, applied {}, services {:?}",
                        report.server_state(),
                        report.term(),
                        report.leader(),
                        report.last_applied_index(),
                        report
                            .services()
                            .iter()
                            .map(|s| {
                                let state = s.state().as_str_name();
                                format!("{} {state} epoch {:?}", s.name, s.epoch)
                            })
                            .collect::<Vec<_>>()
                    ));
                }
                Err(error) => seen.push(format!("node {id}: status failed: {error}")),
            }
        }
        Err(seen.join("; "))
    }
}
