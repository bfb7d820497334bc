//! The replication path a configuration write takes. On OM it is a Ratis request; in openraft
//! mode a proposal; on a single node (and in tests) [`LocalSubmitter`] applies directly.

use crate::core::error::Error;
use crate::core::leadership::{LogIndex, Term};
use crate::core::node::NodeInner;
use std::sync::{Mutex, Weak};

/// Where a submitted command landed in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmitReceipt {
    pub term: Term,
    pub index: LogIndex,
}

/// Replicates an encoded `ServiceConfigurationCommand`. `submit` returns once the entry is
/// committed and applied on this node, so a read right after it sees the change.
pub trait ConfigSubmitter: Send + Sync {
    fn submit(&self, request: Vec<u8>) -> Result<SubmitReceipt, Error>;
}

/// Applies commands straight into one node's table as the next log entry: for a node that is
/// its own single-peer group, and for tests. It holds the node weakly, so a service that keeps
/// one does not keep its node alive.
pub struct LocalSubmitter {
    node: Weak<NodeInner>,
    serialize: Mutex<()>,
}

impl LocalSubmitter {
    pub(crate) fn new(node: Weak<NodeInner>) -> Self {
        LocalSubmitter {
            node,
            serialize: Mutex::new(()),
        }
    }
}

impl ConfigSubmitter for LocalSubmitter {
    fn submit(&self, request: Vec<u8>) -> Result<SubmitReceipt, Error> {
        let node = self.node.upgrade().ok_or(Error::ShutDown)?;
        let _one_at_a_time = self
            .serialize
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let last = node.table.last_applied();
        let term = last
            .term
            .max(node.manager.inspect(|model, _| model.term()))
            .max(1);
        let index = last.index + 1;
        node.apply_entry(term, index, &request)?;
        Ok(SubmitReceipt { term, index })
    }
}
