//! What one feed may hand to the rest of the run, applied once, when it is parsed. Each
//! limit is far beyond what a real feed reaches; past it the input is trimmed (never
//! rejected, and `-v` says so), so every later stage does a known amount of work per
//! feed. Control characters are kept out of everything shown.

mod clean;

use std::collections::HashSet;

use crate::html::depth;
use crate::html::depth::MAX_HTML_DEPTH;
use crate::model::{Feed, Item, Texts};

/// Items kept per feed, the newest: even podcast archives stop at a few thousand.
pub(crate) const MAX_ITEMS: usize = 10_000;
/// Characters of a title (a feed's or an item's).
pub(crate) const MAX_TITLE_CHARS: usize = 1_000;
/// Characters of an item's summary, and of its content.
pub(crate) const MAX_TEXT_CHARS: usize = 1_000_000;
/// Categories per item.
pub(crate) const MAX_CATEGORIES: usize = 100;
/// Characters of a category, an author's name or a link.
pub(crate) const MAX_LABEL_CHARS: usize = 2_000;
/// Authors per item.
pub(crate) const MAX_AUTHORS: usize = 100;

/// What was trimmed in one feed, for the `-v` line.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Trimmed {
    items: usize,
    titles: usize,
    texts: usize,
    categories: usize,
    nesting: usize,
    controls: usize,
}

impl Trimmed {
    fn describe(&self) -> Vec<String> {
        let Trimmed {
            items,
            titles,
            texts,
            categories,
            nesting,
            controls,
        } = self;
        [
            (items, format!("{items} oldest items dropped (at most {MAX_ITEMS} are kept)")),
            (titles, format!("{titles} titles cut to {MAX_TITLE_CHARS} characters")),
            (texts, format!("{texts} summaries or contents cut to {MAX_TEXT_CHARS} characters")),
            (categories, format!(
                "{categories} items had more than {MAX_CATEGORIES} categories, or names past \
                 {MAX_LABEL_CHARS} characters"
            )),
            (nesting, format!(
                "{nesting} texts had HTML nested deeper than {MAX_HTML_DEPTH} elements, flattened"
            )),
            (controls, format!("control characters removed from {controls} texts")),
        ]
        .into_iter()
        .filter(|(n, _)| **n > 0)
        .map(|(_, said)| said)
        .collect()
    }
}

/// `text` without control characters: for what quotes a feed outside its items, such
/// as a parser's error message naming a malformed tag.
pub(crate) fn clean_text(text: &str) -> String {
    clean::strip_controls(text).unwrap_or_else(|| text.to_string())
}

/// Trims `feed` to the limits and strips control characters from every text in it.
/// `name` names the feed in the `-v` line; `dropped` items were cut before parsing.
pub(crate) fn apply(feed: &mut Feed, name: &str, dropped: usize) -> Trimmed {
    let mut trimmed = Trimmed {
        items: dropped,
        ..Trimmed::default()
    };
    if feed.items.len() > MAX_ITEMS {
        // Newest first, undated (`None`, the least) last: the items a digest can
        // select are the new ones.
        feed.items.sort_by_key(|i| std::cmp::Reverse(i.date));
        trimmed.items += feed.items.len() - MAX_ITEMS;
        feed.items.truncate(MAX_ITEMS);
    }
    if let Some(title) = &mut feed.title {
        trimmed.titles += usize::from(label(title, MAX_TITLE_CHARS, &mut trimmed));
    }
    if let Some(site) = &mut feed.site {
        label(site, MAX_LABEL_CHARS, &mut trimmed);
    }
    for item in &mut feed.items {
        item_limits(item, &mut trimmed);
    }
    let said = trimmed.describe();
    if !said.is_empty() {
        log::debug!("feed {name}: trimmed: {}", said.join("; "));
    }
    trimmed
}

fn item_limits(item: &mut Item, trimmed: &mut Trimmed) {
    trimmed.titles += usize::from(label(&mut item.title, MAX_TITLE_CHARS, trimmed));
    if let Some(link) = &mut item.link {
        label(link, MAX_LABEL_CHARS, trimmed);
    }
    if let Texts::Loaded(texts) = &mut item.texts {
        let texts = [&mut texts.summary, &mut texts.content];
        texts
            .into_iter()
            .flatten()
            .for_each(|text| html(text, trimmed));
    }
    let mut over = item.categories.len() > MAX_CATEGORIES;
    item.categories.truncate(MAX_CATEGORIES);
    item.authors.truncate(MAX_AUTHORS);
    for name in item.categories.iter_mut().chain(&mut item.authors) {
        over |= label(name, MAX_LABEL_CHARS, trimmed);
    }
    // Cleaning can make two categories equal, or one empty.
    let mut seen = HashSet::new();
    item.categories
        .retain(|c| !c.is_empty() && seen.insert(c.clone()));
    item.authors.retain(|a| !a.is_empty());
    trimmed.categories += usize::from(over);
}

