//! `omsvc node run --http`: real node processes (see `raft_processes_support`), scraped and
//! looked at as an operator would.
//!
//! - `metrics_of_a_three_node_cluster_parse_and_agree_before_and_after_a_leader_kill`: every
//!   node's `/metrics`, parsed with a Prometheus text-format parser: one leader, one term, the
//!   demo service running on the leader only in the leader's term, histograms filled, refused
//!   frames counted; again after the leader is SIGKILLed. `/status` is `omsvc status --json`.
//! - `the_status_page_shows_the_new_leader_after_a_kill_in_a_real_browser`: headless Chromium
//!   loads the page from a follower once; the leader is SIGKILLed; the same page, refreshing by
//!   itself, shows the new leader and the service running there.
//!
//! The tests run one at a time (see [`serial`]).

mod browser_support;

use browser_support::Browser;
use omsvc_raft::RaftClient;
use omsvc_testkit::binary::omsvc_binary;
use omsvc_testkit::http_request::request;
use omsvc_testkit::node_process::{CALL_TIMEOUT, DEMO_SERVICE};
use omsvc_testkit::node_report::service_state;
use omsvc_testkit::poll::poll;
use omsvc_testkit::process_cluster::Cluster;
use omsvc_testkit::serial::serial;
use prometheus_parse::{Sample, Scrape, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// Any wait for something that should take a second or so, on a loaded 2-core machine.
const WAIT: Duration = Duration::from_secs(30);
const ALL: [u64; 3] = [1, 2, 3];

/// A 3-node cluster running the demo service, each node serving HTTP on a port of its own.
fn cluster_with_http() -> (Cluster, Vec<String>) {
    let cluster = Cluster::start_with(3, true, |node| {
        node.extra_args = vec!["--http".to_owned(), "127.0.0.1:0".to_owned()];
    });
    let http = cluster.http_addrs(WAIT);
    (cluster, http)
}

fn get(addr: &str, path: &str) -> String {
    match request(addr, "GET", path) {
        Ok((200, body)) => body,
        Ok((status, body)) => panic!("GET {path} from {addr} answered {status}: {body}"),
        Err(error) => panic!("GET {path} from {addr} failed: {error}"),
    }
}

fn scrape(addr: &str) -> Scrape {
    let text = get(addr, "/metrics");
    Scrape::parse(text.lines().map(|line| Ok(line.to_owned())))
        .unwrap_or_else(|e| panic!("/metrics of {addr} does not parse: {e}\n{text}"))
}

fn samples<'a>(
    scrape: &'a Scrape,
    metric: &'a str,
    labels: &'a [(&'a str, &'a str)],
) -> impl Iterator<Item = &'a Sample> + 'a {
    scrape.samples.iter().filter(move |sample| {
        sample.metric == metric
            && labels
                .iter()
                .all(|(name, value)| sample.labels.get(name) == Some(*value))
    })
}

/// The value of the one gauge or counter sample of `metric` with `labels`.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<_> = samples(scrape, metric, labels).collect();
    assert_eq!(
        found.len(),
        1,
        "one {metric} {labels:?} sample, found {found:?}"
    );
    match found[0].value {
        Value::Gauge(value) | Value::Counter(value) => value,
        ref other => panic!("{metric} {labels:?} is not a gauge or a counter: {other:?}"),
    }
}

/// How many observations the histogram `metric` with `labels` holds.
fn histogram_count(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<_> = samples(scrape, metric, labels).collect();
    assert_eq!(
        found.len(),
        1,
        "one {metric} {labels:?} histogram, found {found:?}"
    );
    match &found[0].value {
        Value::Histogram(buckets) => buckets
            .iter()
            .find(|bucket| bucket.less_than == f64::INFINITY)
            .map(|bucket| bucket.count)
            .unwrap_or_else(|| panic!("{metric} has no +Inf bucket: {buckets:?}")),
        other => panic!("{metric} is not a histogram: {other:?}"),
    }
}

