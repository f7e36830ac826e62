//! What each digest has handled: read before selection, written after delivery.
//!
//! An item is handled when it was sent, or counted in "N more" by a digest that drops
//! what its caps cut; a digest that carries them over keeps a note that it still owes
//! them. Each digest's last delivery is kept too: it is where an owed window starts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{State, StateError, from_unix};
use crate::model::FeedKey;

/// How a digest handled an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// In a delivered digest (or a duplicate of an item that was).
    Sent,
    /// Cut by the caps and counted in "N more": never offered again.
    Cut,
    /// Cut by the caps of a digest with `overflow: carry`: still owed.
    Carried,
}

impl Handling {
    fn as_str(self) -> &'static str {
        match self {
            Handling::Sent => "sent",
            Handling::Cut => "cut",
            Handling::Carried => "carried",
        }
    }

    fn parse(text: &str) -> Handling {
        match text {
            "cut" => Handling::Cut,
            "carried" => Handling::Carried,
            _ => Handling::Sent,
        }
    }
}

/// When and how a digest handled an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handled {
    pub at: DateTime<Utc>,
    pub how: Handling,
}

impl State {
    /// What a digest has handled before: item identities, and links (so the same
    /// article arriving later through another feed is not sent again).
    pub fn sent(&self, digest: &str) -> Result<SentItems, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT feed, key, link, sent_at, handling FROM sent WHERE digest = ?1")
            .map_err(|e| self.err(e))?;
        let mut sent = SentItems::default();
        let rows = stmt
            .query_map([digest], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (feed, key, link, at, how) = row.map_err(|e| self.err(e))?;
            let handled = Handled {
                at: from_unix(at).unwrap_or(DateTime::<Utc>::MIN_UTC),
                how: Handling::parse(&how),
            };
            if let (Some(link), false) = (link, handled.how == Handling::Carried) {
                let (latest, feeds) = sent
                    .links
                    .entry(link)
                    .or_insert_with(|| (handled, HashSet::new()));
                *latest = handled;
                feeds.insert(feed.clone());
            }
            sent.keys.entry(feed).or_default().insert(key, handled);
        }
        let delivery = self
            .conn
            .query_row(
                "SELECT last_sent, feeds FROM deliveries WHERE digest = ?1",
                [digest],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some((at, feeds)) = delivery {
            sent.last_delivery = from_unix(at);
            let feeds: HashMap<String, i64> =
                serde_json::from_str(feeds.as_deref().unwrap_or("{}")).unwrap_or_default();
            let read = feeds
                .into_iter()
                .filter_map(|(f, t)| Some((f, from_unix(t)?)));
            sent.feeds_read = read.collect();
        }
        Ok(sent)
    }

