//! The library's tracing events, with their fields, sent to a Java `NativeLogSink` (which the
//! Java side forwards to slf4j). Installed once per process as the global subscriber; later
//! installs replace the sink and level.
//!
//! Events are often emitted while a native lock is held (the service manager logs under its
//! state lock), so the emitting thread never calls Java: it formats the record and puts it on
//! a bounded queue, and one thread of its own (`omsvc-log`, attached to the JVM while it has
//! records to deliver) hands the records to the sink in order. A Java logger may therefore
//! call back into the library (read a status, forward an event) without deadlocking. When the
//! sink falls behind and the queue is full, records are dropped and counted, and the next
//! record delivered is preceded by a warning with the count.

use super::attach::with_attached;
use super::upcalls::LogSinkMethods;
use jni::objects::JObject;
use jni::refs::Global;
use jni::{Env, JavaVM};
use omsvc_adapter_shared::log_text::{level_number, MessageAndFields};
use once_cell::sync::OnceCell;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Records waiting for the Java sink; more are dropped (and counted) rather than block the
/// thread that logs, which may hold a lock every other thread needs.
pub(crate) const QUEUE_CAPACITY: usize = 4096;

struct Sink {
    vm: JavaVM,
    sink: Global<JObject<'static>>,
    methods: &'static LogSinkMethods,
}

struct Record {
    level: u8,
    target: &'static str,
    text: String,
}

static SINK: RwLock<Option<Arc<Sink>>> = RwLock::new(None);
static QUEUE: OnceCell<SyncSender<Record>> = OnceCell::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Records queued and not yet handed to the sink.
static PENDING: AtomicU64 = AtomicU64::new(0);
/// Whether the log thread is attached to the JVM now.
static ATTACHED: AtomicBool = AtomicBool::new(false);
static MAX_LEVEL: AtomicU8 = AtomicU8::new(3);
static INSTALLED: OnceCell<()> = OnceCell::new();

thread_local! {
    /// Set on the log thread: what is logged there (jni attaching and detaching it, the
    /// library called back by the sink) is dropped instead of feeding the queue in a loop.
    static ON_LOG_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// `sink` must be a `NativeLogSink`.
pub(crate) fn install(
    vm: JavaVM,
    sink: Global<JObject<'static>>,
    methods: &'static LogSinkMethods,
    max_level: u8,
) {
    MAX_LEVEL.store(max_level.clamp(1, 5), Ordering::Relaxed);
    let sink = Sink { vm, sink, methods };
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(sink));
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

/// How long the log thread stays attached waiting for another record: a burst of records
/// costs one attachment, and an idle thread is detached soon.
const LINGER: Duration = Duration::from_millis(20);

/// The log thread: hands each record to the sink installed at the time, in order. It attaches
/// to the JVM while records keep coming (at most a queue's worth per attachment) and waits for
/// the next burst detached, so it never keeps the JVM from ending.
fn deliver(records: Receiver<Record>) {
    ON_LOG_THREAD.with(|flag| flag.set(true));
    while let Ok(first) = records.recv() {
        let mut first = Some(first);
        if let Some(vm) = current_sink().map(|sink| sink.vm.clone()) {
            ATTACHED.store(true, Ordering::SeqCst);
            let _ = with_attached(&vm, |env| -> jni::errors::Result<()> {
                if let Some(record) = first.take() {
                    deliver_one(env, record);
                }
                for _ in 1..QUEUE_CAPACITY {
                    match records.recv_timeout(LINGER) {
                        Ok(record) => deliver_one(env, record),
                        Err(_) => break,
                    }
                }
                Ok(())
            });
            ATTACHED.store(false, Ordering::SeqCst);
        }
        if first.is_some() {
            // No sink, or the thread could not attach: the record is lost.
            PENDING.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Waits until every record queued so far reached the sink and the log thread is detached
/// from the JVM; false on timeout. The JVM shutdown hook calls it last, so that the log thread
/// is not inside Java when the JVM goes.
pub(crate) fn await_delivered(timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if PENDING.load(Ordering::SeqCst) == 0 && !ATTACHED.load(Ordering::SeqCst) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn current_sink() -> Option<Arc<Sink>> {
    SINK.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn deliver_one(env: &mut Env, record: Record) {
    hand_to_sink(env, record);
    PENDING.fetch_sub(1, Ordering::SeqCst);
}

fn hand_to_sink(env: &mut Env, record: Record) {
    let Some(sink) = current_sink() else { return };
    let dropped = DROPPED.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let warning = format!(
            "dropped {dropped} native log records: the Java log sink fell more than \
             {QUEUE_CAPACITY} records behind"
        );
        call_sink(env, &sink, 2, module_path!(), &warning);
    }
    call_sink(env, &sink, record.level, record.target, &record.text);
}

/// One call of `NativeLogSink.log`; an exception it throws is cleared and ignored: a failing
/// logger must not stop the log thread.
fn call_sink(env: &mut Env, sink: &Sink, level: u8, target: &str, text: &str) {
    let outcome = env.with_local_frame(4, |env| -> jni::errors::Result<()> {
        let target = env.new_string(target)?;
        let text = env.new_string(text)?;
        sink.methods
            .log(env, &sink.sink, i32::from(level), &target, &text)
    });
    if outcome.is_err() {
        env.exception_clear();
    }
}

struct JavaLogLayer;

impl<S: Subscriber> Layer<S> for JavaLogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        level_number(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if ON_LOG_THREAD.with(Cell::get) {
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
        // Counted before it can be delivered, so PENDING never goes below zero.
        PENDING.fetch_add(1, Ordering::SeqCst);
        match queue.try_send(record) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                PENDING.fetch_sub(1, Ordering::SeqCst);
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
