//! `omsvc_status`: the fixed status numbers of the C ABI, and the detailed message of the last
//! failure on the calling thread.

use omsvc_core::error::{Error, ErrorKind};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, CString};

/// The result of every fallible `omsvc_` function. Numbers are fixed and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum omsvc_status {
    /// Success.
    OMSVC_OK = 0,
    /// A required pointer argument was NULL.
    OMSVC_NULL_ARGUMENT = 1,
    /// The handle was never issued, or was freed.
    OMSVC_INVALID_HANDLE = 2,
    /// A string argument is not valid UTF-8.
    OMSVC_INVALID_UTF8 = 3,
    /// A service name is empty, too long (over 255 bytes) or has control characters.
    OMSVC_INVALID_NAME = 4,
    /// A configuration value is over 4 MiB.
    OMSVC_VALUE_TOO_LARGE = 5,
    /// A service of that name is already registered on the node.
    OMSVC_DUPLICATE_SERVICE = 6,
    /// No service of that name is registered on the node.
    OMSVC_UNKNOWN_SERVICE = 7,
    /// Request bytes are not a valid ServiceConfigurationCommand.
    OMSVC_MALFORMED_COMMAND = 8,
    /// The caller's buffer is too small; the needed length was written.
    OMSVC_BUFFER_TOO_SMALL = 9,
    /// The database directory is held by another writer, in this process or another.
    OMSVC_DATABASE_LOCKED = 10,
    /// No database at the path, and `create_if_missing` was false.
    OMSVC_DATABASE_MISSING = 11,
    /// The database has a format version this libomsvc cannot read.
    OMSVC_UNSUPPORTED_FORMAT = 12,
    /// The directory holds a RocksDB database that libomsvc did not create.
    OMSVC_NOT_AN_OMSVC_DATABASE = 13,
    /// The checkpoint's target directory already exists.
    OMSVC_CHECKPOINT_EXISTS = 14,
    /// RocksDB reported an error.
    OMSVC_STORAGE_ERROR = 15,
    /// A file system operation failed.
    OMSVC_IO_ERROR = 16,
    /// The node was shut down.
    OMSVC_SHUT_DOWN = 17,
    /// A write on a database opened read-only.
    OMSVC_READ_ONLY = 18,
    /// A stored configuration does not decode as the expected message.
    OMSVC_CORRUPT_CONFIGURATION = 19,
    /// A configuration write was not applied (the submitter failed, or the entry changed
    /// nothing).
    OMSVC_SUBMIT_FAILED = 20,
    /// A bug in libomsvc panicked; the call had no effect that can be relied on.
    /// `omsvc_last_error` says where. Nothing is printed: on its first call the library
    /// installs a panic hook that keeps its own panics off stderr and passes others on to the
    /// hook installed before.
    OMSVC_PANIC = 21,
    /// An argument is out of its documented range.
    OMSVC_INVALID_ARGUMENT = 22,
    /// The data directory belongs to another node or cluster.
    OMSVC_FOREIGN_DATA_DIRECTORY = 23,
    /// openraft mode: the write or membership change did not commit (e.g. not the leader).
    OMSVC_REPLICATION_ERROR = 24,
    /// openraft mode: this node is not the leader; `omsvc_last_error` names the leader.
    OMSVC_NOT_LEADER = 25,
    /// A write of a service's epoch that has ended: refused by every peer when its entry was
    /// appended in a later term (nothing written), or not made because the epoch had ended.
    OMSVC_STALE_EPOCH = 26,
    /// `omsvc_check_version`: the linked libomsvc is not compatible with the header the
    /// caller was compiled against; `omsvc_last_error` names both versions.
    OMSVC_INCOMPATIBLE_VERSION = 27,
}

impl omsvc_status {
    /// The highest number in use; numbers are contiguous from 0.
    const LAST: omsvc_status = omsvc_status::OMSVC_INCOMPATIBLE_VERSION;

