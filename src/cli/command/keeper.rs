//! `omsvc node keep`: the keeper of one leader-only command (a hidden subcommand; a node runs
//! one per running command). It starts the command as the leader of a new process group and
//! ends that whole group:
//! - when the node asks (`stop`): SIGTERM, then SIGKILL after the grace;
//! - when the node's leader lease runs out without a renewal, whatever the grace: SIGTERM at
//!   the lease's end, SIGKILL a margin later, before another node can be elected. A node that
//!   is paused (SIGSTOP, a frozen VM) or starved cannot stop its command itself; its keeper,
//!   a process of its own, does;
//! - when the node is gone (its end of the control pipe closed, as when it is SIGKILLed):
//!   SIGKILL at once;
//! - when the command's own process ends: SIGKILL, so that no process it started outlives it.
//!
//! It reports the command's pid and how it ended to its node on [`REPORT_FD`].

use super::protocol::{monotonic_ns, Cause, Control, Ending, Report, REPORT_FD};
use crate::error::CliError;
use crate::Outcome;
use clap::Args;
use std::fs::File;
use std::io::{BufRead, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[derive(Args)]
pub struct KeepArgs {
    /// The service the command runs as (for messages).
    #[arg(long)]
    service: String,
    /// How long the command may take to exit after a stop's SIGTERM.
    #[arg(long)]
    grace_ms: u64,
    /// How long after the lease's end the command is SIGKILLed (it gets SIGTERM at the end).
    #[arg(long)]
    margin_ms: u64,
    /// The end of the node's lease when the keeper starts (CLOCK_MONOTONIC ns; 0: unbounded).
    #[arg(long)]
    lease_ns: u64,
    /// The command, run with `/bin/sh -c`.
    command: String,
}

/// Signals the keeper ignores: its node stops it through the control pipe. A terminal's Ctrl-C
/// reaches the node and its keepers (one process group), never the commands (groups of their
/// own): the node stops them in order.
const IGNORED: [i32; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

enum Event {
    Control(Control),
    NodeGone,
    Exited(Ending),
}

pub fn run(args: KeepArgs) -> Result<Outcome, CliError> {
    // SAFETY: the node opened REPORT_FD for this process; nothing else here uses it. The
    // command must not inherit it, or the node would wait for the command's descendants.
    let mut reports = unsafe {
        libc::fcntl(REPORT_FD, libc::F_SETFD, libc::FD_CLOEXEC);
        File::from_raw_fd(REPORT_FD)
    };
    for signal in IGNORED {
        // SAFETY: setting a signal's disposition to SIG_IGN has no memory effects.
        unsafe { libc::signal(signal, libc::SIG_IGN) };
    }
    let (events, received) = mpsc::channel();
    read_controls(events.clone());
    let keeper = std::process::id() as i32;
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(&args.command)
        .stdin(Stdio::null())
        .process_group(0);
    // SAFETY: prctl, getppid and signal are async-signal-safe; nothing else runs between fork
    // and exec.
    unsafe {
        command.pre_exec(move || {
            // If the keeper dies (SIGKILL), the command dies with it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != keeper {
                return Err(std::io::Error::other("the keeper exited during the start"));
            }
            for signal in IGNORED {
                libc::signal(signal, libc::SIG_DFL);
            }
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            let _ = reports.write_all(Report::SpawnFailed(error.to_string()).line().as_bytes());
            return Err(CliError::Usage(format!(
                "cannot start the command of {}: {error}",
                args.service
            )));
        }
    };
    let pid = child.id();
    let _ = reports.write_all(Report::Started { pid }.line().as_bytes());
    std::thread::spawn(move || {
        let ending = child
            .wait()
            .map(Ending::from_status)
            .unwrap_or(Ending::Status(-1));
        let _ = events.send(Event::Exited(ending));
    });
    let (ending, cause) = supervise(&args, pid as i32, &received);
    let _ = reports.write_all(Report::Exited { ending, cause }.line().as_bytes());
    Ok(Outcome::Done)
}

/// Control lines from the node, then `NodeGone` when its end of the pipe closes.
fn read_controls(events: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if let Some(control) = Control::parse(&line) {
                if events.send(Event::Control(control)).is_err() {
                    return;
                }
            }
        }
        let _ = events.send(Event::NodeGone);
    });
}

/// What the keeper knows, and when it must act.
struct Deadlines {
    grace: u64,
    margin: u64,
    /// `None`: unbounded.
    lease: Option<u64>,
    stop_requested: Option<u64>,
    terminated: bool,
    killed: bool,
    cause: Cause,
}

impl Deadlines {
    fn terminate_at(&self) -> Option<u64> {
        min(self.stop_requested, self.lease)
    }

    fn kill_at(&self) -> Option<u64> {
        min(
            self.stop_requested.map(|at| at.saturating_add(self.grace)),
            self.lease.map(|at| at.saturating_add(self.margin)),
        )
    }

    /// The next instant something is due, if any.
    fn next(&self) -> Option<u64> {
        let terminate = self.terminate_at().filter(|_| !self.terminated);
        let kill = self.kill_at().filter(|_| !self.killed);
        min(terminate, kill)
    }
}

fn min(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Signals the command's process group as due until the command's process ends; returns how
/// it ended and why.
fn supervise(args: &KeepArgs, pid: i32, events: &mpsc::Receiver<Event>) -> (Ending, Cause) {
    let group = -pid;
    let mut due = Deadlines {
        grace: args.grace_ms.saturating_mul(1_000_000),
        margin: args.margin_ms.saturating_mul(1_000_000),
        lease: (args.lease_ns != 0).then_some(args.lease_ns),
        stop_requested: None,
        terminated: false,
        killed: false,
        cause: Cause::OnItsOwn,
    };
    loop {
        let now = monotonic_ns();
        if !due.terminated && due.terminate_at().is_some_and(|at| at <= now) {
            if due.cause == Cause::OnItsOwn {
                due.cause = if due.stop_requested.is_some() {
                    Cause::Stopped
                } else {
                    Cause::LeaseRanOut
                };
            }
            signal(group, libc::SIGTERM);
            due.terminated = true;
        }
        if !due.killed && due.kill_at().is_some_and(|at| at <= now) {
            signal(group, libc::SIGKILL);
            due.killed = true;
        }
        let wait = due.next().map_or(Duration::from_secs(3600), |at| {
            Duration::from_nanos(at.saturating_sub(now))
        });
        match events.recv_timeout(wait) {
            Ok(Event::Control(Control::Lease(until))) => due.lease = Some(until),
            Ok(Event::Control(Control::Unbounded)) => due.lease = None,
            Ok(Event::Control(Control::Stop)) => {
                due.stop_requested.get_or_insert_with(monotonic_ns);
            }
            Ok(Event::NodeGone) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                if due.cause == Cause::OnItsOwn {
                    due.cause = Cause::NodeGone;
                }
                signal(group, libc::SIGKILL);
                due.killed = true;
                // No more controls will come: wait for the exit alone.
                while let Ok(event) = events.recv() {
                    if let Event::Exited(ending) = event {
                        return (ending, due.cause);
                    }
                }
                return (Ending::Status(-1), due.cause);
            }
            Ok(Event::Exited(ending)) => {
                // What the command started in its group must not outlive it.
                signal(group, libc::SIGKILL);
                return (ending, due.cause);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
}

fn signal(group: i32, signal: i32) {
    // SAFETY: kill has no memory effects; `group` is the command's process group.
    unsafe { libc::kill(group, signal) };
}
