//! What a CLI command can fail with; every message says what went wrong and what to do.

use omsvc::raft::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Local(#[from] omsvc::Error),
    #[error("{0}")]
    Remote(#[from] ClientError),
    #[error("{0}")]
    Usage(String),
}
