//! [`CommandService`]: a leader-only command as an ordinary libomsvc service. The runner starts
//! it under the same rules as every other service (leader-ready, barrier applied, its run
//! control says run); a start spawns a keeper process (`omsvc node keep`) that runs the
//! command in a process group of its own, and a stop has the keeper end that group. The node
//! renews the keeper's copy of its leader lease while it leads the epoch, so a node that cannot
//! act (paused, starved) still has its command stopped before another node can be elected.

use super::output::forward_lines;
use super::protocol::{monotonic_ns_at, Cause, Control, Report, REPORT_FD};
use omsvc_core::{EpochLease, EpochToken, Node, Service, ServiceError};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// How often the node passes its lease on to a keeper (the lease itself is renewed every
/// heartbeat).
const RENEW_EVERY: Duration = Duration::from_millis(20);
/// How long a keeper may take to start its command.
const KEEPER_START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long past the grace a stop waits for a keeper before killing it.
const KEEPER_EXIT_SLACK: Duration = Duration::from_secs(5);

/// What every command of a node shares.
#[derive(Debug, Clone)]
pub struct CommandSettings {
    pub node_id: u64,
    /// The node's address, for `omsvc config get|set --node` from inside a command.
    pub node_addr: String,
    pub cluster: String,
    /// How long a command may take to exit after SIGTERM while this node still leads.
    pub grace: Duration,
    /// How long after the leader lease's end a command that did not exit is SIGKILLed.
    pub lease_margin: Duration,
    /// This program (its `node keep` subcommand is the keeper).
    pub program: PathBuf,
}

pub struct CommandService {
    name: String,
    command: String,
    settings: Arc<CommandSettings>,
    node: Weak<Node>,
    run: Mutex<Option<Run>>,
}

/// One run of the command: its keeper and the threads that serve it.
struct Run {
    keeper: Child,
    pid: u32,
    /// Set before the node asks for a stop: an exit after it is no failure.
    stopping: Arc<AtomicBool>,
    control: Arc<Mutex<ChildStdin>>,
    /// Dropping it ends the renewer.
    renewer_quit: mpsc::Sender<()>,
    renewer: JoinHandle<()>,
    /// Answers whether the keeper reported how the command ended.
    watcher: JoinHandle<bool>,
}

impl CommandService {
    pub fn new(
        name: &str,
        command: &str,
        settings: Arc<CommandSettings>,
        node: Weak<Node>,
    ) -> CommandService {
        CommandService {
            name: name.to_owned(),
            command: command.to_owned(),
            settings,
            node,
            run: Mutex::new(None),
        }
    }

    fn run(&self) -> MutexGuard<'_, Option<Run>> {
        self.run
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stops the command now, as `stop` does, while the node still leads (so the command gets
    /// its whole grace): a node that is shutting down calls it before leaving the cluster.
    pub fn stop_before_shutdown(&self) {
        self.stop_run();
    }

    fn spawn_keeper(&self, token: &EpochToken, lease_ns: u64) -> Result<Run, ServiceError> {
        let settings = &self.settings;
        let epoch = token.epoch();
        let (report_reader, report_writer) = std::io::pipe()?;
        let mut command = Command::new(&settings.program);
        command
            .args(["node", "keep", "--service", &self.name])
            .args(["--grace-ms", &settings.grace.as_millis().to_string()])
            .args([
                "--margin-ms",
                &settings.lease_margin.as_millis().to_string(),
            ])
            .args(["--lease-ns", &lease_ns.to_string(), "--", &self.command])
            .env("OMSVC_SERVICE", &self.name)
            .env("OMSVC_EPOCH", epoch.to_string())
            .env("OMSVC_NODE_ID", settings.node_id.to_string())
            .env("OMSVC_NODE_ADDR", &settings.node_addr)
            .env("OMSVC_CLUSTER", &settings.cluster)
            .env("OMSVC_BIN", &settings.program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let report_fd = report_writer.as_raw_fd();
        // SAFETY: dup2 and fcntl are async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let placed = if report_fd == REPORT_FD {
                    libc::fcntl(REPORT_FD, libc::F_SETFD, 0)
                } else {
                    libc::dup2(report_fd, REPORT_FD)
                };
                if placed < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut keeper = command.spawn()?;
        drop(report_writer);
        let context = LogContext {
            node: settings.node_id,
            service: self.name.clone(),
            epoch: epoch.0,
        };
        let stdout = keeper.stdout.take().expect("piped stdout");
        let stderr = keeper.stderr.take().expect("piped stderr");
        forward_lines(stdout, "stdout", context.clone());
        forward_lines(stderr, "stderr", context.clone());
        let control = Arc::new(Mutex::new(keeper.stdin.take().expect("piped stdin")));
        let stopping = Arc::new(AtomicBool::new(false));
        let (first_report, first) = mpsc::channel();
        let watcher = {
            let (token, stopping) = (token.clone(), stopping.clone());
            std::thread::Builder::new()
                .name(format!("omsvc-cmd-{}", self.name))
                .spawn(move || {
                    watch(
                        BufReader::new(report_reader),
                        first_report,
                        &token,
                        &stopping,
                        &context,
                    )
                })?
        };
        let pid = match first.recv_timeout(KEEPER_START_TIMEOUT) {
            Ok(Report::Started { pid }) => pid,
            failed => {
                let _ = keeper.kill();
                let _ = keeper.wait();
                let _ = watcher.join();
                return Err(match failed {
                    Ok(Report::SpawnFailed(error)) => {
                        format!("cannot start the command: {error}").into()
                    }
                    _ => "the command's keeper did not start it".into(),
                });
            }
        };
        let (renewer_quit, quit) = mpsc::channel();
        let renewer = {
            let (token, control) = (token.clone(), control.clone());
            std::thread::Builder::new()
                .name(format!("omsvc-lease-{}", self.name))
                .spawn(move || renew(&token, &control, &quit))?
        };
        Ok(Run {
            keeper,
            pid,
            stopping,
            control,
            renewer_quit,
            renewer,
            watcher,
        })
    }

    fn stop_run(&self) {
        let Some(mut run) = self.run().take() else {
            return;
        };
        run.stopping.store(true, Ordering::Release);
        let _ = lock(&run.control).write_all(Control::Stop.line().as_bytes());
        let deadline = Instant::now() + self.settings.grace + KEEPER_EXIT_SLACK;
        loop {
            match run.keeper.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    tracing::warn!(
                        node = self.settings.node_id,
                        service = %self.name,
                        pid = run.pid,
                        "the command's keeper did not end it in time: killing both"
                    );
                    kill_group(run.pid);
                    let _ = run.keeper.kill();
                    let _ = run.keeper.wait();
                    break;
                }
            }
        }
        drop(run.renewer_quit);
        let _ = run.renewer.join();
        if !run.watcher.join().unwrap_or(false) {
            kill_group(run.pid);
        }
    }
}

