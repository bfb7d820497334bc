//! openraft mode measured end to end: real `omsvc node run` processes on 127.0.0.1, real
//! RocksDB in a temp dir, clients over TCP. Not criterion: each figure is a fixed workload
//! (writers for a fixed time, a number of leader kills) with its baseline measured in the
//! same run. Prints `== raft targets ==` (human lines), then one `BENCH` line per figure, and
//! writes the raw samples as JSON for `benches/raft_plot.py`. BENCHMARKS.md explains the figures.
//!
//! Environment (all optional): `OMSVC_RAFT_BENCH_DATA` (where the JSON goes, default
//! `$CARGO_TARGET_DIR/raft-bench.json`), `OMSVC_RAFT_BENCH_WRITE_SECS` (5),
//! `OMSVC_RAFT_BENCH_SCRAPE_SECS` (20), `OMSVC_RAFT_BENCH_KILLS` (30),
//! `OMSVC_RAFT_BENCH_TRANSFERS` (10), `OMSVC_RAFT_BENCH_COMMAND_KILLS` (20: leader kills with a
//! leader-only command).

use omsvc_core::encode_set_request;
use omsvc_core::proto::raft_node_status::ServerState;
use omsvc_core::proto::service_status::State;
use omsvc_raft::{NodeReport, RaftClient, RaftTimeouts};
use omsvc_testkit::binary::omsvc_binary;
use omsvc_testkit::http_request::request;
use omsvc_testkit::node_process::{Line, LineWatcher, NodeProc, CLUSTER, START_TIMEOUT};
use omsvc_testkit::poll::poll_every;
use omsvc_testkit::{process_cluster, timings};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// The defaults of `omsvc node run` and `RaftTimeouts`, passed explicitly.
const TIMINGS: RaftTimeouts = timings::PROCESS;
const WRITER_COUNTS: [usize; 3] = [1, 16, 64];
const VALUE: [u8; 1024] = [0x5a; 1024];
/// How long a leader change may take before the round counts as failed.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a `trigger_election` may take to move the service before it counts as no move.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(5);
/// Quiet time after the cluster is whole again, before the next kill or transfer.
const SETTLE: Duration = Duration::from_millis(1000);
/// Idle time before the idle memory figure.
const IDLE: Duration = Duration::from_secs(5);
const FSYNC_PROBE: Duration = Duration::from_secs(2);
/// Write runs alternate between the 3-node and the 1-node cluster in slices this long.
const SLICE: Duration = Duration::from_secs(1);
/// The leader-only command of the command failover rounds: it prints [`COMMAND_MARKER`] as
/// soon as it runs (the node logs it), then waits.
const COMMAND_SERVICE: &str = "LeaderCommand";
const COMMAND_MARKER: &str = "leader-command running";
/// Failover targets.
const FAILOVER_MEDIAN_TARGET_MS: f64 = 1000.0;
const FAILOVER_P99_TARGET_MS: f64 = 2000.0;

