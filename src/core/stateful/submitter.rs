//! The replication path a configuration write takes. On OM it is a Ratis request; in openraft
//! mode a proposal; on a single node (and in tests) [`crate::LocalSubmitter`] applies directly.

use crate::error::Error;
use crate::leadership::TermIndex;
use crate::services::EpochToken;

/// Replicates an encoded `ServiceConfigurationCommand`. `submit` returns once the entry is
/// committed and applied on this node, so a read right after it sees the change. An entry
/// that every peer refused (invalid, or fenced), or that changed nothing, is an error: a
/// write is reported saved only when it was applied.
pub trait ConfigSubmitter: Send + Sync {
    /// Replicates an operator's write (not stamped with an epoch).
    fn submit(&self, request: Vec<u8>) -> Result<TermIndex, Error>;

    /// Replicates a write a service made in `writer`'s epoch (`request` is stamped with it).
    /// Fails with [`Error::EpochEnded`] at once when the epoch has ended. A submitter that waits
    /// for a commit should also stop waiting, with that error, as soon as the epoch ends (a
    /// service's `stop()` may be waiting on this write); the default only checks first.
    fn submit_as(&self, request: Vec<u8>, writer: &EpochToken) -> Result<TermIndex, Error> {
        ensure_current(writer)?;
        self.submit(request)
    }
}

/// [`Error::EpochEnded`] unless `writer`'s epoch is still current on this node.
pub fn ensure_current(writer: &EpochToken) -> Result<(), Error> {
    if writer.is_current() {
        Ok(())
    } else {
        Err(Error::EpochEnded {
            epoch: writer.epoch(),
        })
    }
}
