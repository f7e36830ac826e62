//! The run state in SQLite: what each feed said last time (validators, health, its
//! items) and what each digest has sent. It is what makes day two right: a feed that
//! answers 304 still feeds a digest that has not sent its items, and nothing is sent twice.
//!
//! Writes happen in two places only: `record_fetches` (while fetching) and
//! `mark_sent` (after the mail server accepted the digest), each one transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::types::{ToSql, ToSqlOutput};
use rusqlite::{Connection, OptionalExtension, Params, Row, params};

use crate::model::{
    FeedError, FeedIndex, FeedKey, Item, ItemTexts, KeywordMatches, LeadImage, Texts, Validators,
};

mod lock;
mod open;
mod record;
mod schema;
mod sent;

pub use lock::{RunLock, lock};
pub use record::FetchRecorder;
pub use sent::{Handled, Handling, SentItem, SentItems};

/// Schema migrations, in order; `PRAGMA user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE feeds (
    location          TEXT PRIMARY KEY,
    etag              TEXT,
    last_modified     TEXT,
    last_success      INTEGER,
    failures_in_a_row INTEGER NOT NULL DEFAULT 0,
    failing_since     INTEGER,
    last_error        TEXT,
    moved_to          TEXT,
    title             TEXT,
    site              TEXT
);
CREATE TABLE items (
    feed       TEXT NOT NULL,
    key        TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    in_feed    INTEGER NOT NULL,
    title      TEXT NOT NULL,
    link       TEXT,
    date       INTEGER,
    summary    TEXT,
    content    TEXT,
    categories TEXT NOT NULL,
    authors    TEXT NOT NULL,
    PRIMARY KEY (feed, key)
);
CREATE TABLE sent (
    digest     TEXT NOT NULL,
    feed       TEXT NOT NULL,
    key        TEXT NOT NULL,
    link       TEXT,
    sent_at    INTEGER NOT NULL,
    message_id TEXT,
    PRIMARY KEY (digest, feed, key)
);
CREATE INDEX sent_by_link ON sent (digest, link);
"#,
    r#"
ALTER TABLE sent ADD COLUMN handling TEXT NOT NULL DEFAULT 'sent';
CREATE TABLE deliveries (
    digest    TEXT PRIMARY KEY,
    last_sent INTEGER NOT NULL
);
INSERT INTO deliveries (digest, last_sent) SELECT digest, MAX(sent_at) FROM sent GROUP BY digest;
"#,
    // Lead images from the feed's metadata, so an item read back after a 304 keeps its picture.
    r#"
ALTER TABLE items ADD COLUMN image TEXT;
ALTER TABLE items ADD COLUMN image_width INTEGER;
ALTER TABLE items ADD COLUMN image_height INTEGER;
"#,
    // Each feed's last good read as of a digest's delivery, as JSON: a feed that could
    // not be read then still owes that digest what it published since.
    "ALTER TABLE deliveries ADD COLUMN feeds TEXT;",
];

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state file {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the lock file {path}: {source}")]
    LockFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "another feedletter run is using {path}; try again when it has finished (or pass --wait)"
    )]
    Locked { path: PathBuf },
    #[error("{path} is not a feedletter state file ({reason}); set `state:` to another file")]
    NotOurs { path: PathBuf, reason: String },
    #[error(
        "state file {path} was written by a newer feedletter (schema {found}, this one knows {known}); it was left untouched"
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },
}

impl StateError {
    /// The one place an SQLite failure becomes a state error, so every such error names
    /// the file it happened in. Usable as `.map_err(StateError::sqlite(path))`.
    pub(crate) fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> StateError + Copy + '_ {
        move |source| StateError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Which stored items of a feed to read back.
#[derive(Debug, Clone, Copy)]
pub enum Stored {
    /// Those in the feed at its last successful fetch, and any that left it but are
    /// dated after this time: a digest may still owe them (a 304, a failed fetch).
    InFeedOrSince(DateTime<Utc>),
    /// Only those that have left the feed and are dated after this time: what a fresh
    /// fetch no longer lists but a digest may still owe.
    GoneSince(DateTime<Utc>),
}

/// What the state remembers of a feed.
#[derive(Debug, Clone, Default)]
pub struct FeedRecord {
    pub validators: Validators,
    pub last_success: Option<DateTime<Utc>>,
    pub failures_in_a_row: u32,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub moved_to: Option<String>,
    pub title: Option<String>,
    pub site: Option<String>,
    pub items: usize,
}

/// What one feed's fetch produced, to be recorded.
pub enum FetchRecord<'a> {
    /// A full response: these are the items the feed holds now.
    Fetched {
        items: &'a [Item],
        validators: &'a Validators,
        title: Option<&'a str>,
        site: Option<&'a str>,
        moved_to: Option<&'a str>,
    },
    /// 304: unchanged since last time.
    NotModified {
        moved_to: Option<&'a str>,
    },
    Failed(&'a FeedError),
}

pub struct State {
    conn: Connection,
    path: PathBuf,
}

impl State {
    fn err(&self, source: rusqlite::Error) -> StateError {
        StateError::sqlite(&self.path)(source)
    }

    /// Runs a query and collects its rows; an error names the file.
    fn rows<T, C: FromIterator<T>>(
        &self,
        sql: &str,
        params: impl Params,
        row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<C, StateError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map(params, row).and_then(Iterator::collect);
        rows.map_err(|e| self.err(e))
    }

