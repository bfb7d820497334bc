//! Every kind of the error table, through every surface: the C status (number, name, message),
//! the Java exception class and the CLI's exit code.

use omsvc::ffi::{omsvc_status_message, FfiError};
use omsvc_core::error::{Cause, Error, ErrorKind, NameProblem};
use omsvc_core::Term;
use omsvc_jni::errors::{error_table_rows, exception_class_of};
use std::ffi::CStr;
use std::path::PathBuf;

/// A representative error of each kind (a new kind fails the test below until it has one here).
fn sample(kind: ErrorKind) -> Error {
    let path = PathBuf::from("/var/lib/omsvc");
    let name = "KeyLifecycleService".to_owned();
    match kind {
        ErrorKind::InvalidUtf8 => Error::InvalidServiceName {
            name,
            problem: NameProblem::NotUtf8,
        },
        ErrorKind::InvalidServiceName => Error::InvalidServiceName {
            name: String::new(),
            problem: NameProblem::Empty,
        },
        ErrorKind::ConfigurationTooLarge => Error::ConfigurationTooLarge {
            name,
            len: 5,
            max: 4,
        },
        ErrorKind::DuplicateService => Error::DuplicateService { name },
        ErrorKind::UnknownService => Error::UnknownService { name },
        ErrorKind::MalformedCommand => Error::MalformedCommand {
            reason: "no command".to_owned(),
        },
        ErrorKind::CorruptConfiguration => Error::CorruptConfiguration {
            name,
            source: Cause::new(<u64 as prost::Message>::decode(&[0x08][..]).unwrap_err()),
        },
        ErrorKind::DatabaseLocked => Error::DatabaseLocked { path },
        ErrorKind::DatabaseMissing => Error::DatabaseMissing { path },
        ErrorKind::UnsupportedFormat => Error::UnsupportedFormatVersion {
            path,
            found: "9".to_owned(),
            supported: 1,
        },
        ErrorKind::NotAnOmsvcDatabase => Error::NotAnOmsvcDatabase { path },
        ErrorKind::CheckpointExists => Error::CheckpointExists { path },
        ErrorKind::Storage => Error::Storage {
            operation: "open",
            path: path.clone(),
            source: Cause::new(rocksdb_error()),
        },
        ErrorKind::Io => Error::Io {
            operation: "read",
            path,
            source: std::io::Error::other("disk gone"),
        },
        ErrorKind::ShutDown => Error::ShutDown,
        ErrorKind::ReadOnly => Error::ReadOnly {
            path,
            operation: "apply",
        },
        ErrorKind::SubmitFailed => Error::SubmitFailed {
            reason: "no leader".to_owned(),
        },
        ErrorKind::InvalidArgument => Error::InvalidPeerId {
            id: String::new(),
            problem: NameProblem::Empty,
        },
        ErrorKind::ForeignDataDirectory => Error::ForeignDataDirectory {
            path,
            found: "om2 of cluster a".to_owned(),
            expected: "om1 of cluster a".to_owned(),
        },
        ErrorKind::Replication => Error::Replication {
            reason: "timed out".to_owned(),
        },
        ErrorKind::StaleEpoch => Error::EpochEnded { epoch: Term(3) },
        other => panic!("no sample error of kind {other:?}: add one to tests/error_table.rs"),
    }
}

/// A real RocksDB error: opening a database under a path that is a file.
fn rocksdb_error() -> rocksdb::Error {
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut options = rocksdb::Options::default();
    options.create_if_missing(true);
    rocksdb::DB::open(&options, file.path().join("db")).unwrap_err()
}

