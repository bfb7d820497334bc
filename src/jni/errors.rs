//! Rust errors and panics as typed Java exceptions (`org.libomsvc.*Exception`).

use crate::core::error::{Error, NameProblem};
use crate::handles::HandleError;
use jni::errors::ErrorPolicy;
use jni::strings::{JNIStr, JNIString};
use jni::{jni_str, Env};

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

fn exception_class(error: &JniError) -> &'static JNIStr {
    match error {
        JniError::Null(_) => jni_str!("java/lang/NullPointerException"),
        JniError::InvalidArgument(_) => jni_str!("java/lang/IllegalArgumentException"),
        JniError::Handle(_) => jni_str!("org/libomsvc/InvalidHandleException"),
        JniError::Jni(_) => jni_str!("org/libomsvc/OmsvcException"),
        JniError::Core(error) => match error {
            Error::InvalidServiceName { .. } => {
                jni_str!("org/libomsvc/InvalidServiceNameException")
            }
            Error::ConfigurationTooLarge { .. } => {
                jni_str!("org/libomsvc/ConfigurationTooLargeException")
            }
            Error::DuplicateService { .. } => jni_str!("org/libomsvc/DuplicateServiceException"),
            Error::UnknownService { .. } => jni_str!("org/libomsvc/UnknownServiceException"),
            Error::MalformedCommand { .. } | Error::CorruptConfiguration { .. } => {
                jni_str!("org/libomsvc/MalformedCommandException")
            }
            Error::DatabaseLocked { .. } => jni_str!("org/libomsvc/DatabaseLockedException"),
            Error::DatabaseMissing { .. } => jni_str!("org/libomsvc/DatabaseMissingException"),
            Error::UnsupportedFormatVersion { .. } => {
                jni_str!("org/libomsvc/UnsupportedFormatException")
            }
            Error::NotAnOmsvcDatabase { .. } => {
                jni_str!("org/libomsvc/NotAnOmsvcDatabaseException")
            }
            Error::CheckpointExists { .. } => jni_str!("org/libomsvc/CheckpointExistsException"),
            Error::ForeignDataDirectory { .. } => {
                jni_str!("org/libomsvc/ForeignDataDirectoryException")
            }
            Error::ReadOnly { .. } | Error::Storage { .. } | Error::Io { .. } => {
                jni_str!("org/libomsvc/StorageException")
            }
            Error::ShutDown => jni_str!("org/libomsvc/NodeShutDownException"),
            Error::SubmitFailed { .. }
            | Error::Replication { .. }
            | Error::SubmissionNotApplied { .. } => jni_str!("org/libomsvc/OmsvcException"),
            Error::StaleWriterEpoch { .. } | Error::EpochEnded { .. } => {
                jni_str!("org/libomsvc/StaleEpochException")
            }
            Error::TermWentBackwards { .. } | Error::InvalidArgument { .. } => {
                jni_str!("java/lang/IllegalArgumentException")
            }
        },
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
            let _ = env.throw_new(exception_class(&error), message);
        }
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn std::any::Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        tracing::error!(detail, "panic caught at the JNI boundary");
        if !env.exception_check() {
            let message =
                JNIString::from(format!("libomsvc panicked (please report it): {detail}"));
            let _ = env.throw_new(jni_str!("org/libomsvc/OmsvcPanicException"), message);
        }
        Ok(T::default())
    }
}
