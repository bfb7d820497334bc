//! Fuzz targets for what arrives from outside as bytes: the replicated command decoder, the
//! snapshot decoder with the table's import of it, and the network frame reader.
//!
//! A mutation fuzzer on stable Rust, run as an ordinary test: each target starts from valid
//! encodings and mutates them (bit flips, interesting bytes, varint-breaking lengths, inserts,
//! deletes, splices, truncation) or makes random bytes, and checks what must hold for every
//! input, not only that nothing panics. It is not coverage-guided (cargo-fuzz is, but needs
//! nightly and would build RocksDB a second time with its instrumentation, about 15 minutes on
//! this machine): what it finds is what mutations of valid inputs reach.
//!
//! Each target runs `OMSVC_FUZZ_SECONDS` (default 2) seconds, or `OMSVC_FUZZ_EXECS`
//! executions when set; `OMSVC_FUZZ_SEED` replays a run. `benches/fuzz` runs 10 million each.
//! A failure prints the seed and the input in hex.

use omsvc_core::proto::{raft_frame::Kind, HostMetadata, RaftFrame, ServiceConfiguration};
use omsvc_core::proto::{TableSnapshot, TransactionInfo as ProtoTransactionInfo};
use omsvc_core::table::{
    decode_request, encode_run_control_request, encode_stamped_set_request, Command,
};
use omsvc_core::Term;
use omsvc_core::{
    encode_delete_request, encode_set_request, ConfigTable, TableOptions, MAX_CONFIGURATION_BYTES,
    MAX_SERVICE_NAME_BYTES,
};
use omsvc_raft::frame::{read_frame, MAX_FRAME_BYTES};
use omsvc_testkit::rng::Rng;

use prost::Message;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

const INTERESTING: [u8; 10] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x22, 0x08];

/// A mutated copy of a seed, another seed spliced in, or random bytes.
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    if rng.chance(16) {
        let len = rng.below(64);
        return (0..len).map(|_| rng.next_u64() as u8).collect();
    }
    let mut input = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(8) {
            0 if len > 0 => {
                let at = rng.below(len);
                input[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                input[at] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let at = rng.below(len + 1);
                let bytes: Vec<u8> = (0..1 + rng.below(8))
                    .map(|_| rng.next_u64() as u8)
                    .collect();
                input.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                input.drain(at..end);
            }
            4 => input.truncate(rng.below(len + 1)),
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let at = rng.below(len + 1);
                input.splice(at..at, other[from..].iter().copied());
            }
            6 if len > 0 => {
                // A length or tag byte turned into an over-long varint.
                let at = rng.below(len);
                let run = 1 + rng.below(10);
                input.splice(at..at + 1, std::iter::repeat_n(0xff, run));
            }
            _ => {
                let at = rng.below(len + 1);
                input.insert(at, INTERESTING[rng.below(INTERESTING.len())]);
            }
        }
    }
    input
}