fn main() {
    let write_secs = env_u64("OMSVC_RAFT_BENCH_WRITE_SECS", 5);
    let kills = env_u64("OMSVC_RAFT_BENCH_KILLS", 30) as usize;
    let command_kills = env_u64("OMSVC_RAFT_BENCH_COMMAND_KILLS", 20) as usize;
    let transfers = env_u64("OMSVC_RAFT_BENCH_TRANSFERS", 10) as usize;
    let scrape_secs = env_u64("OMSVC_RAFT_BENCH_SCRAPE_SECS", 20);
    let data_path = std::env::var_os("OMSVC_RAFT_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| PathBuf::from("target"), PathBuf::from)
                .join("raft-bench.json")
        });
    println!("== raft ==");
    println!(
        "binary: {}\ntimeouts: heartbeat {} ms, election {}-{} ms; \
         writes: {write_secs} s per writer count; scraping: {scrape_secs} s per writer count; \
         kills: {kills}; transfers: {transfers}; command kills: {command_kills}",
        omsvc_binary().display(),
        TIMINGS.heartbeat.as_millis(),
        TIMINGS.election_min.as_millis(),
        TIMINGS.election_max.as_millis(),
    );
    println!("before: {}", pressure());

    let fsync = raw_fsync_rate(FSYNC_PROBE);
    println!(
        "raw fsync rate (RocksDB put_opt sync, 1 KiB, one thread, {} s): {:.0} puts/s ({:.1} us each)",
        FSYNC_PROBE.as_secs(),
        fsync,
        1e6 / fsync
    );

    let writes = write_figures(Duration::from_secs(write_secs));
    let scraping = scrape_figures(Duration::from_secs(scrape_secs));
    println!("before the failover rounds: {}", pressure());
    let failover = failover_figures(kills, transfers);
    println!("before the command failover rounds: {}", pressure());
    let commands = command_failover_figures(command_kills);
    println!("after: {}", pressure());

    let data = json!({
        "election_min_ms": TIMINGS.election_min.as_millis() as u64,
        "election_max_ms": TIMINGS.election_max.as_millis() as u64,
        "heartbeat_ms": TIMINGS.heartbeat.as_millis() as u64,
        "raw_fsync_per_s": fsync,
        "writes": writes.runs.iter().map(|run| json!({
            "nodes": run.nodes,
            "writers": run.writers,
            "seconds": run.elapsed.as_secs_f64(),
            "writes": run.latencies_us.len(),
            "errors": run.errors,
            "latencies_us": run.latencies_us,
        })).collect::<Vec<_>>(),
        "vmhwm_kib": {"idle": writes.idle_kib, "w64": writes.loaded_kib},
        "scraping": {
            "interval_s": SCRAPE_INTERVAL.as_secs_f64(),
            "scrape_ms": scraping.scrape_ms,
            "scrape_bytes": scraping.scrape_bytes,
            "failed_scrapes": scraping.failed_scrapes,
            "runs": scraping.runs.iter().map(|run| json!({
                "writers": run.writers,
                "scraped": {"seconds": run.scraped.elapsed.as_secs_f64(), "writes": run.scraped.latencies_us.len(), "errors": run.scraped.errors},
                "unscraped": {"seconds": run.unscraped.elapsed.as_secs_f64(), "writes": run.unscraped.latencies_us.len(), "errors": run.unscraped.errors},
            })).collect::<Vec<_>>(),
        },
        "failovers": failover.kills.iter().map(|c| json!({
            "ms": c.ms, "from": c.from, "to": c.to, "disrupted_after": c.disrupted_after,
        })).collect::<Vec<_>>(),
        "transfers": failover.transfers.iter().map(|t| json!({
            "ms": t.ms, "from": t.from, "triggered": t.triggered, "to": t.to,
        })).collect::<Vec<_>>(),
        "command_failovers": commands.iter().map(|c| json!({
            "ms": c.ms, "from": c.from, "to": c.to, "disrupted_after": c.disrupted_after,
        })).collect::<Vec<_>>(),
    });
    if let Some(parent) = data_path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    std::fs::write(&data_path, serde_json::to_vec_pretty(&data).unwrap())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", data_path.display()));
    println!("samples: {}", data_path.display());

    summarize(&writes, &scraping, &failover, &commands);
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|e| panic!("{name}={text:?} is not a number: {e}")),
        Err(_) => default,
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The load average and the share of time tasks stalled on I/O over the last 10 s
/// (`/proc/pressure/io`, "some avg10"): other processes' fsyncs slow every write figure.
fn pressure() -> String {
    let io = std::fs::read_to_string("/proc/pressure/io")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("some "))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|field| field.strip_prefix("avg10="))
                .map(|value| format!("{value}%"))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    format!("load {}, io stall {io}", loadavg())
}

// ---------------------------------------------------------------------------------------------
// Node processes

/// A service start a node process printed (the demo service's `STARTED` line on stdout, or a
/// leader-only command's first line in the log), stamped when it was read.
struct Event {
    node: u64,
    at: Instant,
}

/// Sends node `node`'s service starts to `events`.
fn service_starts(node: u64, events: Sender<Event>) -> LineWatcher {
    // The demo service prints "node N: service STARTED at epoch E, ..." in start().
    let demo_started = format!("node {node}: service STARTED");
    Arc::new(move |line: &Line, at: Instant| {
        let started = if line.stderr {
            line.text.contains(COMMAND_MARKER) && line.text.contains("::command::output")
        } else {
            line.text.starts_with(&demo_started)
        };
        if started {
            let _ = events.send(Event { node, at });
        }
    })
}

/// A cluster of node processes (nodes `1..=size`, each on a fixed port and data directory
/// across restarts) and the service starts they print.
struct Cluster {
    processes: process_cluster::Cluster,
    /// Each node's `--http` address (`/metrics`), when the nodes serve it.
    http: Vec<String>,
    events: Receiver<Event>,
}

impl Cluster {
    /// Starts nodes `size..=2`, then node 1 with `--init` and the others as peers.
    fn start(size: u64, demo_service: bool) -> Cluster {
        Cluster::start_with(size, demo_service, false, &[])
    }

