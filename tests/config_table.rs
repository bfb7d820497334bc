//! The RocksDB configuration table (docs/design.md T1-T11; B7, B8, B9 and the limits).

use omsvc_core::{
    encode_delete_request, encode_run_control_request, encode_set_request,
    encode_stamped_delete_request, encode_stamped_set_request, ApplyOutcome, ConfigTable, Error,
    NameProblem, TableOptions, TermIndex, MAX_CONFIGURATION_BYTES, MAX_SERVICE_NAME_BYTES,
};
use omsvc_core::{LogIndex, Term};
use omsvc_testkit::replicated_group::Group;

fn open(dir: &std::path::Path) -> ConfigTable {
    ConfigTable::open(dir, TableOptions::default()).unwrap()
}

fn set(name: &str, value: &[u8]) -> Vec<u8> {
    encode_set_request(name, value).unwrap()
}

#[test]
fn an_entry_applied_on_every_node_reads_the_same_everywhere() {
    let group = Group::new(3);
    let large: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    group.replicate(&set("Lifecycle", b"suspended")).unwrap();
    group.replicate(&set("Trash", &large)).unwrap();
    group.replicate(&set("Empty", b"")).unwrap();
    for node in &group.nodes {
        assert_eq!(
            node.read_configuration("Lifecycle").unwrap().as_deref(),
            Some(&b"suspended"[..])
        );
        assert_eq!(
            node.read_configuration("Trash").unwrap(),
            Some(large.clone())
        );
        assert_eq!(
            node.read_configuration("Empty").unwrap(),
            Some(vec![]),
            "empty is present, not absent"
        );
        assert_eq!(
            node.list_configurations().unwrap(),
            ["Empty", "Lifecycle", "Trash"]
        );
    }
    group
        .replicate(&encode_delete_request("Lifecycle").unwrap())
        .unwrap();
    for node in &group.nodes {
        assert_eq!(node.read_configuration("Lifecycle").unwrap(), None);
        assert_eq!(node.list_configurations().unwrap(), ["Empty", "Trash"]);
        assert_eq!(
            node.last_applied_entry(),
            TermIndex {
                term: Term(0),
                index: LogIndex(4)
            }
        );
    }
}

#[test]
fn replaying_an_entry_changes_nothing_and_restart_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    {
        let table = open(dir.path());
        assert_eq!(
            table
                .apply(Term(2), LogIndex(10), &set("Lifecycle", b"v1"))
                .unwrap(),
            ApplyOutcome::Applied {
                info: TermIndex {
                    term: Term(2),
                    index: LogIndex(10)
                }
            }
        );
        assert_eq!(
            table
                .apply(Term(2), LogIndex(10), &set("Lifecycle", b"v2"))
                .unwrap(),
            ApplyOutcome::AlreadyApplied {
                last: TermIndex {
                    term: Term(2),
                    index: LogIndex(10)
                }
            }
        );
        assert_eq!(
            table
                .apply(
                    Term(2),
                    LogIndex(9),
                    &encode_delete_request("Lifecycle").unwrap()
                )
                .unwrap(),
            ApplyOutcome::AlreadyApplied {
                last: TermIndex {
                    term: Term(2),
                    index: LogIndex(10)
                }
            }
        );
        assert_eq!(
            table.read("Lifecycle").unwrap().as_deref(),
            Some(&b"v1"[..])
        );
    }
    let reopened = open(dir.path());
    assert_eq!(
        reopened.last_applied(),
        TermIndex {
            term: Term(2),
            index: LogIndex(10)
        }
    );
    assert_eq!(
        reopened.read("Lifecycle").unwrap().as_deref(),
        Some(&b"v1"[..])
    );
    assert!(matches!(
        reopened.apply(Term(2), LogIndex(10), &set("Lifecycle", b"v3")),
        Ok(ApplyOutcome::AlreadyApplied { .. })
    ));
    assert!(matches!(
        reopened.apply(Term(3), LogIndex(11), &set("Lifecycle", b"v3")),
        Ok(ApplyOutcome::Applied { .. })
    ));
}

