//! The one error type of libomsvc. Each variant has an [`ErrorKind`] (its row in the one error
//! table); adapters map the kind to their own form (a C status, a Java exception, a CLI exit
//! code) without losing the message.

use crate::leadership::{LogIndex, Term};
use std::path::PathBuf;

mod kind;

pub use kind::ErrorKind;

/// Why a service name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameProblem {
    /// The name has no bytes.
    Empty,
    /// The name is longer than the limit.
    TooLong {
        /// The name's length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The name is not valid UTF-8.
    NotUtf8,
    /// The name contains a control character.
    ControlCharacter {
        /// The byte offset of the first control character.
        position: usize,
    },
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

/// Everything that can go wrong in libomsvc. Each message says what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A service name breaks the naming rules (docs/design.md S1).
    #[error("invalid service name {name:?}: {problem}")]
    InvalidServiceName {
        /// The refused name (lossily decoded when it is not UTF-8).
        name: String,
        /// Which rule it breaks.
        problem: NameProblem,
    },

    /// A peer id breaks the rules of a peer id (the same as a service name's): refused when a
    /// node is opened.
    #[error(
        "invalid peer id {id:?}: {problem}; a peer id is 1 to 255 bytes with no control characters"
    )]
    InvalidPeerId {
        /// The refused id.
        id: String,
        /// Which rule it breaks.
        problem: NameProblem,
    },

    /// A configuration value is over [`crate::MAX_CONFIGURATION_BYTES`].
    #[error(
        "configuration of service {name:?} is {len} bytes; the limit is {max} bytes \
         (store large state elsewhere and keep a reference in the configuration)"
    )]
    ConfigurationTooLarge {
        /// The service whose configuration it is.
        name: String,
        /// The value's size in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },

    /// A service of that name is already registered on this node.
    #[error("service {name:?} is already registered; service names are unique per node")]
    DuplicateService {
        /// The duplicate name.
        name: String,
    },

    /// No service of that name is registered on this node.
    #[error("no service named {name:?} is registered")]
    UnknownService {
        /// The name asked for.
        name: String,
    },

    /// A log entry does not decode as a configuration command.
    #[error("malformed configuration command: {reason}")]
    MalformedCommand {
        /// What is wrong with it.
        reason: String,
    },

    /// A stored configuration does not decode as the message type the service expects.
    #[error(
        "stored configuration of service {name:?} does not decode as the expected message: {source}"
    )]
    CorruptConfiguration {
        /// The service whose configuration it is.
        name: String,
        /// The decoder's error.
        #[source]
        source: Cause,
    },

    /// Another writer holds the database directory (docs/design.md T7).
    #[error(
        "the database at {path} is locked by another process (a running omsvc node?); \
         stop that process, or open it read-only (e.g. `omsvc config list --db {path}`)"
    )]
    DatabaseLocked {
        /// The database directory.
        path: PathBuf,
    },

    /// No database exists at the path, and creating one was not allowed.
    #[error(
        "no omsvc database at {path}; pass the directory a node was started with, \
         or open with creation allowed to start a new one"
    )]
    DatabaseMissing {
        /// The directory looked in.
        path: PathBuf,
    },

    /// The directory holds a RocksDB database that is not libomsvc's (docs/design.md T8).
    #[error(
        "{path} holds a RocksDB database that libomsvc did not create (no format version); \
         refusing to use it"
    )]
    NotAnOmsvcDatabase {
        /// The database directory.
        path: PathBuf,
    },

    /// The database has a format version this libomsvc cannot read (docs/design.md T8).
    #[error(
        "the database at {path} has format version {found}, but this libomsvc reads only \
         version {supported}; upgrade libomsvc to open it"
    )]
    UnsupportedFormatVersion {
        /// The database directory.
        path: PathBuf,
        /// The version recorded in the database, as stored.
        found: String,
        /// The version this libomsvc reads.
        supported: u32,
    },

    /// A write was attempted on a database opened read-only.
    #[error("the database at {path} was opened read-only; {operation} needs a writable open")]
    ReadOnly {
        /// The database directory.
        path: PathBuf,
        /// The refused operation.
        operation: &'static str,
    },

    /// A checkpoint's target directory exists already.
    #[error("checkpoint directory {path} already exists; choose a new directory")]
    CheckpointExists {
        /// The target directory.
        path: PathBuf,
    },

    /// RocksDB reported an error.
    #[error("RocksDB failed to {operation} at {path}: {source}")]
    Storage {
        /// What libomsvc asked RocksDB to do.
        operation: &'static str,
        /// The database directory.
        path: PathBuf,
        /// RocksDB's error.
        #[source]
        source: Cause,
    },

    /// A file system operation failed.
    #[error("could not {operation} {path}: {source}")]
    Io {
        /// What libomsvc tried to do.
        operation: &'static str,
        /// The path it was done on.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A data directory belongs to another node or cluster (docs/design.md O8).
    #[error(
        "the data directory {path} belongs to {found}, not to {expected}; \
         give each node its own directory (or remove this one to start afresh)"
    )]
    ForeignDataDirectory {
        /// The data directory.
        path: PathBuf,
        /// The node and cluster it records.
        found: String,
        /// The node and cluster that tried to open it.
        expected: String,
    },

    /// The openraft mode could not replicate or apply an entry.
    #[error("replication failed: {reason}")]
    Replication {
        /// What failed.
        reason: String,
    },

    /// A host's configuration submitter reported a failure.
    #[error("the configuration submitter failed: {reason}")]
    SubmitFailed {
        /// The submitter's message.
        reason: String,
    },

    /// The node was shut down.
    #[error("the node is shut down")]
    ShutDown,

    /// An argument is out of its range (a term of 0 for a leadership event, a bad timeout).
    #[error("invalid {name}: {reason}")]
    InvalidArgument {
        /// The argument.
        name: &'static str,
        /// Why it is refused.
        reason: String,
    },

    /// A write stamped with its writer's epoch was appended in another term: every peer refused
    /// it (docs/design.md F3).
    #[error(
        "the write to service {name:?} at index {index} was made in epoch {writer_epoch} but \
         appended in term {term}: its writer had stopped leading, so every peer refused it and \
         nothing was written; stop that run of the service (the current leader's run writes now)"
    )]
    StaleWriterEpoch {
        /// The service whose configuration it would have written.
        name: String,
        /// The epoch the write was stamped with.
        writer_epoch: Term,
        /// The term of the entry that carried it.
        term: Term,
        /// The entry's index.
        index: LogIndex,
    },

    /// A write of an epoch that has ended on this node was not made, or was abandoned while
    /// waiting to commit (docs/design.md F3).
    #[error(
        "this node no longer leads in epoch {epoch}, so the write of that epoch was not made \
         (or was abandoned while it waited to commit: if it still commits, every peer applies it \
         before anything a later leader writes); stop the service, its next run gets a new epoch"
    )]
    EpochEnded {
        /// The writer's epoch.
        epoch: Term,
    },

    /// A submitted write was committed but changed nothing (docs/design.md T11).
    #[error(
        "the write submitted as entry {index} (term {term}) was not applied: the table had \
         already applied up to index {last_index}, so this entry changed nothing; the write is \
         lost, submit it again (was the table also written by another log?)"
    )]
    SubmissionNotApplied {
        /// The entry's term.
        term: Term,
        /// The entry's index.
        index: LogIndex,
        /// The table's last applied index when the entry arrived.
        last_index: LogIndex,
    },

    /// An entry's term is below the last applied entry's (docs/design.md T4).
    #[error(
        "entry {index} has term {term}, below term {last_term} of the last applied entry \
         {last_index}: terms in a Raft log never go down, so the host passed a wrong term (pass \
         each entry's own term); nothing was written"
    )]
    TermWentBackwards {
        /// The entry's term.
        term: Term,
        /// The entry's index.
        index: LogIndex,
        /// The term of the last applied entry.
        last_term: Term,
        /// The index of the last applied entry.
        last_index: LogIndex,
    },
}

