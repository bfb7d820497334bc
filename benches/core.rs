//! The core's hot paths, each measured next to a baseline in the same run. After the benches
//! it prints one `BENCH` line per figure from criterion's medians; BENCHMARKS.md explains them.

use criterion::Criterion;
use omsvc_core::{
    encode_set_request, ConfigTable, DbLocation, EpochToken, EventOutcome, Node, NodeOptions,
    Service, ServiceError, ServiceOptions, TableOptions,
};
use omsvc_core::{LogIndex, Term};
use rocksdb::{Options, WriteOptions, DB};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const SELF_ID: &str = "om1";
const SERVICE: &str = "KeyLifecycleService";
const CONFIG: [u8; 1024] = [0x5a; 1024];
const TERM: Term = Term(7);
const SETTLE: Duration = Duration::from_secs(10);

enum Target {
    AtMostNs(f64),
    RatioAtMost(f64),
    None,
}

/// One reported figure. Each is a criterion group named `name` holding two benchmarks:
/// `name` itself and `baseline`.
struct Figure {
    name: &'static str,
    baseline: &'static str,
    unit: &'static str,
    ns_per_unit: f64,
    target: Target,
}

const FIGURES: [Figure; 5] = [
    Figure {
        name: "event_term_index_updated_fast_path",
        baseline: "mutex_u64_lock_store",
        unit: "ns",
        ns_per_unit: 1.0,
        target: Target::AtMostNs(200.0),
    },
    Figure {
        name: "leader_flip_to_start",
        baseline: "mpsc_round_trip",
        unit: "us",
        ns_per_unit: 1e3,
        target: Target::None,
    },
    Figure {
        name: "apply_1k_sync",
        baseline: "rocksdb_put_1k_sync",
        unit: "us",
        ns_per_unit: 1e3,
        target: Target::RatioAtMost(1.2),
    },
    Figure {
        name: "apply_1k_nosync",
        baseline: "rocksdb_put_1k_nosync",
        unit: "us",
        ns_per_unit: 1e3,
        target: Target::RatioAtMost(1.2),
    },
    Figure {
        name: "read_1k",
        baseline: "rocksdb_get_1k",
        unit: "ns",
        ns_per_unit: 1.0,
        target: Target::RatioAtMost(1.2),
    },
];

fn main() {
    let started = SystemTime::now();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args();
    event_fast_path(&mut c);
    leader_flip(&mut c);
    apply(&mut c, true);
    apply(&mut c, false);
    read(&mut c);
    c.final_summary();
    summarize(&criterion_dir(), started);
}

fn event_fast_path(c: &mut Criterion) {
    let node = open_node();
    node.register(SERVICE, Noop, ServiceOptions::default())
        .unwrap();
    node.leader_changed(TERM, Some(SELF_ID));
    node.leader_ready(TERM, LogIndex(0));
    assert!(node.wait_settled(SETTLE));
    assert_eq!(
        node.term_index_updated(TERM, LogIndex(1)),
        EventOutcome::Unchanged
    );

    let mut group = c.benchmark_group(FIGURES[0].name);
    let mut index = 1;
    group.bench_function(FIGURES[0].name, |b| {
        b.iter(|| {
            index += 1;
            node.term_index_updated(TERM, LogIndex(black_box(index)))
        })
    });
    let slot = Mutex::new(0u64);
    let mut value = 0;
    group.bench_function(FIGURES[0].baseline, |b| {
        b.iter(|| {
            value += 1;
            *slot.lock().unwrap() = black_box(value);
        })
    });
    group.finish();
    node.shutdown();
}

fn leader_flip(c: &mut Criterion) {
    let (started_tx, started) = mpsc::channel();
    let node = open_node();
    node.register(
        SERVICE,
        SignalOnStart(started_tx),
        ServiceOptions::default(),
    )
    .unwrap();
    let barrier = 41;
    node.applied(Term(1), LogIndex(barrier));

    let mut group = c.benchmark_group(FIGURES[1].name);
    group.sample_size(20);
    let mut term = 1;
    group.bench_function(FIGURES[1].name, |b| {
        b.iter_custom(|flips| {
            let mut total = Duration::ZERO;
            for _ in 0..flips {
                // Untimed: step down (the runner stops the service), then win the next term.
                node.not_leader(Term(term));
                term += 1;
                node.leader_changed(Term(term), Some(SELF_ID));
                assert!(node.wait_settled(SETTLE));

                let began = Instant::now();
                node.leader_ready(Term(term), LogIndex(barrier));
                started.recv().unwrap();
                total += began.elapsed();
            }
            total
        })
    });

    let (to_echo, echo_in) = mpsc::channel::<u64>();
    let (echo_out, from_echo) = mpsc::channel::<u64>();
    let echo = std::thread::spawn(move || {
        for message in echo_in {
            if echo_out.send(message).is_err() {
                break;
            }
        }
    });
    group.bench_function(FIGURES[1].baseline, |b| {
        b.iter(|| {
            to_echo.send(black_box(1)).unwrap();
            from_echo.recv().unwrap()
        })
    });
    group.finish();
    drop(to_echo);
    echo.join().unwrap();
    node.shutdown();
}