#[test]
fn absent_is_not_an_error_and_list_is_ordered() {
    let dir = tempfile::tempdir().unwrap();
    let table = open(dir.path());
    assert_eq!(table.read("Nobody").unwrap(), None);
    for (index, name) in ["zeta", "Alpha", "beta", "Ärger"].iter().enumerate() {
        table
            .apply(Term(1), LogIndex(index as u64 + 1), &set(name, b"x"))
            .unwrap();
    }
    assert_eq!(table.list().unwrap(), ["Alpha", "beta", "zeta", "Ärger"]);
}

#[test]
fn bad_input_is_refused_with_a_clear_error_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let table = open(dir.path());
    table
        .apply(Term(1), LogIndex(1), &set("Keep", b"kept"))
        .unwrap();

    let too_long = "n".repeat(MAX_SERVICE_NAME_BYTES + 1);
    let err = encode_set_request(&too_long, b"x").unwrap_err();
    assert!(
        err.to_string().contains("256 bytes long; the limit is 255"),
        "{err}"
    );
    assert!(matches!(
        encode_set_request("", b"x"),
        Err(Error::InvalidServiceName {
            problem: NameProblem::Empty,
            ..
        })
    ));
    let huge = vec![7u8; MAX_CONFIGURATION_BYTES + 1];
    let err = encode_set_request("Big", &huge).unwrap_err();
    assert!(
        err.to_string().contains("the limit is 4194304 bytes"),
        "{err}"
    );

    // Hand-built entries that skip the encoder's checks must be refused by apply itself.
    let mut oversized_entry = Vec::new();
    prost::Message::encode(
        &omsvc_core::proto::ServiceConfigurationCommand {
            command: Some(
                omsvc_core::proto::service_configuration_command::Command::Set(
                    omsvc_core::proto::SetServiceConfigurationRequest {
                        service_name: "Big".into(),
                        configuration: huge,
                    },
                ),
            ),
            writer_epoch: None,
        },
        &mut oversized_entry,
    )
    .unwrap();
    let bad_entries: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", vec![0xff, 0x00, 0x13]),
        ("empty command", vec![]),
        (
            "invalid UTF-8 name",
            vec![0x0a, 0x05, 0x0a, 0x03, b'a', 0xc3, 0x28],
        ),
        ("empty name", vec![0x12, 0x00]),
        (
            "control character",
            vec![0x12, 0x04, 0x0a, 0x02, b'a', 0x07],
        ),
        ("oversized value", oversized_entry),
    ];
    for (what, entry) in bad_entries {
        let err = table.apply(Term(1), LogIndex(2), &entry).expect_err(what);
        assert!(err.is_refused_command(), "{what}: {err}");
        assert_eq!(
            table.last_applied(),
            TermIndex {
                term: Term(1),
                index: LogIndex(1)
            },
            "{what} wrote transaction info"
        );
        assert_eq!(
            table.list().unwrap(),
            ["Keep"],
            "{what} wrote a configuration"
        );
    }
    assert!(matches!(
        table.read(""),
        Err(Error::InvalidServiceName { .. })
    ));
    assert!(matches!(
        table.read(&too_long),
        Err(Error::InvalidServiceName { .. })
    ));
}

