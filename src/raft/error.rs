//! The one error type of the openraft mode.

use crate::rpc::ClientError;

/// Every failure of the openraft mode, of this node or of a request to its cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RaftError {
    /// This node failed: its options, its storage, its configuration table, or input that no
    /// request was made for (an invalid service name, say).
    #[error(transparent)]
    Node(#[from] omsvc_core::Error),
    /// A request to the cluster failed: not the leader, refused, not committed in time, or not
    /// delivered. The variant says what to do.
    #[error(transparent)]
    Request(#[from] ClientError),
}

impl RaftError {
    /// The request error, when this is one.
    pub fn as_request(&self) -> Option<&ClientError> {
        match self {
            RaftError::Request(error) => Some(error),
            RaftError::Node(_) => None,
        }
    }
}
