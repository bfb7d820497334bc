//! What a CLI command can fail with; every message says what went wrong and what to do.

use omsvc_raft::{ClientError, RaftError};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Local(#[from] omsvc_core::Error),
    #[error("{0}")]
    Remote(#[from] ClientError),
    #[error("{0}")]
    Usage(String),
    /// What the command set out to show did not happen (the demo's failover or its progress).
    #[error("{0}")]
    Failed(String),
}

impl From<RaftError> for CliError {
    fn from(error: RaftError) -> Self {
        match error {
            RaftError::Node(error) => CliError::Local(error),
            RaftError::Request(error) => CliError::Remote(error),
            // A kind of failure newer than this CLI: the openraft mode's, so not bad usage.
            other => CliError::Remote(ClientError::Raft(other.to_string())),
        }
    }
}

/// The exit status for bad usage (the same as clap's).
const USAGE: u8 = 2;
/// The exit status of a command whose own check failed.
const FAILED: u8 = 1;
/// `NOT_LEADER` of the C ABI: the openraft node asked is not the leader.
const NOT_LEADER: u8 = 10 + 25;

impl CliError {
    /// The process's exit status: 10 + the error's code in the error table
    /// ([`omsvc_core::ErrorKind`]), the same number the C ABI returns for that error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Local(error) => error.kind().exit_code(),
            CliError::Remote(ClientError::NotLeader { .. }) => NOT_LEADER,
            CliError::Remote(ClientError::Refused(_)) => {
                omsvc_core::ErrorKind::MalformedCommand.exit_code()
            }
            CliError::Remote(ClientError::Raft(_) | ClientError::Transport(_)) => {
                omsvc_core::ErrorKind::Replication.exit_code()
            }
            CliError::Usage(_) => USAGE,
            CliError::Failed(_) => FAILED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_error_table_and_the_c_statuses() {
        let missing = CliError::Local(omsvc_core::Error::DatabaseMissing {
            path: "/nowhere".into(),
        });
        assert_eq!(missing.exit_code(), 21);
        let not_leader = CliError::Remote(ClientError::NotLeader {
            node: 2,
            leader: None,
            leader_addr: None,
        });
        assert_eq!(not_leader.exit_code(), 35);
        let unreachable = CliError::Remote(ClientError::Transport("refused".to_owned()));
        assert_eq!(unreachable.exit_code(), 34);
        assert_eq!(CliError::Usage("no --db".to_owned()).exit_code(), 2);
        assert_eq!(
            CliError::Failed("progress was lost".to_owned()).exit_code(),
            1
        );
        for kind in omsvc_core::ErrorKind::ALL {
            assert!(kind.exit_code() > 10 && kind.exit_code() < 126, "{kind:?}");
        }
    }
}
