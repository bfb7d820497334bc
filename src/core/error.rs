//! The one error type of libomsvc. Adapters map each variant to their own form
//! (a C status, a Java exception) without losing the message.

use crate::core::leadership::{LogIndex, Term};
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

    #[error(
        "the write to service {name:?} at index {index} was made in epoch {writer_epoch} but \
         appended in term {term}: its writer had stopped leading, so every peer refused it and \
         nothing was written; stop that run of the service (the current leader's run writes now)"
    )]
    StaleWriterEpoch {
        name: String,
        writer_epoch: Term,
        term: Term,
        index: LogIndex,
    },

    #[error(
        "this node no longer leads in epoch {epoch}, so the write of that epoch was not made \
         (or was abandoned while it waited to commit: if it still commits, every peer applies it \
         before anything a later leader writes); stop the service, its next run gets a new epoch"
    )]
    EpochEnded { epoch: Term },

    #[error(
        "the write submitted as entry {index} (term {term}) was not applied: the table had \
         already applied up to index {last_index}, so this entry changed nothing; the write is \
         lost, submit it again (was the table also written by another log?)"
    )]
    SubmissionNotApplied {
        term: Term,
        index: LogIndex,
        last_index: LogIndex,
    },

    #[error(
        "entry {index} has term {term}, below term {last_term} of the last applied entry \
         {last_index}: terms in a Raft log never go down, so the host passed a wrong term (pass \
         each entry's own term); nothing was written"
    )]
    TermWentBackwards {
        term: Term,
        index: LogIndex,
        last_term: Term,
        last_index: LogIndex,
    },
}

impl Error {
    /// True when a log entry's command itself is refused (invalid, or written in an epoch that
    /// had ended), so every peer refuses it alike and nothing was written.
    pub fn is_refused_command(&self) -> bool {
        matches!(
            self,
            Error::InvalidServiceName { .. }
                | Error::ConfigurationTooLarge { .. }
                | Error::MalformedCommand { .. }
                | Error::StaleWriterEpoch { .. }
        )
    }
}
