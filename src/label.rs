//! How things are named in messages: counts in the singular or plural, feeds by
//! their name and location, a digest's selection in figures.

use crate::model::Selection;

/// `1 feed`, `2 feeds`: counts in messages read as English.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// How a feed is named in messages: its name and where it is, or only where it is
/// when it has no name (nor a title yet) and the two would be the same.
pub fn feed_label(name: &str, location: &str) -> String {
    if name == location {
        location.to_string()
    } else {
        format!("{name} ({location})")
    }
}

/// At -vv, what a digest's selection did with the items the feeds offered.
pub fn selection_detail(offered: usize, selection: &Selection) -> String {
    let selected = selection.items.len();
    // `cut` holds the items cut by the caps and the copies of them dropped as duplicates.
    let duplicates =
        selection.duplicates.len() + selection.cut.len().saturating_sub(selection.omitted);
    let filtered = offered.saturating_sub(selected + duplicates + selection.omitted);
    format!(
        "{} offered: {selected} selected, {}, {} cut by max_items or max_per_feed, \
         {filtered} left out by window, tags, keywords or as sent before",
        count(offered, "item"),
        count(duplicates, "duplicate"),
        selection.omitted,
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
}
