//! Rust errors and panics as typed Java exceptions (`org.libomsvc.*Exception`).

use jni::errors::ErrorPolicy;
use jni::strings::JNIString;
use jni::{jni_str, Env};
use omsvc_adapter_shared::handles::HandleError;
use omsvc_core::error::{Error, ErrorKind, NameProblem};
use omsvc_core::panic_text::panic_text;

/// Why a native method failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JniError {
    #[error(transparent)]
    Core(#[from] Error),
    #[error(transparent)]
    Handle(#[from] HandleError),
    #[error("{0} is null")]
    Null(&'static str),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("JNI: {0}")]
    Jni(#[from] jni::errors::Error),
}

pub(crate) type JniResult<T> = Result<T, JniError>;

/// The Java exception class (binary name with `/`) thrown for each kind of the error table
/// (`omsvc_core::error::ErrorKind`).
pub fn exception_class_of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidUtf8 | ErrorKind::InvalidArgument => "java/lang/IllegalArgumentException",
        ErrorKind::InvalidServiceName => "org/libomsvc/InvalidServiceNameException",
        ErrorKind::ConfigurationTooLarge => "org/libomsvc/ConfigurationTooLargeException",
        ErrorKind::DuplicateService => "org/libomsvc/DuplicateServiceException",
        ErrorKind::UnknownService => "org/libomsvc/UnknownServiceException",
        ErrorKind::MalformedCommand => "org/libomsvc/MalformedCommandException",
        ErrorKind::CorruptConfiguration => "org/libomsvc/CorruptConfigurationException",
        ErrorKind::DatabaseLocked => "org/libomsvc/DatabaseLockedException",
        ErrorKind::DatabaseMissing => "org/libomsvc/DatabaseMissingException",
        ErrorKind::UnsupportedFormat => "org/libomsvc/UnsupportedFormatException",
        ErrorKind::NotAnOmsvcDatabase => "org/libomsvc/NotAnOmsvcDatabaseException",
        ErrorKind::CheckpointExists => "org/libomsvc/CheckpointExistsException",
        ErrorKind::ForeignDataDirectory => "org/libomsvc/ForeignDataDirectoryException",
        ErrorKind::ReadOnly | ErrorKind::Storage | ErrorKind::Io => "org/libomsvc/StorageException",
        ErrorKind::ShutDown => "org/libomsvc/NodeShutDownException",
        ErrorKind::SubmitFailed | ErrorKind::Replication => "org/libomsvc/OmsvcException",
        ErrorKind::StaleEpoch => "org/libomsvc/StaleEpochException",
        // A kind added to the core after this table: the base class until it gets its own.
        _ => "org/libomsvc/OmsvcException",
    }
}

/// The error table as Java sees it: one `code name class` row per kind, the class by its Java
/// name (e.g. `4 INVALID_NAME org.libomsvc.InvalidServiceNameException`).
pub fn error_table_rows() -> Vec<String> {
    ErrorKind::ALL
        .iter()
        .map(|&kind| {
            let class = exception_class_of(kind).replace('/', ".");
            format!("{} {} {class}", kind.code(), kind.name())
        })
        .collect()
}

fn exception_class(error: &JniError) -> &'static str {
    match error {
        JniError::Null(_) => "java/lang/NullPointerException",
        JniError::InvalidArgument(_) => "java/lang/IllegalArgumentException",
        JniError::Handle(_) => "org/libomsvc/InvalidHandleException",
        JniError::Jni(_) => "org/libomsvc/OmsvcException",
        JniError::Core(error) => exception_class_of(error.kind()),
    }
}

/// The message thrown with each error: the core's message, which says what to do.
fn exception_message(error: &JniError) -> String {
    match error {
        JniError::Core(Error::InvalidServiceName {
            problem: NameProblem::Empty,
            ..
        }) => "invalid service name \"\": the name is empty".to_owned(),
        other => other.to_string(),
    }
}

/// Throws the typed exception for an error, or `OmsvcPanicException` for a panic, and returns
/// the Java default value; an exception already pending takes precedence.
pub(crate) struct ThrowTyped;

impl<T: Default> ErrorPolicy<T, JniError> for ThrowTyped {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut Self::Captures<'unowned_env_local, 'native_method>,
        error: JniError,
    ) -> jni::errors::Result<T> {
        if !env.exception_check() {
            let message = JNIString::from(exception_message(&error));
            let _ = env.throw_new(JNIString::from(exception_class(&error)), message);
        }
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn std::any::Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let detail = panic_text(payload.as_ref());
        tracing::error!(detail, "panic caught at the JNI boundary");
        if !env.exception_check() {
            let message =
                JNIString::from(format!("libomsvc panicked (please report it): {detail}"));
            let _ = env.throw_new(jni_str!("org/libomsvc/OmsvcPanicException"), message);
        }
        Ok(T::default())
    }
}