impl Error {
    /// The error's row in the one error table.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidServiceName {
                problem: NameProblem::NotUtf8,
                ..
            } => ErrorKind::InvalidUtf8,
            Error::InvalidServiceName { .. } => ErrorKind::InvalidServiceName,
            Error::ConfigurationTooLarge { .. } => ErrorKind::ConfigurationTooLarge,
            Error::DuplicateService { .. } => ErrorKind::DuplicateService,
            Error::UnknownService { .. } => ErrorKind::UnknownService,
            Error::MalformedCommand { .. } => ErrorKind::MalformedCommand,
            Error::CorruptConfiguration { .. } => ErrorKind::CorruptConfiguration,
            Error::DatabaseLocked { .. } => ErrorKind::DatabaseLocked,
            Error::DatabaseMissing { .. } => ErrorKind::DatabaseMissing,
            Error::NotAnOmsvcDatabase { .. } => ErrorKind::NotAnOmsvcDatabase,
            Error::UnsupportedFormatVersion { .. } => ErrorKind::UnsupportedFormat,
            Error::ReadOnly { .. } => ErrorKind::ReadOnly,
            Error::CheckpointExists { .. } => ErrorKind::CheckpointExists,
            Error::Storage { .. } => ErrorKind::Storage,
            Error::Io { .. } => ErrorKind::Io,
            Error::ForeignDataDirectory { .. } => ErrorKind::ForeignDataDirectory,
            Error::Replication { .. } => ErrorKind::Replication,
            Error::SubmitFailed { .. } | Error::SubmissionNotApplied { .. } => {
                ErrorKind::SubmitFailed
            }
            Error::ShutDown => ErrorKind::ShutDown,
            Error::InvalidArgument { .. }
            | Error::InvalidPeerId { .. }
            | Error::TermWentBackwards { .. } => ErrorKind::InvalidArgument,
            Error::StaleWriterEpoch { .. } | Error::EpochEnded { .. } => ErrorKind::StaleEpoch,
        }
    }

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

/// The error of a library libomsvc builds on (RocksDB, protobuf), kept as the source of an
/// [`Error`] without making that library's type, or its version, part of libomsvc's API.
#[derive(Debug)]
pub struct Cause(Box<dyn std::error::Error + Send + Sync + 'static>);

impl Cause {
    /// Wraps `error`; its text and its own source stay readable through this one.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Cause(Box::new(error))
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
