//! A command's output, line by line, into the node's log with the service, epoch and node.

use super::service::LogContext;
use std::io::{BufRead, BufReader, Read};

/// A line longer than this is logged in pieces of this size.
const MAX_LINE_BYTES: u64 = 16 * 1024;

/// Logs every line of `stream` at INFO until it closes (on a thread of its own, never joined:
/// a process the command started outside its group may hold the stream open).
pub fn forward_lines(stream: impl Read + Send + 'static, which: &'static str, context: LogContext) {
    let service = context.service.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("omsvc-out-{service}"))
        .spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            loop {
                line.clear();
                match (&mut reader)
                    .take(MAX_LINE_BYTES)
                    .read_until(b'\n', &mut line)
                {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let text = String::from_utf8_lossy(&line);
                tracing::info!(
                    node = context.node,
                    service = %context.service,
                    epoch = context.epoch,
                    stream = which,
                    "{}",
                    text.trim_end_matches(['\n', '\r'])
                );
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%service, %error, "no thread to log the command's output");
    }
}
