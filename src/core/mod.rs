//! The core: everything libomsvc decides, with no knowledge of its hosts.
//!
//! - [`leadership`]: what this node may do, derived from Raft events (docs/design.md R1-R9).
//! - [`services`]: registered services and the runner that starts and stops them.
//! - [`config`]: the RocksDB configuration table and its wire format.
//! - [`stateful`]: typed configuration for services, written through a replication submitter.
//! - [`node`]: one peer: the three above wired together.

pub mod config;
pub mod error;
pub mod leadership;
pub mod node;
pub(crate) mod panic_text;
pub mod proto;
pub mod services;
pub mod stateful;
mod status_json;