/// Cleans and cuts a short text; true when it was cut.
fn label(text: &mut String, max_chars: usize, trimmed: &mut Trimmed) -> bool {
    if let Some(clean) = clean::strip_controls(text) {
        *text = clean;
        trimmed.controls += 1;
    }
    cut(text, max_chars)
}

/// Cleans, cuts and flattens an HTML (or plain) text.
fn html(text: &mut String, trimmed: &mut Trimmed) {
    trimmed.texts += usize::from(cut(text, MAX_TEXT_CHARS));
    if let Some(clean) = clean::strip_controls_html(text) {
        *text = clean;
        trimmed.controls += 1;
    }
    if let Some((flat, deep)) = depth::flatten(text, MAX_HTML_DEPTH) {
        *text = flat;
        trimmed.nesting += usize::from(deep);
    }
}

/// Cuts `text` to `max_chars` characters; true when it was longer.
fn cut(text: &mut String, max_chars: usize) -> bool {
    // Bytes bound characters from above: most texts need no counting at all.
    if text.len() <= max_chars {
        return false;
    }
    let end = text.char_indices().nth(max_chars).map(|(end, _)| end);
    end.inspect(|&end| text.truncate(end)).is_some()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::{FeedIndex, KeywordMatches};

    fn item(n: usize) -> Item {
        Item {
            key: format!("k{n}"),
            feed: FeedIndex(0),
            title: format!("Item {n}"),
            link: None,
            date: Utc.timestamp_opt(1_700_000_000 + n as i64, 0).single(),
            texts: Texts::new(None, None),
            categories: Vec::new(),
            authors: Vec::new(),
            keyword_matches: KeywordMatches::default(),
            image: None,
        }
    }

    #[test]
    fn keeps_the_newest_items() {
        let mut feed = Feed {
            items: (0..MAX_ITEMS + 5).map(item).collect(),
            ..Feed::default()
        };
        feed.items[3].date = None;
        let trimmed = apply(&mut feed, "Test", 0);
        assert_eq!(trimmed.items, 5);
        assert_eq!(feed.items.len(), MAX_ITEMS);
        assert_eq!(feed.items[0].key, format!("k{}", MAX_ITEMS + 4));
        assert!(feed.items.iter().all(|i| i.key != "k3" && i.key != "k0"));
    }

    #[test]
    fn trims_texts_and_cleans_every_field() {
        let mut one = item(1);
        one.title = format!("\u{1b}[2J{}", "é".repeat(MAX_TITLE_CHARS + 10));
        one.texts = Texts::new(
            Some("a&#x1b;b\u{7}".into()),
            Some(format!("{}x", "<b>".repeat(MAX_HTML_DEPTH + 1))),
        );
        one.categories = (0..MAX_CATEGORIES + 20)
            .map(|n| format!("c{}", n % 150))
            .collect();
        one.categories.insert(0, "\u{1b}".into());
        one.authors = vec!["Mal\u{9b}lory".into()];
        one.link = Some("https://x.example/\u{0}".into());
        let mut feed = Feed {
            title: Some("Feed\r\ntitle".into()),
            items: vec![one],
            ..Feed::default()
        };
        let trimmed = apply(&mut feed, "Test", 0);
        let one = &feed.items[0];
        assert_eq!(
            one.title,
            "[2J".to_string() + &"é".repeat(MAX_TITLE_CHARS - 3)
        );
        assert_eq!(
            one.texts,
            Texts::new(
                Some("ab".into()),
                Some(format!("{}x", "<b>".repeat(MAX_HTML_DEPTH)))
            )
        );
        assert_eq!(one.categories.len(), MAX_CATEGORIES - 1);
        assert_eq!(one.authors, ["Mallory"]);
        assert_eq!(one.link.as_deref(), Some("https://x.example/"));
        assert_eq!(feed.title.as_deref(), Some("Feed\ntitle"));
        assert_eq!(
            trimmed,
            Trimmed {
                items: 0,
                titles: 1,
                texts: 0,
                categories: 1,
                nesting: 1,
                controls: 6,
            }
        );
    }
}
