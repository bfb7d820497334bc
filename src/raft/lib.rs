//! openraft mode: libomsvc replicating itself, for hosts without Ratis. A node is the core
//! [`omsvc_core::Node`] (services + configuration table) plus openraft over a TCP transport:
//! openraft's state machine *is* the configuration table, and its leader changes feed the same
//! leadership model as Ratis callbacks do.
//!
//! - [`types`]: openraft's type configuration and the replicated command.
//! - [`log_store`]: the Raft log and vote in RocksDB, fsynced before openraft hears "flushed".
//! - [`state_machine`]: applies entries into the configuration table; snapshots.
//! - [`frame`], [`network`], [`server`]: the TCP transport (length-prefixed protobuf frames).
//! - [`connections`]: admission and limits of inbound connections.
//! - [`election_gate`]: decides when this node stands for election (pause-aware).
//! - [`leadership_watch`]: openraft's metrics turned into leadership events.
//! - [`leadership_history`]: the leadership changes a node saw, for its status and metrics.
//! - [`metrics`], [`metrics_snapshot`]: what `/metrics` reports.
//! - [`http`]: `--http`: `/metrics`, `/status`, `/cluster` and the status page.
//! - [`node`]: [`RaftNode`], the synchronous facade the CLI and the C ABI use.
//! - [`hex`]: bytes as hexadecimal text in JSON reports and the CLI.
//! - [`error`]: [`RaftError`], what every fallible call of this crate returns.
//! - [`client`]: a synchronous client for a node's address (CLI tools).
//! - [`local_cluster`]: several nodes of one cluster in this process (`omsvc demo`, tests).
//! - [`status`], [`status_json`]: the node's status (`omsvc status`), the `RaftNodeStatus`
//!   message, and its JSON.

// openraft's StorageError is large by design and fixed by its trait signatures.
#![allow(clippy::result_large_err)]

pub mod client;
pub mod connections;
pub mod election_gate;
pub mod error;
pub mod frame;
pub mod hex;
pub mod http;
pub mod leadership_history;
pub mod leadership_watch;
pub mod local_cluster;
pub mod log_store;
pub mod metrics;
pub mod metrics_snapshot;
pub mod network;
pub mod node;
pub mod rpc;
pub mod server;
pub mod state_machine;
pub mod status;
pub mod status_json;
pub mod types;

pub use client::RaftClient;
pub use connections::ConnectionLimits;
pub use error::RaftError;
pub use local_cluster::LocalCluster;
pub use node::{RaftNode, RaftNodeOptions, RaftTimeouts};
pub use rpc::{ClientError, WriteReceipt};
pub use status::NodeReport;
pub use types::RaftNodeId;