    /// [`Cluster::start`], each node also serving `/metrics` (`--http`) when `http`, and with
    /// `extra_args` given to every start of every node.
    fn start_with(size: u64, demo_service: bool, http: bool, extra_args: &[String]) -> Cluster {
        let (tx, events) = mpsc::channel();
        let processes = process_cluster::Cluster::start_with(size, demo_service, |node| {
            node.extra_args = extra_args.to_vec();
            if http {
                node.extra_args
                    .extend(["--http".to_owned(), "127.0.0.1:0".to_owned()]);
            }
            node.watcher = Some(service_starts(node.id, tx.clone()));
        });
        let http = if http {
            processes.http_addrs(START_TIMEOUT)
        } else {
            Vec::new()
        };
        Cluster {
            processes,
            http,
            events,
        }
    }

    fn node(&self, id: u64) -> &NodeProc {
        self.processes.node(id)
    }

    fn nodes(&self) -> impl Iterator<Item = &NodeProc> {
        self.processes.nodes.iter()
    }

    /// SIGKILL, then reap.
    fn kill(&mut self, id: u64) {
        self.processes.node_mut(id).kill();
    }

    /// Starts node `id` again and waits until it listens.
    fn restart(&mut self, id: u64) {
        let node = self.processes.node_mut(id);
        node.spawn(&[]);
        if let Err(message) = node.wait_listening(START_TIMEOUT) {
            panic!("{message}\n{}", self.processes.tails(15));
        }
    }

    /// Waits until every node is up and agrees on one leader that leads by its own account,
    /// every follower has applied nearly as far as the leader, and (with the demo service)
    /// the leader's service runs. Returns the leader's id.
    fn wait_whole(&self, need_service: bool) -> u64 {
        let mut reports = Vec::new();
        poll_every(Duration::from_millis(20), START_TIMEOUT, || {
            reports = self
                .nodes()
                .map(|node| node.is_running().then(|| node.status().ok()).flatten())
                .collect();
            whole(&reports, need_service).ok_or_else(String::new)
        })
        .unwrap_or_else(|_| {
            panic!(
                "the cluster did not become whole within {START_TIMEOUT:?}: {reports:#?}\n{}",
                self.processes.tails(15)
            )
        })
    }

    /// Events received so far, without waiting.
    fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// The first service start at or after `since` on a node other than `old` (on any node
    /// if `old` is None), within `timeout`.
    fn wait_start(&self, old: Option<u64>, since: Instant, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) if Some(event.node) != old && event.at >= since => return Some(event),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    fn tails(&self) -> String {
        self.processes.tails(15)
    }
}

fn whole(reports: &[Option<NodeReport>], need_service: bool) -> Option<u64> {
    let reports: Vec<&NodeReport> = reports.iter().map(|r| r.as_ref()).collect::<Option<_>>()?;
    let leader_id = reports[0].leader()?;
    let leader = reports.iter().find(|r| r.id() == leader_id)?;
    let agreed = reports.iter().all(|r| r.leader() == Some(leader_id));
    let caught_up = reports
        .iter()
        .all(|r| r.last_applied_index().0 + 20 >= leader.last_applied_index().0);
    let running = !need_service
        || leader
            .services()
            .iter()
            .any(|s| s.state() == State::Running);
    (agreed && caught_up && running && leader.server_state() == ServerState::Leader)
        .then_some(leader_id)
}

/// Peak resident set size of a running node, in KiB.
fn vmhwm_kib(node: &NodeProc) -> u64 {
    node.vmhwm_kib()
        .unwrap_or_else(|| panic!("no VmHWM of node {} in /proc", node.id))
}

// ---------------------------------------------------------------------------------------------
// Writes

struct WriteRun {
    nodes: u64,
    writers: usize,
    elapsed: Duration,
    errors: u64,
    /// Every successful write's latency (sorted once all slices are in).
    latencies_us: Vec<u64>,
}

impl WriteRun {
    fn empty(nodes: u64, writers: usize) -> WriteRun {
        WriteRun {
            nodes,
            writers,
            elapsed: Duration::ZERO,
            errors: 0,
            latencies_us: Vec::new(),
        }
    }

    fn add(&mut self, slice: WriteRun) {
        self.elapsed += slice.elapsed;
        self.errors += slice.errors;
        self.latencies_us.extend(slice.latencies_us);
    }

