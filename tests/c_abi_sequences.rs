//! Random sequences of C ABI calls, as a hostile or careless C host would make them: handles
//! freed underneath, forged handles, terms 0 and `UINT64_MAX`, stale and contradicting events,
//! garbage entries, shutdown in the middle. Checked after every call:
//! - no call panics or returns an unknown status; a freed or forged handle is
//!   `OMSVC_INVALID_HANDLE` and writes no out-param;
//! - a C service's start and stop alternate and never overlap, and it starts only in an epoch
//!   this node was told it won (`leader_changed(epoch, self)` then `leader_ready(epoch, ..)`);
//! - once the runner settles, a service runs exactly when its epoch is current.
//!
//! The normal test run makes a few thousand calls. `OMSVC_FUZZ_CASES=N` runs N sequences
//! (benches/fuzz-c-abi runs enough for ten million calls and prints the figures).

use omsvc::ffi::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeSet;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SELF: &str = "om1";
const SERVICES: [&str; 2] = ["Lifecycle", "Trash"];

/// What one C service saw: its userdata.
#[derive(Default)]
struct Seen {
    running: AtomicBool,
    in_call: AtomicBool,
    violations: Mutex<Vec<String>>,
    starts: Mutex<Vec<u64>>,
}

impl Seen {
    fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }
}

unsafe extern "C" fn on_start(userdata: *mut c_void, epoch: u64) -> i32 {
    // SAFETY: `userdata` is the `Arc::as_ptr` of a `Seen` that the driver's `seen` list keeps
    // alive until the test ends.
    let seen = unsafe { &*(userdata as *const Seen) };
    if seen.in_call.swap(true, Ordering::SeqCst) {
        seen.violation(format!("start({epoch}) overlapped another call"));
    }
    if seen.running.swap(true, Ordering::SeqCst) {
        seen.violation(format!("start({epoch}) while running"));
    }
    seen.starts.lock().unwrap().push(epoch);
    seen.in_call.store(false, Ordering::SeqCst);
    0
}

unsafe extern "C" fn on_stop(userdata: *mut c_void) -> i32 {
    // SAFETY: `userdata` is the `Arc::as_ptr` of a `Seen` that the driver's `seen` list keeps
    // alive until the test ends.
    let seen = unsafe { &*(userdata as *const Seen) };
    if seen.in_call.swap(true, Ordering::SeqCst) {
        seen.violation("stop overlapped another call".into());
    }
    if !seen.running.swap(false, Ordering::SeqCst) {
        seen.violation("stop while not running".into());
    }
    seen.in_call.store(false, Ordering::SeqCst);
    0
}

#[derive(Debug, Clone)]
enum Op {
    Open,
    Free(usize),
    Forged(u64),
    LeaderChanged {
        node: usize,
        term: u64,
        leader: Option<usize>,
    },
    NotLeader {
        node: usize,
        term: u64,
    },
    LeaderReady {
        node: usize,
        term: u64,
        barrier: u64,
    },
    TermIndex {
        node: usize,
        term: u64,
        index: u64,
    },
    Applied {
        node: usize,
        term: u64,
        index: u64,
    },
    Apply {
        node: usize,
        term: u64,
        index: u64,
        garbage: bool,
    },
    Register {
        node: usize,
        service: usize,
    },
    Settle(usize),
    Status(usize),
    Shutdown(usize),
}

fn term() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 1..6u64, 1 => Just(0u64), 1 => Just(u64::MAX)]
}