    /// The one row a query finds, if any.
    fn row<T>(
        &self,
        sql: &str,
        params: impl Params,
        row: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StateError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        stmt.query_row(params, row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Everything remembered about each feed.
    pub fn feed_records(&self) -> Result<HashMap<FeedKey, FeedRecord>, StateError> {
        let sql = "SELECT f.location, f.etag, f.last_modified, f.last_success, f.failures_in_a_row,
                          f.failing_since, f.last_error, f.moved_to, f.title, f.site,
                          (SELECT COUNT(*) FROM items i WHERE i.feed = f.location)
                   FROM feeds f";
        self.rows(sql, [], |r| {
            let record = FeedRecord {
                validators: Validators {
                    etag: r.get(1)?,
                    last_modified: r.get(2)?,
                },
                last_success: r.get::<_, Option<i64>>(3)?.and_then(from_unix),
                failures_in_a_row: r.get(4)?,
                failing_since: r.get::<_, Option<i64>>(5)?.and_then(from_unix),
                last_error: r.get(6)?,
                moved_to: r.get(7)?,
                title: r.get(8)?,
                site: r.get(9)?,
                items: r.get::<_, i64>(10)? as usize,
            };
            Ok((FeedKey::new(r.get::<_, String>(0)?), record))
        })
    }

    /// The items the feed held at its last successful fetch: what a 304 (or a failed
    /// fetch) still contributes. Without `texts`, their texts stay stored (see
    /// `load_texts`).
    pub fn stored_items(
        &self,
        feed: &FeedKey,
        feed_index: FeedIndex,
        texts: bool,
        which: Stored,
    ) -> Result<Vec<Item>, StateError> {
        let (current, since) = match which {
            Stored::InFeedOrSince(t) => (true, t.timestamp()),
            Stored::GoneSince(t) => (false, t.timestamp()),
        };
        let sql = "SELECT key, title, link, COALESCE(date, first_seen),
                          CASE WHEN ?2 THEN summary END, CASE WHEN ?2 THEN content END,
                          categories, authors, image, image_width, image_height
                   FROM items WHERE feed = ?1 AND CASE WHEN ?3
                       THEN in_feed = 1 OR COALESCE(date, first_seen) >= ?4
                       ELSE in_feed = 0 AND COALESCE(date, first_seen) >= ?4 END";
        self.rows(sql, params![feed, texts, current, since], |r| {
            Ok(Item {
                key: r.get(0)?,
                feed: feed_index,
                title: r.get(1)?,
                link: r.get(2)?,
                date: from_unix(r.get(3)?),
                texts: if texts {
                    Texts::new(r.get(4)?, r.get(5)?)
                } else {
                    Texts::Stored
                },
                categories: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
                authors: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
                image: r.get::<_, Option<String>>(8)?.map(|url| LeadImage {
                    url,
                    width: r.get(9).ok().flatten(),
                    height: r.get(10).ok().flatten(),
                }),
                keyword_matches: KeywordMatches::default(),
            })
        })
    }

    /// Dates undated items, and items dated in the future, by the time they were first
    /// seen (now, for new ones). An undated item then neither vanishes from the window nor
    /// comes back "new" every run; a future date cannot keep an item "new" for ever.
    pub fn date_undated(
        &self,
        feed: &FeedKey,
        items: &mut [Item],
        now: DateTime<Utc>,
    ) -> Result<(), StateError> {
        let sql = "SELECT first_seen FROM items WHERE feed = ?1 AND key = ?2";
        for item in items.iter_mut().filter(|i| i.date.is_none_or(|d| d > now)) {
            let first_seen = self.row(sql, params![feed, item.key], |r| r.get(0))?;
            item.date = Some(first_seen.and_then(from_unix).unwrap_or(now));
        }
        Ok(())
    }

    /// Reads a stored item's texts back: a run leaves them here rather than in
    /// memory, and loads them only for the items a digest selected. Texts already in
    /// memory are left as they are.
    pub fn load_texts(
        &self,
        feed: &FeedKey,
        key: &str,
        texts: &mut Texts,
    ) -> Result<(), StateError> {
        if let Texts::Loaded(_) = texts {
            return Ok(());
        }
        let sql = "SELECT summary, content FROM items WHERE feed = ?1 AND key = ?2";
        let (summary, content) = self
            .row(sql, params![feed, key], |r| Ok((r.get(0)?, r.get(1)?)))?
            .unwrap_or_default();
        *texts = Texts::Loaded(ItemTexts { summary, content });
        Ok(())
    }

    /// Forgets what no digest can select any more: items gone from their feed and
    /// older than `keep`, and sent records older than `keep`. Keeps the file small
    /// after a year of daily runs.
    pub fn prune(&mut self, now: DateTime<Utc>, keep: Duration) -> Result<(), StateError> {
        let cutoff = now.timestamp() - i64::try_from(keep.as_secs()).unwrap_or(i64::MAX / 2);
        let path = self.path.clone();
        let err = StateError::sqlite(&path);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "DELETE FROM items WHERE in_feed = 0 AND COALESCE(date, first_seen) < ?1",
            [cutoff],
        )
        .map_err(err)?;
        // A sent record goes only once its item is gone too: an item still in its feed
        // (an evergreen post, a date in the future) must never look new again.
        tx.execute(
            "DELETE FROM sent WHERE sent_at < ?1 AND NOT EXISTS
                 (SELECT 1 FROM items i WHERE i.feed = sent.feed AND i.key = sent.key)",
            [cutoff],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }
}

fn from_unix(t: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(t, 0).single()
}

/// A feed's key is written to the state as the text it is.
impl ToSql for FeedKey {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.as_str().to_sql()
    }
}