#[test]
fn a_second_writer_gets_a_locked_error_naming_the_path_but_readers_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let table = open(dir.path());
    table
        .apply(Term(1), LogIndex(1), &set("Lifecycle", b"on"))
        .unwrap();
    let err = ConfigTable::open(dir.path(), TableOptions::default()).unwrap_err();
    assert!(matches!(err, Error::DatabaseLocked { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains(&dir.path().display().to_string()) && message.contains("read-only"),
        "{message}"
    );

    let reader = ConfigTable::open_read_only(dir.path()).unwrap();
    assert_eq!(
        reader.read("Lifecycle").unwrap().as_deref(),
        Some(&b"on"[..])
    );
    assert!(matches!(
        reader.apply(Term(1), LogIndex(2), &set("Lifecycle", b"off")),
        Err(Error::ReadOnly { .. })
    ));
}

#[test]
fn a_missing_database_is_an_error_naming_the_path_unless_creation_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-node");
    let err = ConfigTable::open_read_only(&missing).unwrap_err();
    assert!(matches!(err, Error::DatabaseMissing { .. }));
    assert!(err.to_string().contains("no-such-node"), "{err}");
    let options = TableOptions::default().with_create_if_missing(false);
    assert!(matches!(
        ConfigTable::open(&missing, options),
        Err(Error::DatabaseMissing { .. })
    ));
    assert!(
        !missing.exists(),
        "a refused open must not create the directory"
    );
    open(&missing);
    assert!(missing.join("CURRENT").exists());
}

#[test]
fn a_database_of_a_newer_format_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    open(dir.path())
        .apply(Term(1), LogIndex(1), &set("Lifecycle", b"on"))
        .unwrap();
    let raw_options = rocksdb::Options::default();
    let cfs = rocksdb::DB::list_cf(&raw_options, dir.path()).unwrap();
    {
        let raw = rocksdb::DB::open_cf(&raw_options, dir.path(), &cfs).unwrap();
        raw.put_cf(
            raw.cf_handle("transactionInfoTable").unwrap(),
            b"#FORMAT_VERSION",
            b"2",
        )
        .unwrap();
    }
    for err in [
        ConfigTable::open(dir.path(), TableOptions::default()).unwrap_err(),
        ConfigTable::open_read_only(dir.path()).unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::UnsupportedFormatVersion { ref found, supported: 1, .. } if found == "2"),
            "{err}"
        );
        assert!(err.to_string().contains("upgrade libomsvc"), "{err}");
    }
    let raw = rocksdb::DB::open_cf_for_read_only(&raw_options, dir.path(), &cfs, false).unwrap();
    assert_eq!(
        raw.get_cf(
            raw.cf_handle("transactionInfoTable").unwrap(),
            b"#FORMAT_VERSION"
        )
        .unwrap()
        .unwrap(),
        b"2"
    );
}

#[test]
fn a_foreign_rocksdb_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(true);
        rocksdb::DB::open(&options, dir.path())
            .unwrap()
            .put(b"k", b"v")
            .unwrap();
    }
    let err = ConfigTable::open(dir.path(), TableOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NotAnOmsvcDatabase { .. }), "{err}");
}

#[test]
fn a_follower_installing_a_snapshot_ends_with_the_leaders_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let leader = open(&dir.path().join("leader"));
    let follower = open(&dir.path().join("follower"));
    follower
        .apply(Term(1), LogIndex(1), &set("Stale", b"old"))
        .unwrap();
    follower
        .apply(Term(1), LogIndex(2), &set("Lifecycle", b"old"))
        .unwrap();
    for (index, (name, value)) in [
        ("Lifecycle", &b"new"[..]),
        ("Trash", b"bucket-7"),
        ("Gone", b"x"),
    ]
    .iter()
    .enumerate()
    {
        leader
            .apply(Term(3), LogIndex(10 + index as u64), &set(name, value))
            .unwrap();
    }
    leader
        .apply(
            Term(3),
            LogIndex(13),
            &encode_delete_request("Gone").unwrap(),
        )
        .unwrap();

    let checkpoint = dir.path().join("snapshot-13");
    assert_eq!(
        leader.checkpoint(&checkpoint).unwrap(),
        TermIndex {
            term: Term(3),
            index: LogIndex(13)
        }
    );
    assert!(matches!(
        leader.checkpoint(&checkpoint),
        Err(Error::CheckpointExists { .. })
    ));
    assert_eq!(
        follower.reinitialize(&checkpoint).unwrap(),
        TermIndex {
            term: Term(3),
            index: LogIndex(13)
        }
    );
    assert_eq!(follower.entries().unwrap(), leader.entries().unwrap());
    assert_eq!(
        follower.last_applied(),
        TermIndex {
            term: Term(3),
            index: LogIndex(13)
        }
    );
    assert!(matches!(
        follower.apply(Term(3), LogIndex(13), &set("Lifecycle", b"replayed")),
        Ok(ApplyOutcome::AlreadyApplied { .. })
    ));
    drop(follower);
    let reopened = open(&dir.path().join("follower"));
    assert_eq!(reopened.entries().unwrap(), leader.entries().unwrap());
}

