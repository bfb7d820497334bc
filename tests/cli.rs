//! The `omsvc config` tools against a real node database, including one a node holds open.

use omsvc_core::{encode_delete_request, encode_set_request, ConfigTable, TableOptions};
use omsvc_core::{LogIndex, Term};
use std::process::{Command, Output};

fn omsvc(args: &[&str]) -> Output {
    Command::new(omsvc_testkit::binary::omsvc_binary())
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A node's table with two configurations, still open (and locked) as a running node holds it.
fn running_node_db() -> (tempfile::TempDir, ConfigTable, String) {
    let dir = tempfile::tempdir().unwrap();
    let table = ConfigTable::open(dir.path(), TableOptions::default()).unwrap();
    table
        .apply(
            Term(2),
            LogIndex(5),
            &encode_set_request("KeyLifecycleService", b"suspended").unwrap(),
        )
        .unwrap();
    table
        .apply(
            Term(2),
            LogIndex(6),
            &encode_set_request("Trash", &[0, 1, 2, 0xff]).unwrap(),
        )
        .unwrap();
    table
        .apply(
            Term(2),
            LogIndex(7),
            &encode_set_request("Gone", b"x").unwrap(),
        )
        .unwrap();
    table
        .apply(
            Term(3),
            LogIndex(8),
            &encode_delete_request("Gone").unwrap(),
        )
        .unwrap();
    let path = dir.path().to_str().unwrap().to_owned();
    (dir, table, path)
}

#[test]
fn list_get_and_dump_read_the_database_of_a_running_node() {
    let (_dir, _held_open, db) = running_node_db();

    let list = omsvc(&["config", "list", "--db", &db]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert_eq!(stdout(&list), "KeyLifecycleService\nTrash\n");

    let get = omsvc(&["config", "get", "--db", &db, "Trash"]);
    assert!(get.status.success(), "{}", stderr(&get));
    assert!(
        stdout(&get).starts_with("Trash: 4 bytes\n  00000000  00 01 02 ff"),
        "{}",
        stdout(&get)
    );

    let raw = omsvc(&["config", "get", "--db", &db, "KeyLifecycleService", "--raw"]);
    assert_eq!(raw.stdout, b"suspended");

    let dump = omsvc(&["config", "dump", "--db", &db]);
    let text = stdout(&dump);
    assert!(text.contains("last applied:  term 3 index 8"), "{text}");
    assert!(text.contains("configurations: 2"), "{text}");
}

#[test]
fn json_output_is_machine_readable() {
    let (_dir, _held_open, db) = running_node_db();
    let parse = |args: &[&str]| -> serde_json::Value {
        let output = omsvc(args);
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&output)))
    };
    let list = parse(&["config", "list", "--db", &db, "--json"]);
    assert_eq!(
        list["services"],
        serde_json::json!(["KeyLifecycleService", "Trash"])
    );
    let get = parse(&["config", "get", "--db", &db, "--json", "Trash"]);
    assert_eq!(get["hex"], "000102ff");
    assert_eq!(get["size"], 4);
    let dump = parse(&["config", "dump", "--db", &db, "--json"]);
    assert_eq!(
        dump["last_applied"],
        serde_json::json!({ "term": 3, "index": 8 })
    );
    assert_eq!(dump["format_version"], 1);
    assert_eq!(dump["entries"][0]["name"], "KeyLifecycleService");
}

#[test]
fn absent_configuration_exits_3_and_errors_exit_10_plus_their_code_with_a_message() {
    let (dir, _held_open, db) = running_node_db();
    let absent = omsvc(&["config", "get", "--db", &db, "Nobody"]);
    assert_eq!(absent.status.code(), Some(3));
    assert!(
        stderr(&absent).contains("no configuration stored for service \"Nobody\""),
        "{}",
        stderr(&absent)
    );

    let missing = dir.path().join("elsewhere");
    let error = omsvc(&["config", "list", "--db", missing.to_str().unwrap()]);
    assert_eq!(error.status.code(), Some(21), "DATABASE_MISSING");
    assert!(
        stderr(&error).contains("no omsvc database at") && stderr(&error).contains("elsewhere"),
        "{}",
        stderr(&error)
    );

    let bad_name = omsvc(&["config", "get", "--db", &db, ""]);
    assert_eq!(bad_name.status.code(), Some(14), "INVALID_NAME");
    assert!(
        stderr(&bad_name).contains("the name is empty"),
        "{}",
        stderr(&bad_name)
    );

    let usage = omsvc(&["config", "get", "Trash"]);
    assert_eq!(
        usage.status.code(),
        Some(2),
        "missing --db is a usage error"
    );
    assert!(!missing.exists(), "a read tool must not create a database");
}
