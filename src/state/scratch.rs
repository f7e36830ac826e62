//! The one way to read the state without a run's lock: a private copy. A preview
//! records its fetches into it like a real run, so item texts wait in SQLite rather
//! than in memory and the two runs share one memory bound; `feeds` and `check` read
//! it. The copy is a temporary database that SQLite deletes when it is closed; the
//! real file is only ever read, never created or upgraded.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::ownership::check_ours;
use super::{State, StateError};

impl State {
    /// A writable, throw-away copy of the state at `path` (empty when there is none
    /// yet, migrated when the file is older).
    pub fn open_scratch(path: &Path) -> Result<State, StateError> {
        let err = StateError::sqlite(path);
        // An empty file name is SQLite's private temporary database: on disk once it
        // outgrows the page cache, removed when the connection closes.
        let mut conn = Connection::open("").map_err(err)?;
        conn.pragma_update(None, "page_size", 65536).map_err(err)?;
        if path.exists() {
            copy_into(path, &mut conn)?;
        }
        let mut state = State {
            conn,
            path: path.to_path_buf(),
        };
        state.migrate()?;
        Ok(state)
    }
}

/// Copies the state file at `path`, once it is known to be ours, into `conn` with
/// SQLite's backup API, reading the file only (and waiting, like any reader, for a
/// run that is writing it).
fn copy_into(path: &Path, conn: &mut Connection) -> Result<(), StateError> {
    let err = StateError::sqlite(path);
    let real = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(err)?;
    real.busy_timeout(Duration::from_secs(10)).map_err(err)?;
    check_ours(&real, path)?;
    let backup = rusqlite::backup::Backup::new(&real, conn).map_err(err)?;
    backup
        .run_to_completion(256, Duration::ZERO, None)
        .map_err(err)
}
