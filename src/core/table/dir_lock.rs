//! One writer per database directory in this process, however the directory's path is
//! spelled (`dir`, `dir/.`, `dir/`, `a/../dir`, a symlink): RocksDB's own `LOCK` file keeps
//! other processes out, but within one process RocksDB compares path strings, so a second
//! spelling would open a second writer on the same files. The lock is keyed by the
//! directory's identity (device and inode) and taken before RocksDB opens the directory.

use crate::error::Error;
use once_cell::sync::Lazy;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

static OPEN_DIRECTORIES: Lazy<Mutex<HashSet<Identity>>> = Lazy::new(Default::default);

/// Held for as long as a writable table has its directory open; dropping it lets the
/// directory be opened again, so it must be dropped after the database is closed.
#[derive(Debug)]
pub(crate) struct DirLock {
    identity: Identity,
}

impl DirLock {
    /// Locks the existing directory `path` for this process, or says it is already open.
    pub(crate) fn acquire(path: &Path) -> Result<DirLock, Error> {
        let identity = identity(path)?;
        let mut open = OPEN_DIRECTORIES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        #[allow(clippy::clone_on_copy)] // a copy on unix, a path elsewhere
        if !open.insert(identity.clone()) {
            tracing::debug!(path = %path.display(), "database directory already open in this process");
            return Err(Error::DatabaseLocked {
                path: path.to_owned(),
            });
        }
        Ok(DirLock { identity })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        OPEN_DIRECTORIES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.identity);
    }
}

#[cfg(unix)]
fn identity(path: &Path) -> Result<Identity, Error> {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::metadata(path).map_err(|source| io_error(path, source))?;
    Ok((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Result<Identity, Error> {
    std::fs::canonicalize(path).map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        operation: "identify the database directory",
        path: PathBuf::from(path),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_directory_is_one_lock() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("db");
        std::fs::create_dir(&dir).unwrap();
        let link = parent.path().join("link");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let lock = DirLock::acquire(&dir).unwrap();
        let spellings = [
            dir.join("."),
            PathBuf::from(format!("{}/", dir.display())),
            dir.join("..").join("db"),
            link,
        ];
        for spelling in &spellings {
            assert!(
                matches!(
                    DirLock::acquire(spelling),
                    Err(Error::DatabaseLocked { .. })
                ),
                "{} was not refused",
                spelling.display()
            );
        }
        drop(lock);
        for spelling in &spellings {
            drop(DirLock::acquire(spelling).unwrap());
        }
    }
}
