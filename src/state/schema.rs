//! Running the state's migrations, and whether a file is feedletter's own and not
//! from a newer feedletter (checked by reading only, before anything is written to it).

use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::FromSql;

use super::{MIGRATIONS, State, StateError};

/// `PRAGMA application_id` of a feedletter state ("FDLT"), so a file that is some other
/// program's database is never migrated into one.
const APPLICATION_ID: i32 = 0x4644_4C54;

/// The tables a state without an application id must have to be taken as ours: one
/// written before the id was set.
const OUR_TABLES: [&str; 3] = ["feeds", "items", "sent"];

fn pragma<T: FromSql>(conn: &Connection, path: &Path, name: &str) -> Result<T, StateError> {
    (conn.pragma_query_value(None, name, |r| r.get(0))).map_err(StateError::sqlite(path))
}

/// Refuses a file that is not a feedletter state, or one from a newer feedletter,
/// reading only.
pub(super) fn check_ours(conn: &Connection, path: &Path) -> Result<(), StateError> {
    let not_ours = |reason: &str| StateError::NotOurs {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let id: i32 = match pragma(conn, path, "application_id") {
        Err(StateError::Sqlite {
            source: rusqlite::Error::SqliteFailure(e, _),
            ..
        }) if e.code == rusqlite::ErrorCode::NotADatabase => {
            return Err(not_ours("not an SQLite database"));
        }
        other => other?,
    };
    if id != 0 && id != APPLICATION_ID {
        return Err(not_ours("another program's SQLite database"));
    }
    let version: u32 = pragma(conn, path, "user_version")?;
    if version as usize > MIGRATIONS.len() {
        return Err(StateError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known: MIGRATIONS.len() as u32,
        });
    }
    if id == 0 {
        let tables = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut stmt| {
                let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
                names.collect::<Result<Vec<_>, _>>()
            })
            .map_err(StateError::sqlite(path))?;
        let empty = version == 0 && tables.is_empty();
        let ours_before_the_id =
            version > 0 && OUR_TABLES.iter().all(|t| tables.iter().any(|n| n == t));
        if !empty && !ours_before_the_id {
            return Err(not_ours("an SQLite database with other tables"));
        }
    }
    Ok(())
}

/// Runs the migrations `conn` has not had yet (`PRAGMA user_version` is how many it
/// has) and marks the file as a feedletter state.
pub(super) fn migrate(mut conn: Connection, path: &Path) -> Result<State, StateError> {
    let err = StateError::sqlite(path);
    let version: u32 = pragma(&conn, path, "user_version")?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    if pragma::<i32>(&conn, path, "application_id")? == 0 {
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(err)?;
    }
    let path = path.to_path_buf();
    Ok(State { conn, path })
}
