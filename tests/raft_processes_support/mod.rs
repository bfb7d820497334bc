//! Helpers for `tests/raft_processes.rs`: clusters of real `omsvc node run` processes (real
//! TCP on 127.0.0.1, real RocksDB in a temp dir), their captured output, and polling.
//!
//! Every node keeps one fixed port across restarts. Children are SIGKILLed and reaped when
//! their [`NodeProc`] is dropped, so a failing test leaves no process behind.

#![allow(dead_code)]

use omsvc_raft::{ClientError, NodeReport, RaftClient};
pub use omsvc_testkit::binary::omsvc_binary;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const CLUSTER: &str = "omsvc";
/// The demo's stateful service, as `--demo-service` registers it.
pub const DEMO_SERVICE: &str = "DemoProgressService";
/// Short Raft timings: heartbeat 50 ms, elections after 250..500 ms.
pub const TIMING_ARGS: [&str; 6] = [
    "--heartbeat-ms",
    "50",
    "--election-min-ms",
    "250",
    "--election-max-ms",
    "500",
];
/// How long a node may take to print `listening on` (RocksDB open, on a loaded machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Timeout of one status/read/write call to a node.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// Captured lines kept per node (oldest dropped first).
const MAX_LINES: usize = 50_000;

/// Serializes the tests of this binary: several 3-node clusters with short election timeouts
/// side by side on 2 cores cause spurious elections and make every bound meaningless.
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `n` distinct ports that were free a moment ago (all bound at once, then released).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 for a free port"))
        .collect();
    listeners
        .iter()
        .map(|listener| listener.local_addr().expect("a bound address").port())
        .collect()
}

/// Polls `check` every 50 ms until it returns `Ok`, or returns the last `Err` (why it did not
/// hold yet) once `timeout` passed.
pub fn poll<T>(
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(value) => return Ok(value),
            Err(reason) if Instant::now() >= deadline => return Err(reason),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// One captured line of a node process.
#[derive(Debug, Clone)]
pub struct Line {
    /// Which start of the node printed it (1 = first start, 2 = first restart, ...).
    pub generation: u32,
    pub stderr: bool,
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
            let mut lines = lock(&lines);
            if lines.len() >= MAX_LINES {
                lines.drain(..MAX_LINES / 10);
            }
            lines.push(Line {
                generation,
                stderr,
                text,
            });
        }
    })
}

/// One node: its fixed id, address and data directory, and its current process.
pub struct NodeProc {
    pub id: u64,
    pub addr: String,
    pub data: PathBuf,
    demo_service: bool,
    /// Arguments given to every start of this node.
    pub extra_args: Vec<String>,
    /// RLIMIT_NOFILE (soft and hard) for the process, when set.
    pub file_limit: Option<u64>,
    child: Option<Child>,
    readers: Vec<JoinHandle<()>>,
    generation: u32,
    lines: Lines,
    exits: Vec<String>,
}

