//! What libomsvc's tests, benches and failover demo share, so each is written once.

pub mod binary;
