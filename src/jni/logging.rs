//! The library's tracing events, with their fields, sent to a Java `NativeLogSink` (which the
//! Java side forwards to slf4j). Installed once per process as the global subscriber; later
//! installs replace the sink and level.

use jni::objects::{JObject, JValue};
use jni::refs::Global;
use jni::{jni_sig, jni_str, JavaVM};
use once_cell::sync::OnceCell;
use std::cell::Cell;
use std::fmt::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::RwLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

struct Sink {
    vm: JavaVM,
    sink: Global<JObject<'static>>,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static MAX_LEVEL: AtomicU8 = AtomicU8::new(3);
static INSTALLED: OnceCell<()> = OnceCell::new();

thread_local! {
    /// Set while this thread is inside the Java sink, so a log emitted from there is dropped
    /// instead of recursing.
    static IN_SINK: Cell<bool> = const { Cell::new(false) };
}

/// 1 error .. 5 trace, as `NativeLogSink` numbers levels.
fn level_number(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

pub(crate) fn install(vm: JavaVM, sink: Global<JObject<'static>>, max_level: u8) {
    MAX_LEVEL.store(max_level.clamp(1, 5), Ordering::Relaxed);
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = Some(Sink { vm, sink });
    INSTALLED.get_or_init(|| {
        if tracing_subscriber::registry()
            .with(JavaLogLayer)
            .try_init()
            .is_err()
        {
            // The host installed its own subscriber first: leave it in charge.
            eprintln!("omsvc: a tracing subscriber is already installed; native logs stay there");
        }
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
        let mut message = MessageAndFields::default();
        event.record(&mut message);
        let level = level_number(event.metadata().level()) as i32;
        let target = event.metadata().target();
        let guard = SINK.read().unwrap_or_else(|p| p.into_inner());
        let Some(sink) = guard.as_ref() else { return };
        IN_SINK.with(|flag| flag.set(true));
        let _ = sink
            .vm
            .attach_current_thread(|env| -> jni::errors::Result<()> {
                let target = env.new_string(target)?;
                let text = env.new_string(message.finish())?;
                env.call_method(
                    &sink.sink,
                    jni_str!("log"),
                    jni_sig!("(ILjava/lang/String;Ljava/lang/String;)V"),
                    &[
                        JValue::Int(level),
                        JValue::Object(&target),
                        JValue::Object(&text),
                    ],
                )?;
                Ok(())
            });
        IN_SINK.with(|flag| flag.set(false));
    }
}

/// "message key=value key=value".
#[derive(Default)]
struct MessageAndFields {
    message: String,
    fields: String,
}

impl MessageAndFields {
    fn finish(self) -> String {
        if self.fields.is_empty() {
            self.message
        } else {
            format!("{}{}", self.message, self.fields)
        }
    }
}

impl Visit for MessageAndFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}
