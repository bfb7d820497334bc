//! Crash durability of the configuration table: a child process applies entries with
//! `sync_writes` and is killed with SIGKILL at a random moment; after reopening, every entry it
//! acknowledged is there, and each configuration matches the last applied entry (the
//! configuration and the transaction info are written in one atomic batch).
//!
//! The child is this test binary re-executed to run the ignored `crash_child_writer` test. All
//! rounds reuse one database, so every round after the first also recovers a database that was
//! crashed before, and the child checks it resumes right after the last applied entry.
//!
//! `OMSVC_CRASH_ROUNDS` sets the number of rounds (default 20); `OMSVC_CRASH_SEED` replays the
//! kill delays of a failed run (its seed is printed on stderr and in every failure message).

use omsvc_core::{encode_set_request, ApplyOutcome, ConfigTable, TableOptions, TermIndex};
use omsvc_core::{LogIndex, Term};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ROUNDS_ENV: &str = "OMSVC_CRASH_ROUNDS";
const SEED_ENV: &str = "OMSVC_CRASH_SEED";
const DEFAULT_ROUNDS: u32 = 20;
/// Set only in the child: the database directory it writes to.
const CHILD_DIR_ENV: &str = "OMSVC_CRASH_CHILD_DIR";
/// Set only in the child: the term of the entries it applies (the round number).
const CHILD_TERM_ENV: &str = "OMSVC_CRASH_CHILD_TERM";
const CHILD_TEST: &str = "crash_child_writer";
/// Precedes every protocol line of the child. libtest prints `test crash_child_writer ... `
/// without a newline before the test runs, so the first protocol line does not start a line.
const MARKER: &str = "@omsvc-crash ";
/// Names `svc-0` .. `svc-6`; entry `i` sets `svc-{i % NAMES}`.
const NAMES: u64 = 7;
const FIRST_ACK_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_EXTRA_DELAY_MS: u64 = 150;
/// A child nobody killed (its parent died) stops by itself after this long.
const CHILD_MAX_RUN: Duration = Duration::from_secs(120);

fn name_of(index: u64) -> String {
    format!("svc-{}", index % NAMES)
}

/// A deterministic value of 200 to 327 bytes, different for every index.
fn value_of(index: u64) -> Vec<u8> {
    let mut value = format!("value-{index}-").into_bytes();
    let len = 200 + (index % 128) as usize;
    let mut k = 0u64;
    while value.len() < len {
        value.push(b'a' + ((index.wrapping_mul(31) + k * 7) % 26) as u8);
        k += 1;
    }
    value
}

fn open(dir: &Path) -> Result<ConfigTable, omsvc_core::Error> {
    ConfigTable::open(dir, TableOptions::default().with_sync_writes(true))
}

/// The writer run in the child process. It loops until it is killed, printing
/// `start <first index> <term>`, then `apply <i>` before and `ack <i>` after each apply (each
/// line after [`MARKER`]).
#[test]
#[ignore = "child process of crash_kills_never_lose_an_acknowledged_write; runs only when it sets OMSVC_CRASH_CHILD_DIR"]
fn crash_child_writer() {
    let dir = std::env::var_os(CHILD_DIR_ENV).unwrap_or_else(|| {
        panic!(
            "{CHILD_TEST} is the child of the crash test and needs {CHILD_DIR_ENV}; \
             run `cargo test --release --test crash_durability` instead"
        )
    });
    let term: u64 = match std::env::var(CHILD_TERM_ENV) {
        Ok(term) => term
            .parse()
            .unwrap_or_else(|_| panic!("{CHILD_TERM_ENV}={term:?} is not a number")),
        Err(_) => 1,
    };
    let table = open(Path::new(&dir)).expect("the crash child opens the table");
    let first = table.last_applied().index.0 + 1;
    let mut out = std::io::stdout().lock();
    let mut say = |line: String| {
        writeln!(out, "{MARKER}{line}")
            .and_then(|()| out.flush())
            .expect("the crash test reads the child's stdout");
    };
    say(format!("start {first} {term}"));
    let deadline = Instant::now() + CHILD_MAX_RUN;
    for index in first.. {
        assert!(
            Instant::now() < deadline,
            "the crash child was not killed within {CHILD_MAX_RUN:?}"
        );
        let request = encode_set_request(&name_of(index), &value_of(index)).unwrap();
        say(format!("apply {index}"));
        let outcome = table
            .apply(Term(term), LogIndex(index), &request)
            .expect("apply an entry");
        assert_eq!(
            outcome,
            ApplyOutcome::Applied {
                info: TermIndex::new(Term(term), LogIndex(index))
            }
        );
        say(format!("ack {index}"));
    }
}