impl Service for CommandService {
    fn start(&self, epoch: EpochToken) -> Result<(), ServiceError> {
        let mut run = self.run();
        if run.is_some() {
            return Err("the command is still running from an earlier start".into());
        }
        let lease_ns = match epoch.epoch_lease() {
            EpochLease::Until(until) => monotonic_ns_at(until),
            EpochLease::Unbounded => 0,
            EpochLease::Ended => return Err("the epoch ended before the command started".into()),
        };
        *run = Some(self.spawn_keeper(&epoch, lease_ns)?);
        Ok(())
    }

    fn stop(&self) -> Result<(), ServiceError> {
        self.stop_run();
        Ok(())
    }

    /// Runs unless a user stopped it (`omsvc service stop`), as every peer applied it.
    fn should_run(&self) -> Result<bool, ServiceError> {
        let node = self.node.upgrade().ok_or("the node is shutting down")?;
        Ok(node.read_run_control(&self.name)? != Some(false))
    }
}

/// What the node's log says a command's lines and events came from.
#[derive(Debug, Clone)]
pub struct LogContext {
    pub node: u64,
    pub service: String,
    pub epoch: u64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads the keeper's reports: the first one goes to the start that waits for it; an exit
/// the node did not ask for fails the run (the runner restarts it with backoff). Answers
/// whether the keeper reported how the command ended.
fn watch(
    reports: BufReader<std::io::PipeReader>,
    first_report: mpsc::Sender<Report>,
    token: &EpochToken,
    stopping: &AtomicBool,
    context: &LogContext,
) -> bool {
    let mut first_report = Some(first_report);
    let mut started: Option<(u32, Instant)> = None;
    for line in reports.lines() {
        let Ok(line) = line else { break };
        let Some(report) = Report::parse(&line) else {
            continue;
        };
        if let Report::Started { pid } = report {
            started = Some((pid, Instant::now()));
            tracing::info!(
                node = context.node,
                service = %context.service,
                epoch = context.epoch,
                pid,
                "command started"
            );
        }
        if let Some(first) = first_report.take() {
            let _ = first.send(report.clone());
        }
        let Report::Exited { ending, cause } = report else {
            continue;
        };
        let ran_for = started.map_or(0.0, |(_, at)| at.elapsed().as_secs_f64());
        let pid = started.map_or(0, |(pid, _)| pid);
        let why = match cause {
            Cause::OnItsOwn => "",
            Cause::Stopped => " after a stop",
            Cause::LeaseRanOut => {
                ": this node's leader lease ran out without a renewal (paused, starved or cut off)"
            }
            Cause::NodeGone => " after the node was gone",
        };
        let reason = format!(
            "command {ending} after {ran_for:.1} s (at unix ms {}){why}",
            unix_ms_now()
        );
        if matches!(cause, Cause::Stopped | Cause::NodeGone) {
            tracing::info!(node = context.node, service = %context.service, epoch = context.epoch, pid, %ending, "command ended{why}");
        } else {
            tracing::warn!(node = context.node, service = %context.service, epoch = context.epoch, pid, %ending, "command ended{why}");
        }
        if !stopping.load(Ordering::Acquire) {
            token.fail(reason);
        }
        return true;
    }
    if let Some((pid, _)) = started {
        if !stopping.load(Ordering::Acquire) {
            token.fail("the command's keeper process ended unexpectedly");
        }
        tracing::warn!(node = context.node, service = %context.service, epoch = context.epoch, pid, "the command's keeper ended without a report: killing the command's process group");
        kill_group(pid);
    }
    false
}

/// Passes the node's lease of the epoch on to the keeper until told to quit.
fn renew(token: &EpochToken, control: &Mutex<ChildStdin>, quit: &mpsc::Receiver<()>) {
    let mut sent = token.epoch_lease();
    while let Err(mpsc::RecvTimeoutError::Timeout) = quit.recv_timeout(RENEW_EVERY) {
        let lease = token.epoch_lease();
        if lease == sent {
            continue;
        }
        let control_line = match lease {
            EpochLease::Until(until) => Control::Lease(monotonic_ns_at(until)),
            EpochLease::Unbounded => Control::Unbounded,
            // Never renewed again: the keeper acts at the end of the lease it has.
            EpochLease::Ended => return,
        };
        if lock(control)
            .write_all(control_line.line().as_bytes())
            .is_err()
        {
            return;
        }
        sent = lease;
    }
}

fn kill_group(pid: u32) {
    if pid > 1 {
        // SAFETY: kill has no memory effects; the group is the command's (led by `pid`).
        unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
    }
}

fn unix_ms_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}
