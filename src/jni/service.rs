//! A Java `NativeService` as a core service: the runner calls it from its own thread, which
//! is attached to the JVM for the length of each call.

use super::attach::with_attached;
use super::upcalls::ServiceMethods;
use jni::objects::{JObject, JThrowable};
use jni::refs::Global;
use jni::{Env, JavaVM};
use omsvc_core::services::{EpochToken, Service, ServiceError};

/// How much of a Java exception's message the status view keeps: enough to recognise the
/// failure, never megabytes copied into every status read.
pub(crate) const MAX_MESSAGE_BYTES: usize = 4096;

pub(crate) struct JavaService {
    vm: JavaVM,
    service: Global<JObject<'static>>,
    methods: &'static ServiceMethods,
}

impl JavaService {
    /// `service` must be a `NativeService`.
    pub fn new(
        vm: JavaVM,
        service: Global<JObject<'static>>,
        methods: &'static ServiceMethods,
    ) -> Self {
        JavaService {
            vm,
            service,
            methods,
        }
    }

    /// Runs one call into the service. A Java exception it throws becomes the service's
    /// error (class and message, as the status view shows them); it never reaches the runner
    /// as a pending exception.
    fn call<T>(
        &self,
        call: impl FnOnce(&mut Env, &JObject) -> jni::errors::Result<T>,
    ) -> Result<T, ServiceError> {
        let outcome = with_attached(&self.vm, |env| -> jni::errors::Result<Result<T, String>> {
            match call(env, &self.service) {
                Ok(value) => Ok(Ok(value)),
                Err(jni::errors::Error::JavaException) => Ok(Err(take_pending(env))),
                Err(other) => Ok(Err(format!("JNI: {other}"))),
            }
        });
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(description)) => Err(description.into()),
            Err(error) => Err(format!("JNI: {error}").into()),
        }
    }
}

/// Clears the pending exception and describes it as "class: message", the message cut to
/// [`MAX_MESSAGE_BYTES`]. The class name is read first and without running the exception's
/// own code, so an exception whose `getMessage()` throws is still named.
pub(crate) fn take_pending(env: &mut Env) -> String {
    let Some(throwable) = env.exception_occurred() else {
        return "the service failed with a Java exception that was no longer pending".to_owned();
    };
    env.exception_clear();
    let class = match env
        .get_object_class(&throwable)
        .and_then(|class| class.get_name(env))
        .and_then(|name| name.try_to_string(env))
    {
        Ok(class) => class,
        Err(_) => {
            env.exception_clear();
            "(an exception whose class could not be read)".to_owned()
        }
    };
    match message(env, &throwable) {
        Ok(Some(message)) => format!("{class}: {}", cut(message)),
        Ok(None) => class,
        Err(_) => {
            let thrown = env.exception_occurred();
            env.exception_clear();
            let thrown = thrown
                .and_then(|thrown| env.get_object_class(&thrown).ok())
                .and_then(|class| class.get_name(env).ok())
                .and_then(|name| name.try_to_string(env).ok())
                .unwrap_or_else(|| "an exception".to_owned());
            format!("{class} (its getMessage() threw {thrown})")
        }
    }
}

fn message(env: &mut Env, throwable: &JThrowable) -> jni::errors::Result<Option<String>> {
    let message = throwable.get_message(env)?;
    if message.is_null() {
        return Ok(None);
    }
    message.try_to_string(env).map(Some)
}

/// `message` cut to at most [`MAX_MESSAGE_BYTES`] (at a character boundary), saying how much
/// was left out.
pub(crate) fn cut(mut message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let total = message.len();
    let mut end = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message.push_str(&format!("... ({} of {total} bytes cut)", total - end));
    message
}

impl Service for JavaService {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        let epoch = epoch.epoch().0 as i64;
        self.call(|env, service| self.methods.start(env, service, epoch))
    }

    fn stop(&self) -> Result<(), ServiceError> {
        self.call(|env, service| self.methods.stop(env, service))
    }

    fn should_run(&self) -> Result<bool, ServiceError> {
        self.call(|env, service| self.methods.should_run(env, service))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_at_a_character_boundary_and_says_so() {
        let total = 2 * MAX_MESSAGE_BYTES + 1; // "é" is 2 bytes: the limit falls inside one
        let short = cut(format!("x{}", "é".repeat(MAX_MESSAGE_BYTES)));
        let kept = short.split("... (").next().unwrap();
        assert_eq!(kept.len(), MAX_MESSAGE_BYTES - 1);
        let suffix = format!("... ({} of {total} bytes cut)", total - kept.len());
        assert!(short.ends_with(&suffix), "{short}");
        assert_eq!(cut("short".to_owned()), "short");
    }
}
