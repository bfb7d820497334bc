//! What a node and the keeper of one of its commands tell each other, one line at a time:
//! the node sends [`Control`] lines on the keeper's stdin, the keeper sends [`Report`] lines on
//! file descriptor [`REPORT_FD`]. Times are `CLOCK_MONOTONIC` nanoseconds, one clock for every
//! process on the machine.

use std::fmt;
use std::time::Instant;

/// The keeper's descriptor for reports to its node (its stdout and stderr are the command's).
pub const REPORT_FD: i32 = 3;

/// From the node to the keeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The node leads the command's epoch until this instant unless it renews the lease.
    Lease(u64),
    /// The node leads the command's epoch with no time bound.
    Unbounded,
    /// Stop the command: SIGTERM now, SIGKILL after the grace.
    Stop,
}

impl Control {
    pub fn line(&self) -> String {
        match self {
            Control::Lease(until) => format!("lease {until}\n"),
            Control::Unbounded => "unbounded\n".to_owned(),
            Control::Stop => "stop\n".to_owned(),
        }
    }

    pub fn parse(line: &str) -> Option<Control> {
        match line.trim_end().split_once(' ') {
            Some(("lease", until)) => until.parse().ok().map(Control::Lease),
            None if line.trim_end() == "unbounded" => Some(Control::Unbounded),
            None if line.trim_end() == "stop" => Some(Control::Stop),
            _ => None,
        }
    }
}

/// How the command's process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Status(i32),
    Signal(i32),
}

impl Ending {
    pub fn from_status(status: std::process::ExitStatus) -> Ending {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => Ending::Status(code),
            (None, Some(signal)) => Ending::Signal(signal),
            (None, None) => Ending::Status(-1),
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Status(code) => write!(f, "exited with status {code}"),
            Ending::Signal(signal) => match signal_name(*signal) {
                Some(name) => write!(f, "was killed by signal {signal} ({name})"),
                None => write!(f, "was killed by signal {signal}"),
            },
        }
    }
}

fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        _ => return None,
    })
}

/// Why the keeper signalled the command, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Nobody signalled it: it ended by itself.
    OnItsOwn,
    /// The node asked for a stop.
    Stopped,
    /// The node's lease ran out without a renewal (the node was paused, starved or cut off).
    LeaseRanOut,
    /// The node's end of the control pipe closed: the node is gone.
    NodeGone,
}

impl Cause {
    fn word(&self) -> &'static str {
        match self {
            Cause::OnItsOwn => "own",
            Cause::Stopped => "stopped",
            Cause::LeaseRanOut => "lease",
            Cause::NodeGone => "node-gone",
        }
    }

    fn parse(word: &str) -> Option<Cause> {
        [
            Cause::OnItsOwn,
            Cause::Stopped,
            Cause::LeaseRanOut,
            Cause::NodeGone,
        ]
        .into_iter()
        .find(|cause| cause.word() == word)
    }
}

/// From the keeper to the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// The command runs as process `pid`, the leader of process group `pid`.
    Started { pid: u32 },
    /// The command could not be started.
    SpawnFailed(String),
    /// The command's process ended, and with it its process group.
    Exited { ending: Ending, cause: Cause },
}

impl Report {
    pub fn line(&self) -> String {
        match self {
            Report::Started { pid } => format!("started {pid}\n"),
            Report::SpawnFailed(error) => format!("spawn-failed {}\n", error.replace('\n', " ")),
            Report::Exited { ending, cause } => {
                let (how, value) = match ending {
                    Ending::Status(code) => ("status", code),
                    Ending::Signal(signal) => ("signal", signal),
                };
                format!("exited {how} {value} {}\n", cause.word())
            }
        }
    }

    pub fn parse(line: &str) -> Option<Report> {
        let line = line.trim_end();
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "started" => rest.parse().ok().map(|pid| Report::Started { pid }),
            "spawn-failed" => Some(Report::SpawnFailed(rest.to_owned())),
            "exited" => {
                let mut words = rest.split(' ');
                let (how, value, cause) = (words.next()?, words.next()?, words.next()?);
                let value: i32 = value.parse().ok()?;
                let ending = match how {
                    "status" => Ending::Status(value),
                    "signal" => Ending::Signal(value),
                    _ => return None,
                };
                Some(Report::Exited {
                    ending,
                    cause: Cause::parse(cause)?,
                })
            }
            _ => None,
        }
    }
}

/// Now, on `CLOCK_MONOTONIC`, in nanoseconds.
pub fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the struct passed by reference.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// `at` as `CLOCK_MONOTONIC` nanoseconds (what another process on this machine can compare).
pub fn monotonic_ns_at(at: Instant) -> u64 {
    let (now, now_ns) = (Instant::now(), monotonic_ns());
    if at >= now {
        now_ns.saturating_add((at - now).as_nanos() as u64)
    } else {
        now_ns.saturating_sub((now - at).as_nanos() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_line_reads_back_as_written() {
        for control in [Control::Lease(12_345), Control::Unbounded, Control::Stop] {
            assert_eq!(Control::parse(&control.line()), Some(control));
        }
        let reports = [
            Report::Started { pid: 42 },
            Report::SpawnFailed("no such file\nor directory".into()),
            Report::Exited {
                ending: Ending::Status(3),
                cause: Cause::OnItsOwn,
            },
            Report::Exited {
                ending: Ending::Signal(9),
                cause: Cause::LeaseRanOut,
            },
            Report::Exited {
                ending: Ending::Signal(15),
                cause: Cause::Stopped,
            },
            Report::Exited {
                ending: Ending::Status(0),
                cause: Cause::NodeGone,
            },
        ];
        for report in reports {
            let parsed = Report::parse(&report.line()).expect("parses");
            match (&report, &parsed) {
                (Report::SpawnFailed(_), Report::SpawnFailed(text)) => {
                    assert_eq!(text, "no such file or directory")
                }
                _ => assert_eq!(parsed, report),
            }
        }
        assert_eq!(Control::parse("lease soon"), None);
        assert_eq!(Report::parse("exited status 3 sometime"), None);
    }

    #[test]
    fn endings_read_like_an_operator_expects() {
        assert_eq!(Ending::Status(3).to_string(), "exited with status 3");
        assert_eq!(
            Ending::Signal(9).to_string(),
            "was killed by signal 9 (SIGKILL)"
        );
        assert_eq!(Ending::Signal(64).to_string(), "was killed by signal 64");
    }

    #[test]
    fn instants_map_onto_the_monotonic_clock() {
        let now = Instant::now();
        let later = monotonic_ns_at(now + Duration::from_secs(2));
        let earlier = monotonic_ns_at(now - Duration::from_millis(1));
        let diff = later - earlier;
        assert!(
            (2_000_000_000..2_050_000_000).contains(&diff),
            "2.001 s apart, measured {diff} ns"
        );
        assert!(monotonic_ns_at(now) <= monotonic_ns());
    }
}
