//! What the templates see: the digest's items as display-ready views, its sections,
//! and the run's feed health. Every string from a feed is reduced to plain text or
//! sanitized HTML here, once per item, before any template runs.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use indexmap::IndexMap;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::RunContext;
use super::budget::Plan;
use super::item::{ItemView, PreparedItem};
use crate::config::{DigestConfig, GroupBy};
use crate::model::{FeedIndex, FeedKey, FeedReport, SelectedItem, Selection};
use crate::text;

#[derive(Serialize)]
struct Context {
    digest: String,
    /// The digest's display name (`title:`, else its key).
    title: String,
    /// `unsubscribe:`, for the footer.
    unsubscribe: Option<String>,
    date: String,
    /// The date with its weekday, for headings: "Thursday, 14 May 2026".
    date_long: String,
    generated_at: String,
    timezone: String,
    window: String,
    group_by: GroupBy,
    items: Vec<ItemView>,
    groups: Vec<Group>,
    omitted: usize,
    /// Items shown as excerpts because their full content did not fit the size budget.
    shortened: usize,
    feeds: FeedCounts,
    failed_feeds: Vec<FeedNote<Failed>>,
    /// Feeds read in part (`warning`): some of their entries could not be read.
    partial_feeds: Vec<FeedNote<Field>>,
    moved_feeds: Vec<FeedNote<Field>>,
    generator: String,
    /// Where past issues are served, and this one's page there (`archive_url:`).
    archive_url: Option<String>,
    issue_url: Option<String>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct FeedCounts {
    total: usize,
    ok: usize,
    failed: usize,
    /// Feeds that have at least one item in this digest.
    shown: usize,
}

/// A note that is one field: `warning` or `moved_to`.
type Field = BTreeMap<&'static str, String>;

/// A feed the run has something to say about, and what.
#[derive(Serialize)]
struct FeedNote<T> {
    name: String,
    location: FeedKey,
    #[serde(flatten)]
    note: T,
}

#[derive(Serialize)]
struct Failed {
    error: String,
    failures_in_a_row: u32,
    failing_since: Option<String>,
}

/// The template context for one plan: how much of each item to show.
pub(super) fn build(
    digest: &DigestConfig,
    selection: &Selection,
    prepared: &[PreparedItem],
    plan: &Plan,
    run: &RunContext<'_>,
    issue: Option<&IssueLinks>,
) -> Value {
    let tz = digest.timezone;
    let local_now = run.now.with_timezone(&tz);
    let mut shortened = 0;
    let items: Vec<ItemView> = (prepared.iter().enumerate())
        .map(|(i, p)| {
            let shown = plan.shown(i);
            shortened += usize::from(p.is_shortened(shown, digest.excerpt_chars));
            p.view(shown)
        })
        .collect();
    let groups = group(digest, &selection.items, &items);
    let failed_feeds = notes(run.reports, |r| {
        Some(Failed {
            error: r.error()?.to_string(),
            failures_in_a_row: r.failures_in_a_row,
            failing_since: (r.failing_since)
                .map(|d| d.with_timezone(&tz).format("%-d %b %Y").to_string()),
        })
    });
    let shown: HashSet<FeedIndex> = selection.items.iter().map(|i| i.feed).collect();
    Value::from(Serde(Context {
        digest: digest.name.clone(),
        title: digest.title.clone(),
        unsubscribe: digest.unsubscribe.as_ref().map(url::Url::to_string),
        date: local_now.format("%-d %B %Y").to_string(),
        date_long: local_now.format("%A, %-d %B %Y").to_string(),
        generated_at: local_now.format("%Y-%m-%d %H:%M %Z").to_string(),
        timezone: tz.name().to_string(),
        window: human_duration(digest.window),
        group_by: digest.group_by,
        items,
        groups,
        omitted: selection.omitted,
        shortened,
        feeds: FeedCounts {
            total: run.reports.len(),
            ok: run.reports.len() - failed_feeds.len(),
            failed: failed_feeds.len(),
            shown: shown.len(),
        },
        failed_feeds,
        partial_feeds: notes(run.reports, |r| {
            Some([("warning", r.warning.clone()?)].into())
        }),
        moved_feeds: notes(run.reports, |r| {
            Some([("moved_to", r.moved_to.clone()?)].into())
        }),
        generator: format!("feedletter {}", env!("CARGO_PKG_VERSION")),
        archive_url: issue.map(|i| i.archive_url.clone()),
        issue_url: issue.map(|i| i.issue_url.clone()),
    }))
}

/// The notes about the feeds `note` has something to say about.
fn notes<T>(reports: &[FeedReport], note: impl Fn(&FeedReport) -> Option<T>) -> Vec<FeedNote<T>> {
    // The note first: most feeds have none, and their names need no cleaning.
    let with_name = |r: &FeedReport| {
        let note = note(r)?;
        Some(FeedNote {
            name: text::plain_label(&r.name),
            location: r.location.clone(),
            note,
        })
    };
    reports.iter().filter_map(with_name).collect()
}

/// Where this issue will be in the web archive, for "View in browser".
#[derive(Debug, Clone)]
pub(crate) struct IssueLinks {
    pub archive_url: String,
    pub issue_url: String,
}

/// Sections for `group_by`. An item goes under one section only, so nothing is
/// listed twice: its feed, or its first tag that the digest asked for (else its first tag).
fn group(digest: &DigestConfig, items: &[SelectedItem], views: &[ItemView]) -> Vec<Group> {
    let mut groups: IndexMap<String, Vec<ItemView>> = IndexMap::new();
    for (item, view) in items.iter().zip(views) {
        let name = match digest.group_by {
            GroupBy::None => String::new(),
            GroupBy::Feed => view.feed_name.clone(),
            GroupBy::Tag => item
                .tags
                .iter()
                .find(|t| digest.include_tags.contains(t))
                .or(item.tags.first())
                .map(|t| text::plain_label(t))
                .unwrap_or_else(|| "other".to_string()),
        };
        groups.entry(name).or_default().push(view.clone());
    }
    if digest.group_by == GroupBy::Tag {
        groups.sort_unstable_keys();
    }
    let group = |(name, items)| Group { name, items };
    groups.into_iter().map(group).collect()
}

/// A window as a reader would say it: "24 hours", "3 days", "2 weeks".
/// (humantime's "9years 11months 27days 21h 50m 24s" for 3650d is exact but unreadable.)
fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    // A unit in seconds, and from how many of it on it is used: one day is "24 hours".
    let units = [
        (7 * 86_400, 2, "week"),
        (86_400, 2, "day"),
        (3_600, 1, "hour"),
        (60, 1, "minute"),
    ];
    for (unit, least, name) in units {
        if secs >= least * unit && secs.is_multiple_of(unit) {
            let n = secs / unit;
            return format!("{n} {name}{}", if n == 1 { "" } else { "s" });
        }
    }
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::human_duration;
    use std::time::Duration;

    #[test]
    fn windows_read_like_speech() {
        let h = |n: u64| Duration::from_secs(n * 3600);
        assert_eq!(human_duration(h(24)), "24 hours");
        assert_eq!(human_duration(h(1)), "1 hour");
        assert_eq!(human_duration(h(72)), "3 days");
        assert_eq!(human_duration(h(24 * 14)), "2 weeks");
        assert_eq!(human_duration(h(24 * 3650)), "3650 days");
        assert_eq!(human_duration(Duration::from_secs(90 * 60)), "90 minutes");
    }
}