fn op() -> impl Strategy<Value = Op> {
    let node = 0..4usize;
    prop_oneof![
        1 => Just(Op::Open),
        1 => node.clone().prop_map(Op::Free),
        1 => any::<u64>().prop_map(Op::Forged),
        6 => (node.clone(), term(), prop::option::of(0..3usize)).prop_map(|(node, term, leader)| Op::LeaderChanged { node, term, leader }),
        2 => (node.clone(), term()).prop_map(|(node, term)| Op::NotLeader { node, term }),
        6 => (node.clone(), term(), 0..20u64).prop_map(|(node, term, barrier)| Op::LeaderReady { node, term, barrier }),
        2 => (node.clone(), term(), 0..20u64).prop_map(|(node, term, index)| Op::TermIndex { node, term, index }),
        4 => (node.clone(), term(), 0..20u64).prop_map(|(node, term, index)| Op::Applied { node, term, index }),
        2 => (node.clone(), 1..6u64, 0..20u64, prop::bool::weighted(0.2)).prop_map(|(node, term, index, garbage)| Op::Apply { node, term, index, garbage }),
        3 => (node.clone(), 0..2usize).prop_map(|(node, service)| Op::Register { node, service }),
        3 => node.clone().prop_map(Op::Settle),
        2 => node.clone().prop_map(Op::Status),
        1 => node.prop_map(Op::Shutdown),
    ]
}

fn text(s: &str) -> omsvc_str {
    omsvc_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    }
}

/// One handle the sequence was given, and what the driver told its node.
struct Issued {
    handle: *mut omsvc_node,
    live: bool,
    shut_down: bool,
    /// Epochs this node was told it won and then told it was ready in.
    won: BTreeSet<u64>,
    elected: BTreeSet<u64>,
    services: Vec<(usize, *const Seen)>,
}

struct Driver {
    issued: Vec<Issued>,
    /// Userdata must not move while registered: each lives in its own allocation.
    seen: Vec<std::sync::Arc<Seen>>,
    calls: u64,
}

const KNOWN: [omsvc_status; 9] = [
    omsvc_status::OMSVC_OK,
    omsvc_status::OMSVC_INVALID_HANDLE,
    omsvc_status::OMSVC_INVALID_ARGUMENT,
    omsvc_status::OMSVC_SHUT_DOWN,
    omsvc_status::OMSVC_DUPLICATE_SERVICE,
    omsvc_status::OMSVC_MALFORMED_COMMAND,
    omsvc_status::OMSVC_UNKNOWN_SERVICE,
    omsvc_status::OMSVC_INVALID_NAME,
    omsvc_status::OMSVC_STORAGE_ERROR,
];

impl Driver {
    fn new() -> Self {
        Driver {
            issued: Vec::new(),
            seen: Vec::new(),
            calls: 0,
        }
    }

    fn pick(&self, index: usize) -> Option<usize> {
        (!self.issued.is_empty()).then(|| index % self.issued.len())
    }