/// What the three scrapes say together, once they agree: the leader's id and the term.
fn agreed_leader(scrapes: &[(u64, Scrape)]) -> Result<(u64, u64), String> {
    let leaders: Vec<u64> = scrapes
        .iter()
        .filter(|(_, scrape)| value(scrape, "omsvc_raft_role", &[("role", "leader")]) == 1.0)
        .map(|(id, _)| *id)
        .collect();
    let [leader] = leaders[..] else {
        return Err(format!("leaders by their role metric: {leaders:?}"));
    };
    // A node that joined is a learner until the leader promotes it to a voter.
    if let Some((id, _)) = scrapes.iter().find(|(id, scrape)| {
        *id != leader && value(scrape, "omsvc_raft_role", &[("role", "follower")]) != 1.0
    }) {
        return Err(format!("node {id} is not a voting follower yet"));
    }
    let terms: Vec<f64> = scrapes
        .iter()
        .map(|(_, scrape)| value(scrape, "omsvc_raft_term", &[]))
        .collect();
    let seen: Vec<f64> = scrapes
        .iter()
        .map(|(_, scrape)| value(scrape, "omsvc_raft_leader_id", &[]))
        .collect();
    if terms.iter().any(|term| *term != terms[0]) || seen.iter().any(|id| *id != leader as f64) {
        return Err(format!("terms {terms:?}, leaders seen {seen:?}"));
    }
    let leader_scrape = &scrapes.iter().find(|(id, _)| *id == leader).unwrap().1;
    let running = [("service", DEMO_SERVICE), ("state", "RUNNING")];
    if value(leader_scrape, "omsvc_service_state", &running) != 1.0 {
        return Err(format!(
            "node {leader} leads but its service does not run yet"
        ));
    }
    // The demo service saves its progress through the leader every 100 ms.
    if histogram_count(leader_scrape, "omsvc_raft_write_latency_seconds", &[]) < 1.0 {
        return Err(format!("node {leader} has committed no write yet"));
    }
    Ok((leader, terms[0] as u64))
}

/// One scrape per node, each tagged with the node's id.
type Scrapes = Vec<(u64, Scrape)>;

/// Scrapes of `ids` that agree on the leader and the term, with both. The checks run on these
/// very scrapes: a second round could already see a later election.
fn settled_scrapes(http: &[String], ids: &[u64]) -> Result<(u64, u64, Scrapes), String> {
    let scrapes = scrape_all(http, ids);
    let (leader, term) = agreed_leader(&scrapes)?;
    Ok((leader, term, scrapes))
}

fn scrape_all(http: &[String], ids: &[u64]) -> Vec<(u64, Scrape)> {
    ids.iter()
        .map(|&id| (id, scrape(&http[(id - 1) as usize])))
        .collect()
}

/// Everything the scrapes of a settled cluster must say about `leader` in `term`.
fn check_settled(scrapes: &[(u64, Scrape)], leader: u64, term: u64) {
    for (id, scrape) in scrapes {
        let is_leader = *id == leader;
        let role = if is_leader { "leader" } else { "follower" };
        assert_eq!(
            value(scrape, "omsvc_raft_role", &[("role", role)]),
            1.0,
            "node {id} is not a {role}: {:?}",
            samples(scrape, "omsvc_raft_role", &[]).collect::<Vec<_>>()
        );
        let roles: f64 = samples(scrape, "omsvc_raft_role", &[])
            .map(|sample| match sample.value {
                Value::Gauge(value) => value,
                _ => panic!("omsvc_raft_role is not a gauge"),
            })
            .sum();
        assert_eq!(roles, 1.0, "node {id} has one role");
        let applied = value(scrape, "omsvc_raft_applied_index", &[]);
        let committed = value(scrape, "omsvc_raft_committed_index", &[]);
        let last_log = value(scrape, "omsvc_raft_last_log_index", &[]);
        assert!(
            1.0 <= applied && applied <= committed && committed <= last_log,
            "node {id}: applied {applied}, committed {committed}, last log {last_log}"
        );
        assert!(value(scrape, "omsvc_raft_leader_changes_seen_total", &[]) >= 1.0);
        let service = [("service", DEMO_SERVICE)];
        let state = |state| {
            value(
                scrape,
                "omsvc_service_state",
                &[("service", DEMO_SERVICE), ("state", state)],
            )
        };
        let epoch = value(scrape, "omsvc_service_epoch", &service);
        if is_leader {
            assert_eq!((state("RUNNING"), epoch), (1.0, term as f64), "node {id}");
            assert!(value(scrape, "omsvc_service_starts_total", &service) >= 1.0);
            assert!(
                histogram_count(scrape, "omsvc_service_ready_to_running_seconds", &service) >= 1.0
            );
            assert!(histogram_count(scrape, "omsvc_raft_barrier_wait_seconds", &[]) >= 1.0);
            assert!(histogram_count(scrape, "omsvc_raft_write_latency_seconds", &[]) >= 1.0);
            let ack = value(scrape, "omsvc_raft_quorum_ack_age_seconds", &[]);
            assert!(ack >= 0.0, "node {id}: quorum ack age {ack}");
        } else {
            assert_eq!((state("PAUSING"), epoch), (1.0, 0.0), "node {id}");
            assert_eq!(
                samples(scrape, "omsvc_raft_quorum_ack_age_seconds", &[]).count(),
                0,
                "node {id}: only a leader reports quorum acknowledgements"
            );
            // The leader's replication connection, at least.
            assert!(value(scrape, "omsvc_connections_open", &[]) >= 1.0);
        }
        assert_eq!(
            value(scrape, "omsvc_service_failed_starts_total", &service),
            0.0
        );
    }
}