    fn per_second(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64()
    }
    fn percentile_ms(&self, p: f64) -> f64 {
        let sorted: Vec<f64> = self.latencies_us.iter().map(|us| *us as f64).collect();
        percentile(&sorted, p) / 1000.0
    }
}

struct WriteFigures {
    runs: Vec<WriteRun>,
    idle_kib: u64,
    loaded_kib: u64,
    loaded_node: u64,
}

impl WriteFigures {
    fn run(&self, nodes: u64, writers: usize) -> &WriteRun {
        self.runs
            .iter()
            .find(|run| run.nodes == nodes && run.writers == writers)
            .expect("every run was measured")
    }
}

/// A 3-node and a 1-node cluster (no services): the 3-node leader's VmHWM after 5 s idle, then
/// each writer count on both clusters in alternating slices, then the leader's VmHWM again.
fn write_figures(duration: Duration) -> WriteFigures {
    let three = Cluster::start(3, false);
    let one = Cluster::start(1, false);
    let leader3 = three.wait_whole(false);
    let leader1 = one.wait_whole(false);
    let leader3_addr = three.node(leader3).addr.clone();
    let leader1_addr = one.node(leader1).addr.clone();

    std::thread::sleep(IDLE);
    let idle_kib = vmhwm_kib(three.node(leader3));
    let idle_all: Vec<String> = three
        .nodes()
        .map(|n| format!("node {}: {} KiB", n.id, vmhwm_kib(n)))
        .collect();
    println!(
        "idle VmHWM after {} s (3-node cluster, leader is node {leader3}): {}",
        IDLE.as_secs(),
        idle_all.join(", ")
    );

    // Each figure and its baseline alternate in short slices, so a burst of disk or CPU
    // contention from other processes lands on both sides of the ratio alike.
    let slices = (duration.as_millis() / SLICE.as_millis()).max(1) as u32;
    let slice = duration / slices;
    let mut runs = Vec::new();
    let mut loaded_kib = 0;
    for writers in WRITER_COUNTS {
        let mut on_three = WriteRun::empty(3, writers);
        let mut on_one = WriteRun::empty(1, writers);
        for _ in 0..slices {
            on_three.add(write_run(&leader3_addr, 3, writers, slice));
            on_one.add(write_run(&leader1_addr, 1, writers, slice));
        }
        for run in [&mut on_three, &mut on_one] {
            run.latencies_us.sort_unstable();
            println!(
                "writes: {} node(s), {writers:>2} writer(s): {:>7.1} writes/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} writes, {} errors, {:.2} s) [{}]",
                run.nodes,
                run.per_second(),
                run.percentile_ms(0.50),
                run.percentile_ms(0.99),
                run.percentile_ms(1.0),
                run.latencies_us.len(),
                run.errors,
                run.elapsed.as_secs_f64(),
                pressure()
            );
        }
        if writers == 64 {
            loaded_kib = vmhwm_kib(three.node(leader3));
            let all: Vec<String> = three
                .nodes()
                .map(|n| format!("node {}: {} KiB", n.id, vmhwm_kib(n)))
                .collect();
            println!(
                "VmHWM after the 64-writer runs (3-node cluster): {}",
                all.join(", ")
            );
        }
        runs.push(on_three);
        runs.push(on_one);
    }
    if three.wait_whole(false) != leader3 {
        println!("note: the 3-node cluster changed leader during the write runs");
    }
    WriteFigures {
        runs,
        idle_kib,
        loaded_kib,
        loaded_node: leader3,
    }
}