    /// Checks a status against what the handle's state allows.
    fn check(
        &mut self,
        status: omsvc_status,
        slot: usize,
        what: &str,
    ) -> Result<(), TestCaseError> {
        self.calls += 1;
        prop_assert!(KNOWN.contains(&status), "{what}: unexpected {status:?}");
        if !self.issued[slot].live {
            prop_assert_eq!(
                status,
                omsvc_status::OMSVC_INVALID_HANDLE,
                "{} on a freed handle",
                what
            );
        } else {
            prop_assert_ne!(
                status,
                omsvc_status::OMSVC_INVALID_HANDLE,
                "{} on a live handle",
                what
            );
        }
        Ok(())
    }

    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::Open => {
                if self.issued.len() >= 3 {
                    return Ok(()); // opening costs milliseconds: a few nodes per sequence
                }
                let options = omsvc_node_options {
                    struct_size: std::mem::size_of::<omsvc_node_options>(),
                    self_id: text(SELF),
                    db_dir: omsvc_str {
                        ptr: std::ptr::null(),
                        len: 0,
                    },
                    sync_writes: false,
                    create_if_missing: true,
                };
                let mut handle = std::ptr::null_mut();
                // SAFETY: `options` and its strings, and `handle`, are live locals.
                let status = unsafe { omsvc_node_open(&options, &mut handle) };
                self.calls += 1;
                prop_assert_eq!(status, omsvc_status::OMSVC_OK);
                self.issued.push(Issued {
                    handle,
                    live: true,
                    shut_down: false,
                    won: BTreeSet::new(),
                    elected: BTreeSet::new(),
                    services: Vec::new(),
                });
            }
            Op::Free(index) => {
                let Some(slot) = self.pick(index) else {
                    return Ok(());
                };
                // SAFETY: the handle may be freed or forged (the ABI checks it); nothing else is
                // passed.
                let status = unsafe { omsvc_node_free(self.issued[slot].handle) };
                self.check(status, slot, "free")?;
                self.issued[slot].live = false;
                // Freed: its services are stopped and no callback runs any more.
                for &(_, seen) in &self.issued[slot].services {
                    prop_assert!(
                        // SAFETY: `seen` points to a `Seen` that `self.seen` keeps alive.
                        !unsafe { &*seen }.running.load(Ordering::SeqCst),
                        "a service of a freed node still runs"
                    );
                }
            }
            Op::Forged(value) => {
                let forged = value as usize as *mut omsvc_node;
                if self.issued.iter().any(|i| i.live && i.handle == forged) {
                    return Ok(());
                }
                let mut json = std::ptr::NonNull::<omsvc_bytes>::dangling().as_ptr();
                let before = json;
                // SAFETY: a forged handle is what this call tests; `json` is a live local.
                let status = unsafe { omsvc_node_status_json(forged, &mut json) };
                self.calls += 1;
                prop_assert!(
                    matches!(
                        status,
                        omsvc_status::OMSVC_INVALID_HANDLE | omsvc_status::OMSVC_NULL_ARGUMENT
                    ),
                    "forged handle {value:#x}: {status:?}"
                );
                prop_assert_eq!(json, before, "an out-param was written on failure");
                // SAFETY: a forged handle is what this call tests; the outcome pointer may be NULL.
                let status = unsafe { omsvc_node_not_leader(forged, 1, std::ptr::null_mut()) };
                self.calls += 1;
                prop_assert!(matches!(
                    status,
                    omsvc_status::OMSVC_INVALID_HANDLE | omsvc_status::OMSVC_NULL_ARGUMENT
                ));
            }
            Op::LeaderChanged { node, term, leader } => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                let name = leader.map(|i| ["om1", "om2", "om3"][i]);
                let leader_str = name.map_or(
                    omsvc_str {
                        ptr: std::ptr::null(),
                        len: 0,
                    },
                    text,
                );
                // SAFETY: the handle may be freed or forged (the ABI checks it); `leader_str` is
                // NULL or a static string; the outcome pointer may be NULL.
                let status = unsafe {
                    omsvc_node_leader_changed(
                        self.issued[slot].handle,
                        term,
                        leader_str,
                        std::ptr::null_mut(),
                    )
                };
                self.check(status, slot, "leader_changed")?;
                if term == 0
                    && name == Some(SELF)
                    && self.issued[slot].live
                    && !self.issued[slot].shut_down
                {
                    prop_assert_eq!(
                        status,
                        omsvc_status::OMSVC_INVALID_ARGUMENT,
                        "term 0 naming self"
                    );
                }
                if name == Some(SELF) {
                    self.issued[slot].elected.insert(term);
                }
            }
            Op::NotLeader { node, term } => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                // SAFETY: the handle may be freed or forged (the ABI checks it); the outcome
                // pointer may be NULL.
                let status = unsafe {
                    omsvc_node_not_leader(self.issued[slot].handle, term, std::ptr::null_mut())
                };
                self.check(status, slot, "not_leader")?;
            }
            Op::LeaderReady {
                node,
                term,
                barrier,
            } => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                // SAFETY: the handle may be freed or forged (the ABI checks it); the outcome
                // pointer may be NULL.
                let status = unsafe {
                    omsvc_node_leader_ready(
                        self.issued[slot].handle,
                        term,
                        barrier,
                        std::ptr::null_mut(),
                    )
                };
                self.check(status, slot, "leader_ready")?;
                if self.issued[slot].elected.contains(&term) {
                    self.issued[slot].won.insert(term);
                }
            }
            Op::TermIndex { node, term, index } => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                // SAFETY: the handle may be freed or forged (the ABI checks it); the outcome
                // pointer may be NULL.
                let status = unsafe {
                    omsvc_node_term_index_updated(
                        self.issued[slot].handle,
                        term,
                        index,
                        std::ptr::null_mut(),
                    )
                };
                self.check(status, slot, "term_index_updated")?;
            }
            Op::Applied { node, term, index } => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                // SAFETY: the handle may be freed or forged (the ABI checks it); the outcome
                // pointer may be NULL.
                let status = unsafe {
                    omsvc_node_applied(self.issued[slot].handle, term, index, std::ptr::null_mut())
                };
                self.check(status, slot, "applied")?;
            }
            Op::Apply {
                node,
                term,
                index,
                garbage,
            } => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                let entry = if garbage {
                    vec![0xff, 0x01, 0x02]
                } else {
                    omsvc_core::encode_set_request(
                        SERVICES[index as usize % 2],
                        &index.to_be_bytes(),
                    )
                    .unwrap()
                };
                let mut outcome = omsvc_apply_outcome::OMSVC_APPLY_APPLIED;
                // SAFETY: the handle may be freed or forged (the ABI checks it); `entry` and
                // `outcome` are live locals.
                let status = unsafe {
                    omsvc_node_apply_entry(
                        self.issued[slot].handle,
                        term,
                        index,
                        entry.as_ptr(),
                        entry.len(),
                        &mut outcome,
                    )
                };
                self.check(status, slot, "apply_entry")?;
            }
            Op::Register { node, service } => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                let seen = std::sync::Arc::new(Seen::default());
                let userdata = std::sync::Arc::as_ptr(&seen);
                self.seen.push(seen);
                let callbacks = omsvc_service_callbacks {
                    struct_size: std::mem::size_of::<omsvc_service_callbacks>(),
                    start: Some(on_start),
                    stop: Some(on_stop),
                    should_run: None,
                    release: None,
                };
                let name = SERVICES[service];
                // SAFETY: the handle may be freed or forged (the ABI checks it); the name is
                // static, `callbacks` a live local, `userdata` a `Seen` kept in `self.seen`.
                let status = unsafe {
                    omsvc_node_register_service(
                        self.issued[slot].handle,
                        text(name),
                        &callbacks,
                        userdata as *mut c_void,
                        std::ptr::null(),
                    )
                };
                self.check(status, slot, "register")?;
                if status == omsvc_status::OMSVC_OK {
                    self.issued[slot].services.push((service, userdata));
                }
            }
            Op::Settle(node) => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                let mut settled = false;
                let handle = self.issued[slot].handle;
                // SAFETY: the handle may be freed or forged (the ABI checks it); `settled` is a
                // live local.
                let status = unsafe { omsvc_node_wait_settled(handle, 10_000, &mut settled) };
                self.check(status, slot, "wait_settled")?;
                if status != omsvc_status::OMSVC_OK {
                    return Ok(());
                }
                prop_assert!(settled, "the runner did not settle in 10 s");
                for &(service, seen) in &self.issued[slot].services {
                    let name = SERVICES[service];
                    let mut view = omsvc_service_status::default();
                    // SAFETY: `handle` is live (it just settled); the name is static and `view` a
                    // live local.
                    let status =
                        unsafe { omsvc_node_service_status(handle, text(name), &mut view) };
                    self.calls += 1;
                    prop_assert_eq!(status, omsvc_status::OMSVC_OK);
                    // SAFETY: `seen` points to a `Seen` that `self.seen` keeps alive.
                    let running = unsafe { &*seen }.running.load(Ordering::SeqCst);
                    prop_assert_eq!(
                        view.state == omsvc_service_state::OMSVC_SERVICE_RUNNING,
                        running,
                        "status and callbacks disagree for {}",
                        name
                    );
                    let epoch = if running { view.epoch } else { 0 };
                    let mut current = false;
                    // SAFETY: `handle` is live (it just settled); `current` is a live local.
                    let status =
                        unsafe { omsvc_node_epoch_is_current(handle, epoch, &mut current) };
                    self.calls += 1;
                    prop_assert_eq!(status, omsvc_status::OMSVC_OK);
                    prop_assert_eq!(
                        running,
                        current,
                        "settled, but {} running={} while epoch {} current={}",
                        name,
                        running,
                        epoch,
                        current
                    );
                }
            }
            Op::Status(node) => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                let mut json = std::ptr::null_mut();
                // SAFETY: the handle may be freed or forged (the ABI checks it); `json` is a live
                // local.
                let status = unsafe { omsvc_node_status_json(self.issued[slot].handle, &mut json) };
                self.check(status, slot, "status_json")?;
                if status == omsvc_status::OMSVC_OK {
                    // SAFETY: `json` is the live bytes the call just returned: its data pointer
                    // holds its length in bytes.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(omsvc_bytes_data(json), omsvc_bytes_len(json))
                    };
                    prop_assert!(serde_json::from_slice::<serde_json::Value>(bytes).is_ok());
                    // SAFETY: `json` came from `omsvc_node_status_json` and is freed once, here.
                    unsafe { omsvc_bytes_free(json) };
                } else {
                    prop_assert!(json.is_null(), "an out-param was written on failure");
                }
            }
            Op::Shutdown(node) => {
                let Some(slot) = self.pick(node) else {
                    return Ok(());
                };
                // SAFETY: the handle may be freed or forged (the ABI checks it).
                let status = unsafe { omsvc_node_shutdown(self.issued[slot].handle) };
                self.check(status, slot, "shutdown")?;
                if self.issued[slot].live {
                    self.issued[slot].shut_down = true;
                }
            }
        }
        Ok(())
    }

    /// Frees what is left and checks every service's history.
    fn finish(&mut self) -> Result<(), TestCaseError> {
        for issued in &mut self.issued {
            if issued.live {
                // SAFETY: `issued.handle` is live (checked above) and freed once, here.
                let status = unsafe { omsvc_node_free(issued.handle) };
                self.calls += 1;
                prop_assert_eq!(status, omsvc_status::OMSVC_OK);
                issued.live = false;
            }
        }
        for issued in &self.issued {
            for &(_, seen) in &issued.services {
                // SAFETY: `seen` points to a `Seen` that `self.seen` keeps alive.
                let seen = unsafe { &*seen };
                prop_assert!(!seen.running.load(Ordering::SeqCst), "running after free");
                let violations = seen.violations.lock().unwrap();
                prop_assert!(violations.is_empty(), "{:?}", *violations);
                for epoch in seen.starts.lock().unwrap().iter() {
                    prop_assert!(
                        *epoch != 0 && issued.won.contains(epoch),
                        "started in epoch {} this node was never told it won (won: {:?})",
                        epoch,
                        issued.won
                    );
                }
            }
        }
        Ok(())
    }
}

static CALLS: AtomicU64 = AtomicU64::new(0);

#[test]
fn random_c_abi_call_sequences_keep_every_rule() {
    let cases = std::env::var("OMSVC_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(12);
    let began = Instant::now();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(op(), 1..4000), |ops| {
        let mut driver = Driver::new();
        let mut outcome = driver.run(&Op::Open);
        for op in &ops {
            outcome = driver.run(op);
            if outcome.is_err() {
                break;
            }
        }
        let finished = driver.finish();
        CALLS.fetch_add(driver.calls, Ordering::Relaxed);
        outcome.and(finished)
    });
    let elapsed = began.elapsed().max(Duration::from_millis(1));
    let calls = CALLS.load(Ordering::Relaxed);
    println!(
        "FUZZ c_abi_sequences cases={cases} calls={calls} elapsed_s={:.1} calls_per_s={:.0}",
        elapsed.as_secs_f64(),
        calls as f64 / elapsed.as_secs_f64()
    );
    if let Err(error) = result {
        panic!("{error}");
    }
}
