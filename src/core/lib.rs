#![warn(missing_docs)]
//! libomsvc's core: leader-only services and their replicated configuration for Raft groups.
//!
//! It owns everything libomsvc decides, with no knowledge of its hosts: it knows nothing about
//! C, Java, Ratis or openraft (it does not depend on them), and the adapters built on top of it
//! only convert types and forward.
//!
//! - [`leadership`]: what this node may do, derived from Raft events (docs/design.md R1-R9).
//! - [`services`]: registered services and the runner that starts and stops them.
//! - [`table`]: the RocksDB configuration table (`statefulServiceConfigTable`) and its wire format.
//! - [`stateful`]: typed configuration for services, written through a replication submitter.
//! - [`node`]: one peer: the three above wired together.
//!
//! ```
//! use omsvc_core::{DbLocation, EpochToken, LogIndex, Node, NodeOptions, Service, ServiceError};
//! use omsvc_core::{ServiceOptions, Term};
//! use std::time::Duration;
//!
//! struct KeyLifecycle;
//! impl Service for KeyLifecycle {
//!     fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
//!         println!("scanning as the leader of term {}", epoch.epoch());
//!         Ok(())
//!     }
//!     fn stop(&self) -> Result<(), ServiceError> { Ok(()) }
//! }
//!
//! # fn main() -> Result<(), omsvc_core::Error> {
//! let node = Node::open(NodeOptions::new("om1", DbLocation::Ephemeral))?;
//! node.register("KeyLifecycleService", KeyLifecycle, ServiceOptions::default())?;
//!
//! // A Ratis host forwards its StateMachine callbacks in Ratis's order:
//! node.leader_changed(Term(3), Some("om1"));
//! node.leader_ready(Term(3), LogIndex(41)); // every entry up to 41 must be applied first
//! node.applied(Term(2), LogIndex(41));
//! assert!(node.wait_settled(Duration::from_secs(5)));
//! assert!(node.status().services[0].status.is_running());
//!
//! // Configuration changes are log entries, applied on every peer.
//! let entry = omsvc_core::encode_set_request("KeyLifecycleService", b"suspended")?;
//! node.apply_entry(Term(3), LogIndex(42), &entry)?;
//! assert_eq!(node.read_configuration("KeyLifecycleService")?, Some(b"suspended".to_vec()));
//! node.shutdown();
//! # Ok(())
//! # }
//! ```

pub mod error;
pub mod leadership;
pub mod node;
pub mod panic_text;
pub mod proto;
pub mod services;
pub mod stateful;
pub mod status_json;
pub mod status_proto;
pub mod table;

pub use crate::error::{Cause, Error, ErrorKind, NameProblem};
pub use crate::leadership::{Blocker, EventOutcome, LogIndex, Role, Term, TermIndex};
pub use crate::node::{DbLocation, LocalSubmitter, Node, NodeOptions, NodeStatus};
pub use crate::services::{
    EpochLease, EpochToken, Service, ServiceError, ServiceObserver, ServiceOptions, ServiceStatus,
    ServiceStatusView, ServiceWait,
};
pub use crate::stateful::{ConfigSubmitter, RunControlledConfiguration, StatefulConfig};
pub use crate::table::{
    encode_delete_request, encode_run_control_request, encode_set_request,
    encode_stamped_delete_request, encode_stamped_set_request, ApplyOutcome, ConfigTable,
    TableOptions, MAX_CONFIGURATION_BYTES, MAX_SERVICE_NAME_BYTES, SUPPORTED_FORMAT_VERSION,
};

/// Compiles and runs the README's Rust example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExample;