    /// A short description of the status, for messages.
    pub fn message(self) -> &'static str {
        use omsvc_status::*;
        match self {
            OMSVC_OK => "ok",
            OMSVC_NULL_ARGUMENT => "a required pointer argument was NULL",
            OMSVC_INVALID_HANDLE => "the handle is not valid (never issued, or already freed)",
            OMSVC_INVALID_UTF8 => "a string argument is not valid UTF-8",
            OMSVC_INVALID_NAME => {
                "invalid service name (empty, over 255 bytes, or with control characters)"
            }
            OMSVC_VALUE_TOO_LARGE => "the configuration value is over the 4 MiB limit",
            OMSVC_DUPLICATE_SERVICE => "a service with this name is already registered",
            OMSVC_UNKNOWN_SERVICE => "no service with this name is registered",
            OMSVC_MALFORMED_COMMAND => {
                "the request bytes are not a valid ServiceConfigurationCommand"
            }
            OMSVC_BUFFER_TOO_SMALL => "the buffer is too small; the needed length was written",
            OMSVC_DATABASE_LOCKED => "the database is locked by another process",
            OMSVC_DATABASE_MISSING => "no omsvc database at the given path",
            OMSVC_UNSUPPORTED_FORMAT => {
                "the database has a format version this libomsvc cannot read"
            }
            OMSVC_NOT_AN_OMSVC_DATABASE => "the directory holds a database libomsvc did not create",
            OMSVC_CHECKPOINT_EXISTS => "the checkpoint directory already exists",
            OMSVC_STORAGE_ERROR => "RocksDB reported an error",
            OMSVC_IO_ERROR => "a file system operation failed",
            OMSVC_SHUT_DOWN => "the node is shut down",
            OMSVC_READ_ONLY => "the database was opened read-only",
            OMSVC_CORRUPT_CONFIGURATION => "a stored configuration does not decode",
            OMSVC_SUBMIT_FAILED => "the configuration submitter failed",
            OMSVC_PANIC => "internal error: libomsvc panicked (please report it)",
            OMSVC_INVALID_ARGUMENT => "an argument is out of its documented range",
            OMSVC_FOREIGN_DATA_DIRECTORY => "the data directory belongs to another node or cluster",
            OMSVC_REPLICATION_ERROR => "the replicated write or membership change did not commit",
            OMSVC_NOT_LEADER => {
                "this node is not the leader (the detailed message names the leader)"
            }
            OMSVC_STALE_EPOCH => "the write belongs to a service epoch that has ended",
            OMSVC_INCOMPATIBLE_VERSION => {
                "the linked libomsvc is not compatible with the caller's omsvc.h"
            }
        }
    }
}

/// A failure on its way out through the C ABI: a status and the detailed message.
#[derive(Debug)]
#[doc(hidden)] // Public for tests/error_table.rs only.
pub struct FfiError {
    pub status: omsvc_status,
    pub message: String,
}

impl FfiError {
    pub fn new(status: omsvc_status, message: impl Into<String>) -> Self {
        FfiError {
            status,
            message: message.into(),
        }
    }
}

impl omsvc_status {
    /// The status of each kind of the error table: its number is the kind's code.
    fn of_kind(kind: ErrorKind) -> omsvc_status {
        use omsvc_status::*;
        match kind {
            ErrorKind::InvalidUtf8 => OMSVC_INVALID_UTF8,
            ErrorKind::InvalidServiceName => OMSVC_INVALID_NAME,
            ErrorKind::ConfigurationTooLarge => OMSVC_VALUE_TOO_LARGE,
            ErrorKind::DuplicateService => OMSVC_DUPLICATE_SERVICE,
            ErrorKind::UnknownService => OMSVC_UNKNOWN_SERVICE,
            ErrorKind::MalformedCommand => OMSVC_MALFORMED_COMMAND,
            ErrorKind::CorruptConfiguration => OMSVC_CORRUPT_CONFIGURATION,
            ErrorKind::DatabaseLocked => OMSVC_DATABASE_LOCKED,
            ErrorKind::DatabaseMissing => OMSVC_DATABASE_MISSING,
            ErrorKind::NotAnOmsvcDatabase => OMSVC_NOT_AN_OMSVC_DATABASE,
            ErrorKind::UnsupportedFormat => OMSVC_UNSUPPORTED_FORMAT,
            ErrorKind::ReadOnly => OMSVC_READ_ONLY,
            ErrorKind::CheckpointExists => OMSVC_CHECKPOINT_EXISTS,
            ErrorKind::Storage => OMSVC_STORAGE_ERROR,
            ErrorKind::Io => OMSVC_IO_ERROR,
            ErrorKind::SubmitFailed => OMSVC_SUBMIT_FAILED,
            ErrorKind::ForeignDataDirectory => OMSVC_FOREIGN_DATA_DIRECTORY,
            ErrorKind::Replication => OMSVC_REPLICATION_ERROR,
            ErrorKind::ShutDown => OMSVC_SHUT_DOWN,
            ErrorKind::InvalidArgument => OMSVC_INVALID_ARGUMENT,
            ErrorKind::StaleEpoch => OMSVC_STALE_EPOCH,
            // A kind the core gained without a status here is a libomsvc bug, which
            // tests/error_table.rs catches before release.
            _ => OMSVC_PANIC,
        }
    }
}

