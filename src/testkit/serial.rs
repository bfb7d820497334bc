//! One cluster at a time per test binary.

use std::sync::{Mutex, MutexGuard};

/// Serializes the cluster tests of one test binary: several 3-node clusters with short
/// election timeouts side by side on 2 cores cause spurious elections, slow every test and
/// make every bound meaningless. Hold the guard for the whole test.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