#[test]
fn crash_kills_never_lose_an_acknowledged_write() {
    let rounds: u32 = match std::env::var(ROUNDS_ENV) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{ROUNDS_ENV}={value:?} is not a number")),
        Err(_) => DEFAULT_ROUNDS,
    };
    let seed = match std::env::var(SEED_ENV) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_ENV}={value:?} is not a number")),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    };
    eprintln!(
        "crash test: {rounds} rounds, seed {seed} (replay the delays with {SEED_ENV}={seed})"
    );
    let mut rng = XorShift::new(seed);
    let dir = KeptOnFailure::new();
    let started = Instant::now();
    let mut last = TermIndex::default();
    let mut total_acks = 0u64;
    for round in 1..=u64::from(rounds) {
        let ctx = format!(
            "round {round}/{rounds}, seed {seed}, db {}",
            dir.0.display()
        );
        let delay = Duration::from_millis(rng.next() % (MAX_EXTRA_DELAY_MS + 1));
        let round_started = Instant::now();
        let run = run_and_kill(&dir.0, round, delay, &ctx);
        let stored = verify(&dir.0, &run, last, round, &ctx);
        let acked = run.max_acked - run.start + 1;
        total_acks += acked;
        eprintln!(
            "crash round {round}/{rounds}: entries {}..={} acked ({acked} acks, {} to first ack, \
             killed {} ms later), last applied after reopen {}, round took {} ms",
            run.start,
            run.max_acked,
            fmt_ms(run.first_ack_after),
            delay.as_millis(),
            stored.index,
            round_started.elapsed().as_millis()
        );
        last = stored;
    }
    eprintln!(
        "crash test: {rounds} rounds passed, {total_acks} acknowledged entries in total, \
         {} entries in the database, {} ms (seed {seed})",
        last.index,
        started.elapsed().as_millis()
    );
}

/// What the parent saw of one killed child.
struct ChildRun {
    start: u64,
    term: u64,
    max_acked: u64,
    max_started: u64,
    first_ack_after: Duration,
}

/// Spawns the child, waits for its first ack and then `delay`, kills it with SIGKILL and
/// reads everything it printed.
fn run_and_kill(dir: &Path, round: u64, delay: Duration, ctx: &str) -> ChildRun {
    let exe = std::env::current_exe().expect("the path of the test binary");
    let spawned_at = Instant::now();
    let mut child = Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            CHILD_TEST,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR_ENV, dir)
        .env(CHILD_TERM_ENV, round.to_string())
        .env_remove(ROUNDS_ENV)
        .env_remove(SEED_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{ctx}: cannot spawn the child: {error}"));
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let guard = KillOnDrop(Some(child));
    let (events, lines) = mpsc::channel();
    let stdout_reader = std::thread::spawn(move || read_events(stdout, events));
    let stderr_reader: JoinHandle<String> = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut seen = Seen::default();
    let deadline = spawned_at + FIRST_ACK_TIMEOUT;
    let first_ack_after = loop {
        if seen.max_acked.is_some() {
            break spawned_at.elapsed();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(event) => seen.record(event, ctx),
            Err(RecvTimeoutError::Timeout) => {
                let mut child = guard.kill();
                let status = child.wait();
                panic!(
                    "{ctx}: the child acknowledged no entry within {FIRST_ACK_TIMEOUT:?} \
                     (killed it: {status:?}); its stdout: {:?}; its stderr: {}",
                    stdout_reader.join().map(|other| other.other).ok(),
                    stderr_reader.join().unwrap_or_default()
                )
            }
            Err(RecvTimeoutError::Disconnected) => {
                let mut child = guard.kill();
                let status = child.wait();
                panic!(
                    "{ctx}: the child exited before acknowledging an entry ({status:?}); \
                     its stdout: {:?}; its stderr: {}",
                    stdout_reader.join().map(|other| other.other).ok(),
                    stderr_reader.join().unwrap_or_default()
                )
            }
        }
    };
    std::thread::sleep(delay);
    let mut child = guard.kill();
    let status = child
        .wait()
        .unwrap_or_else(|error| panic!("{ctx}: waiting for the killed child: {error}"));
    // Everything the child wrote before it died is still in the pipe: read it to the end.
    for event in lines.iter() {
        seen.record(event, ctx);
    }
    let output = stdout_reader.join().expect("the stdout reader");
    let child_stderr = stderr_reader.join().expect("the stderr reader");
    #[cfg(not(unix))]
    let _ = (status, output, child_stderr);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "{ctx}: the child was not killed by SIGKILL but ended with {status:?}; \
             stdout: {:?}; stderr: {child_stderr}",
            output.other
        );
    }
    let (start, term) = seen
        .start
        .unwrap_or_else(|| panic!("{ctx}: the child acknowledged entries without a start line"));
    ChildRun {
        start,
        term,
        max_acked: seen.max_acked.unwrap(),
        max_started: seen.max_started.unwrap_or(0),
        first_ack_after,
    }
}