/// The published table: code, name, Java exception class.
const EXPECTED: &[(u8, &str, &str)] = &[
    (3, "INVALID_UTF8", "java.lang.IllegalArgumentException"),
    (
        4,
        "INVALID_NAME",
        "org.libomsvc.InvalidServiceNameException",
    ),
    (
        5,
        "VALUE_TOO_LARGE",
        "org.libomsvc.ConfigurationTooLargeException",
    ),
    (
        6,
        "DUPLICATE_SERVICE",
        "org.libomsvc.DuplicateServiceException",
    ),
    (7, "UNKNOWN_SERVICE", "org.libomsvc.UnknownServiceException"),
    (
        8,
        "MALFORMED_COMMAND",
        "org.libomsvc.MalformedCommandException",
    ),
    (
        10,
        "DATABASE_LOCKED",
        "org.libomsvc.DatabaseLockedException",
    ),
    (
        11,
        "DATABASE_MISSING",
        "org.libomsvc.DatabaseMissingException",
    ),
    (
        12,
        "UNSUPPORTED_FORMAT",
        "org.libomsvc.UnsupportedFormatException",
    ),
    (
        13,
        "NOT_AN_OMSVC_DATABASE",
        "org.libomsvc.NotAnOmsvcDatabaseException",
    ),
    (
        14,
        "CHECKPOINT_EXISTS",
        "org.libomsvc.CheckpointExistsException",
    ),
    (15, "STORAGE_ERROR", "org.libomsvc.StorageException"),
    (16, "IO_ERROR", "org.libomsvc.StorageException"),
    (17, "SHUT_DOWN", "org.libomsvc.NodeShutDownException"),
    (18, "READ_ONLY", "org.libomsvc.StorageException"),
    (
        19,
        "CORRUPT_CONFIGURATION",
        "org.libomsvc.CorruptConfigurationException",
    ),
    (20, "SUBMIT_FAILED", "org.libomsvc.OmsvcException"),
    (22, "INVALID_ARGUMENT", "java.lang.IllegalArgumentException"),
    (
        23,
        "FOREIGN_DATA_DIRECTORY",
        "org.libomsvc.ForeignDataDirectoryException",
    ),
    (24, "REPLICATION_ERROR", "org.libomsvc.OmsvcException"),
    (26, "STALE_EPOCH", "org.libomsvc.StaleEpochException"),
];

#[test]
fn every_kind_maps_the_same_in_c_java_and_the_cli() {
    assert_eq!(
        ErrorKind::ALL.len(),
        EXPECTED.len(),
        "a kind is missing here"
    );
    for (&kind, &(code, name, class)) in ErrorKind::ALL.iter().zip(EXPECTED) {
        let error = sample(kind);
        assert_eq!(error.kind(), kind, "{error}");
        assert_eq!((kind.code(), kind.name()), (code, name), "{kind:?}");

        let c = FfiError::from(error);
        assert_eq!(c.status as i32, i32::from(code), "{kind:?}");
        assert_eq!(format!("{:?}", c.status), format!("OMSVC_{name}"));
        // SAFETY: omsvc_status_message returns a static NUL-terminated string.
        let message = unsafe { CStr::from_ptr(omsvc_status_message(i32::from(code))) };
        assert_eq!(message.to_str().unwrap(), c.status.message());
        assert_ne!(message.to_str().unwrap(), "unknown status");
        assert_eq!(c.message, sample(kind).to_string(), "the detail is kept");

        assert_eq!(
            exception_class_of(kind).replace('/', "."),
            class,
            "{kind:?}"
        );
        assert_eq!(i32::from(kind.exit_code()), 10 + i32::from(code));
    }
    let rows: Vec<String> = EXPECTED
        .iter()
        .map(|(code, name, class)| format!("{code} {name} {class}"))
        .collect();
    assert_eq!(error_table_rows(), rows, "the table the Java test reads");
}

#[test]
fn an_invalid_peer_id_is_an_invalid_argument_everywhere() {
    let error = omsvc_core::Node::open(omsvc_core::NodeOptions::new(
        "",
        omsvc_core::DbLocation::Ephemeral,
    ))
    .expect_err("an empty peer id is refused");
    assert!(
        matches!(
            &error,
            Error::InvalidPeerId {
                problem: NameProblem::Empty,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(error.to_string().contains("invalid peer id"), "{error}");
    let control = omsvc_core::Node::open(omsvc_core::NodeOptions::new(
        "om\n1",
        omsvc_core::DbLocation::Ephemeral,
    ));
    assert!(matches!(control, Err(Error::InvalidPeerId { .. })));
}
