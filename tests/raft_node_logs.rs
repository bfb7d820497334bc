//! What `omsvc node run` logs, read from a running node process:
//! - `--log-format json`: every line on stderr is one JSON object, and the lines an operator
//!   looks for (a leader-only command's start and output, leadership) carry the node, service
//!   and epoch as fields;
//! - clients that disconnect (between frames, inside a header, inside a payload, before
//!   reading the answer, with a reset) are not reported as bad frames; a garbled frame is.

use omsvc_core::proto::{raft_frame::Kind, RaftFrame};
use omsvc_testkit::node_process::{NodeProc, CLUSTER};
use omsvc_testkit::poll::poll;
use omsvc_testkit::process_cluster::Cluster;
use omsvc_testkit::serial::serial;
use prost::Message;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// The node's log lines as JSON objects; panics naming the first line that is not one.
fn json_lines(node: &NodeProc) -> Vec<Value> {
    node.stderr_lines(node.generation())
        .iter()
        .filter(|line| !line.ends_with("<cut short>"))
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line:?}"))
        })
        .collect()
}

fn find<'a>(lines: &'a [Value], message: &str) -> Option<&'a Value> {
    lines.iter().find(|line| line["message"] == message)
}

#[test]
fn json_logs_carry_the_node_service_and_epoch_of_a_leader_only_command() {
    let _serial = serial();
    let cluster = Cluster::start_with(1, false, |node| {
        node.extra_args = [
            "--log-format",
            "json",
            "--service",
            "Greeter=echo \"hello from $OMSVC_SERVICE\"; exec sleep 60",
        ]
        .map(String::from)
        .to_vec();
    });
    let node = cluster.node(1);
    let lines = poll(WAIT, || {
        let lines = json_lines(node);
        if find(&lines, "hello from Greeter").is_some() {
            Ok(lines)
        } else {
            Err(format!("no greeting yet in {} lines", lines.len()))
        }
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", node.tail(30)));
    let epoch = node
        .status()
        .expect("status")
        .services()
        .iter()
        .find(|service| service.name == "Greeter")
        .and_then(|service| service.epoch)
        .unwrap_or_else(|| panic!("Greeter runs with an epoch\n{}", node.tail(30)));

    let greeting = find(&lines, "hello from Greeter").unwrap();
    assert_eq!(greeting["level"], "INFO", "{greeting}");
    assert_eq!(greeting["service"], "Greeter", "{greeting}");
    assert_eq!(greeting["epoch"], epoch, "{greeting}");
    assert_eq!(greeting["node"], 1, "{greeting}");
    assert_eq!(greeting["stream"], "stdout", "{greeting}");
    assert!(greeting["timestamp"].is_string(), "{greeting}");

    let started = find(&lines, "command started").expect("a `command started` line");
    assert_eq!(
        (&started["service"], &started["epoch"], &started["node"]),
        (
            &Value::from("Greeter"),
            &Value::from(epoch),
            &Value::from(1)
        ),
        "{started}"
    );
    assert!(started["pid"].is_u64(), "{started}");
    let service_started = find(&lines, "service started").expect("a `service started` line");
    assert_eq!(service_started["epoch"], epoch, "{service_started}");
    let leading = find(&lines, "leadership confirmed by a quorum").expect("a leadership line");
    assert_eq!(leading["term"], epoch, "{leading}");
}

/// One request frame (what a client sends), length-prefixed.
fn status_request() -> Vec<u8> {
    let frame = RaftFrame {
        cluster: CLUSTER.into(),
        request_id: 1,
        kind: Kind::Status as i32,
        payload: b"null".to_vec(),
        error: String::new(),
    }
    .encode_to_vec();
    let mut bytes = (frame.len() as u32).to_be_bytes().to_vec();
    bytes.extend(frame);
    bytes
}

/// Makes closing `stream` send a reset instead of a FIN.
fn set_zero_linger(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt reads `linger` for its size; the socket is open.
    let set = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0, "setsockopt SO_LINGER");
}

fn bad_frame_lines(node: &NodeProc) -> Vec<String> {
    node.stderr_lines(node.generation())
        .into_iter()
        .filter(|line| line.contains("bad frame"))
        .collect()
}

#[test]
fn an_ordinary_client_disconnect_is_not_reported_as_a_bad_frame() {
    let _serial = serial();
    let cluster = Cluster::start(1, false);
    let node = cluster.node(1);
    poll(WAIT, || cluster.leader_where(&[1], |_| true))
        .unwrap_or_else(|e| panic!("expected a leader: {e}\n{}", node.tail(30)));
    let connect = || TcpStream::connect(&node.addr).expect("a connection to the node");
    let request = status_request();

    // Connect and close before any frame.
    drop(connect());
    // Close inside a length prefix, and inside a payload.
    connect().write_all(&request[..2]).unwrap();
    connect().write_all(&request[..request.len() - 3]).unwrap();
    // Send a request and close without reading the answer.
    connect().write_all(&request).unwrap();
    // Reset the connection (SO_LINGER 0) after a request.
    let reset = connect();
    (&reset).write_all(&request).unwrap();
    set_zero_linger(&reset);
    drop(reset);
    // An ordinary client: a request, its answer, then close.
    let mut client = connect();
    client.write_all(&request).unwrap();
    let mut length = [0u8; 4];
    client.read_exact(&mut length).unwrap();
    drop(client);
    // The same through the CLI, a few times.
    for _ in 0..3 {
        node.status().expect("status through the client");
    }

    // A garbled frame is reported: the check below can see a bad frame when there is one.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        bad_frame_lines(node),
        Vec::<String>::new(),
        "disconnects were reported as bad frames\n{}",
        node.tail(30)
    );
    let mut garbled = connect();
    garbled
        .write_all(&[0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff])
        .unwrap();
    let mut rest = Vec::new();
    let _ = garbled.read_to_end(&mut rest);
    let reported = poll(Duration::from_secs(10), || {
        match bad_frame_lines(node).len() {
            0 => Err("no bad frame reported yet".to_owned()),
            n => Ok(n),
        }
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", node.tail(30)));
    assert_eq!(reported, 1, "{}", node.tail(30));
}