fn apply(c: &mut Criterion, sync: bool) {
    let figure = &FIGURES[if sync { 2 } else { 3 }];
    let request = encode_set_request(SERVICE, &CONFIG).unwrap();
    let mut group = c.benchmark_group(figure.name);
    if sync {
        // Bound by fsync: fewer samples keep a slow disk from stretching the run.
        group.sample_size(10);
    }
    // Each database is open only while it is measured, so the other's background flushes and
    // compactions do not compete for the cores.
    {
        let dir = tempfile::tempdir().unwrap();
        let table = open_table(dir.path(), sync);
        let mut index = 0;
        group.bench_function(figure.name, |b| {
            b.iter(|| {
                index += 1;
                table.apply(TERM, LogIndex(index), &request).unwrap()
            })
        });
    }
    {
        let dir = tempfile::tempdir().unwrap();
        let raw = open_raw(dir.path());
        let mut write = WriteOptions::default();
        write.set_sync(sync);
        group.bench_function(figure.baseline, |b| {
            b.iter(|| raw.put_opt(SERVICE, CONFIG, &write).unwrap())
        });
    }
    group.finish();
}

fn read(c: &mut Criterion) {
    let figure = &FIGURES[4];
    let table_dir = tempfile::tempdir().unwrap();
    let table = open_table(table_dir.path(), false);
    table
        .apply(
            TERM,
            LogIndex(1),
            &encode_set_request(SERVICE, &CONFIG).unwrap(),
        )
        .unwrap();
    let raw_dir = tempfile::tempdir().unwrap();
    let raw = open_raw(raw_dir.path());
    raw.put(SERVICE, CONFIG).unwrap();
    assert_eq!(table.read(SERVICE).unwrap().as_deref(), Some(&CONFIG[..]));
    assert_eq!(raw.get(SERVICE).unwrap().as_deref(), Some(&CONFIG[..]));

    let mut group = c.benchmark_group(figure.name);
    group.bench_function(figure.name, |b| {
        b.iter(|| table.read(black_box(SERVICE)).unwrap())
    });
    group.bench_function(figure.baseline, |b| {
        b.iter(|| raw.get(black_box(SERVICE)).unwrap())
    });
    group.finish();
}

struct Noop;

impl Service for Noop {
    fn start(&self, _: EpochToken) -> Result<(), ServiceError> {
        Ok(())
    }
    fn stop(&self) -> Result<(), ServiceError> {
        Ok(())
    }
}

struct SignalOnStart(mpsc::Sender<()>);

impl Service for SignalOnStart {
    fn start(&self, _: EpochToken) -> Result<(), ServiceError> {
        Ok(self.0.send(())?)
    }
    fn stop(&self) -> Result<(), ServiceError> {
        Ok(())
    }
}

fn open_node() -> Node {
    Node::open(NodeOptions::new(SELF_ID, DbLocation::Ephemeral)).unwrap()
}

fn open_table(path: &Path, sync_writes: bool) -> ConfigTable {
    ConfigTable::open(path, TableOptions::default().with_sync_writes(sync_writes)).unwrap()
}

fn open_raw(path: &Path) -> DB {
    let mut options = Options::default();
    options.create_if_missing(true);
    DB::open(&options, path).unwrap()
}

/// Where criterion writes its results, by criterion's own rules (minus its `cargo metadata`
/// fallback: `benches/run` always sets CARGO_TARGET_DIR).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        PathBuf::from(home)
    } else {
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from)
            .join("criterion")
    }
}

/// The median time per iteration in ns, if the benchmark ran in this process.
fn median_ns(dir: &Path, group: &str, bench: &str, since: SystemTime) -> Option<f64> {
    let path = dir.join(group).join(bench).join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let estimates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// Prints a human line per figure on its target, then the `BENCH` lines, last.
fn summarize(dir: &Path, since: SystemTime) {
    let mut lines = Vec::new();
    println!("== targets ==");
    for figure in &FIGURES {
        let value_ns = median_ns(dir, figure.name, figure.name, since);
        let baseline_ns = median_ns(dir, figure.name, figure.baseline, since);
        let (Some(value_ns), Some(baseline_ns)) = (value_ns, baseline_ns) else {
            println!("{}: not measured in this run", figure.name);
            continue;
        };
        let unit = figure.unit;
        let value = value_ns / figure.ns_per_unit;
        let baseline = baseline_ns / figure.ns_per_unit;
        let ratio = value_ns / baseline_ns;
        let verdict = match figure.target {
            Target::AtMostNs(max) => format!("target <= {max} ns: {}", met(value_ns <= max)),
            Target::RatioAtMost(max) => format!("target ratio <= {max}: {}", met(ratio <= max)),
            Target::None => "no target".to_owned(),
        };
        println!(
            "{}: {value:.3} {unit} vs {} {baseline:.3} {unit}; {verdict}",
            figure.name, figure.baseline
        );
        lines.push(format!(
            "BENCH {} value={value:.3} unit={unit} baseline={} ratio={ratio:.3}",
            figure.name, figure.baseline
        ));
    }
    println!("== summary ==");
    for line in lines {
        println!("{line}");
    }
}

fn met(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}
