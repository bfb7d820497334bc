//! What an attacker who can reach a node's port can do to `omsvc node run` processes: huge
//! length prefixes, bare headers, half frames, idle connections by the thousand. Memory stays
//! bounded, such connections are closed, and members and clients keep being served
//! (docs/design.md B16). Attackers connect from other loopback addresses (127.0.0.2 and up) than the members
//! (127.0.0.1), as a remote host would.

use omsvc_core::proto::{raft_frame::Kind, RaftFrame};
use omsvc_raft::frame::{read_frame, write_frame, MAX_FRAME_BYTES};
use omsvc_testkit::node_process::{NodeProc, CLUSTER};
use omsvc_testkit::poll::poll;
use omsvc_testkit::process_cluster::Cluster;
use omsvc_testkit::serial::serial;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;

const MIB: u64 = 1024;

fn raise_own_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by reference.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
}

/// A blocking connection from `source` (an address on this machine) to `target`.
fn connect_from(runtime: &tokio::runtime::Runtime, source: &str, target: &str) -> TcpStream {
    let target: SocketAddr = target.parse().unwrap();
    let stream = runtime.block_on(async {
        let socket = TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{source}:0").parse().unwrap())
            .unwrap_or_else(|e| panic!("expected to bind {source}: {e}"));
        socket.connect(target).await
    });
    let stream = stream
        .unwrap_or_else(|e| panic!("expected to connect from {source} to {target}: {e}"))
        .into_std()
        .unwrap();
    stream.set_nonblocking(false).unwrap();
    stream
}

/// A connection from `source` to `target` for a flood: None when the node does not take it
/// within half a second (its backlog is full, or it is out of file descriptors).
fn flood_connect(
    runtime: &tokio::runtime::Runtime,
    source: &str,
    target: &str,
) -> Option<tokio::net::TcpStream> {
    let target: SocketAddr = target.parse().unwrap();
    runtime.block_on(async {
        let socket = TcpSocket::new_v4().ok()?;
        socket.bind(format!("{source}:0").parse().unwrap()).ok()?;
        tokio::time::timeout(Duration::from_millis(500), socket.connect(target))
            .await
            .ok()?
            .ok()
    })
}

