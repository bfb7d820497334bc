#![warn(missing_docs)]
//! libomsvc: leader-only services and their replicated configuration for Raft groups.
//!
//! The [`core`] owns the leadership model fed by Raft events, the service runner and the
//! configuration table (`statefulServiceConfigTable` in RocksDB). It knows nothing about C,
//! Java, Ratis or openraft: the adapters built on top of it only convert types and forward.
//!
//! ```
//! use omsvc::{DbLocation, Node, NodeOptions, Service, ServiceError, ServiceOptions, EpochToken};
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
//! # fn main() -> Result<(), omsvc::Error> {
//! let node = Node::open(NodeOptions::new("om1", DbLocation::Ephemeral))?;
//! node.register("KeyLifecycleService", KeyLifecycle, ServiceOptions::default())?;
//!
//! // A Ratis host forwards its StateMachine callbacks in Ratis's order:
//! node.leader_changed(3, Some("om1"));
//! node.leader_ready(3, 41); // every entry up to 41 must be applied first
//! node.applied(2, 41);
//! assert!(node.wait_settled(Duration::from_secs(5)));
//! assert!(node.status().services[0].status.is_running());
//!
//! // Configuration changes are log entries, applied on every peer.
//! let entry = omsvc::encode_set_request("KeyLifecycleService", b"suspended")?;
//! node.apply_entry(3, 42, &entry)?;
//! assert_eq!(node.read_configuration("KeyLifecycleService")?, Some(b"suspended".to_vec()));
//! node.shutdown();
//! # Ok(())
//! # }
//! ```

pub mod core;
#[cfg(test)]
mod error_table_tests;
pub mod ffi;
mod handles;
pub mod hex;
pub mod jni;
mod log_text;
pub mod raft;

pub use crate::core::config::{
    encode_delete_request, encode_run_control_request, encode_set_request,
    encode_stamped_delete_request, encode_stamped_set_request, ApplyOutcome, ConfigTable,
    TableOptions, TransactionInfo, MAX_CONFIGURATION_BYTES, MAX_SERVICE_NAME_BYTES,
    SUPPORTED_FORMAT_VERSION,
};
pub use crate::core::error::{Error, ErrorKind, NameProblem};
pub use crate::core::leadership::{Blocker, EventOutcome, LogIndex, Role, Term};
pub use crate::core::node::{DbLocation, Node, NodeOptions, NodeStatus};
pub use crate::core::services::{
    EpochLease, EpochToken, Service, ServiceError, ServiceObserver, ServiceOptions, ServiceStatus,
    ServiceStatusView, ServiceWait,
};
pub use crate::core::stateful::{
    ConfigSubmitter, LocalSubmitter, RunControlledConfiguration, StatefulConfig, SubmitReceipt,
};

/// Compiles and runs the README's Rust example as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
