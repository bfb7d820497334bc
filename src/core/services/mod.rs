//! Registered services and the runner that starts and stops them as leadership changes.

mod fence;
mod manager;
mod observer;
mod runner;
mod service;
mod shared;
mod slot;
mod status;

pub use manager::ServiceManager;
pub use observer::ServiceObserver;
pub use service::{EpochLease, EpochToken, Service, ServiceError, ServiceOptions};
pub use status::{ServiceStatus, ServiceStatusView, ServiceWait};
