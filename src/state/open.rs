//! Opening the state: `open` for a run, which writes it under the run's lock, and
//! `open_scratch`, the one way to read it without the lock: a private copy. A preview
//! records its fetches into it like a real run, so item texts wait in SQLite rather
//! than in memory and the two runs share one memory bound; `feeds` and `check` read
//! it. The copy is a temporary database that SQLite deletes when it is closed; the
//! real file is only ever read, never created or upgraded.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::schema::{check_ours, migrate};
use super::{State, StateError};

impl State {
    /// Opens (creating and migrating if needed) the state for a real run.
    pub fn open(path: &Path) -> Result<State, StateError> {
        let err = StateError::sqlite(path);
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        // Items are mostly article-sized texts: with the largest page size most fit in
        // one page instead of a chain of overflow pages, so a run writes far fewer. It
        // only takes effect when the file is created (an existing state keeps its own,
        // so this writes nothing), and only if set before the file is first read.
        conn.pragma_update(None, "page_size", 65536).map_err(err)?;
        // Nothing below may write to a file that is not ours or is newer than this
        // program: not even the journal mode, which rewrites the header.
        check_ours(&conn, path)?;
        // A rollback journal, not WAL: each transaction is still all-or-nothing if the
        // process is killed mid-write, and a copy can be read from the file read-only
        // without leaving -wal/-shm files beside it (a WAL reader must create them).
        // An existing WAL state is switched back when a run opens it.
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        migrate(conn, path)
    }

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
        migrate(conn, path)
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