/// Reopens the table after a crash and checks it against what the child acknowledged.
fn verify(dir: &Path, run: &ChildRun, before: TermIndex, round: u64, ctx: &str) -> TermIndex {
    assert_eq!(
        run.start,
        before.index.0 + 1,
        "{ctx}: the child resumed at index {} but the last applied entry before the round was {}",
        run.start,
        before.index
    );
    assert_eq!(run.term, round, "{ctx}: the child used another term");
    let table = open(dir).unwrap_or_else(|error| {
        panic!("{ctx}: reopening the database after the kill failed: {error}")
    });
    let last = table.last_applied();
    assert!(
        last.index >= LogIndex(run.max_acked),
        "{ctx}: entry {} was acknowledged but the last applied entry after reopening is {} \
         (acknowledged writes were lost)",
        run.max_acked,
        last.index
    );
    assert!(
        last.index <= LogIndex(run.max_started),
        "{ctx}: the last applied entry after reopening is {} but the child never started an \
         apply after {}",
        last.index,
        run.max_started
    );
    assert_eq!(
        last,
        TermIndex {
            term: Term(round),
            index: last.index
        },
        "{ctx}: the last applied entry has the wrong term"
    );
    for residue in 0..NAMES {
        let name = format!("svc-{residue}");
        // The last entry at or below `last.index` that set this name.
        let expected = last
            .index
            .0
            .checked_sub((last.index.0 + NAMES - residue) % NAMES)
            .filter(|&index| index >= 1);
        let stored = table
            .read(&name)
            .unwrap_or_else(|error| panic!("{ctx}: reading {name} failed: {error}"));
        match (expected, stored) {
            (None, None) => {}
            (Some(index), Some(stored)) if stored == value_of(index) => {}
            (expected, stored) => panic!(
                "{ctx}: {name} holds {:?} but the last applied entry is {} so it should hold \
                 {:?} (the value of entry {expected:?})",
                stored.as_deref().map(describe),
                last.index,
                expected.map(|index| describe(&value_of(index)))
            ),
        }
    }
    let names = table
        .list()
        .unwrap_or_else(|error| panic!("{ctx}: listing failed: {error}"));
    assert_eq!(
        names.len() as u64,
        NAMES.min(last.index.0),
        "{ctx}: unexpected configurations {names:?}"
    );
    last
}

enum Event {
    Start { index: u64, term: u64 },
    Apply(u64),
    Ack(u64),
}

#[derive(Default)]
struct Seen {
    start: Option<(u64, u64)>,
    max_started: Option<u64>,
    max_acked: Option<u64>,
}

impl Seen {
    fn record(&mut self, event: Event, ctx: &str) {
        match event {
            Event::Start { index, term } => self.start = Some((index, term)),
            Event::Apply(index) => {
                let expected = self
                    .max_acked
                    .map_or(self.start.map(|(first, _)| first), |acked| Some(acked + 1));
                assert_eq!(
                    Some(index),
                    expected,
                    "{ctx}: the child applied entries out of order"
                );
                self.max_started = Some(index);
            }
            Event::Ack(index) => {
                assert_eq!(
                    Some(index),
                    self.max_started,
                    "{ctx}: the child acknowledged an entry it did not start"
                );
                self.max_acked = Some(index);
            }
        }
    }
}

/// The lines of the child's stdout that are not protocol lines (libtest's own output).
struct OtherOutput {
    other: Vec<String>,
}

/// Parses the child's stdout into events. A line cut by the kill (no newline) is ignored.
fn read_events(stdout: impl Read, events: mpsc::Sender<Event>) -> OtherOutput {
    let mut reader = BufReader::new(stdout);
    let mut other = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if !line.ends_with('\n') => break,
            Ok(_) => {}
        }
        let protocol = line.find(MARKER).map(|at| &line[at + MARKER.len()..]);
        let mut words = protocol.unwrap_or_default().split_whitespace();
        let number = |word: Option<&str>| word.and_then(|word| word.parse::<u64>().ok());
        let event = match words.next() {
            Some("start") => number(words.next())
                .zip(number(words.next()))
                .map(|(index, term)| Event::Start { index, term }),
            Some("apply") => number(words.next()).map(Event::Apply),
            Some("ack") => number(words.next()).map(Event::Ack),
            _ => None,
        };
        match event {
            Some(event) => {
                // The parent stops listening only after the child is dead.
                let _ = events.send(event);
            }
            None => other.push(line.trim_end().to_owned()),
        }
    }
    OtherOutput { other }
}

/// Kills (SIGKILL on Unix) and reaps the child if the test panics before killing it.
struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    /// Sends SIGKILL and hands the child back to be waited for.
    fn kill(mut self) -> Child {
        let mut child = self.0.take().expect("killed once");
        let _ = child.kill();
        child
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A temporary directory that is removed only when the test passes, so a failed run leaves
/// its database to look at.
struct KeptOnFailure(PathBuf);

impl KeptOnFailure {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("omsvc-crash-")
            .tempdir()
            .expect("a temporary directory")
            .keep();
        KeptOnFailure(dir.join("db"))
    }
}

impl Drop for KeptOnFailure {
    fn drop(&mut self) {
        let parent = self.0.parent().unwrap();
        if std::thread::panicking() {
            eprintln!("crash test failed: database kept in {}", parent.display());
        } else {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// xorshift64*: enough randomness for kill delays, reproducible from the seed.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // Spread the seed so nearby seeds give unrelated sequences; never zero.
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A value's head and length: enough to tell which entry wrote it.
fn describe(value: &[u8]) -> String {
    let head = String::from_utf8_lossy(&value[..value.len().min(24)]).into_owned();
    format!("{head}... ({} bytes)", value.len())
}

fn fmt_ms(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}
