//! The library's tracing events, with their fields, sent to a Java `NativeLogSink` (which the
//! Java side forwards to slf4j). Installed once per process as the global subscriber; later
//! installs replace the sink and level.
//!
//! Events are often emitted while a native lock is held (the service manager logs under its
//! state lock), so the emitting thread never calls Java: it formats the record and puts it on
//! a bounded queue, and one thread of its own (`omsvc-log`, attached to the JVM as a daemon)
//! hands the records to the sink in order. A Java logger may therefore call back into the
//! library (read a status, forward an event) without deadlocking. When the sink falls
//! behind and the queue is full, records are dropped and counted, and the next record
//! delivered is preceded by a warning with the count.

use super::daemon::attach_as_daemon;
use jni::objects::{JObject, JValue};
use jni::refs::Global;
use jni::{jni_sig, jni_str, JavaVM};
use omsvc_adapter_shared::log_text::{level_number, MessageAndFields};
use once_cell::sync::OnceCell;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, RwLock};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Records waiting for the Java sink; more are dropped (and counted) rather than block the
/// thread that logs, which may hold a lock every other thread needs.
pub(crate) const QUEUE_CAPACITY: usize = 4096;

struct Sink {
    vm: JavaVM,
    sink: Global<JObject<'static>>,
}

struct Record {
    level: u8,
    target: &'static str,
    text: String,
}

static SINK: RwLock<Option<Arc<Sink>>> = RwLock::new(None);
static QUEUE: OnceCell<SyncSender<Record>> = OnceCell::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);
static MAX_LEVEL: AtomicU8 = AtomicU8::new(3);
static INSTALLED: OnceCell<()> = OnceCell::new();

thread_local! {
    /// Set while the log thread is inside the Java sink: what the library logs because the
    /// sink called back into it is dropped instead of feeding the queue in a loop.
    static IN_SINK: Cell<bool> = const { Cell::new(false) };
}

pub(crate) fn install(vm: JavaVM, sink: Global<JObject<'static>>, max_level: u8) {
    MAX_LEVEL.store(max_level.clamp(1, 5), Ordering::Relaxed);
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(Sink { vm, sink }));
    INSTALLED.get_or_init(|| {
        let (sender, receiver) = sync_channel(QUEUE_CAPACITY);
        let spawned = std::thread::Builder::new()
            .name("omsvc-log".to_owned())
            .spawn(move || deliver(receiver));
        if spawned.is_err() {
            // No thread, no Java logs: every record counts as dropped. The library never
            // writes to stderr on its own.
            return;
        }
        let _ = QUEUE.set(sender);
        // An error means the host installed its own subscriber first: it stays in charge.
        let _ = tracing_subscriber::registry().with(JavaLogLayer).try_init();
    });
    // Call sites cache whether they are enabled: a new level must reach them.
    tracing::callsite::rebuild_interest_cache();
}

/// The log thread: hands each record to the sink installed at the time, in order.
fn deliver(records: Receiver<Record>) {
    for record in records {
        let Some(sink) = SINK.read().unwrap_or_else(|p| p.into_inner()).clone() else {
            continue;
        };
        attach_as_daemon(&sink.vm);
        IN_SINK.with(|flag| flag.set(true));
        let dropped = DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let warning = format!(
                "dropped {dropped} native log records: the Java log sink fell more than \
                 {QUEUE_CAPACITY} records behind"
            );
            call_sink(&sink, 2, module_path!(), &warning);
        }
        call_sink(&sink, record.level, record.target, &record.text);
        IN_SINK.with(|flag| flag.set(false));
    }
}

/// One call of `NativeLogSink.log`; an exception it throws is caught (and cleared) by jni
/// and ignored: a failing logger must not stop the log thread.
fn call_sink(sink: &Sink, level: u8, target: &str, text: &str) {
    let _ = sink
        .vm
        .attach_current_thread(|env| -> jni::errors::Result<()> {
            let target = env.new_string(target)?;
            let text = env.new_string(text)?;
            env.call_method(
                &sink.sink,
                jni_str!("log"),
                jni_sig!("(ILjava/lang/String;Ljava/lang/String;)V"),
                &[
                    JValue::Int(i32::from(level)),
                    JValue::Object(&target),
                    JValue::Object(&text),
                ],
            )?;
            Ok(())
        });
}

struct JavaLogLayer;

impl<S: Subscriber> Layer<S> for JavaLogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        level_number(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if IN_SINK.with(Cell::get) {
            return;
        }
        let Some(queue) = QUEUE.get() else { return };
        let mut message = MessageAndFields::default();
        event.record(&mut message);
        let record = Record {
            level: level_number(event.metadata().level()),
            target: event.metadata().target(),
            text: message.finish(),
        };
        match queue.try_send(record) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