#[test]
fn metrics_of_a_three_node_cluster_parse_and_agree_before_and_after_a_leader_kill() {
    let _serial = serial();
    let (mut cluster, http) = cluster_with_http();

    let (leader, term, scrapes) = poll(WAIT, || settled_scrapes(&http, &ALL))
        .unwrap_or_else(|reason| panic!("{reason}\n{}", cluster.tails(20)));
    check_settled(&scrapes, leader, term);

    // Refused frames are counted: a frame of another cluster, and bytes that are no frame.
    let follower = *ALL.iter().find(|&&id| id != leader).unwrap();
    let follower_http = &http[(follower - 1) as usize];
    let malformed = |s: &Scrape| {
        samples(s, "omsvc_frames_refused_total", &[("reason", "malformed")])
            .map(|sample| match sample.value {
                Value::Counter(value) => value,
                _ => panic!("omsvc_frames_refused_total is not a counter"),
            })
            .sum::<f64>()
    };
    let before = malformed(&scrape(follower_http));
    let mut other_cluster = RaftClient::new(
        &cluster.node(follower).addr,
        "another-cluster",
        CALL_TIMEOUT,
    )
    .unwrap();
    assert!(other_cluster.status().is_err());
    let mut garbage = TcpStream::connect(&cluster.node(follower).addr).unwrap();
    garbage.write_all(&[0xff; 64]).unwrap();
    let mut rest = Vec::new();
    let _ = garbage.read_to_end(&mut rest); // the node closes it
                                            // Counted as the node closes the connection: poll.
    let after = poll(WAIT, || {
        let after = scrape(follower_http);
        let wrong_cluster = samples(&after, "omsvc_frames_refused_total", &[("reason", "wrong_cluster")]).count();
        if wrong_cluster == 1 && malformed(&after) == before + 1.0 {
            Ok(after)
        } else {
            Err(format!("refused frames: wrong cluster samples {wrong_cluster}, malformed {} (before {before})", malformed(&after)))
        }
    })
    .unwrap_or_else(|reason| panic!("{reason}"));
    assert_eq!(
        value(
            &after,
            "omsvc_frames_refused_total",
            &[("reason", "wrong_cluster")]
        ),
        1.0
    );

    // /status is what `omsvc status --json` prints, and the other paths answer as they should.
    let status: serde_json::Value =
        serde_json::from_str(&get(follower_http, "/status")).expect("/status is JSON");
    let printed = Command::new(omsvc_binary())
        .args(["status", "--node", &cluster.node(follower).addr, "--json"])
        .output()
        .expect("omsvc status runs");
    let printed: serde_json::Value =
        serde_json::from_slice(&printed.stdout).expect("omsvc status --json prints JSON");
    let keys = |value: &serde_json::Value| -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(keys(&status), keys(&printed));
    assert_eq!(keys(&status["node"]), keys(&printed["node"]));
    let (follower_id, leader_id) = (follower.to_string(), leader.to_string());
    assert_eq!(
        (
            status["node"]["self_id"].as_str(),
            status["node"]["leader"].as_str(),
            status["server_state"].as_str()
        ),
        (Some(&*follower_id), Some(&*leader_id), Some("FOLLOWER")),
        "{status:#}"
    );
    assert_eq!(
        request(follower_http, "GET", "/nothing-here").unwrap().0,
        404
    );
    assert_eq!(request(follower_http, "POST", "/metrics").unwrap().0, 405);
    let page = get(follower_http, "/");
    assert!(page.contains("<title>omsvc cluster</title>"));

    // The leader is killed: the survivors agree on a new leader in a later term.
    let leaders_seen = value(&after, "omsvc_raft_leader_changes_seen_total", &[]);
    cluster.node_mut(leader).kill();
    let survivors: Vec<u64> = ALL.iter().copied().filter(|&id| id != leader).collect();
    let (new_leader, new_term, scrapes) = poll(WAIT, || settled_scrapes(&http, &survivors))
        .unwrap_or_else(|reason| panic!("{reason}\n{}", cluster.tails(20)));
    assert_ne!(new_leader, leader);
    assert!(new_term > term, "term {new_term} after {term}");
    check_settled(&scrapes, new_leader, new_term);
    let follower_after = &scrapes.iter().find(|(id, _)| *id == follower).unwrap().1;
    assert!(
        value(follower_after, "omsvc_raft_leader_changes_seen_total", &[]) > leaders_seen,
        "node {follower} counted the new leader"
    );
}

