//! Prints the demo's events as they happen, stamped with the time since the demo began.

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

pub struct Timeline {
    began: Instant,
    out: Mutex<()>,
}

impl Timeline {
    pub fn new() -> Self {
        Timeline {
            began: Instant::now(),
            out: Mutex::new(()),
        }
    }

    pub fn say(&self, text: impl AsRef<str>) {
        let _one_line_at_a_time = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = self.began.elapsed();
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(
            stdout,
            "[{:>3}.{:03}s] {}",
            elapsed.as_secs(),
            elapsed.subsec_millis(),
            text.as_ref()
        );
        let _ = stdout.flush();
    }
}
