//! Which items each digest gets: date window, tags, keywords, not handled before,
//! cross-feed de-duplication, ranking, caps.
//!
//! [`trace`] gives every item the feeds offer a [`Verdict`]; [`select`] is that trace
//! with the verdicts turned into a [`Selection`]. `explain` prints the same trace, so
//! what it says and what a run sends cannot drift apart.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::DigestConfig;
use crate::model::{FeedIndex, FeedItems, Item, KeywordMatches, SelectedItem, Selection};
use crate::state::{Handling, SentItems};
use crate::text;
pub(crate) use keywords::{has_keywords, keyword_reason};
use keywords::{haystack, keywords_match, keywords_match_text};

mod keywords;

/// Why an item is in a digest or not: the first rule that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Selected,
    /// Dated before the window's start; `age` is how long before now.
    Window {
        age: chrono::Duration,
    },
    /// None of the item's tags is among `tags.include`.
    TagInclude,
    /// This tag is among `tags.exclude`.
    TagExclude(String),
    /// Refused by `keywords` ([`keyword_reason`] names the pattern).
    Keyword,
    /// Handled by an earlier delivery: sent, or (`cut`) counted in its "N more".
    AlreadySent {
        at: DateTime<Utc>,
        cut: bool,
    },
    /// The same article as the trace's candidate at `winner`, which ranked first.
    DuplicateOf {
        winner: usize,
    },
    CutByMaxItems,
    CutByMaxPerFeed,
}

/// One item the feeds offer, with what selection made of it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate<'a> {
    pub feed: &'a FeedItems,
    pub item: &'a Item,
    /// Published, else updated, else first seen; never in the future.
    pub date: DateTime<Utc>,
    /// Feed tags and item categories; worked out only for items inside the window.
    pub tags: Vec<String>,
    /// The item's link, canonical; worked out only for items that pass the filters.
    pub link: Option<String>,
    pub verdict: Verdict,
}

/// Every item the feeds offer, newest first, each with its verdict.
#[derive(Debug, Clone)]
pub(crate) struct Trace<'a> {
    /// Where this run's window starts (see [`window_start`]).
    pub since: DateTime<Utc>,
    pub candidates: Vec<Candidate<'a>>,
}

/// How far back a digest can ever reach: its window plus `catch_up`. The state keeps
/// items at least this long.
pub(crate) fn reach(digest: &DigestConfig) -> Duration {
    digest.window.saturating_add(digest.catch_up)
}

/// The earlier of (now - window) and the digest's last delivery, so that items due in
/// runs that failed or never happened are still sent; never earlier than `catch_up`
/// before (now - window).
pub(crate) fn window_start(
    digest: &DigestConfig,
    now: DateTime<Utc>,
    last_delivery: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let usual = before(now, digest.window);
    match last_delivery {
        Some(last) if last < usual => last.max(before(now, reach(digest))),
        _ => usual,
    }
}

fn before(now: DateTime<Utc>, span: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(span)
        .ok()
        .and_then(|s| now.checked_sub_signed(s))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Selects the items of one digest, given what it has handled before.
pub(crate) fn select(
    digest: &DigestConfig,
    feeds: &[FeedItems],
    now: DateTime<Utc>,
    sent: &SentItems,
) -> Selection {
    selection(trace(digest, feeds, now, sent))
}

/// Every item the feeds offer, newest first, with the verdict of each rule in turn:
/// window, tags, keywords, handled before, then duplicates and caps in rank order.
pub(crate) fn trace<'a>(
    digest: &DigestConfig,
    feeds: &'a [FeedItems],
    now: DateTime<Utc>,
    sent: &SentItems,
) -> Trace<'a> {
    let since = window_start(digest, now, sent.last_delivery());
    // Items a digest carries over stay owed as far back as it can reach.
    let floor = before(now, reach(digest));
    let mut candidates: Vec<Candidate<'a>> = feeds
        .iter()
        .flat_map(|feed| feed.items.iter().map(move |item| (feed, item)))
        .map(|(feed, item)| Candidate {
            feed,
            item,
            // An undated item is dated when first seen (the state fills that in); a
            // date in the future is a feed's mistake and must not pin it to the top.
            date: item.date.unwrap_or(now).min(now),
            tags: Vec::new(),
            link: None,
            verdict: Verdict::Selected,
        })
        .collect();
    // Newest first; ties by feed order, then title, so the order is deterministic.
    candidates.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then(a.feed.feed.cmp(&b.feed.feed))
            .then_with(|| a.item.title.cmp(&b.item.title))
    });
    for candidate in &mut candidates {
        candidate.verdict = filter(digest, candidate, now, since, floor, sent);
    }
    rank(digest, &mut candidates);
    Trace { since, candidates }
}

/// The verdict of the per-item rules; `Selected` means the item goes on to ranking.
fn filter(
    digest: &DigestConfig,
    candidate: &mut Candidate,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
    floor: DateTime<Utc>,
    sent: &SentItems,
) -> Verdict {
    let (feed, item) = (candidate.feed, candidate.item);
    // What a feed published while it could not be read went out with no delivery:
    // it is owed from the feed's last good read before the last delivery.
    let since = sent
        .feed_read(&feed.location)
        .map_or(since, |ok| since.min(ok.max(floor)));
    if candidate.date < since {
        let carried = candidate.date >= floor
            && sent
                .get(&feed.location, &item.key, None)
                .is_some_and(|h| h.how == Handling::Carried);
        if !carried {
            return Verdict::Window {
                age: now.signed_duration_since(candidate.date),
            };
        }
    }
    candidate.tags = item_tags(feed, item);
    if let Some(tag) = excluded_tag(digest, &candidate.tags) {
        return Verdict::TagExclude(tag.to_string());
    }
    if !included(digest, &candidate.tags) {
        return Verdict::TagInclude;
    }
    if !keywords_match(digest, item) {
        return Verdict::Keyword;
    }
    candidate.link = item.link.as_deref().and_then(text::canonical_link);
    match sent.get(&feed.location, &item.key, candidate.link.as_deref()) {
        Some(h) if h.how != Handling::Carried => Verdict::AlreadySent {
            at: h.at,
            cut: h.how == Handling::Cut,
        },
        _ => Verdict::Selected,
    }
}

