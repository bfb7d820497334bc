//! One `omsvc node run` process under test: its fixed id, address and data directory across
//! restarts, its captured output, signals and status.
//!
//! The child is SIGKILLed and reaped when its [`NodeProc`] is dropped, so a failing test leaves
//! no process behind.

use crate::binary::omsvc_binary;
use crate::poll::poll;
use crate::proc_fs::proc_status_kib;
use crate::timings::{node_run_args, PROCESS};
use omsvc_raft::{NodeReport, RaftClient, RaftError};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The cluster name every node process runs in.
pub const CLUSTER: &str = "omsvc";
/// The demo's stateful service, as `--demo-service` registers it.
pub const DEMO_SERVICE: &str = "DemoProgressService";
/// How long a node may take to print `listening on` (RocksDB open, on a loaded machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Timeout of one status/read/write call to a node.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Captured lines kept per node (oldest dropped first).
const MAX_LINES: usize = 50_000;

/// Called with every line a node prints and the instant it was read, as it is read.
pub type LineWatcher = Arc<dyn Fn(&Line, Instant) + Send + Sync>;

/// One captured line of a node process.
#[derive(Debug, Clone)]
pub struct Line {
    /// Which start of the node printed it (1 = first start, 2 = first restart, ...).
    pub generation: u32,
    /// Whether it came on stderr (the log) rather than stdout.
    pub stderr: bool,
    /// The line, without its line end.
    pub text: String,
}

type Lines = Arc<Mutex<Vec<Line>>>;

fn lock(lines: &Lines) -> MutexGuard<'_, Vec<Line>> {
    lines
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn capture(
    stream: impl Read + Send + 'static,
    lines: Lines,
    watcher: Option<LineWatcher>,
    generation: u32,
    stderr: bool,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            // A line cut short by SIGKILL has no newline: keep it for the logs, marked, so
            // no parser mistakes it for a whole line.
            let complete = buffer.last() == Some(&b'\n');
            let mut text = String::from_utf8_lossy(&buffer).trim_end().to_owned();
            if !complete {
                text.push_str(" <cut short>");
            }
            let line = Line {
                generation,
                stderr,
                text,
            };
            if let Some(watcher) = &watcher {
                watcher(&line, Instant::now());
            }
            let mut lines = lock(&lines);
            if lines.len() >= MAX_LINES {
                lines.drain(..MAX_LINES / 10);
            }
            lines.push(line);
        }
    })
}

/// One node: its fixed id, address and data directory, and its current process.
pub struct NodeProc {
    /// The node id.
    pub id: u64,
    /// The address it listens on, the same at every start.
    pub addr: String,
    /// Its data directory.
    pub data: PathBuf,
    demo_service: bool,
    /// Arguments given to every start of this node.
    pub extra_args: Vec<String>,
    /// RLIMIT_NOFILE (soft and hard) for the process, when set.
    pub file_limit: Option<u64>,
    /// Sees every line as it is read, when set (before the start it should see).
    pub watcher: Option<LineWatcher>,
    child: Option<Child>,
    readers: Vec<JoinHandle<()>>,
    generation: u32,
    lines: Lines,
    exits: Vec<String>,
}

