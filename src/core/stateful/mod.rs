//! Typed, replicated configuration for stateful services: save, read and delete a service's
//! protobuf configuration through the host's replication path.

mod config;
mod submitter;

pub use config::{RunControlledConfiguration, StatefulConfig};
pub use submitter::{ensure_current, ConfigSubmitter};
