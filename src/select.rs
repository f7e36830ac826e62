//! Which items each digest gets: date window, tags, keywords, not sent before,
//! cross-feed de-duplication, ranking, caps.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::config::DigestConfig;
use crate::model::{FeedItems, Item, SelectedItem, Selection};
use crate::text;

/// Selects the items of one digest. `already_sent` tells whether this digest has
/// sent an item before (by feed identity and item key).
pub fn select(
    digest: &DigestConfig,
    feeds: &[FeedItems],
    now: DateTime<Utc>,
    already_sent: &dyn Fn(&FeedItems, &Item) -> bool,
) -> Selection {
    let since = chrono::Duration::from_std(digest.window)
        .ok()
        .and_then(|w| now.checked_sub_signed(w))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut candidates: Vec<(&FeedItems, &Item, DateTime<Utc>, Vec<String>)> = Vec::new();
    for feed in feeds {
        for item in &feed.items {
            // An undated item is dated when first seen (the state fills that in); a
            // date in the future is a feed's mistake and must not pin it to the top.
            let date = item.date.unwrap_or(now).min(now);
            if date < since {
                continue;
            }
            let tags = item_tags(feed, item);
            if !tags_match(digest, &tags) || !keywords_match(digest, item) {
                continue;
            }
            if already_sent(feed, item) {
                continue;
            }
            candidates.push((feed, item, date, tags));
        }
    }
    // Newest first; ties by feed order, then title, so the order is deterministic.
    candidates.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then(a.0.feed.cmp(&b.0.feed))
            .then_with(|| a.1.title.cmp(&b.1.title))
    });

    let mut selection = Selection::default();
    // Canonical link / (feed, key) → whether the first copy made it into the digest.
    let mut seen_links = HashMap::<String, (usize, bool)>::new();
    let mut seen_keys = HashMap::<(usize, &str), bool>::new();
    let mut per_feed = HashMap::<usize, usize>::new();
    for (feed, item, date, tags) in candidates {
        // The same article in two feeds (or twice in one) is one item. A copy that
        // lost to a selected item is recorded, so it is marked sent with the winner
        // and never turns up on its own in a later digest. Within one feed only the
        // key counts: a comment feed's items share a page link but not their guids.
        let link = item.link.as_deref().and_then(text::canonical_link);
        let earlier = link
            .as_ref()
            .and_then(|l| seen_links.get(l))
            .filter(|(first_feed, _)| *first_feed != feed.feed)
            .map(|&(_, selected)| selected)
            .or_else(|| seen_keys.get(&(feed.feed, item.key.as_str())).copied());
        if let Some(winner_selected) = earlier {
            if winner_selected {
                selection
                    .duplicates
                    .push((feed.location.clone(), item.key.clone()));
            }
            continue;
        }
        let count = per_feed.entry(feed.feed).or_default();
        let fits = digest.max_per_feed.is_none_or(|max| *count < max)
            && selection.items.len() < digest.max_items;
        if let Some(l) = link {
            seen_links.entry(l).or_insert((feed.feed, fits));
        }
        seen_keys.insert((feed.feed, item.key.as_str()), fits);
        if !fits {
            selection.omitted += 1;
            continue;
        }
        *count += 1;
        selection.items.push(SelectedItem {
            key: item.key.clone(),
            feed: feed.feed,
            feed_name: feed.name.clone(),
            feed_url: feed.location.clone(),
            title: item.title.clone(),
            link: item.link.clone(),
            date,
            tags,
            summary: item.summary.clone(),
            content: item.content.clone(),
            authors: item.authors.clone(),
        });
    }
    selection
}

/// Feed tags and item categories, lower-cased, without repeats.
fn item_tags(feed: &FeedItems, item: &Item) -> Vec<String> {
    let mut tags = feed.tags.clone();
    for c in &item.categories {
        let c = c.to_lowercase();
        if !tags.contains(&c) {
            tags.push(c);
        }
    }
    tags
}

/// Include is any-of; exclude wins over include.
fn tags_match(digest: &DigestConfig, tags: &[String]) -> bool {
    if tags.iter().any(|t| digest.exclude_tags.contains(t)) {
        return false;
    }
    digest.include_tags.is_empty() || tags.iter().any(|t| digest.include_tags.contains(t))
}

/// Whether `item` passes each digest's keyword filter, in the order of `digests`
/// (a config's digests, so that `DigestConfig::index` finds the flag). The item's
/// text is worked out once for all of them; empty when no digest filters keywords.
pub fn keyword_matches(digests: &[DigestConfig], item: &Item) -> Vec<bool> {
    if !digests.iter().any(has_keywords) {
        return Vec::new();
    }
    let haystack = haystack(item);
    digests
        .iter()
        .map(|d| keywords_match_text(d, &haystack))
        .collect()
}

/// Whether the digest filters by keywords, which means reading every item's text.
pub fn has_keywords(digest: &DigestConfig) -> bool {
    !digest.include_keywords.is_empty() || !digest.exclude_keywords.is_empty()
}

fn keywords_match(digest: &DigestConfig, item: &Item) -> bool {
    if !has_keywords(digest) {
        return true;
    }
    match item.keyword_matches.get(digest.index) {
        Some(&matched) => matched,
        None => keywords_match_text(digest, &haystack(item)),
    }
}

/// Title and summary text: what keywords are matched against.
fn haystack(item: &Item) -> String {
    let summary = item
        .summary
        .as_deref()
        .or(item.content.as_deref())
        .map(text::html_to_text)
        .unwrap_or_default();
    format!("{}\n{}", item.title, summary)
}

fn keywords_match_text(digest: &DigestConfig, haystack: &str) -> bool {
    if digest
        .exclude_keywords
        .iter()
        .any(|re| re.is_match(haystack))
    {
        return false;
    }
    digest.include_keywords.is_empty()
        || digest
            .include_keywords
            .iter()
            .any(|re| re.is_match(haystack))
}
