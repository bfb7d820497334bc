//! What the C and Java log hooks share: the level numbering and an event's text.

use std::fmt::Write;
use tracing::field::{Field, Visit};
use tracing::Level;

/// 1 error .. 5 trace, as `omsvc_log_level` and Java's `NativeLogSink` number levels.
pub fn level_number(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

/// An event's text: "message key=value key=value".
#[derive(Debug, Default)]
pub struct MessageAndFields {
    message: String,
    fields: String,
}

impl MessageAndFields {
    /// The text: the message, then the fields.
    pub fn finish(self) -> String {
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
