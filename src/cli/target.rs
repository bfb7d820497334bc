//! Where a command reads from: a node's database directory, or a running node's address.

use clap::Args;
use omsvc_raft::RaftClient;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Clone)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// A node's database directory (`<data>/table` for an openraft node); opened read-only,
    /// so it works while the node runs.
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// A running openraft node's address, e.g. 127.0.0.1:7001.
    #[arg(long, value_name = "ADDR")]
    pub node: Option<String>,
}

#[derive(Args, Clone)]
pub struct Remote {
    /// A running openraft node's address, e.g. 127.0.0.1:7001.
    #[arg(long, value_name = "ADDR")]
    pub node: String,
    #[command(flatten)]
    pub cluster: ClusterName,
}

#[derive(Args, Clone)]
pub struct ClusterName {
    /// The cluster name the nodes were started with.
    #[arg(long, value_name = "NAME", default_value = "omsvc")]
    pub cluster: String,
    /// How long to wait for a node's answer, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout_ms: u64,
}

impl ClusterName {
    pub fn client(&self, addr: &str) -> Result<RaftClient, omsvc_raft::RaftError> {
        RaftClient::new(addr, &self.cluster, Duration::from_millis(self.timeout_ms))
    }
}

/// Parses `ID=ADDR` (e.g. `2=127.0.0.1:7002`).
pub fn parse_member(text: &str) -> Result<(u64, String), String> {
    let (id, addr) = text
        .split_once('=')
        .ok_or_else(|| format!("expected ID=ADDR, got {text:?}"))?;
    let id = id
        .parse::<u64>()
        .map_err(|_| format!("node id {id:?} is not a number"))?;
    if addr.is_empty() {
        return Err(format!("node {id} has an empty address"));
    }
    Ok((id, addr.to_owned()))
}
