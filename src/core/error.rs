//! The one error type of libomsvc. Adapters map each variant to their own form
//! (a C status, a Java exception) without losing the message.

use std::path::PathBuf;

/// Why a service name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong { len: usize, max: usize },
    NotUtf8,
    ControlCharacter { position: usize },
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NameProblem::Empty => write!(f, "the name is empty"),
            NameProblem::TooLong { len, max } => {
                write!(f, "the name is {len} bytes long; the limit is {max} bytes")
            }
            NameProblem::NotUtf8 => write!(f, "the name is not valid UTF-8"),
            NameProblem::ControlCharacter { position } => {
                write!(f, "the name has a control character at byte {position}")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid service name {name:?}: {problem}")]
    InvalidServiceName { name: String, problem: NameProblem },

    #[error(
        "configuration of service {name:?} is {len} bytes; the limit is {max} bytes \
         (store large state elsewhere and keep a reference in the configuration)"
    )]
    ConfigurationTooLarge {
        name: String,
        len: usize,
        max: usize,
    },

    #[error("service {name:?} is already registered; service names are unique per node")]
    DuplicateService { name: String },

    #[error("no service named {name:?} is registered")]
    UnknownService { name: String },

    #[error("malformed configuration command: {reason}")]
    MalformedCommand { reason: String },

    #[error(
        "stored configuration of service {name:?} does not decode as the expected message: {source}"
    )]
    CorruptConfiguration {
        name: String,
        #[source]
        source: prost::DecodeError,
    },

    #[error(
        "the database at {path} is locked by another process (a running omsvc node?); \
         stop that process, or open it read-only (e.g. `omsvc config list --db {path}`)"
    )]
    DatabaseLocked { path: PathBuf },

    #[error(
        "no omsvc database at {path}; pass the directory a node was started with, \
         or open with creation allowed to start a new one"
    )]
    DatabaseMissing { path: PathBuf },

    #[error(
        "{path} holds a RocksDB database that libomsvc did not create (no format version); \
         refusing to use it"
    )]
    NotAnOmsvcDatabase { path: PathBuf },

    #[error(
        "the database at {path} has format version {found}, but this libomsvc reads only \
         version {supported}; upgrade libomsvc to open it"
    )]
    UnsupportedFormatVersion {
        path: PathBuf,
        found: String,
        supported: u32,
    },

    #[error("the database at {path} was opened read-only; {operation} needs a writable open")]
    ReadOnly {
        path: PathBuf,
        operation: &'static str,
    },

    #[error("checkpoint directory {path} already exists; choose a new directory")]
    CheckpointExists { path: PathBuf },

    #[error("RocksDB failed to {operation} at {path}: {source}")]
    Storage {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: rocksdb::Error,
    },

    #[error("could not {operation} {path}: {source}")]
    Io {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the data directory {path} belongs to {found}, not to {expected}; \
         give each node its own directory (or remove this one to start afresh)"
    )]
    ForeignDataDirectory {
        path: PathBuf,
        found: String,
        expected: String,
    },

    #[error("replication failed: {reason}")]
    Replication { reason: String },

    #[error("the configuration submitter failed: {reason}")]
    SubmitFailed { reason: String },

    #[error("the node is shut down")]
    ShutDown,

    #[error("invalid {name}: {reason}")]
    InvalidArgument { name: &'static str, reason: String },
}

impl Error {
    /// True when a log entry's command itself is invalid, so every peer refuses it alike and
    /// nothing was written.
    pub fn is_refused_command(&self) -> bool {
        matches!(
            self,
            Error::InvalidServiceName { .. }
                | Error::ConfigurationTooLarge { .. }
                | Error::MalformedCommand { .. }
        )
    }
}
