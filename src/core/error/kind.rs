//! [`ErrorKind`]: the one error table every surface (C status, Java exception, CLI exit code)
//! derives from.

macro_rules! error_kinds {
    ($($(#[$doc:meta])* $kind:ident = $code:literal, $name:literal;)*) => {
        /// What kind of failure an [`Error`](super::Error) is: a stable number and a stable name
        /// per kind, from which every surface derives its own form. Numbers and names are never
        /// changed or reused; new kinds get new numbers.
        ///
        /// | code | name | kind | Java exception (`org.libomsvc.`) |
        /// |-----:|------|------|----------------------------------|
        /// | 3 | `INVALID_UTF8` | [`InvalidUtf8`](Self::InvalidUtf8) | `java.lang.IllegalArgumentException` |
        /// | 4 | `INVALID_NAME` | [`InvalidServiceName`](Self::InvalidServiceName) | `InvalidServiceNameException` |
        /// | 5 | `VALUE_TOO_LARGE` | [`ConfigurationTooLarge`](Self::ConfigurationTooLarge) | `ConfigurationTooLargeException` |
        /// | 6 | `DUPLICATE_SERVICE` | [`DuplicateService`](Self::DuplicateService) | `DuplicateServiceException` |
        /// | 7 | `UNKNOWN_SERVICE` | [`UnknownService`](Self::UnknownService) | `UnknownServiceException` |
        /// | 8 | `MALFORMED_COMMAND` | [`MalformedCommand`](Self::MalformedCommand) | `MalformedCommandException` |
        /// | 10 | `DATABASE_LOCKED` | [`DatabaseLocked`](Self::DatabaseLocked) | `DatabaseLockedException` |
        /// | 11 | `DATABASE_MISSING` | [`DatabaseMissing`](Self::DatabaseMissing) | `DatabaseMissingException` |
        /// | 12 | `UNSUPPORTED_FORMAT` | [`UnsupportedFormat`](Self::UnsupportedFormat) | `UnsupportedFormatException` |
        /// | 13 | `NOT_AN_OMSVC_DATABASE` | [`NotAnOmsvcDatabase`](Self::NotAnOmsvcDatabase) | `NotAnOmsvcDatabaseException` |
        /// | 14 | `CHECKPOINT_EXISTS` | [`CheckpointExists`](Self::CheckpointExists) | `CheckpointExistsException` |
        /// | 15 | `STORAGE_ERROR` | [`Storage`](Self::Storage) | `StorageException` |
        /// | 16 | `IO_ERROR` | [`Io`](Self::Io) | `StorageException` |
        /// | 17 | `SHUT_DOWN` | [`ShutDown`](Self::ShutDown) | `NodeShutDownException` |
        /// | 18 | `READ_ONLY` | [`ReadOnly`](Self::ReadOnly) | `StorageException` |
        /// | 19 | `CORRUPT_CONFIGURATION` | [`CorruptConfiguration`](Self::CorruptConfiguration) | `CorruptConfigurationException` |
        /// | 20 | `SUBMIT_FAILED` | [`SubmitFailed`](Self::SubmitFailed) | `OmsvcException` |
        /// | 22 | `INVALID_ARGUMENT` | [`InvalidArgument`](Self::InvalidArgument) | `java.lang.IllegalArgumentException` |
        /// | 23 | `FOREIGN_DATA_DIRECTORY` | [`ForeignDataDirectory`](Self::ForeignDataDirectory) | `ForeignDataDirectoryException` |
        /// | 24 | `REPLICATION_ERROR` | [`Replication`](Self::Replication) | `OmsvcException` |
        /// | 26 | `STALE_EPOCH` | [`StaleEpoch`](Self::StaleEpoch) | `StaleEpochException` |
        ///
        /// The code is the C ABI's `omsvc_status` number (`OMSVC_` + name); the CLI exits with
        /// 10 + code. The C statuses with no kind here (1 `NULL_ARGUMENT`, 2 `INVALID_HANDLE`,
        /// 9 `BUFFER_TOO_SMALL`, 21 `PANIC`, 25 `NOT_LEADER` and later adapter statuses) are
        /// failures of an adapter's own arguments or of the openraft client, never of the core.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $($(#[$doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in code order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind,)*];

            /// The kind's stable number: its C status number.
            pub fn code(self) -> u8 {
                match self {
                    $(ErrorKind::$kind => $code,)*
                }
            }

            /// The exit status of the `omsvc` CLI for an error of this kind: 10 + code
            /// (below 128 for up to 117 kinds, clear of the shell's 126, 127 and signal codes).
            pub fn exit_code(self) -> u8 {
                10 + self.code()
            }

            /// The kind's stable name, e.g. `INVALID_NAME` (the C status is `OMSVC_` + name).
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorKind::$kind => $name,)*
                }
            }
        }
    };
}

error_kinds! {
    /// A string (a service name from C, a decoded entry's name) is not valid UTF-8.
    InvalidUtf8 = 3, "INVALID_UTF8";
    /// A service name is empty, too long or has control characters.
    InvalidServiceName = 4, "INVALID_NAME";
    /// A configuration value is over the size limit.
    ConfigurationTooLarge = 5, "VALUE_TOO_LARGE";
    /// A service of that name is already registered.
    DuplicateService = 6, "DUPLICATE_SERVICE";
    /// No service of that name is registered.
    UnknownService = 7, "UNKNOWN_SERVICE";
    /// A log entry does not decode as a configuration command.
    MalformedCommand = 8, "MALFORMED_COMMAND";
    /// Another writer holds the database directory.
    DatabaseLocked = 10, "DATABASE_LOCKED";
    /// No database at the path, and creating one was not allowed.
    DatabaseMissing = 11, "DATABASE_MISSING";
    /// The database has a format version this libomsvc cannot read.
    UnsupportedFormat = 12, "UNSUPPORTED_FORMAT";
    /// The directory holds a RocksDB database libomsvc did not create.
    NotAnOmsvcDatabase = 13, "NOT_AN_OMSVC_DATABASE";
    /// A checkpoint's target directory exists already.
    CheckpointExists = 14, "CHECKPOINT_EXISTS";
    /// RocksDB reported an error.
    Storage = 15, "STORAGE_ERROR";
    /// A file system operation failed.
    Io = 16, "IO_ERROR";
    /// The node was shut down.
    ShutDown = 17, "SHUT_DOWN";
    /// A write on a database opened read-only.
    ReadOnly = 18, "READ_ONLY";
    /// A stored configuration does not decode as the message the service expects.
    CorruptConfiguration = 19, "CORRUPT_CONFIGURATION";
    /// A configuration write was not applied: the submitter failed, or the entry changed nothing.
    SubmitFailed = 20, "SUBMIT_FAILED";
    /// An argument is out of its range: a bad term or timeout, a term that went backwards, an
    /// invalid peer id.
    InvalidArgument = 22, "INVALID_ARGUMENT";
    /// A data directory belongs to another node or cluster.
    ForeignDataDirectory = 23, "FOREIGN_DATA_DIRECTORY";
    /// The openraft mode could not replicate or apply an entry.
    Replication = 24, "REPLICATION_ERROR";
    /// A write of a service epoch that has ended.
    StaleEpoch = 26, "STALE_EPOCH";
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_distinct_and_in_order() {
        let codes: Vec<u8> = ErrorKind::ALL.iter().map(|kind| kind.code()).collect();
        assert!(codes.windows(2).all(|pair| pair[0] < pair[1]), "{codes:?}");
        let names: HashSet<&str> = ErrorKind::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert!(codes.iter().all(|&code| code > 0 && code < 100));
    }
}
