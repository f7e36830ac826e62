//! Recording a run's fetches as they complete, in one transaction.
//!
//! Feeds are written while others are still downloading, so a feed's items need not
//! wait in memory for the slowest feed: what is recorded can be dropped and read back
//! for the few items a digest selects. Nothing is visible to other readers, and
//! nothing survives a failed run, until [`FetchRecorder::commit`].

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::{FetchRecord, State, StateError};
use crate::model::{FeedKey, Item};

/// The open transaction of a run's fetch records. Dropped without `commit`, it
/// records nothing.
pub struct FetchRecorder<'s> {
    tx: Transaction<'s>,
    state: &'s State,
    now: i64,
}

impl State {
    /// Starts recording this run's fetches. The state's read methods stay usable
    /// meanwhile and see what has been recorded so far.
    pub fn record_fetches(&self, now: DateTime<Utc>) -> Result<FetchRecorder<'_>, StateError> {
        // `unchecked_transaction` borrows the connection shared, so that the run can
        // keep reading (stored items, first-seen dates) through `self` while it writes.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        Ok(FetchRecorder {
            tx,
            state: self,
            now: now.timestamp(),
        })
    }
}

impl FetchRecorder<'_> {
    /// Records what one feed's fetch produced.
    pub fn record(&self, location: &FeedKey, record: &FetchRecord<'_>) -> Result<(), StateError> {
        let err = |e| self.state.err(e);
        let tx = &self.tx;
        let t = self.now;
        tx.execute(
            "INSERT OR IGNORE INTO feeds (location) VALUES (?1)",
            [location],
        )
        .map_err(err)?;
        match record {
            FetchRecord::Fetched {
                items,
                validators,
                title,
                site,
                moved_to,
            } => {
                tx.execute(
                    "UPDATE feeds SET etag = ?2, last_modified = ?3, last_success = ?4, failures_in_a_row = 0,
                            failing_since = NULL, last_error = NULL, moved_to = ?5, title = ?6, site = ?7
                     WHERE location = ?1",
                    params![location, validators.etag, validators.last_modified, t, moved_to, title, site],
                )
                .map_err(err)?;
                self.record_items(location, items)?;
            }
            FetchRecord::NotModified { moved_to } => {
                tx.execute(
                    "UPDATE feeds SET last_success = ?2, failures_in_a_row = 0, failing_since = NULL,
                            last_error = NULL, moved_to = ?3 WHERE location = ?1",
                    params![location, t, moved_to],
                )
                .map_err(err)?;
            }
            FetchRecord::Failed(error) => {
                tx.execute(
                    "UPDATE feeds SET failures_in_a_row = failures_in_a_row + 1,
                            failing_since = COALESCE(failing_since, ?2), last_error = ?3 WHERE location = ?1",
                    params![location, t, error.to_string()],
                )
                .map_err(err)?;
            }
        }
        Ok(())
    }

    /// Rows are rewritten only where something changed: a feed that comes again
    /// unchanged (no validators, or ignored) costs reads, not writes of every item's
    /// text. So items that left the feed are found, not reset wholesale before the
    /// upsert.
    fn record_items(&self, location: &FeedKey, items: &[Item]) -> Result<(), StateError> {
        let err = |e| self.state.err(e);
        let tx = &self.tx;
        let t = self.now;
        let current = "SELECT key FROM items WHERE feed = ?1 AND in_feed = 1";
        let mut gone: HashSet<String> = self.state.rows(current, [location], |r| r.get(0))?;
        for item in items.iter() {
            gone.remove(&item.key);
        }
        let mut leave = tx
            .prepare_cached("UPDATE items SET in_feed = 0 WHERE feed = ?1 AND key = ?2")
            .map_err(err)?;
        for key in &gone {
            leave.execute(params![location, key]).map_err(err)?;
        }
        let mut upsert = tx
            .prepare_cached(
                "INSERT INTO items (feed, key, first_seen, in_feed, title, link, date, summary, content, categories, authors,
                                    image, image_width, image_height)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (feed, key) DO UPDATE SET in_feed = 1, title = excluded.title,
                    link = excluded.link, date = excluded.date, summary = excluded.summary,
                    content = excluded.content, categories = excluded.categories, authors = excluded.authors,
                    image = excluded.image, image_width = excluded.image_width, image_height = excluded.image_height
                 WHERE in_feed = 0 OR (title, link, date, summary, content, categories, authors, image, image_width, image_height)
                    IS NOT (excluded.title, excluded.link, excluded.date, excluded.summary, excluded.content,
                            excluded.categories, excluded.authors, excluded.image, excluded.image_width, excluded.image_height)",
            )
            .map_err(err)?;
        for item in items.iter() {
            upsert
                .execute(params![
                    location,
                    item.key,
                    t,
                    item.title,
                    item.link,
                    item.date.map(|d| d.timestamp()),
                    // Fresh from the parse, the texts are in memory.
                    item.texts.loaded().and_then(|t| t.summary.as_deref()),
                    item.texts.loaded().and_then(|t| t.content.as_deref()),
                    serde_json::to_string(&item.categories).unwrap_or_else(|_| "[]".into()),
                    serde_json::to_string(&item.authors).unwrap_or_else(|_| "[]".into()),
                    item.image.as_ref().map(|i| i.url.as_str()),
                    item.image.as_ref().and_then(|i| i.width),
                    item.image.as_ref().and_then(|i| i.height),
                ])
                .map_err(err)?;
        }
        Ok(())
    }

    pub fn commit(self) -> Result<(), StateError> {
        let state = self.state;
        self.tx.commit().map_err(|e| state.err(e))
    }
}