    /// When the digest was last delivered (or found nothing to send), if ever.
    pub fn last_delivery(&self, digest: &str) -> Result<Option<DateTime<Utc>>, StateError> {
        let last = self
            .conn
            .query_row(
                "SELECT last_sent FROM deliveries WHERE digest = ?1",
                [digest],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(last.and_then(from_unix))
    }

    /// Records what a delivered digest handled, and when it was delivered, in one
    /// transaction. Called only after the mail server accepted the message.
    pub fn mark_sent(
        &mut self,
        digest: &str,
        items: &[SentItem],
        now: DateTime<Utc>,
        message_id: Option<&str>,
    ) -> Result<(), StateError> {
        let path = self.path.clone();
        let err = StateError::sqlite(&path);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO sent (digest, feed, key, link, sent_at, message_id, handling)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err)?;
            for item in items {
                insert
                    .execute(params![
                        digest,
                        item.feed,
                        item.key,
                        item.link,
                        now.timestamp(),
                        message_id,
                        item.how.as_str()
                    ])
                    .map_err(err)?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO deliveries (digest, last_sent, feeds) VALUES (?1, ?2,
                     (SELECT json_group_object(location, last_success) FROM feeds
                      WHERE last_success IS NOT NULL))",
                params![digest, now.timestamp()],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}

/// An item a digest handled: sent, a duplicate that counts as sent with it, or cut.
#[derive(Debug, Clone)]
pub struct SentItem {
    pub feed: FeedKey,
    pub key: String,
    pub link: Option<String>,
    pub how: Handling,
}

#[derive(Debug, Default)]
pub struct SentItems {
    /// By feed location, then item key: looked up by reference for every candidate.
    keys: HashMap<String, HashMap<String, Handled>>,
    /// Canonical links of items sent or cut (not carried: those are still owed), with
    /// the feeds they were handled from.
    links: HashMap<String, (Handled, HashSet<String>)>,
    last_delivery: Option<DateTime<Utc>>,
    /// Each feed's last good read as of the last delivery, by location.
    feeds_read: HashMap<String, DateTime<Utc>>,
}

impl SentItems {
    /// How the item (by feed location and key, or by its canonical link) was handled.
    /// A link counts only when it was handled from another feed: within one feed, items
    /// with different keys are different items even when their links match, as
    /// comments on one page do. A carried item whose article went out through another
    /// feed counts as sent.
    pub fn get(&self, feed: &FeedKey, key: &str, canonical_link: Option<&str>) -> Option<Handled> {
        let feed = feed.as_str();
        let own = self.keys.get(feed).and_then(|keys| keys.get(key)).copied();
        match own {
            Some(h) if h.how != Handling::Carried => own,
            _ => canonical_link
                .and_then(|l| self.links.get(l))
                .filter(|(_, feeds)| feeds.iter().any(|f| f != feed))
                .map(|(handled, _)| *handled)
                .or(own),
        }
    }

    /// Whether the item was sent or cut for good.
    pub fn contains(&self, feed: &FeedKey, key: &str, canonical_link: Option<&str>) -> bool {
        self.get(feed, key, canonical_link)
            .is_some_and(|h| h.how != Handling::Carried)
    }

    /// When the digest was last delivered, if ever.
    pub fn last_delivery(&self) -> Option<DateTime<Utc>> {
        self.last_delivery
    }

    /// When the feed was last read successfully as of the last delivery: `None` for a
    /// feed first read since (or a digest never delivered).
    pub fn feed_read(&self, feed: &FeedKey) -> Option<DateTime<Utc>> {
        self.feeds_read.get(feed.as_str()).copied()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rusqlite::Connection;

    use super::*;
    use crate::state::MIGRATIONS;

    /// A state written before deliveries were recorded: its digests' last deliveries
    /// are taken from what they sent, so their owed windows are right at once.
    #[test]
    fn an_older_state_learns_each_digests_last_delivery_from_its_sent_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO sent (digest, feed, key, link, sent_at) VALUES
                     ('daily', 'f', 'a', NULL, 1000), ('daily', 'f', 'b', 'https://x/b', 2000),
                     ('weekly', 'f', 'a', NULL, 1500);",
            )
            .unwrap();
        }
        let state = State::open(&path).unwrap();
        let daily = state.sent("daily").unwrap();
        assert_eq!(daily.last_delivery(), Utc.timestamp_opt(2000, 0).single());
        assert!(daily.contains(&FeedKey::new("f"), "a", None));
        assert!(daily.contains(&FeedKey::new("other feed"), "z", Some("https://x/b")));
        let never = state.sent("monthly").unwrap();
        assert_eq!(never.last_delivery(), None);
    }