#[test]
fn a_log_that_starts_at_index_zero_applies_its_first_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    {
        let table = open(dir.path());
        assert_eq!(table.applied_position(), None);
        assert_eq!(
            table
                .apply_marker(Term(0), LogIndex(0), Some(("membership", b"m0")))
                .unwrap(),
            ApplyOutcome::Applied {
                info: TermIndex {
                    term: Term(0),
                    index: LogIndex(0)
                }
            }
        );
        assert!(matches!(
            table.apply_marker(Term(0), LogIndex(0), Some(("membership", b"other"))),
            Ok(ApplyOutcome::AlreadyApplied { .. })
        ));
        assert_eq!(
            table.host_metadata("membership").unwrap().as_deref(),
            Some(&b"m0"[..])
        );
    }
    let reopened = open(dir.path());
    assert_eq!(
        reopened.applied_position(),
        Some(TermIndex {
            term: Term(0),
            index: LogIndex(0)
        })
    );
    assert!(matches!(
        reopened.apply(Term(0), LogIndex(0), &set("Lifecycle", b"x")),
        Ok(ApplyOutcome::AlreadyApplied { .. })
    ));
    assert!(matches!(
        reopened.apply(Term(1), LogIndex(1), &set("Lifecycle", b"x")),
        Ok(ApplyOutcome::Applied { .. })
    ));
}

/// docs/design.md F3: a write stamped with its writer's epoch is refused, alike on
/// every peer, when its entry was appended in another term; an operator's write is not fenced.
#[test]
fn a_write_stamped_with_an_epoch_other_than_its_entrys_term_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let table = open(dir.path());
    let stamped =
        |value: &[u8], epoch| encode_stamped_set_request("Scanner", value, epoch).unwrap();

    assert!(matches!(
        table.apply(Term(3), LogIndex(1), &stamped(b"15", Term(3))),
        Ok(ApplyOutcome::Applied { .. })
    ));
    assert!(matches!(
        table.apply(Term(4), LogIndex(2), &set("Scanner", b"16")),
        Ok(ApplyOutcome::Applied { .. })
    ));
    for (what, request) in [
        ("a set of epoch 3", stamped(b"15-late", Term(3))),
        (
            "a delete of epoch 3",
            encode_stamped_delete_request("Scanner", Term(3)).unwrap(),
        ),
        ("a set of the later epoch 5", stamped(b"17", Term(5))),
        ("a set stamped with epoch 0", stamped(b"zero", Term(0))),
    ] {
        let err = table.apply(Term(4), LogIndex(3), &request).expect_err(what);
        assert!(
            matches!(&err, Error::StaleWriterEpoch { name, term: Term(4), index: LogIndex(3), .. } if name == "Scanner"),
            "{what}: {err}"
        );
        assert!(err.is_refused_command(), "{what}: every peer refuses it");
        assert!(err.to_string().contains("nothing was written"), "{err}");
        assert_eq!(table.read("Scanner").unwrap().as_deref(), Some(&b"16"[..]));
        assert_eq!(
            table.last_applied(),
            TermIndex {
                term: Term(4),
                index: LogIndex(2)
            },
            "{what} wrote transaction info"
        );
    }
    assert!(matches!(
        table.apply(Term(4), LogIndex(3), &stamped(b"17", Term(4))),
        Ok(ApplyOutcome::Applied { .. })
    ));
    assert_eq!(table.read("Scanner").unwrap().as_deref(), Some(&b"17"[..]));
}