impl From<Error> for FfiError {
    fn from(error: Error) -> Self {
        FfiError {
            status: omsvc_status::of_kind(error.kind()),
            message: error.to_string(),
        }
    }
}

impl From<omsvc_raft::ClientError> for FfiError {
    fn from(error: omsvc_raft::ClientError) -> Self {
        let status = match &error {
            omsvc_raft::ClientError::NotLeader { .. } => omsvc_status::OMSVC_NOT_LEADER,
            omsvc_raft::ClientError::Refused(_) => omsvc_status::OMSVC_MALFORMED_COMMAND,
            omsvc_raft::ClientError::Raft(_) | omsvc_raft::ClientError::Transport(_) => {
                omsvc_status::OMSVC_REPLICATION_ERROR
            }
        };
        FfiError {
            status,
            message: error.to_string(),
        }
    }
}

impl From<omsvc_adapter_shared::handles::HandleError> for FfiError {
    fn from(error: omsvc_adapter_shared::handles::HandleError) -> Self {
        let status = match error {
            omsvc_adapter_shared::handles::HandleError::Null => omsvc_status::OMSVC_NULL_ARGUMENT,
            omsvc_adapter_shared::handles::HandleError::Invalid(_)
            | omsvc_adapter_shared::handles::HandleError::WrongType { .. } => {
                omsvc_status::OMSVC_INVALID_HANDLE
            }
        };
        FfiError {
            status,
            message: error.to_string(),
        }
    }
}

impl From<omsvc_raft::RaftError> for FfiError {
    fn from(error: omsvc_raft::RaftError) -> Self {
        match error {
            omsvc_raft::RaftError::Node(error) => error.into(),
            omsvc_raft::RaftError::Request(error) => error.into(),
            other => FfiError::new(omsvc_status::OMSVC_PANIC, other.to_string()),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// The longest `omsvc_last_error` message, in bytes without the NUL: one bad input (a huge
/// name, a long chain of causes) must not turn into a huge message.
const MAX_MESSAGE_BYTES: usize = 1024;
/// How many characters of a caller's name or value a message quotes.
const QUOTED_CHARS: usize = 64;

pub(crate) fn set_last_error(message: &str) {
    let escaped = message.replace('\0', "\\0");
    let text = CString::new(cut(&escaped, MAX_MESSAGE_BYTES).into_owned()).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = text);
}

/// `text` quoted for a message (Rust debug form), cut to its first 64 characters.
pub(crate) fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{:?}...", &text[..end]),
        None => format!("{text:?}"),
    }
}

/// `text` cut to at most `max` bytes on a character boundary, marked with "..." when cut.
fn cut(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let mut end = max - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end]).into()
}

/// A static, NUL-terminated description of a status (an `omsvc_status` value; numbers this
/// version does not know give "unknown status"). Never NULL.
#[no_mangle]
pub extern "C" fn omsvc_status_message(status: c_int) -> *const c_char {
    let text = if (0..=omsvc_status::LAST as c_int).contains(&status) {
        // SAFETY: omsvc_status is repr(C) with the contiguous numbers 0..=LAST.
        unsafe { std::mem::transmute::<c_int, omsvc_status>(status) }.message()
    } else {
        "unknown status"
    };
    static_c_str(text)
}

/// The detailed message of the last failed `omsvc_` call on this thread (empty if none yet),
/// at most 1024 bytes (names and values it quotes are cut to 64 characters). Valid until the
/// next failing call on this thread; never NULL.
#[no_mangle]
pub extern "C" fn omsvc_last_error() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}

/// The library's version, e.g. "0.1.0". Static; never NULL.
#[no_mangle]
pub extern "C" fn omsvc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Interns a static message as a C string (each distinct text is converted once).
fn static_c_str(text: &'static str) -> *const c_char {
    use once_cell::sync::Lazy;
    use std::collections::HashMap;
    use std::sync::Mutex;
    static INTERNED: Lazy<Mutex<HashMap<&'static str, &'static std::ffi::CStr>>> =
        Lazy::new(Default::default);
    let mut interned = INTERNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    interned
        .entry(text)
        .or_insert_with(|| Box::leak(CString::new(text).unwrap_or_default().into_boxed_c_str()))
        .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cut_on_a_character_boundary() {
        let long = "é".repeat(4000);
        let cut = cut(&long, MAX_MESSAGE_BYTES);
        assert!(cut.len() <= MAX_MESSAGE_BYTES && cut.ends_with("..."));
        assert_eq!(super::cut("short", MAX_MESSAGE_BYTES), "short");
        assert_eq!(quoted(&"x".repeat(100)), format!("{:?}...", "x".repeat(64)));
        assert_eq!(quoted("om1"), "\"om1\"");
    }
}
