//! The submitter of a node that is its own single-peer group: no replication, the command is
//! applied as the next entry.

use super::NodeInner;
use crate::error::Error;
use crate::leadership::TermIndex;
use crate::stateful::ConfigSubmitter;
use std::sync::Weak;

/// Applies commands straight into one node's table as the next log entry: for a node that is
/// its own single-peer group, and for tests. Indexes are chosen under the table's write lock,
/// so any number of local submitters of one node never claim the same entry. It holds the node
/// weakly, so a service that keeps one does not keep its node alive.
pub struct LocalSubmitter {
    node: Weak<NodeInner>,
}

impl std::fmt::Debug for LocalSubmitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let node = self.node.upgrade();
        f.debug_struct("LocalSubmitter")
            .field("node", &node.as_ref().map(|node| node.self_id.as_str()))
            .finish()
    }
}

impl LocalSubmitter {
    pub(crate) fn new(node: Weak<NodeInner>) -> Self {
        LocalSubmitter { node }
    }
}

impl ConfigSubmitter for LocalSubmitter {
    fn submit(&self, request: Vec<u8>) -> Result<TermIndex, Error> {
        let node = self.node.upgrade().ok_or(Error::ShutDown)?;
        node.append_entry(&request)
    }
}