/// `writers` threads, each with its own client to `addr`, overwriting its own 1 KiB
/// configuration as fast as it is acknowledged, for `duration`.
fn write_run(addr: &str, nodes: u64, writers: usize, duration: Duration) -> WriteRun {
    let barrier = Arc::new(Barrier::new(writers + 1));
    let errors = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let (addr, barrier, errors) = (addr.to_owned(), barrier.clone(), errors.clone());
            std::thread::spawn(move || {
                let name = format!("BenchWriter{w:02}");
                let command = encode_set_request(&name, &VALUE).expect("a set request");
                let mut client =
                    RaftClient::new(&addr, CLUSTER, Duration::from_secs(10)).expect("a client");
                // Untimed: connect, and make sure the configuration exists.
                client.write(command.clone()).expect("a first write");
                barrier.wait();
                let began = Instant::now();
                let mut latencies = Vec::new();
                while began.elapsed() < duration {
                    let t = Instant::now();
                    match client.write(command.clone()) {
                        Ok(_) => latencies.push(t.elapsed().as_micros() as u64),
                        Err(error) => {
                            if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("write failed: {error}");
                            }
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    barrier.wait();
    let began = Instant::now();
    let mut latencies_us: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a writer thread"))
        .collect();
    let elapsed = began.elapsed();
    latencies_us.sort_unstable();
    WriteRun {
        nodes,
        writers,
        elapsed,
        errors: errors.load(Ordering::Relaxed),
        latencies_us,
    }
}

/// Synced 1 KiB RocksDB puts per second in one thread: the disk's commit rate.
fn raw_fsync_rate(duration: Duration) -> f64 {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut options = rocksdb::Options::default();
    options.create_if_missing(true);
    let db = rocksdb::DB::open(&options, dir.path()).expect("a RocksDB");
    let mut write = rocksdb::WriteOptions::default();
    write.set_sync(true);
    let began = Instant::now();
    let mut puts = 0u64;
    while began.elapsed() < duration {
        db.put_opt(b"key", VALUE, &write).expect("a put");
        puts += 1;
    }
    puts as f64 / began.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------------------------------------
// The cost of scraping /metrics

/// Writer counts of the scraping figure: one writer (latency-bound) and sixteen (batched).
const SCRAPE_WRITER_COUNTS: [usize; 2] = [1, 16];
/// How often every node is scraped while scraping is on (a Prometheus `scrape_interval: 1s`).
const SCRAPE_INTERVAL: Duration = Duration::from_secs(1);
/// Scraped and unscraped slices alternate this long each (scraped first, then unscraped
/// first, and so on, so a drift in the machine's load lands on both sides alike).
const SCRAPE_SLICE: Duration = Duration::from_secs(1);

struct ScrapeRun {
    writers: usize,
    scraped: WriteRun,
    unscraped: WriteRun,
}

struct ScrapeFigures {
    runs: Vec<ScrapeRun>,
    /// Every scrape's time to the whole answer, in ms.
    scrape_ms: Vec<f64>,
    /// The size of the last answer, in bytes.
    scrape_bytes: usize,
    failed_scrapes: u64,
}

/// Scrapes every node's `/metrics` on a fixed one-second schedule, on the ticks that fall
/// while it is enabled.
struct Scraper {
    enabled: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(Vec<f64>, usize, u64)>,
}

impl Scraper {
    fn start(addrs: Vec<String>) -> Scraper {
        let enabled = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (on, end) = (enabled.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let (mut times, mut bytes, mut failed) = (Vec::new(), 0, 0);
            let began = Instant::now();
            let mut tick = 0u32;
            while !end.load(Ordering::Relaxed) {
                tick += 1;
                let next = began + SCRAPE_INTERVAL * tick;
                while Instant::now() < next && !end.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                if !on.load(Ordering::Relaxed) || end.load(Ordering::Relaxed) {
                    continue;
                }
                for addr in &addrs {
                    let t = Instant::now();
                    match http_get(addr, "/metrics") {
                        Ok(body) => {
                            times.push(t.elapsed().as_secs_f64() * 1e3);
                            bytes = body;
                        }
                        Err(error) => {
                            if failed == 0 {
                                eprintln!("scrape of {addr} failed: {error}");
                            }
                            failed += 1;
                        }
                    }
                }
            }
            (times, bytes, failed)
        });
        Scraper {
            enabled,
            stop,
            thread,
        }
    }

    fn set(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    fn finish(self) -> (Vec<f64>, usize, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the scraper thread")
    }
}

/// `GET path` over a fresh connection, as Prometheus does with keep-alive off: the body's size.
fn http_get(addr: &str, path: &str) -> Result<usize, String> {
    match request(addr, "GET", path)? {
        (200, body) => Ok(body.len()),
        (status, body) => Err(format!(
            "{status}: {}",
            body.chars().take(200).collect::<String>()
        )),
    }
}

/// A 3-node cluster (no services) whose nodes serve `/metrics`: for each writer count, write
/// slices with every node scraped every second alternate with slices without scraping.
fn scrape_figures(duration: Duration) -> ScrapeFigures {
    let cluster = Cluster::start_with(3, false, true, &[]);
    let leader = cluster.wait_whole(false);
    let leader_addr = cluster.node(leader).addr.clone();
    let scraper = Scraper::start(cluster.http.clone());
    let slices = (duration.as_millis() / (2 * SCRAPE_SLICE.as_millis())).max(1) as u32;
    let mut runs = Vec::new();
    for writers in SCRAPE_WRITER_COUNTS {
        let mut scraped = WriteRun::empty(3, writers);
        let mut unscraped = WriteRun::empty(3, writers);
        for slice in 0..slices {
            for scraping in [slice % 2 == 0, slice % 2 == 1] {
                scraper.set(scraping);
                let run = write_run(&leader_addr, 3, writers, SCRAPE_SLICE);
                if scraping {
                    scraped.add(run);
                } else {
                    unscraped.add(run);
                }
            }
        }
        scraper.set(false);
        for (label, run) in [("scraped", &mut scraped), ("unscraped", &mut unscraped)] {
            run.latencies_us.sort_unstable();
            println!(
                "writes, 3 nodes {label:>9}: {writers:>2} writer(s): {:>7.1} writes/s, p50 {:.2} ms, p99 {:.2} ms ({} writes, {} errors, {:.2} s) [{}]",
                run.per_second(),
                run.percentile_ms(0.50),
                run.percentile_ms(0.99),
                run.latencies_us.len(),
                run.errors,
                run.elapsed.as_secs_f64(),
                pressure()
            );
        }
        runs.push(ScrapeRun {
            writers,
            scraped,
            unscraped,
        });
    }
    let (mut scrape_ms, scrape_bytes, failed_scrapes) = scraper.finish();
    scrape_ms.sort_by(f64::total_cmp);
    if cluster.wait_whole(false) != leader {
        println!("note: the scraped cluster changed leader during the write runs");
    }
    ScrapeFigures {
        runs,
        scrape_ms,
        scrape_bytes,
        failed_scrapes,
    }
}

// ---------------------------------------------------------------------------------------------
// Failover and transfer

struct Change {
    ms: f64,
    from: u64,
    to: u64,
    /// Service starts seen after this change before the next round (a restarted node
    /// disturbing the new leader, say).
    disrupted_after: usize,
}

struct Transfer {
    /// Time to the first service start on any node (None: none within the timeout).
    ms: Option<f64>,
    from: u64,
    triggered: u64,
    to: Option<u64>,
}

struct FailoverFigures {
    kills: Vec<Change>,
    transfers: Vec<Transfer>,
}

impl FailoverFigures {
    fn kill_ms(&self) -> Vec<f64> {
        sorted(self.kills.iter().map(|c| c.ms))
    }
    /// Transfers that moved the service off the old leader.
    fn transfer_ms(&self) -> Vec<f64> {
        sorted(
            self.transfers
                .iter()
                .filter(|t| t.to.is_some_and(|to| to != t.from))
                .filter_map(|t| t.ms),
        )
    }
}

/// A 3-node cluster running the demo service: `kills` rounds of SIGKILL the leader, time
/// until the service starts elsewhere, restart the killed node; then `transfers` rounds of
/// `trigger_election` on a follower.
fn failover_figures(kills: usize, transfers: usize) -> FailoverFigures {
    let mut cluster = Cluster::start(3, true);
    let mut leader = cluster.wait_whole(true);
    std::thread::sleep(SETTLE);
    let mut figures = FailoverFigures {
        kills: kill_rounds(&mut cluster, &mut leader, kills, "kill", "service started"),
        transfers: Vec::new(),
    };
    for round in 1..=transfers {
        let followers: Vec<u64> = cluster
            .nodes()
            .map(|node| node.id)
            .filter(|id| *id != leader)
            .collect();
        let triggered = followers[round % followers.len()];
        cluster.drain();
        let began = Instant::now();
        if let Err(error) = cluster.node(triggered).client().trigger_election() {
            println!("transfer {round:>2}: trigger_election on node {triggered} failed: {error}");
        }
        let started = cluster.wait_start(None, began, TRANSFER_TIMEOUT);
        let transfer = Transfer {
            ms: started.as_ref().map(|e| (e.at - began).as_secs_f64() * 1e3),
            from: leader,
            triggered,
            to: started.as_ref().map(|e| e.node),
        };
        match (transfer.ms, transfer.to) {
            (Some(ms), Some(to)) => println!(
                "transfer {round:>2}: trigger_election on node {triggered} (leader node {leader}): service started on node {to} after {ms:.1} ms{}",
                if to == leader {
                    " (the old leader again: not moved)"
                } else if to != triggered {
                    " (not the triggering node)"
                } else {
                    ""
                }
            ),
            _ => println!(
                "transfer {round:>2}: trigger_election on node {triggered} (leader node {leader}): no service start within {TRANSFER_TIMEOUT:?}"
            ),
        }
        figures.transfers.push(transfer);
        cluster.wait_whole(true);
        std::thread::sleep(SETTLE);
        cluster.drain();
        leader = cluster.wait_whole(true);
    }
    figures
}

/// `kills` rounds of: SIGKILL the leader, time until the service (the demo's, or a leader-only
/// command) starts on another node, restart the killed node and wait until the cluster is
/// whole again. `label` and `started` name the round and the start in its line.
fn kill_rounds(
    cluster: &mut Cluster,
    leader: &mut u64,
    kills: usize,
    label: &str,
    started_what: &str,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for round in 1..=kills {
        cluster.drain();
        let killed_at = Instant::now();
        cluster.kill(*leader);
        let Some(started) = cluster.wait_start(Some(*leader), killed_at, CHANGE_TIMEOUT) else {
            panic!(
                "{label} {round}: nothing started within {CHANGE_TIMEOUT:?} after killing node {leader}\n{}",
                cluster.tails()
            );
        };
        let ms = (started.at - killed_at).as_secs_f64() * 1e3;
        cluster.restart(*leader);
        let whole = cluster.wait_whole(true);
        std::thread::sleep(SETTLE);
        let disrupted_after = cluster.drain().len();
        println!(
            "{label} {round:>2}: node {leader} SIGKILLed, {started_what} on node {} after {ms:.1} ms{}",
            started.node,
            if disrupted_after > 0 || whole != started.node {
                format!(
                    " (then {disrupted_after} more start(s) before the next round; leader now node {whole})"
                )
            } else {
                String::new()
            }
        );
        changes.push(Change {
            ms,
            from: *leader,
            to: started.node,
            disrupted_after,
        });
        *leader = cluster.wait_whole(true);
    }
    changes
}

/// A 3-node cluster running a leader-only command (`--service`): `kills` rounds of SIGKILL
/// the leader, time until the command runs on another node (its first output line in that
/// node's log), restart the killed node.
fn command_failover_figures(kills: usize) -> Vec<Change> {
    let command = format!("{COMMAND_SERVICE}=echo '{COMMAND_MARKER}'; exec sleep 3600");
    let mut cluster = Cluster::start_with(3, false, false, &["--service".to_owned(), command]);
    let mut leader = cluster.wait_whole(true);
    std::thread::sleep(SETTLE);
    kill_rounds(
        &mut cluster,
        &mut leader,
        kills,
        "command kill",
        "command running",
    )
}

// ---------------------------------------------------------------------------------------------
// Statistics and the summary

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values
}

/// Nearest-rank percentile of sorted values (p in 0..=1); NaN when there are none.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn met(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

fn summarize(
    writes: &WriteFigures,
    scraping: &ScrapeFigures,
    failover: &FailoverFigures,
    commands: &[Change],
) {
    let mut lines = Vec::new();
    let mut bench = |name: String, value: f64, unit: &str, baseline: String, base: f64| {
        lines.push(format!(
            "BENCH {name} value={value:.3} unit={unit} baseline={baseline} ratio={:.3}",
            value / base
        ));
    };
    println!("== raft targets ==");
    for writers in WRITER_COUNTS {
        let (three, one) = (writes.run(3, writers), writes.run(1, writers));
        println!(
            "w{writers}: 3 nodes {:.1} writes/s (p50 {:.2} ms, p99 {:.2} ms) vs 1 node {:.1} writes/s (p50 {:.2} ms, p99 {:.2} ms); no target",
            three.per_second(),
            three.percentile_ms(0.5),
            three.percentile_ms(0.99),
            one.per_second(),
            one.percentile_ms(0.5),
            one.percentile_ms(0.99)
        );
        bench(
            format!("raft_write_throughput_w{writers}"),
            three.per_second(),
            "writes/s",
            format!("raft1_write_throughput_w{writers}"),
            one.per_second(),
        );
        for (label, p) in [("p50", 0.5), ("p99", 0.99)] {
            bench(
                format!("raft_write_{label}_w{writers}"),
                three.percentile_ms(p),
                "ms",
                format!("raft1_write_{label}_w{writers}"),
                one.percentile_ms(p),
            );
        }
    }
    println!(
        "scraping /metrics of every node every {} s: {} scrapes ({} failed), median {:.2} ms, p99 {:.2} ms, {} bytes each",
        SCRAPE_INTERVAL.as_secs(),
        scraping.scrape_ms.len(),
        scraping.failed_scrapes,
        percentile(&scraping.scrape_ms, 0.5),
        percentile(&scraping.scrape_ms, 0.99),
        scraping.scrape_bytes
    );
    for run in &scraping.runs {
        let writers = run.writers;
        let (on, off) = (&run.scraped, &run.unscraped);
        println!(
            "w{writers} scraped: {:.1} writes/s (p99 {:.2} ms) vs unscraped {:.1} writes/s (p99 {:.2} ms): ratio {:.3}; no target",
            on.per_second(),
            on.percentile_ms(0.99),
            off.per_second(),
            off.percentile_ms(0.99),
            on.per_second() / off.per_second()
        );
        bench(
            format!("raft_write_throughput_scraped_w{writers}"),
            on.per_second(),
            "writes/s",
            format!("raft_write_throughput_unscraped_w{writers}"),
            off.per_second(),
        );
        bench(
            format!("raft_write_p99_scraped_w{writers}"),
            on.percentile_ms(0.99),
            "ms",
            format!("raft_write_p99_unscraped_w{writers}"),
            off.percentile_ms(0.99),
        );
    }
    let kills = failover.kill_ms();
    let (median, p99) = (percentile(&kills, 0.5), percentile(&kills, 0.99));
    let election_max = TIMINGS.election_max.as_secs_f64() * 1e3;
    let moved = failover
        .kills
        .iter()
        .filter(|c| c.disrupted_after > 0)
        .count();
    println!(
        "failover over {} kills: median {median:.1} ms (target <= {FAILOVER_MEDIAN_TARGET_MS} ms: {}), p99 {p99:.1} ms (target <= {FAILOVER_P99_TARGET_MS} ms: {}), min {:.1} ms, max {:.1} ms; {moved} round(s) saw another leader change after the restart",
        kills.len(),
        met(median <= FAILOVER_MEDIAN_TARGET_MS),
        met(p99 <= FAILOVER_P99_TARGET_MS),
        percentile(&kills, 0.0),
        percentile(&kills, 1.0),
    );
    bench(
        "raft_failover_median".into(),
        median,
        "ms",
        "election_timeout_max".into(),
        election_max,
    );
    bench(
        "raft_failover_p99".into(),
        p99,
        "ms",
        "election_timeout_max".into(),
        election_max,
    );
    let command_kills = sorted(commands.iter().map(|c| c.ms));
    if !command_kills.is_empty() {
        let (median, p99) = (
            percentile(&command_kills, 0.5),
            percentile(&command_kills, 0.99),
        );
        println!(
            "leader-only command failover over {} kills (SIGKILL of the leader to the command's first line on another node): median {median:.1} ms, p99 {p99:.1} ms, min {:.1} ms, max {:.1} ms; no target",
            command_kills.len(),
            percentile(&command_kills, 0.0),
            percentile(&command_kills, 1.0),
        );
        bench(
            "raft_command_failover_median".into(),
            median,
            "ms",
            "election_timeout_max".into(),
            election_max,
        );
        bench(
            "raft_command_failover_p99".into(),
            p99,
            "ms",
            "election_timeout_max".into(),
            election_max,
        );
    }
    let transfers = failover.transfer_ms();
    let won = failover
        .transfers
        .iter()
        .filter(|t| t.to == Some(t.triggered))
        .count();
    println!(
        "transfer over {} trigger_election calls: {} moved the leader, the triggering node won {won}; median {:.1} ms, p99 {:.1} ms; no target",
        failover.transfers.len(),
        transfers.len(),
        percentile(&transfers, 0.5),
        percentile(&transfers, 0.99),
    );
    if !transfers.is_empty() {
        bench(
            "raft_transfer_median".into(),
            percentile(&transfers, 0.5),
            "ms",
            "election_timeout_max".into(),
            election_max,
        );
        bench(
            "raft_transfer_p99".into(),
            percentile(&transfers, 0.99),
            "ms",
            "election_timeout_max".into(),
            election_max,
        );
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "VmHWM of the 3-node leader (node {}): idle {:.1} MiB, after 64 writers {:.1} MiB; no target",
        writes.loaded_node,
        mib(writes.idle_kib),
        mib(writes.loaded_kib)
    );
    bench(
        "raft_node_vmhwm_idle".into(),
        mib(writes.idle_kib),
        "MiB",
        "raft_node_vmhwm_idle".into(),
        mib(writes.idle_kib),
    );
    bench(
        "raft_node_vmhwm_w64".into(),
        mib(writes.loaded_kib),
        "MiB",
        "raft_node_vmhwm_idle".into(),
        mib(writes.idle_kib),
    );
    println!("== raft figures ==");
    for line in lines {
        println!("{line}");
    }
}
