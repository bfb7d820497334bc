//! Attaching the library's own threads (service runners, log emitters) to the JVM as daemon
//! threads: an attached non-daemon thread would keep the JVM from exiting after `main`
//! returns, for as long as a node stays open. jni 0.22 attaches non-daemon threads, so this
//! attaches first, once per thread; jni then finds the thread attached and reuses that.

use jni::JavaVM;
use std::cell::RefCell;

struct Attachment {
    vm: *mut jni::sys::JavaVM,
}

impl Drop for Attachment {
    fn drop(&mut self) {
        // SAFETY: the VM pointer came from a live JavaVM; detaching a thread that attached
        // itself is what JNI expects before the thread ends.
        unsafe {
            let interface = *self.vm;
            ((*interface).v1_1.DetachCurrentThread)(self.vm);
        }
    }
}

thread_local! {
    static ATTACHMENT: RefCell<Option<Attachment>> = const { RefCell::new(None) };
}

/// Attaches the calling thread as a daemon unless it is attached already (by us, or because
/// it is a Java thread).
pub(crate) fn attach_as_daemon(vm: &JavaVM) {
    ATTACHMENT.with(|attachment| {
        if attachment.borrow().is_some() {
            return;
        }
        let raw = vm.get_raw();
        // SAFETY: `raw` is the process's live JavaVM. GetEnv tells whether the thread is
        // attached; AttachCurrentThreadAsDaemon (JNI 1.4) attaches it otherwise.
        unsafe {
            let interface = *raw;
            let mut env = std::ptr::null_mut();
            let attached = ((*interface).v1_2.GetEnv)(raw, &mut env, jni::sys::JNI_VERSION_1_8)
                == jni::sys::JNI_OK;
            if attached {
                return;
            }
            // Java sees the thread under its Rust name (e.g. omsvc-runner-om1).
            let name = std::thread::current()
                .name()
                .and_then(|name| std::ffi::CString::new(name).ok());
            let mut args = jni::sys::JavaVMAttachArgs {
                version: jni::sys::JNI_VERSION_1_8,
                name: name
                    .as_ref()
                    .map_or(std::ptr::null_mut(), |name| name.as_ptr() as *mut _),
                group: std::ptr::null_mut(),
            };
            let args = (&mut args as *mut jni::sys::JavaVMAttachArgs).cast();
            if ((*interface).v1_4.AttachCurrentThreadAsDaemon)(raw, &mut env, args)
                == jni::sys::JNI_OK
            {
                *attachment.borrow_mut() = Some(Attachment { vm: raw });
            }
        }
    });
}
