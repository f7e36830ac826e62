//! How things are named in messages: counts in the singular or plural, feeds by
//! their name and location, a digest's verdicts in figures.

use crate::model::FeedSource;
use crate::select::{Trace, Verdict};

/// `1 feed`, `2 feeds`: counts in messages read as English.
pub(crate) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// What a feed is called everywhere: the name from the config, else the feed's own
/// title, else where it is.
pub(crate) fn feed_name(source: &FeedSource, title: Option<&str>) -> String {
    match (&source.name, title) {
        (Some(name), _) => name.clone(),
        (None, Some(title)) => title.to_string(),
        (None, None) => source.location.to_string(),
    }
}

/// How a feed is named in messages: its name and where it is, or only where it is
/// when it has no name (nor a title yet) and the two would be the same.
pub(crate) fn feed_label(name: &str, location: &str) -> String {
    if name == location {
        location.to_string()
    } else {
        format!("{name} ({location})")
    }
}

/// At -vv, what a digest's selection did with the items the feeds offered: how many
/// got each verdict, in the words of `explain`.
pub(crate) fn verdict_counts(trace: &Trace<'_>) -> String {
    #[rustfmt::skip]
    const REASONS: [&str; 9] = [
        "selected", "window", "tag include", "tag exclude", "keyword", "already sent",
        "duplicate", "cut by max_items", "cut by max_per_feed",
    ];
    let mut counts = [0; REASONS.len()];
    for candidate in &trace.candidates {
        counts[match candidate.verdict {
            Verdict::Selected => 0,
            Verdict::Window { .. } => 1,
            Verdict::TagInclude => 2,
            Verdict::TagExclude(_) => 3,
            Verdict::Keyword => 4,
            Verdict::AlreadySent { .. } => 5,
            Verdict::DuplicateOf { .. } => 6,
            Verdict::CutByMaxItems => 7,
            Verdict::CutByMaxPerFeed => 8,
        }] += 1;
    }
    let reasons: Vec<String> = (REASONS.iter().zip(counts))
        .filter(|&(reason, n)| n > 0 || *reason == "selected")
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    format!(
        "{} offered: {}",
        count(trace.candidates.len(), "item"),
        reasons.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_labels_read_as_english() {
        assert_eq!(count(1, "feed"), "1 feed");
        assert_eq!(count(0, "feed"), "0 feeds");
        assert_eq!(
            feed_label("http://x/f.xml", "http://x/f.xml"),
            "http://x/f.xml"
        );
        assert_eq!(feed_label("X", "http://x/f.xml"), "X (http://x/f.xml)");
    }

    #[test]
    fn a_feed_is_named_by_its_config_then_its_title_then_its_location() {
        use crate::model::{FeedIndex, FeedLocation};
        let mut source = FeedSource {
            index: FeedIndex(0),
            name: Some("Configured".into()),
            location: FeedLocation::Path("feeds/x.xml".into()),
            tags: Vec::new(),
        };
        assert_eq!(feed_name(&source, Some("Title")), "Configured");
        source.name = None;
        assert_eq!(feed_name(&source, Some("Title")), "Title");
        assert_eq!(feed_name(&source, None), "feeds/x.xml");
    }
}
