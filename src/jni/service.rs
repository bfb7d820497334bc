//! A Java `NativeService` as a core service: the runner calls it from its own thread, which
//! attaches to the JVM once (the attachment lasts until the thread ends).

use super::daemon::attach_as_daemon;
use crate::core::services::{EpochToken, Service, ServiceError};
use jni::objects::{JObject, JValue};
use jni::refs::Global;
use jni::{jni_sig, jni_str, JavaVM};

pub(crate) struct JavaService {
    vm: JavaVM,
    service: Global<JObject<'static>>,
}

impl JavaService {
    pub fn new(vm: JavaVM, service: Global<JObject<'static>>) -> Self {
        JavaService { vm, service }
    }
}

/// A Java exception thrown by the service becomes its error (class and message, as the
/// status view shows them); it never reaches the runner as a pending exception.
fn describe(error: jni::errors::Error) -> ServiceError {
    match error {
        jni::errors::Error::CaughtJavaException { name, msg, .. } => {
            format!("{name}: {msg}").into()
        }
        other => format!("JNI: {other}").into(),
    }
}

impl Service for JavaService {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        attach_as_daemon(&self.vm);
        let epoch = epoch.epoch() as i64;
        self.vm
            .attach_current_thread(|env| {
                env.call_method(
                    &self.service,
                    jni_str!("start"),
                    jni_sig!("(J)V"),
                    &[JValue::Long(epoch)],
                )
                .map(|_| ())
            })
            .map_err(describe)
    }

    fn stop(&self) -> Result<(), ServiceError> {
        attach_as_daemon(&self.vm);
        self.vm
            .attach_current_thread(|env| {
                env.call_method(&self.service, jni_str!("stop"), jni_sig!("()V"), &[])
                    .map(|_| ())
            })
            .map_err(describe)
    }

    fn should_run(&self) -> Result<bool, ServiceError> {
        attach_as_daemon(&self.vm);
        self.vm
            .attach_current_thread(|env| {
                env.call_method(&self.service, jni_str!("shouldRun"), jni_sig!("()Z"), &[])
                    .and_then(|value| value.z())
            })
            .map_err(describe)
    }
}
