//! The Java methods the library calls (a service's start, stop and shouldRun, the log sink's
//! log), looked up once: the first registration of a service, or the first install of a log
//! sink, resolves their method IDs on a Java thread, where `FindClass` uses the library's own
//! class loader, and keeps the interface class alive with a global reference, so the IDs stay
//! valid for the life of the process. Each upcall is then a plain `Call<Type>MethodA`.

use jni::objects::{JClass, JMethodID, JObject};
use jni::refs::Global;
use jni::signature::{Primitive, ReturnType};
use jni::sys::jvalue;
use jni::{jni_sig, jni_str, Env};
use once_cell::sync::OnceCell;

/// `org.libomsvc.internal.NativeService`'s methods.
pub(crate) struct ServiceMethods {
    _interface: Global<JClass<'static>>,
    start: JMethodID,
    stop: JMethodID,
    should_run: JMethodID,
}

/// `org.libomsvc.internal.NativeLogSink`'s method.
pub(crate) struct LogSinkMethods {
    _interface: Global<JClass<'static>>,
    log: JMethodID,
}

static SERVICE: OnceCell<ServiceMethods> = OnceCell::new();
static LOG_SINK: OnceCell<LogSinkMethods> = OnceCell::new();

/// The service methods, looked up on the first call (from a native method: a Java thread).
pub(crate) fn service_methods(env: &mut Env) -> jni::errors::Result<&'static ServiceMethods> {
    SERVICE.get_or_try_init(|| {
        let interface = env.find_class(jni_str!("org/libomsvc/internal/NativeService"))?;
        Ok(ServiceMethods {
            start: env.get_method_id(&interface, jni_str!("start"), jni_sig!("(J)V"))?,
            stop: env.get_method_id(&interface, jni_str!("stop"), jni_sig!("()V"))?,
            should_run: env.get_method_id(&interface, jni_str!("shouldRun"), jni_sig!("()Z"))?,
            _interface: env.new_global_ref(&interface)?,
        })
    })
}

/// The log sink's method, looked up on the first call (from a native method: a Java thread).
pub(crate) fn log_sink_methods(env: &mut Env) -> jni::errors::Result<&'static LogSinkMethods> {
    LOG_SINK.get_or_try_init(|| {
        let interface = env.find_class(jni_str!("org/libomsvc/internal/NativeLogSink"))?;
        Ok(LogSinkMethods {
            log: env.get_method_id(
                &interface,
                jni_str!("log"),
                jni_sig!("(ILjava/lang/String;Ljava/lang/String;)V"),
            )?,
            _interface: env.new_global_ref(&interface)?,
        })
    })
}

impl ServiceMethods {
    /// `service.start(epoch)`; `service` must be a `NativeService`.
    pub(crate) fn start(
        &self,
        env: &mut Env,
        service: &JObject,
        epoch: i64,
    ) -> jni::errors::Result<()> {
        // SAFETY: `start` is NativeService.start(J)V, `service` implements NativeService
        // (registerService takes only those), and the one argument is the long it expects.
        unsafe { call_void(env, service, self.start, &[jvalue { j: epoch }]) }
    }

    /// `service.stop()`; `service` must be a `NativeService`.
    pub(crate) fn stop(&self, env: &mut Env, service: &JObject) -> jni::errors::Result<()> {
        // SAFETY: `stop` is NativeService.stop()V on a NativeService, with no arguments.
        unsafe { call_void(env, service, self.stop, &[]) }
    }

    /// `service.shouldRun()`; `service` must be a `NativeService`.
    pub(crate) fn should_run(&self, env: &mut Env, service: &JObject) -> jni::errors::Result<bool> {
        // SAFETY: `should_run` is NativeService.shouldRun()Z on a NativeService, with no
        // arguments, read back as the boolean it returns.
        unsafe {
            env.call_method_unchecked(
                service,
                self.should_run,
                ReturnType::Primitive(Primitive::Boolean),
                &[],
            )?
            .z()
        }
    }
}

impl LogSinkMethods {
    /// `sink.log(level, target, text)`; `sink` must be a `NativeLogSink`, `target` and `text`
    /// Java strings.
    pub(crate) fn log(
        &self,
        env: &mut Env,
        sink: &JObject,
        level: i32,
        target: &JObject,
        text: &JObject,
    ) -> jni::errors::Result<()> {
        let args = [
            jvalue { i: level },
            jvalue { l: target.as_raw() },
            jvalue { l: text.as_raw() },
        ];
        // SAFETY: `log` is NativeLogSink.log(ILjava/lang/String;Ljava/lang/String;)V, `sink`
        // implements NativeLogSink (installLogSink takes only those), and the arguments are an
        // int and two live String references, in that order.
        unsafe { call_void(env, sink, self.log, &args) }
    }
}

/// # Safety
/// `method` must be a void method of `object`'s class taking exactly `args`.
unsafe fn call_void(
    env: &mut Env,
    object: &JObject,
    method: JMethodID,
    args: &[jvalue],
) -> jni::errors::Result<()> {
    // SAFETY: the caller's contract.
    unsafe {
        env.call_method_unchecked(object, method, ReturnType::Primitive(Primitive::Void), args)?;
    }
    Ok(())
}
