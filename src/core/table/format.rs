//! The on-disk format version, recorded in every database libomsvc creates. A database of
//! another version is refused before anything in it is read or written.

use super::{CONFIG_COLUMN_FAMILY, META_COLUMN_FAMILY};
use crate::error::{Cause, Error};
use rocksdb::{Options, DB};
use std::path::Path;

/// The format this libomsvc writes and reads.
pub const SUPPORTED_FORMAT_VERSION: u32 = 1;

pub(super) const FORMAT_VERSION_KEY: &[u8] = b"#FORMAT_VERSION";

/// The value stored under [`FORMAT_VERSION_KEY`] by this version.
pub(super) fn current_format_value() -> Vec<u8> {
    SUPPORTED_FORMAT_VERSION.to_string().into_bytes()
}

/// Checks, through a read-only open that takes no lock and writes nothing, that the existing
/// database at `path` is an omsvc database of the supported format. Returns its column
/// families, all of which a writable open must name.
pub(super) fn check_existing(path: &Path) -> Result<Vec<String>, Error> {
    let column_families =
        DB::list_cf(&Options::default(), path).map_err(|source| Error::Storage {
            operation: "list the column families",
            path: path.to_owned(),
            source: Cause::new(source),
        })?;
    if !column_families.iter().any(|cf| cf == META_COLUMN_FAMILY)
        || !column_families.iter().any(|cf| cf == CONFIG_COLUMN_FAMILY)
    {
        return Err(Error::NotAnOmsvcDatabase {
            path: path.to_owned(),
        });
    }
    let db = DB::open_cf_for_read_only(&Options::default(), path, &column_families, false)
        .map_err(|source| Error::Storage {
            operation: "open (read-only, to check its format)",
            path: path.to_owned(),
            source: Cause::new(source),
        })?;
    let meta = db
        .cf_handle(META_COLUMN_FAMILY)
        .ok_or_else(|| Error::NotAnOmsvcDatabase {
            path: path.to_owned(),
        })?;
    let stored = db
        .get_cf(meta, FORMAT_VERSION_KEY)
        .map_err(|source| Error::Storage {
            operation: "read the format version",
            path: path.to_owned(),
            source: Cause::new(source),
        })?;
    match stored {
        None => Err(Error::NotAnOmsvcDatabase {
            path: path.to_owned(),
        }),
        Some(value) if value == current_format_value() => Ok(column_families),
        Some(value) => Err(Error::UnsupportedFormatVersion {
            path: path.to_owned(),
            found: String::from_utf8_lossy(&value).into_owned(),
            supported: SUPPORTED_FORMAT_VERSION,
        }),
    }
}