    #[test]
    fn a_carried_item_is_owed_unless_its_article_went_out_another_way() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::open(&dir.path().join("state.db")).unwrap();
        let at = Utc.timestamp_opt(5000, 0).single().unwrap();
        let item = |feed: &str, key: &str, link: &str, how| SentItem {
            feed: FeedKey::new(feed),
            key: key.into(),
            link: Some(link.into()),
            how,
        };
        state
            .mark_sent(
                "daily",
                &[
                    item("f", "a", "https://x/a", Handling::Carried),
                    item("f", "b", "https://x/b", Handling::Carried),
                    item("g", "b2", "https://x/b", Handling::Sent),
                    item("f", "c", "https://x/c", Handling::Cut),
                ],
                at,
                None,
            )
            .unwrap();
        let sent = state.sent("daily").unwrap();
        let how =
            |key: &str, link: &str| sent.get(&FeedKey::new("f"), key, Some(link)).map(|h| h.how);
        assert_eq!(how("a", "https://x/a"), Some(Handling::Carried));
        assert!(!sent.contains(&FeedKey::new("f"), "a", Some("https://x/a")));
        assert_eq!(how("b", "https://x/b"), Some(Handling::Sent));
        assert_eq!(how("c", "https://x/c"), Some(Handling::Cut));
        assert_eq!(sent.last_delivery(), Some(at));
    }

    /// An item's own record wins over its link's: a duplicate, recorded without a
    /// link, stays sent when the same link is cut later from another feed.
    #[test]
    fn an_items_own_record_wins_over_its_links() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::open(&dir.path().join("state.db")).unwrap();
        let page = "https://blog.example.com/post";
        let (sent_at, cut_at) = (Utc.timestamp_opt(5000, 0), Utc.timestamp_opt(9000, 0));
        let (sent_at, cut_at) = (sent_at.single().unwrap(), cut_at.single().unwrap());
        let item = |feed: &str, link: Option<&str>, how| SentItem {
            feed: FeedKey::new(feed),
            key: "post".into(),
            link: link.map(str::to_string),
            how,
        };
        let mut mark = |item, at| state.mark_sent("daily", &[item], at, None).unwrap();
        mark(item("planet", None, Handling::Sent), sent_at);
        mark(item("blog", Some(page), Handling::Cut), cut_at);
        let sent = state.sent("daily").unwrap();
        let planet = sent.get(&FeedKey::new("planet"), "post", Some(page));
        let expected = Handled {
            at: sent_at,
            how: Handling::Sent,
        };
        assert_eq!(planet, Some(expected));
    }

    #[test]
    fn a_link_sent_from_another_feed_counts_but_not_from_the_same_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::open(&dir.path().join("state.db")).unwrap();
        let at = Utc.timestamp_opt(5000, 0).single().unwrap();
        let page = "https://blog.example.com/post";
        state
            .mark_sent(
                "daily",
                &[SentItem {
                    feed: FeedKey::new("comments"),
                    key: "comment-101".into(),
                    link: Some(page.into()),
                    how: Handling::Sent,
                }],
                at,
                None,
            )
            .unwrap();
        let sent = state.sent("daily").unwrap();
        assert!(sent.contains(&FeedKey::new("comments"), "comment-101", Some(page)));
        // Another comment on the same page: a new item of the same feed.
        assert!(!sent.contains(&FeedKey::new("comments"), "comment-102", Some(page)));
        // The same page through another feed: already sent.
        assert!(sent.contains(&FeedKey::new("planet"), "post-7", Some(page)));
    }

    /// The schedule asks the state for a digest's last delivery, and selection for each
    /// feed's last good read as of it: a feed read before the delivery has a date, one
    /// never read has none, and a digest never delivered has neither.
    #[test]
    fn a_delivery_records_when_it_was_and_when_each_feed_was_last_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::open(&dir.path().join("state.db")).unwrap();
        let (read, delivered) = (Utc.timestamp_opt(3000, 0), Utc.timestamp_opt(5000, 0));
        let (read, delivered) = (read.single().unwrap(), delivered.single().unwrap());
        let recorder = state.record_fetches(read).unwrap();
        let unchanged = crate::state::FetchRecord::NotModified { moved_to: None };
        recorder.record(&FeedKey::new("f"), &unchanged).unwrap();
        recorder.commit().unwrap();
        state.mark_sent("daily", &[], delivered, None).unwrap();
        assert_eq!(state.last_delivery("daily").unwrap(), Some(delivered));
        assert_eq!(state.last_delivery("weekly").unwrap(), None);
        let sent = state.sent("daily").unwrap();
        assert_eq!(sent.feed_read(&FeedKey::new("f")), Some(read));
        assert_eq!(sent.feed_read(&FeedKey::new("g")), None);
        assert_eq!(
            state.sent("weekly").unwrap().feed_read(&FeedKey::new("f")),
            None
        );
    }
}
