//! `omsvc demo`, the main job on a fresh machine (`examples/demo`): three openraft nodes in one
//! process, the leader killed, the service resumed elsewhere from its saved progress.

use std::process::Command;

#[test]
fn the_demo_fails_over_and_resumes_from_the_saved_progress() {
    let output = Command::new(omsvc_testkit::binary::omsvc_binary())
        .args(["demo", "--work-ms", "800", "--step-ms", "50"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the demo failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|line| line.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in the demo's output:\n{stdout}"))
            .to_owned()
    };
    let failover = line("failover:");
    let progress = line("progress:");
    let epochs = line("epochs:");
    // "epochs:   1 on node 2, then 3 on node 1": two nodes, a newer epoch on the second.
    let numbers: Vec<u64> = epochs
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|word| word.parse().ok())
        .collect();
    let [first_epoch, first_node, second_epoch, second_node] = numbers[..] else {
        panic!("unexpected epochs line: {epochs:?}");
    };
    assert!(second_epoch > first_epoch, "{epochs}");
    assert_ne!(first_node, second_node, "{epochs}");
    assert!(
        failover.contains(&format!("killing leader node {first_node}"))
            && failover.contains(&format!("running on node {second_node}")),
        "{failover}"
    );
    assert!(
        progress.contains(&format!("node {second_node} resumed there")),
        "{progress}"
    );
    assert!(
        stdout.contains(&format!("service STARTED at epoch {second_epoch}")),
        "{stdout}"
    );
}
