//! What libomsvc's tests, benches and failover demo share, so each is written once.
//!
//! Clusters: [`replicated_group`] (core nodes without openraft), [`raft_cluster`] (openraft
//! nodes in this process), [`process_cluster`] of [`node_process`]es (`omsvc node run`).
//! Waiting: [`poll`]. Timings: [`timings`].

pub mod binary;
pub mod cli_run;
pub mod http_request;
pub mod node_process;
pub mod node_report;
pub mod poll;
pub mod ports;
pub mod proc_fs;
pub mod process_cluster;
pub mod raft_cluster;
pub mod recording_service;
pub mod replicated_group;
pub mod rng;
pub mod serial;
pub mod timings;
