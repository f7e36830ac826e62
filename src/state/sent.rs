//! What each digest has sent: read before selection, written after delivery.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{State, StateError};

impl State {
    /// What a digest has sent before: item identities, and links (so the same article
    /// arriving later through another feed is not sent again).
    pub fn sent(&self, digest: &str) -> Result<SentItems, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT feed, key, link FROM sent WHERE digest = ?1")
            .map_err(|e| self.err(e))?;
        let mut sent = SentItems::default();
        let rows = stmt
            .query_map([digest], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (feed, key, link) = row.map_err(|e| self.err(e))?;
            if let Some(link) = link {
                sent.links.entry(link).or_default().insert(feed.clone());
            }
            sent.keys.entry(feed).or_default().insert(key);
        }
        Ok(sent)
    }

    /// Marks a digest's items sent, in one transaction. Called only after the mail
    /// server accepted the message.
    pub fn mark_sent(
        &mut self,
        digest: &str,
        items: &[SentItem],
        now: DateTime<Utc>,
        message_id: Option<&str>,
    ) -> Result<(), StateError> {
        self.ensure_writable();
        let path = self.path.clone();
        let err = |source| StateError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO sent (digest, feed, key, link, sent_at, message_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
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
                        message_id
                    ])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }
}

/// An item a digest sent (or a duplicate that counts as sent with it).
#[derive(Debug, Clone)]
pub struct SentItem {
    pub feed: String,
    pub key: String,
    pub link: Option<String>,
}

#[derive(Debug, Default)]
pub struct SentItems {
    /// Item keys by feed location: looked up by reference for every candidate item.
    keys: HashMap<String, HashSet<String>>,
    /// Canonical links, with the feeds they were sent from.
    links: HashMap<String, HashSet<String>>,
}

impl SentItems {
    /// Whether the item was sent: by feed location and key, or by its canonical link
    /// from another feed (within one feed, items with different keys are different
    /// items even when their links match, as comments on one page do).
    pub fn contains(&self, feed: &str, key: &str, canonical_link: Option<&str>) -> bool {
        self.keys.get(feed).is_some_and(|keys| keys.contains(key))
            || canonical_link
                .and_then(|l| self.links.get(l))
                .is_some_and(|feeds| feeds.iter().any(|f| f != feed))
    }
}

#[cfg(test)]
mod tests {
    use super::SentItems;

    #[test]
    fn a_link_sent_from_another_feed_counts_but_not_from_the_same_one() {
        let mut sent = SentItems::default();
        sent.keys
            .entry("comments".into())
            .or_default()
            .insert("comment-101".into());
        sent.links
            .entry("https://blog.example.com/post".into())
            .or_default()
            .insert("comments".into());
        let link = Some("https://blog.example.com/post");
        assert!(sent.contains("comments", "comment-101", link));
        // Another comment on the same page: a new item of the same feed.
        assert!(!sent.contains("comments", "comment-102", link));
        // The same page through another feed: already sent.
        assert!(sent.contains("planet", "post-7", link));
    }
}