/// Waits until the node closes `stream` (EOF or reset); false if it is still open at `deadline`.
fn closed_by_node(stream: &mut TcpStream, deadline: Instant) -> bool {
    let left = deadline.saturating_duration_since(Instant::now());
    stream
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .unwrap();
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => !matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

fn vm_kib(node: &NodeProc, field: &str) -> u64 {
    if field == "VmRSS" {
        return node.rss_kib().expect("the node's VmRSS");
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", node.pid().unwrap())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("the field in /proc/PID/status")
}

/// Asks for the node's status over a raw connection from `source`.
fn status_from(
    runtime: &tokio::runtime::Runtime,
    source: &str,
    target: &str,
) -> Result<(), String> {
    let stream = connect_from(runtime, source, target);
    stream.set_nonblocking(true).unwrap();
    runtime.block_on(async {
        let mut stream = tokio::net::TcpStream::from_std(stream).unwrap();
        let request = RaftFrame {
            cluster: CLUSTER.into(),
            request_id: 1,
            kind: Kind::Status as i32,
            payload: b"null".to_vec(),
            error: String::new(),
        };
        let exchange = async {
            write_frame(&mut stream, &request).await?;
            read_frame(&mut stream).await
        };
        match tokio::time::timeout(Duration::from_secs(3), exchange).await {
            Ok(Ok(answer)) if answer.error.is_empty() => Ok(()),
            Ok(Ok(answer)) => Err(format!("status refused: {}", answer.error)),
            Ok(Err(error)) => Err(format!("status from {source} failed: {error}")),
            Err(_) => Err(format!("status from {source} got no answer in 3 s")),
        }
    })
}

#[test]
fn huge_length_prefixes_and_half_frames_cost_bounded_memory_and_are_closed() {
    let _serial = serial();
    raise_own_file_limit();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cluster = Cluster::start_with(1, false, |node| {
        node.extra_args = ["--frame-timeout-ms", "4000", "--idle-timeout-ms", "4000"]
            .map(String::from)
            .to_vec();
    });
    let node = cluster.node(1);
    poll(Duration::from_secs(20), || {
        cluster.leader_where(&[1], |_| true).map(|_| ())
    })
    .unwrap_or_else(|e| panic!("expected node 1 to lead: {e}\n{}", cluster.tails(30)));
    node.client()
        .write(omsvc_core::encode_set_request("before", b"1").unwrap())
        .unwrap();
    let (rss_start, vm_start) = (vm_kib(node, "VmRSS"), vm_kib(node, "VmSize"));

    // 64 bare headers, each claiming the largest frame.
    let claim = (MAX_FRAME_BYTES as u32).to_be_bytes();
    let mut headers: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut stream = connect_from(&runtime, "127.0.0.2", &node.addr);
            stream.write_all(&claim).unwrap();
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let (rss_headers, vm_headers) = (vm_kib(node, "VmRSS"), vm_kib(node, "VmSize"));

    // 48 half frames of 6 MiB each (288 MiB in all) from another address.
    let writers: Vec<_> = (0..48)
        .map(|_| {
            let mut stream = connect_from(&runtime, "127.0.0.3", &node.addr);
            std::thread::spawn(move || {
                stream
                    .set_write_timeout(Some(Duration::from_secs(2)))
                    .unwrap();
                let _ = stream.write_all(&claim);
                let piece = vec![0x5a; 256 * 1024];
                let mut sent = 0;
                for _ in 0..24 {
                    if stream.write_all(&piece).is_err() {
                        break; // the node stopped reading: the budget is full
                    }
                    sent += piece.len();
                }
                (stream, sent)
            })
        })
        .collect();
    let (mut halves, sent): (Vec<TcpStream>, Vec<usize>) =
        writers.into_iter().map(|w| w.join().unwrap()).unzip();
    println!(
        "half frames: {} MiB sent in all",
        sent.iter().sum::<usize>() / (1024 * 1024)
    );
    std::thread::sleep(Duration::from_millis(500));
    let rss_halves = vm_kib(node, "VmRSS");

    // Members and clients are still served meanwhile.
    let mut client = node.client();
    client.status().expect("status during the attack");
    client
        .write(omsvc_core::encode_set_request("during", b"2").unwrap())
        .expect("a write during the attack");

    println!(
        "VmRSS: start {} MiB, after 64 headers {} MiB, after 48 half frames {} MiB; VmSize: \
         start {} MiB, after the headers {} MiB",
        rss_start / MIB,
        rss_headers / MIB,
        rss_halves / MIB,
        vm_start / MIB,
        vm_headers / MIB
    );
    assert!(
        vm_headers.saturating_sub(vm_start) < 128 * MIB,
        "64 bare headers grew the node's address space by {} MiB",
        (vm_headers - vm_start) / MIB
    );
    assert!(
        rss_headers.saturating_sub(rss_start) < 32 * MIB,
        "64 bare headers grew the node's RSS by {} MiB",
        (rss_headers - rss_start) / MIB
    );
    // The shared budget for non-members' partial frames is 64 MiB by default.
    assert!(
        rss_halves.saturating_sub(rss_start) < 112 * MIB,
        "288 MiB of half frames grew the node's RSS by {} MiB (budget: 64 MiB)",
        (rss_halves - rss_start) / MIB
    );

    // Ordinary disconnects: connect and close, or close inside a header.
    for _ in 0..20 {
        drop(connect_from(&runtime, "127.0.0.5", &node.addr));
        let mut partial = connect_from(&runtime, "127.0.0.5", &node.addr);
        partial.write_all(&[0, 0]).unwrap();
    }

    // Half frames and bare headers are closed once the frame timeout (4 s) passed.
    let deadline = Instant::now() + Duration::from_secs(15);
    let open = headers
        .iter_mut()
        .chain(halves.iter_mut())
        .filter_map(|stream| (!closed_by_node(stream, deadline)).then_some(()))
        .count();
    assert_eq!(
        open, 0,
        "connections with a frame that never completes stay open"
    );

    // An idle connection is closed after the idle timeout (4 s).
    let mut idle = connect_from(&runtime, "127.0.0.4", &node.addr);
    let opened = Instant::now();
    assert!(
        closed_by_node(&mut idle, Instant::now() + Duration::from_secs(15)),
        "an idle connection stays open"
    );
    assert!(
        opened.elapsed() >= Duration::from_secs(3),
        "closed before its idle timeout"
    );
    node.client()
        .write(omsvc_core::encode_set_request("after", b"3").unwrap())
        .expect("a write after the attack");
    let bad_frame_lines = node
        .tail(2000)
        .lines()
        .filter(|line| line.contains("after a bad frame"))
        .count();
    assert_eq!(
        bad_frame_lines,
        0,
        "timeouts and ordinary disconnects are not bad frames\n{}",
        node.tail(40)
    );
}

#[test]
fn thousands_of_idle_connections_do_not_stop_members_or_clients() {
    let _serial = serial();
    raise_own_file_limit();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // A node with 1,024 file descriptors: before connection limits, idle connections took them
    // all, and with them the node's writes and its peers' connections.
    let cluster = Cluster::start_with(3, false, |node| node.file_limit = Some(1024));
    let leader = poll(Duration::from_secs(30), || {
        cluster.leader_where(&[1, 2, 3], |_| true)
    })
    .unwrap_or_else(|e| panic!("expected a leader: {e}\n{}", cluster.tails(30)));
    let target = cluster.node(leader.id()).addr.clone();

    // Thousands from one address: that address gets its share, nobody else is affected.
    // A node that stops taking connections ends a flood early (after 20 refusals in a row).
    let mut held: Vec<tokio::net::TcpStream> = Vec::new();
    let mut refused_in_a_row = 0;
    let mut flood = |held: &mut Vec<tokio::net::TcpStream>, source: &str, count: usize| {
        for _ in 0..count {
            match flood_connect(&runtime, source, &target) {
                Some(stream) => {
                    held.push(stream);
                    refused_in_a_row = 0;
                }
                None if refused_in_a_row >= 20 => return,
                None => refused_in_a_row += 1,
            }
        }
    };
    flood(&mut held, "127.0.0.2", 2000);
    std::thread::sleep(Duration::from_millis(300));
    status_from(&runtime, "127.0.0.3", &target)
        .expect("a client on another address is served while one address floods");

    // Then thousands more from 40 addresses: the non-members' share is used up, the members'
    // reserve is not (members and the clients on their host are on 127.0.0.1).
    for host in 1..=40 {
        flood(&mut held, &format!("127.0.1.{host}"), 60);
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut client = cluster.node(leader.id()).client();
    for round in 0..20 {
        let receipt = client
            .write(omsvc_core::encode_set_request("under-flood", &[round]).unwrap())
            .unwrap_or_else(|e| {
                panic!(
                    "write {round} failed with {} connections held: {e}\n{}",
                    held.len(),
                    cluster.tails(20)
                )
            });
        assert_eq!(
            receipt.entry.term,
            leader.term(),
            "the leader lost its term under the flood"
        );
    }
    for id in [1, 2, 3] {
        let report = cluster
            .node(id)
            .status()
            .expect("status from a member's host");
        assert_eq!(
            (report.leader(), report.term()),
            (Some(leader.id()), leader.term()),
            "node {id} no longer follows the leader"
        );
    }
    runtime.block_on(async move { drop(held) });
}