/// Duplicates and caps, over the items that passed the filters, in rank order.
fn rank<'a>(digest: &DigestConfig, candidates: &mut [Candidate<'a>]) {
    // Canonical link → the feed and candidate that came first; (feed, key) → the
    // candidate that came first.
    let mut seen_links = HashMap::<String, (FeedIndex, usize)>::new();
    let mut seen_keys = HashMap::<(FeedIndex, &'a str), usize>::new();
    let mut per_feed = HashMap::<FeedIndex, usize>::new();
    let mut selected = 0;
    for (i, candidate) in candidates.iter_mut().enumerate() {
        if candidate.verdict != Verdict::Selected {
            continue;
        }
        // The same article in two feeds (or twice in one) is one item. Within one feed
        // only the key counts: a comment feed's items share a page link, not guids.
        let key = (candidate.feed.feed, candidate.item.key.as_str());
        let earlier = candidate
            .link
            .as_ref()
            .and_then(|l| seen_links.get(l))
            .filter(|(first_feed, _)| *first_feed != candidate.feed.feed)
            .map(|&(_, first)| first)
            .or_else(|| seen_keys.get(&key).copied());
        if let Some(winner) = earlier {
            candidate.verdict = Verdict::DuplicateOf { winner };
            continue;
        }
        if let Some(l) = &candidate.link {
            seen_links
                .entry(l.clone())
                .or_insert((candidate.feed.feed, i));
        }
        seen_keys.insert(key, i);
        let count = per_feed.entry(candidate.feed.feed).or_default();
        candidate.verdict = if digest.max_per_feed.is_some_and(|max| *count >= max) {
            Verdict::CutByMaxPerFeed
        } else if selected >= digest.max_items {
            Verdict::CutByMaxItems
        } else {
            *count += 1;
            selected += 1;
            Verdict::Selected
        };
    }
}

/// The selection a trace stands for. A copy that lost to a selected item is recorded
/// with it, so it never turns up on its own in a later digest; one that lost to a cut
/// item goes with that.
fn selection(trace: Trace) -> Selection {
    let mut selection = Selection::default();
    let verdicts: Vec<Verdict> = trace.candidates.iter().map(|c| c.verdict.clone()).collect();
    for candidate in trace.candidates {
        let Candidate {
            feed,
            item,
            date,
            tags,
            link,
            verdict,
        } = candidate;
        let winner = match verdict {
            Verdict::DuplicateOf { winner } => &verdicts[winner],
            Verdict::CutByMaxItems | Verdict::CutByMaxPerFeed => {
                selection.omitted += 1;
                selection
                    .cut
                    .push((feed.location.clone(), item.key.clone(), link));
                continue;
            }
            Verdict::Selected => {
                selection.items.push(SelectedItem {
                    key: item.key.clone(),
                    feed: feed.feed,
                    feed_name: feed.name.clone(),
                    feed_url: feed.location.clone(),
                    title: item.title.clone(),
                    link: item.link.clone(),
                    date,
                    tags,
                    texts: item.texts.clone(),
                    authors: item.authors.clone(),
                    image: item.image.clone(),
                });
                continue;
            }
            _ => continue,
        };
        let copy = (feed.location.clone(), item.key.clone());
        match winner {
            Verdict::Selected => selection.duplicates.push(copy),
            _ => selection.cut.push((copy.0, copy.1, None)),
        }
    }
    selection
}

/// Feed tags and item categories, lower-cased, without repeats.
fn item_tags(feed: &FeedItems, item: &Item) -> Vec<String> {
    let mut tags = feed.tags.clone();
    let mut seen: HashSet<String> = tags.iter().cloned().collect();
    for c in &item.categories {
        let c = c.to_lowercase();
        if seen.insert(c.clone()) {
            tags.push(c);
        }
    }
    tags
}

/// The first of the item's tags that the digest excludes.
fn excluded_tag<'t>(digest: &DigestConfig, tags: &'t [String]) -> Option<&'t str> {
    tags.iter()
        .find(|t| digest.exclude_tags.contains(t))
        .map(String::as_str)
}

/// Include is any-of; an empty list includes everything.
fn included(digest: &DigestConfig, tags: &[String]) -> bool {
    digest.include_tags.is_empty() || tags.iter().any(|t| digest.include_tags.contains(t))
}

/// Whether `item` passes each of a config's digests' keyword filters. The item's
/// text is worked out once for all of them; nothing is known when no digest filters
/// keywords.
pub(crate) fn keyword_matches(digests: &[DigestConfig], item: &Item) -> KeywordMatches {
    if !digests.iter().any(has_keywords) {
        return KeywordMatches::default();
    }
    let haystack = haystack(item);
    digests
        .iter()
        .map(|d| keywords_match_text(d, &haystack))
        .collect()
}

#[cfg(test)]
mod tests;