impl std::fmt::Debug for NodeProc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeProc")
            .field("id", &self.id)
            .field("addr", &self.addr)
            .field("data", &self.data)
            .field("pid", &self.child.as_ref().map(Child::id))
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl NodeProc {
    /// Node `id` on `addr` with its data in `data`, running the demo's service (with
    /// `--demo-service`) when `demo_service`; not started yet.
    pub fn new(id: u64, addr: String, data: PathBuf, demo_service: bool) -> NodeProc {
        NodeProc {
            id,
            addr,
            data,
            demo_service,
            extra_args: Vec::new(),
            file_limit: None,
            watcher: None,
            child: None,
            readers: Vec::new(),
            generation: 0,
            lines: Arc::new(Mutex::new(Vec::new())),
            exits: Vec::new(),
        }
    }

    /// The start this process is (1 = first start); 0 before the first start.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Whether a start of it runs (as far as this side has seen).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the node process (a new generation) with the same id, address and data
    /// directory as always, plus `extra` arguments (e.g. `--init` and `--peer`s).
    pub fn spawn(&mut self, extra: &[String]) {
        assert!(
            self.child.is_none(),
            "node {} is already running; kill it before starting it again",
            self.id
        );
        let mut command = Command::new(omsvc_binary());
        command
            .args(["node", "run", "--cluster", CLUSTER])
            .args(["--id", &self.id.to_string(), "--listen", &self.addr])
            .arg("--data")
            .arg(&self.data)
            .args(node_run_args(&PROCESS))
            .args(&self.extra_args)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.demo_service {
            command.arg("--demo-service");
        }
        if let Some(files) = self.file_limit {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    let limit = libc::rlimit {
                        rlim_cur: files,
                        rlim_max: files,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "expected to start {} for node {}: {e}",
                omsvc_binary().display(),
                self.id
            )
        });
        self.generation += 1;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        for (stream, stderr) in [
            (Box::new(stdout) as Box<dyn Read + Send>, false),
            (Box::new(stderr), true),
        ] {
            self.readers.push(capture(
                stream,
                self.lines.clone(),
                self.watcher.clone(),
                self.generation,
                stderr,
            ));
        }
        self.child = Some(child);
    }

    /// Waits for this generation's `omsvc node N listening on ADDR` line. Errors (with the
    /// output's tail) if the process exits first or the line does not come in time.
    pub fn wait_listening(&mut self, timeout: Duration) -> Result<(), String> {
        let expected = format!("omsvc node {} listening on {}", self.id, self.addr);
        let generation = self.generation;
        let deadline = Instant::now() + timeout;
        loop {
            if self.stdout_lines(generation).contains(&expected) {
                return Ok(());
            }
            if let Some(status) = self.try_exited() {
                return Err(format!(
                    "expected start {generation} of node {} to print {expected:?}, but the \
                     process exited with {status} first\n{}",
                    self.id,
                    self.tail(40)
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "expected start {generation} of node {} to print {expected:?} within \
                     {timeout:?}, it did not\n{}",
                    self.id,
                    self.tail(40)
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The exit status, if the process has exited by itself (it is then reaped).
    fn try_exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        self.join_readers();
        self.exits
            .push(format!("start {} exited with {status}", self.generation));
        Some(status)
    }

    /// Waits for the process to exit by itself (after a SIGTERM, say) and reaps it; None if
    /// it still runs after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        poll(timeout, || self.try_exited().ok_or_else(String::new)).ok()
    }

    /// SIGKILLs the process and reaps it; all its output is captured when this returns.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            self.exits
                .push(format!("start {} was SIGKILLed", self.generation));
        }
        self.join_readers();
    }

    fn join_readers(&mut self) {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    /// The stdout lines of one generation, in order.
    pub fn stdout_lines(&self, generation: u32) -> Vec<String> {
        lock(&self.lines)
            .iter()
            .filter(|line| line.generation == generation && !line.stderr)
            .map(|line| line.text.clone())
            .collect()
    }

    /// The stderr lines (the log) of one generation, in order.
    pub fn stderr_lines(&self, generation: u32) -> Vec<String> {
        lock(&self.lines)
            .iter()
            .filter(|line| line.generation == generation && line.stderr)
            .map(|line| line.text.clone())
            .collect()
    }

    /// The last `n` captured lines of every generation, for failure messages.
    pub fn tail(&self, n: usize) -> String {
        let lines = lock(&self.lines);
        let start = lines.len().saturating_sub(n);
        let mut text = format!(
            "--- node {} at {} (start {}, {}; {}) last {} of {} lines:\n",
            self.id,
            self.addr,
            self.generation,
            if self.child.is_some() {
                "running"
            } else {
                "not running"
            },
            if self.exits.is_empty() {
                "no exits".to_owned()
            } else {
                self.exits[self.exits.len().saturating_sub(3)..].join(", ")
            },
            lines.len() - start,
            lines.len()
        );
        for line in &lines[start..] {
            text.push_str(&format!(
                "  [{}{}] {}\n",
                line.generation,
                if line.stderr { " err" } else { "" },
                line.text
            ));
        }
        text
    }

    /// The process id of the running start.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends `signal` (e.g. `libc::SIGSTOP`) to the running process.
    pub fn signal(&self, signal: i32) {
        let pid = self
            .pid()
            .unwrap_or_else(|| panic!("node {} is not running", self.id));
        // SAFETY: kill has no memory effects; the pid is our own unreaped child.
        let sent = unsafe { libc::kill(pid as i32, signal) };
        assert_eq!(sent, 0, "kill({pid}, {signal}) failed");
    }

    /// The resident set size of the running process, in KiB (from /proc).
    pub fn rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid()?, "VmRSS")
    }

    /// The peak resident set size of the running process, in KiB (from /proc).
    pub fn vmhwm_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid()?, "VmHWM")
    }

    /// A client of this node (each call to it connects anew).
    pub fn client(&self) -> RaftClient {
        RaftClient::new(&self.addr, CLUSTER, CALL_TIMEOUT)
            .unwrap_or_else(|e| panic!("expected a client for node {}: {e}", self.id))
    }

    /// This node's status report.
    pub fn status(&self) -> Result<NodeReport, RaftError> {
        self.client().status()
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill();
    }
}
