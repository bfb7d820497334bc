//! A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! JSON messages ended by a NUL byte, the browser reading fd 3 and writing fd 4), so a test
//! can load a page once and read its DOM as it changes, with no WebDriver and no WebSocket.
//!
//! Chromium comes from the Debian package (`.ci/install-system-packages` installs it); set
//! `OMSVC_CHROMIUM` to use another binary. Without one, [`Browser::launch`] fails the test.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// How long one DevTools command may take to answer.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Browser {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: Receiver<Value>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

/// One open tab.
pub struct Page {
    session: String,
}

fn chromium() -> String {
    std::env::var("OMSVC_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

impl Browser {
    pub fn launch() -> Browser {
        let binary = chromium();
        let profile = tempfile::tempdir().expect("a temp dir for the browser profile");
        let (browser_reads, to_browser) = std::io::pipe().expect("a pipe to the browser");
        let (from_browser, browser_writes) = std::io::pipe().expect("a pipe from the browser");
        let (read_fd, write_fd) = (browser_reads.as_raw_fd(), browser_writes.as_raw_fd());
        let mut command = Command::new(&binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: fcntl and dup2 are async-signal-safe; nothing else runs between fork and
        // exec. Both ends are first moved above 10, so placing one on fd 3 or 4 cannot close
        // the other.
        unsafe {
            command.pre_exec(move || {
                let read_high = libc::fcntl(read_fd, libc::F_DUPFD, 10);
                let write_high = libc::fcntl(write_fd, libc::F_DUPFD, 10);
                if read_high < 0
                    || write_high < 0
                    || libc::dup2(read_high, 3) < 0
                    || libc::dup2(write_high, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap_or_else(|error| {
            panic!(
                "cannot start the browser {binary:?}: {error}. The page test needs headless \
                 Chromium: run .ci/install-system-packages (Debian: apt-get install chromium), \
                 or set OMSVC_CHROMIUM to a Chromium binary"
            )
        });
        drop(browser_reads);
        drop(browser_writes);
        let (messages, from_browser_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from_browser);
            let mut buffer = Vec::new();
            loop {
                buffer.clear();
                match reader.read_until(0, &mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if buffer.last() == Some(&0) {
                    buffer.pop();
                }
                if let Ok(message) = serde_json::from_slice::<Value>(&buffer) {
                    if messages.send(message).is_err() {
                        return;
                    }
                }
            }
        });
        Browser {
            child,
            to_browser,
            from_browser: from_browser_rx,
            next_id: 1,
            _profile: profile,
        }
    }

    /// Sends one command (to the browser, or to a page's session) and returns its result.
    fn command(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("a JSON command");
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("the browser stopped reading commands ({method}): {e}"));
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let answer = self.from_browser.recv_timeout(left).unwrap_or_else(|_| {
                panic!("the browser did not answer {method} within {COMMAND_TIMEOUT:?}")
            });
            if answer["id"] != json!(id) {
                continue; // an event, or another command's answer
            }
            if let Some(error) = answer.get("error") {
                panic!("the browser refused {method}: {error}");
            }
            return answer["result"].clone();
        }
    }

    /// Opens `url` in a new tab.
    pub fn open(&mut self, url: &str) -> Page {
        let target = self.command(None, "Target.createTarget", json!({ "url": url }));
        let target_id = target["targetId"].as_str().expect("a target id").to_owned();
        let attached = self.command(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        Page {
            session: attached["sessionId"]
                .as_str()
                .expect("a session id")
                .to_owned(),
        }
    }

    /// Evaluates `expression` in `page` and returns its value (JSON-serializable results).
    pub fn evaluate(&mut self, page: &Page, expression: &str) -> Value {
        let result = self.command(
            Some(&page.session),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("the page threw evaluating {expression:?}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// A PNG of what `page` shows, `width` x `height` CSS pixels.
    pub fn screenshot(&mut self, page: &Page, width: u32, height: u32) -> Vec<u8> {
        self.command(
            Some(&page.session),
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        );
        let shot = self.command(
            Some(&page.session),
            "Page.captureScreenshot",
            json!({ "format": "png" }),
        );
        decode_base64(shot["data"].as_str().expect("screenshot data"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=').collect();
    let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut bits = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            bits |= value(*c) << (18 - 6 * i);
        }
        for i in 0..chunk.len().saturating_sub(1) {
            bytes.push((bits >> (16 - 8 * i)) as u8);
        }
    }
    bytes
}