impl NodeProc {
    pub fn new(id: u64, addr: String, data: PathBuf, demo_service: bool) -> NodeProc {
        NodeProc {
            id,
            addr,
            data,
            demo_service,
            extra_args: Vec::new(),
            file_limit: None,
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
            .args(TIMING_ARGS)
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
        self.readers
            .push(capture(stdout, self.lines.clone(), self.generation, false));
        self.readers
            .push(capture(stderr, self.lines.clone(), self.generation, true));
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
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }

    pub fn client(&self) -> RaftClient {
        RaftClient::new(&self.addr, CLUSTER, CALL_TIMEOUT)
            .unwrap_or_else(|e| panic!("expected a client for node {}: {e}", self.id))
    }

    pub fn status(&self) -> Result<NodeReport, ClientError> {
        self.client().status()
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Nodes `1..=size` in one temp dir, each on its own fixed port.
pub struct Cluster {
    /// Before `dir`: fields drop in order, so the processes are killed before their data
    /// directories are removed.
    pub nodes: Vec<NodeProc>,
    pub dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts every node, node 1 last with `--init` and the others as `--peer`s, and waits
    /// until each printed its `listening on` line.
    pub fn start(size: u64, demo_service: bool) -> Cluster {
        Cluster::start_with(size, demo_service, |_| {})
    }

    /// [`Cluster::start`], with `configure` called on each node before its first start.
    pub fn start_with(size: u64, demo_service: bool, configure: impl Fn(&mut NodeProc)) -> Cluster {
        let dir = tempfile::tempdir().expect("a temp dir for the cluster");
        let ports = free_ports(size as usize);
        let nodes: Vec<NodeProc> = (1..=size)
            .zip(ports)
            .map(|(id, port)| {
                let mut node = NodeProc::new(
                    id,
                    format!("127.0.0.1:{port}"),
                    dir.path().join(format!("n{id}")),
                    demo_service,
                );
                configure(&mut node);
                node
            })
            .collect();
        let mut cluster = Cluster { dir, nodes };
        let mut init = vec!["--init".to_owned()];
        for node in &cluster.nodes[1..] {
            init.push("--peer".to_owned());
            init.push(format!("{}={}", node.id, node.addr));
        }
        for index in (0..cluster.nodes.len()).rev() {
            let extra = if index == 0 { init.clone() } else { Vec::new() };
            cluster.nodes[index].spawn(&extra);
        }
        for index in 0..cluster.nodes.len() {
            if let Err(message) = cluster.nodes[index].wait_listening(START_TIMEOUT) {
                panic!("{message}\n{}", cluster.tails(20));
            }
        }
        cluster
    }

    pub fn node(&self, id: u64) -> &NodeProc {
        &self.nodes[(id - 1) as usize]
    }

    pub fn node_mut(&mut self, id: u64) -> &mut NodeProc {
        &mut self.nodes[(id - 1) as usize]
    }

    pub fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(|node| node.addr.clone()).collect()
    }

    /// Every node's output tail, for failure messages.
    pub fn tails(&self, n: usize) -> String {
        self.nodes.iter().map(|node| node.tail(n)).collect()
    }

    /// The report of a running node that leads (by its own account and openraft's state) and
    /// satisfies `condition`, among `candidates`; the reason none does otherwise.
    pub fn leader_where(
        &self,
        candidates: &[u64],
        condition: impl Fn(&NodeReport) -> bool,
    ) -> Result<NodeReport, String> {
        let mut seen = Vec::new();
        for &id in candidates {
            let node = self.node(id);
            if !node.is_running() {
                continue;
            }
            match node.status() {
                Ok(report) => {
                    if report.state == "Leader"
                        && report.leader == Some(report.id)
                        && condition(&report)
                    {
                        return Ok(report);
                    }
                    seen.push(format!(
                        "node {id}: state {}, term {}, leader {:?}, applied {}, services {:?}",
                        report.state,
                        report.term,
                        report.leader,
                        report.last_applied_index,
                        report
                            .services
                            .iter()
                            .map(|s| format!("{} {} epoch {:?}", s.name, s.status, s.epoch))
                            .collect::<Vec<_>>()
                    ));
                }
                Err(error) => seen.push(format!("node {id}: status failed: {error}")),
            }
        }
        Err(seen.join("; "))
    }
}

/// Runs the `omsvc` CLI with `args` and waits for it.
pub fn omsvc(args: &[&str]) -> Output {
    Command::new(omsvc_binary())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("expected to run omsvc {args:?}: {e}"))
}

/// A CLI run's exit code and output, for failure messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}, stdout {:?}, stderr {:?}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The live processes (zombies excluded: nothing reaps orphans in some containers) of
/// process group `pgid`, as `pid state command` lines from /proc.
pub fn live_group_members(pgid: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut members = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|pid| pid.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its ')'.
        let Some((comm, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(group)) = (fields.first(), fields.get(2)) else {
            continue;
        };
        if *state != "Z" && group.parse::<u32>().ok() == Some(pgid) {
            let comm = comm.split_once('(').map_or(comm, |(_, comm)| comm);
            members.push(format!("{pid} {state} {comm}"));
        }
    }
    members
}

/// The status and epoch of `service` in a report.
pub fn service_state(report: &NodeReport, service: &str) -> Option<(String, Option<u64>)> {
    report
        .services
        .iter()
        .find(|s| s.name == service)
        .map(|s| (s.status.clone(), s.epoch))
}

/// A small deterministic generator (xorshift64*), so a failed run can be replayed by seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform enough in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}