/// What the page shows, read from its DOM: the visible texts an operator reads.
const READ_PAGE: &str = r##"document.getElementById("leader") === null ? "null" : JSON.stringify({
  leader: document.getElementById("leader").textContent,
  term: document.getElementById("term").textContent,
  running: [...document.querySelectorAll("#services tbody tr")]
    .map((row) => [...row.cells].map((cell) => cell.textContent))
    .filter((cells) => cells[2] === "RUNNING"),
  unreachable: [...document.querySelectorAll("#members tbody tr")]
    .map((row) => [...row.cells].map((cell) => cell.textContent))
    .filter((cells) => cells[2] === "unreachable")
    .map((cells) => cells[0]),
  timeline: [...document.querySelectorAll("#timeline li")].map((item) => item.textContent),
})"##;

#[derive(Debug, serde::Deserialize)]
struct Shown {
    leader: String,
    term: String,
    /// The cells of every RUNNING row: service, node, state, since, epoch, counts, note.
    running: Vec<Vec<String>>,
    unreachable: Vec<String>,
    timeline: Vec<String>,
}

/// What the page shows; None while it is still loading.
fn shown(browser: &mut Browser, page: &browser_support::Page) -> Option<Shown> {
    let text = browser.evaluate(page, READ_PAGE);
    serde_json::from_str(text.as_str().expect("the page's state as a string"))
        .expect("the page's state")
}

/// The page shows `leader` in `term` with the demo service running there, and only there.
fn shows(page: Option<&Shown>, leader: u64, term: u64) -> Result<(), String> {
    let page = page.ok_or("the page has not loaded yet")?;
    let expected_running = vec![vec![
        DEMO_SERVICE.to_owned(),
        format!("node {leader}"),
        "RUNNING".to_owned(),
    ]];
    let running: Vec<Vec<String>> = page
        .running
        .iter()
        .map(|cells| cells[..3].to_vec())
        .collect();
    let epochs: Vec<&str> = page.running.iter().map(|cells| cells[4].as_str()).collect();
    if page.leader.starts_with(&format!("node {leader} "))
        && page.term == term.to_string()
        && running == expected_running
        && epochs == [term.to_string()]
    {
        Ok(())
    } else {
        Err(format!(
            "expected node {leader} leading term {term} with the service; the page shows {page:?}"
        ))
    }
}

fn running_leader(cluster: &Cluster, candidates: &[u64]) -> Result<(u64, u64), String> {
    let report = cluster.leader_where(candidates, |report| {
        matches!(service_state(report, DEMO_SERVICE), Some((status, _)) if status == "RUNNING")
    })?;
    Ok((report.id(), report.term().0))
}

#[test]
fn the_status_page_shows_the_new_leader_after_a_kill_in_a_real_browser() {
    let _serial = serial();
    let (mut cluster, http) = cluster_with_http();
    let (first_leader, _) = poll(WAIT, || running_leader(&cluster, &ALL))
        .unwrap_or_else(|reason| panic!("{reason}\n{}", cluster.tails(20)));

    // The page is served by a follower, which the kill below spares. Starting a browser loads
    // the machine, and a young cluster may re-elect meanwhile: the page must then show
    // whoever leads, from a node that does not.
    let mut browser = Browser::launch();
    let open_on_a_follower = |browser: &mut Browser, leader: u64| {
        let viewer = *ALL.iter().find(|&&id| id != leader).unwrap();
        let page = browser.open(&format!("http://{}/", http[(viewer - 1) as usize]));
        (viewer, page)
    };
    let (mut viewer, mut page) = open_on_a_follower(&mut browser, first_leader);
    let leader = poll(WAIT, || {
        let (leader, term) = running_leader(&cluster, &ALL)?;
        if leader == viewer {
            (viewer, page) = open_on_a_follower(&mut browser, leader);
        }
        shows(shown(&mut browser, &page).as_ref(), leader, term).map(|()| leader)
    })
    .unwrap_or_else(|reason| panic!("{reason}\n{}", cluster.tails(20)));

    cluster.node_mut(leader).kill();
    let survivors: Vec<u64> = ALL.iter().copied().filter(|&id| id != leader).collect();
    // The same page, never reloaded, catches up by itself with whoever leads now.
    let (new_leader, new_term, after) = poll(WAIT, || {
        let (new_leader, new_term) = running_leader(&cluster, &survivors)?;
        let now = shown(&mut browser, &page);
        shows(now.as_ref(), new_leader, new_term).map(|()| (new_leader, new_term, now.unwrap()))
    })
    .unwrap_or_else(|reason| panic!("{reason}\n{}", cluster.tails(20)));
    assert_eq!(after.unreachable, [format!("node {leader}")]);
    assert!(
        after.timeline.first().is_some_and(
            |newest| newest.ends_with(&format!("term {new_term}, node {new_leader} leads"))
        ),
        "the timeline starts with the new leader: {:?}",
        after.timeline
    );
    let shot = browser.screenshot(&page, 1100, 820);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page.png");
    std::fs::write(&path, shot).expect("the screenshot is written");
    println!("the page after the failover: {}", path.display());
}
