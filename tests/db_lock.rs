//! One database directory is never open twice for writing, however its path is spelled
//! (docs/design.md B17): within this process through the table's directory lock, across processes
//! through RocksDB's `LOCK` file, which a second in-process open can no longer release.

use omsvc_core::{ConfigTable, Error, TableOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The other spellings of `dir` (which is `<parent>/db`), made under `parent`.
fn spellings(parent: &Path, dir: &Path) -> Vec<PathBuf> {
    let link = parent.join("link");
    if !link.exists() {
        std::os::unix::fs::symlink(dir, &link).unwrap();
    }
    vec![
        dir.to_owned(),
        dir.join("."),
        PathBuf::from(format!("{}/", dir.display())),
        dir.join("..").join("db"),
        link,
    ]
}

fn open(path: &Path) -> Result<ConfigTable, Error> {
    ConfigTable::open(path, TableOptions::default())
}

#[test]
fn every_spelling_of_an_open_directory_is_refused_in_this_process() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("db");
    let holder = open(&dir).unwrap();
    for spelling in spellings(parent.path(), &dir) {
        match open(&spelling) {
            Err(Error::DatabaseLocked { .. }) => {}
            other => panic!("{} opened a second writer: {other:?}", spelling.display()),
        }
    }
    drop(holder);
    for spelling in spellings(parent.path(), &dir) {
        let table = open(&spelling).unwrap();
        assert!(matches!(open(&dir), Err(Error::DatabaseLocked { .. })));
        drop(table);
    }
}

/// Run by the test below in a child process: opens the path in `OMSVC_OPEN_IN_CHILD` and
/// exits 0 if it opened, 3 if it was locked, 4 on any other error.
#[test]
fn child_opens_the_directory() {
    let Some(path) = std::env::var_os("OMSVC_OPEN_IN_CHILD") else {
        return;
    };
    let code = match open(Path::new(&path)) {
        Ok(_) => 0,
        Err(Error::DatabaseLocked { .. }) => 3,
        Err(error) => {
            eprintln!("child: {error}");
            4
        }
    };
    std::process::exit(code);
}

fn open_in_child(path: &Path) -> i32 {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_opens_the_directory", "--test-threads=1"])
        .env("OMSVC_OPEN_IN_CHILD", path)
        .output()
        .unwrap()
        .status
        .code()
        .unwrap()
}

#[test]
fn another_process_cannot_open_the_directory_while_a_second_spelling_was_tried() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("db");
    let holder = open(&dir).unwrap();
    // A second spelling is refused here; before, it opened and its close released the
    // process's RocksDB lock, letting another process in while `holder` was live.
    for spelling in spellings(parent.path(), &dir) {
        assert!(open(&spelling).is_err());
    }
    for spelling in spellings(parent.path(), &dir) {
        assert_eq!(open_in_child(&spelling), 3, "{}", spelling.display());
    }
    drop(holder);
    assert_eq!(open_in_child(&dir.join(".")), 0);
}