fn budget() -> (Option<u64>, Duration) {
    let execs = std::env::var("OMSVC_FUZZ_EXECS")
        .ok()
        .and_then(|v| v.parse().ok());
    let seconds = std::env::var("OMSVC_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0);
    (execs, Duration::from_secs_f64(seconds))
}

fn seed() -> u64 {
    std::env::var("OMSVC_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `check` on mutated inputs within the budget; prints the figures `benches/fuzz` collects.
fn fuzz(target: &str, seeds: Vec<Vec<u8>>, mut check: impl FnMut(&[u8]) -> bool) {
    let (execs, duration) = budget();
    let seed = seed();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let (mut runs, mut accepted) = (0u64, 0u64);
    loop {
        let done = match execs {
            Some(execs) => runs >= execs,
            None => runs % 256 == 0 && started.elapsed() >= duration,
        };
        if done {
            break;
        }
        let input = mutate(&mut rng, &seeds);
        match catch_unwind(AssertUnwindSafe(|| check(&input))) {
            Ok(ok) => accepted += ok as u64,
            Err(_) => panic!(
                "fuzz target {target} failed on execution {runs} (replay: OMSVC_FUZZ_SEED={seed} \
                 OMSVC_FUZZ_EXECS={}); input: {}",
                runs + 1,
                hex(&input)
            ),
        }
        runs += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "fuzz {target}: {runs} executions in {seconds:.1} s ({:.0}/s), {accepted} accepted, seed {seed}",
        runs as f64 / seconds
    );
}

fn command_seeds() -> Vec<Vec<u8>> {
    vec![
        encode_set_request("svc", b"\x01\x02").unwrap(),
        encode_set_request(&"n".repeat(MAX_SERVICE_NAME_BYTES), &[7; 300]).unwrap(),
        encode_set_request("ключ", b"").unwrap(),
        encode_delete_request("KeyLifecycleService").unwrap(),
        encode_stamped_set_request("svc", b"progress", Term(7)).unwrap(),
        encode_run_control_request("svc", false).unwrap(),
    ]
}

#[test]
fn fuzz_decode_command() {
    fuzz("decode_command", command_seeds(), |input| {
        match decode_request(input) {
            Ok(request) => {
                // What is accepted is within the limits, and survives a round trip.
                let command = &request.command;
                let name = command.name();
                assert!(!name.is_empty() && name.len() <= MAX_SERVICE_NAME_BYTES);
                assert!(!name.chars().any(char::is_control));
                if let Command::Set { configuration, .. } = command {
                    assert!(configuration.len() <= MAX_CONFIGURATION_BYTES);
                }
                assert_eq!(decode_request(&request.encode()).unwrap(), request);
                true
            }
            Err(error) => {
                assert!(!error.to_string().is_empty());
                false
            }
        }
    });
}

fn snapshot_seeds() -> Vec<Vec<u8>> {
    let configuration = |name: &str, value: &[u8]| ServiceConfiguration {
        service_name: name.to_owned(),
        configuration: value.to_vec(),
    };
    vec![
        TableSnapshot::default().encode_to_vec(),
        TableSnapshot {
            transaction_info: Some(ProtoTransactionInfo { term: 3, index: 17 }),
            configurations: vec![configuration("a", b"1"), configuration("b", &[0; 40])],
            host_metadata: vec![HostMetadata {
                key: "raft_membership".into(),
                value: b"{}".to_vec(),
            }],
            run_controls: Vec::new(),
        }
        .encode_to_vec(),
        TableSnapshot {
            transaction_info: Some(ProtoTransactionInfo {
                term: u64::MAX,
                index: 0,
            }),
            configurations: vec![configuration("ключ", b"")],
            host_metadata: Vec::new(),
            run_controls: Vec::new(),
        }
        .encode_to_vec(),
    ]
}

#[test]
fn fuzz_snapshot_decode_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let table = ConfigTable::open(
        dir.path().join("table"),
        TableOptions::default().with_sync_writes(false),
    )
    .unwrap();
    let entries = |table: &ConfigTable| table.entries().unwrap();
    fuzz("snapshot_import", snapshot_seeds(), |input| {
        let Ok(snapshot) = TableSnapshot::decode(input) else {
            return false;
        };
        let before = entries(&table);
        match table.import_snapshot(&snapshot) {
            Ok(_) => {
                // The table is exactly the snapshot's configurations (a name given twice: the
                // last one wins, as in one RocksDB batch).
                let mut expected = std::collections::BTreeMap::new();
                for c in &snapshot.configurations {
                    expected.insert(c.service_name.clone(), c.configuration.clone());
                }
                let expected: Vec<_> = expected.into_iter().collect();
                assert_eq!(entries(&table), expected);
                true
            }
            Err(error) => {
                // An invalid snapshot changes nothing.
                assert_eq!(entries(&table), before, "refused with {error}");
                false
            }
        }
    });
}

fn frame_seeds() -> Vec<Vec<u8>> {
    let framed = |frame: RaftFrame| {
        let body = frame.encode_to_vec();
        let mut bytes = (body.len() as u32).to_be_bytes().to_vec();
        bytes.extend(body);
        bytes
    };
    vec![
        framed(RaftFrame {
            cluster: "omsvc".into(),
            request_id: 1,
            kind: Kind::Vote as i32,
            payload: br#"{"vote":{"leader_id":{"term":1,"node_id":1},"committed":false},"last_log_id":null}"#.to_vec(),
            error: String::new(),
        }),
        framed(RaftFrame {
            cluster: "c".into(),
            request_id: u64::MAX,
            kind: Kind::ClientWrite as i32,
            payload: br#"{"command":"0a050a0373766312"}"#.to_vec(),
            error: "e".into(),
        }),
        (MAX_FRAME_BYTES as u32).to_be_bytes().to_vec(),
        vec![0xff, 0xff, 0xff, 0xff, 0x08],
    ]
}

#[test]
fn fuzz_read_frame() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    fuzz("read_frame", frame_seeds(), |input| {
        let mut reader = input;
        match runtime.block_on(read_frame(&mut reader)) {
            Ok(frame) => {
                // A frame read is exactly the bytes it claimed, within the cap, of a known kind.
                let consumed = input.len() - reader.len();
                let claimed = u32::from_be_bytes([input[0], input[1], input[2], input[3]]);
                assert_eq!(consumed, 4 + claimed as usize);
                assert!(claimed as usize <= MAX_FRAME_BYTES);
                assert_ne!(frame.kind, Kind::Unspecified as i32);
                true
            }
            Err(error) => {
                assert!(matches!(
                    error.kind(),
                    std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
                ));
                false
            }
        }
    });
}