/// docs/design.md T4: terms in a Raft log never go down.
#[test]
fn an_entry_whose_term_is_below_the_last_applied_entrys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let table = open(dir.path());
    table
        .apply(Term(5), LogIndex(10), &set("Lifecycle", b"five"))
        .unwrap();

    let err = table
        .apply(Term(4), LogIndex(11), &set("Lifecycle", b"four"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TermWentBackwards {
                term: Term(4),
                index: LogIndex(11),
                last_term: Term(5),
                last_index: LogIndex(10)
            }
        ),
        "{err}"
    );
    assert!(
        !err.is_refused_command(),
        "a wrong term is the host's error: the entry must not count as applied"
    );
    assert!(err.to_string().contains("never go down"), "{err}");
    assert!(matches!(
        table.apply_marker(Term(4), LogIndex(11), None),
        Err(Error::TermWentBackwards { .. })
    ));
    assert_eq!(
        table.read("Lifecycle").unwrap().as_deref(),
        Some(&b"five"[..])
    );
    assert_eq!(
        table.last_applied(),
        TermIndex {
            term: Term(5),
            index: LogIndex(10)
        }
    );
    // A replayed older entry is still a no-op, and the log goes on in the same or a later term.
    assert!(matches!(
        table.apply(Term(4), LogIndex(9), &set("Lifecycle", b"four")),
        Ok(ApplyOutcome::AlreadyApplied { .. })
    ));
    table
        .apply(Term(5), LogIndex(11), &set("Lifecycle", b"five-b"))
        .unwrap();
    table
        .apply(Term(6), LogIndex(12), &set("Lifecycle", b"six"))
        .unwrap();
}

/// docs/design.md T10: run control is a record of its own, apart from the service's
/// configuration, applied and snapshotted like every other change.
#[test]
fn run_control_is_its_own_record_and_travels_with_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let leader = open(&dir.path().join("leader"));
    let follower = open(&dir.path().join("follower"));
    assert_eq!(leader.run_control("Lifecycle").unwrap(), None);
    leader
        .apply(Term(1), LogIndex(1), &set("Lifecycle", b"position-7"))
        .unwrap();
    leader
        .apply(
            Term(1),
            LogIndex(2),
            &encode_run_control_request("Lifecycle", false).unwrap(),
        )
        .unwrap();
    leader
        .apply(Term(1), LogIndex(3), &set("Lifecycle", b"position-8"))
        .unwrap();
    assert_eq!(leader.run_control("Lifecycle").unwrap(), Some(false));
    assert_eq!(
        leader.read("Lifecycle").unwrap().as_deref(),
        Some(&b"position-8"[..])
    );
    leader
        .apply(
            Term(1),
            LogIndex(4),
            &encode_run_control_request("Trash", true).unwrap(),
        )
        .unwrap();
    assert_eq!(leader.list().unwrap(), ["Lifecycle"], "not a configuration");

    follower
        .apply(
            Term(1),
            LogIndex(1),
            &encode_run_control_request("Stale", false).unwrap(),
        )
        .unwrap();
    let checkpoint = dir.path().join("snapshot");
    leader.checkpoint(&checkpoint).unwrap();
    follower.reinitialize(&checkpoint).unwrap();
    assert_eq!(follower.run_control("Lifecycle").unwrap(), Some(false));
    assert_eq!(follower.run_control("Trash").unwrap(), Some(true));
    assert_eq!(
        follower.run_control("Stale").unwrap(),
        None,
        "a snapshot replaces the run-control records too"
    );
    assert!(matches!(
        leader.run_control(""),
        Err(Error::InvalidServiceName { .. })
    ));
}
