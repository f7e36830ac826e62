//! Feed bytes → our `Feed` model: RSS 0.9x, 1.0 and 2.0, Atom 0.3 and 1.0 and JSON
//! Feed, via feed-rs, with the body made UTF-8 (`charset`) and cut (`cut`) before it,
//! read entry by entry when it must be (`read`), and what feed-rs leaves out filled in
//! after it (`extras`, `image`). Runs in the fetch worker, so the body goes once parsed.

use std::borrow::Cow;
use std::cell::LazyCell;
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;
use feed_rs::model::{Entry, FeedType, Link, Text};
use sha2::{Digest, Sha256};

use crate::model::{Feed, FeedError, FeedIndex, FeedKey, FeedSource, Item, KeywordMatches, Texts};
use crate::{label, limits, text};

mod charset;
mod cut;
mod dates;
mod extras;
mod image;
mod read;
mod rewrite;

pub(crate) use charset::http_charset;

/// Marks ids we generated ourselves, so they can be replaced by a key that also
/// covers the date (feed-rs's generator never sees it).
const GENERATED: &str = "\u{1}feedletter-generated:";

/// Parses one feed body. `base`, the URL it was finally fetched from, anchors relative
/// links; `charset` is the one the server named in Content-Type.
pub(crate) fn parse_feed(
    source: &FeedSource,
    body: &[u8],
    base: Option<&url::Url>,
    charset: Option<&str>,
) -> Result<Feed, FeedError> {
    let name = label::feed_name(source, None);
    let (doc, encoding, dropped, broken) = prepare(body, charset, &name);
    let parser = || {
        feed_rs::parser::Builder::new()
            .base_uri(base.map(|u| u.as_str()))
            // We sanitize ourselves, later and only for items that are rendered.
            .sanitize_content(false)
            .id_generator(generate_id)
            .timestamp_parser(dates::parse_date)
            .build()
    };
    let (parsed, unreadable) = read::read(&parser, &doc, broken)?;
    // An Atom id is often the permalink, an RSS guid one unless it or a <link> says not.
    let said = LazyCell::new(|| extras::read(&doc, base));
    let not_links = LazyCell::new(|| extras::not_links(&said));
    let id_is_link = |entry: &Entry| match parsed.feed_type {
        FeedType::Atom => true,
        FeedType::JSON => false,
        _ => !not_links.contains(entry.id.as_str()),
    };

    let site = alternate(&parsed.links).and_then(|l| absolute_http_url(&l.href, base));
    let link_base = (site.as_deref().and_then(|s| url::Url::parse(s).ok())).or(base.cloned());
    let identity = FeedKey::from(&source.location);
    let (index, link_base) = (source.index, link_base.as_ref());
    let item = |e| item_from_entry(index, &identity, e, link_base, &id_is_link);
    let mut items: Vec<Item> = parsed.entries.into_iter().map(item).collect();
    image::add_json_feed_images(&doc, base, &mut items);
    extras::fill(&doc, || &said[..], &mut items);
    drop(doc);
    let mut feed = Feed {
        title: parsed
            .title
            .map(|t| plain_title(&t))
            .filter(|t| !t.is_empty()),
        site,
        items,
        unreadable,
        encoding: encoding.name(),
    };
    limits::apply(&mut feed, &name, dropped);
    Ok(feed)
}

/// The body as UTF-8 that XML parsers read, cut to the item cap (see `cut`): the
/// document, its encoding, and the entries dropped for the cap and for being broken.
fn prepare<'a>(
    body: &'a [u8],
    charset: Option<&str>,
    name: &str,
) -> (Cow<'a, [u8]>, &'static Encoding, usize, usize) {
    let (doc, encoding, replaced) = charset::decode(body, charset);
    if replaced > 0 {
        log::debug!("feed {name}: {replaced} bytes that are not UTF-8 read as U+FFFD");
    }
    let doc = read::repair(doc);
    match cut::cut(&doc) {
        Some(cut) => (Cow::Owned(cut.doc), encoding, cut.dropped, cut.broken),
        None => (doc, encoding, 0, 0),
    }
}

fn item_from_entry(
    feed: FeedIndex,
    identity: &FeedKey,
    entry: Entry,
    base: Option<&url::Url>,
    id_is_link: &dyn Fn(&Entry) -> bool,
) -> Item {
    // Media RSS names clips that have no title of their own, as feedparser reads it.
    let media_title = || entry.media.iter().find_map(|m| m.title.as_ref());
    let title = (entry.title.as_ref().or_else(media_title))
        .map(plain_title)
        .unwrap_or_default();
    let link = item_link(&entry, base, id_is_link);
    let date: Option<DateTime<Utc>> = entry.published.or(entry.updated);
    let key = if let Some(generated) = entry.id.strip_prefix(GENERATED) {
        match generated.strip_prefix("link:") {
            Some(link) => link.to_string(),
            None if title.is_empty() => {
                // Title-less items without guid or link (RSS 0.92 and microblogs):
                // their text tells them apart.
                let text = entry.summary.as_ref().map(|t| t.content.as_str());
                let text = text.or(entry.content.as_ref().and_then(|c| c.body.as_deref()));
                hashed_key(identity, text.unwrap_or_default(), date)
            }
            None => hashed_key(identity, &title, date),
        }
    } else {
        entry.id.clone()
    };
    let image = image::from_entry(&entry, base);
    let mut seen = HashSet::new();
    let categories = (entry.categories.iter())
        .map(|c| c.label.as_deref().unwrap_or(&c.term).trim())
        .filter(|label| !label.is_empty() && seen.insert(*label))
        .map(str::to_string)
        .collect();
    let authors = (entry.authors.into_iter()).filter_map(|p| p.name);
    let authors = authors.map(|name| text::collapse_whitespace(&name));
    Item {
        key,
        feed,
        title,
        link,
        date,
        texts: Texts::new(
            entry.summary.map(|t| t.content),
            entry.content.and_then(|c| c.body),
        ),
        categories,
        authors: authors.filter(|n| !n.is_empty()).collect(),
        image,
        keyword_matches: KeywordMatches::default(),
    }
}

/// The alternate link, else the id when it stands for one and is a web address, else
/// any link.
fn item_link(
    entry: &Entry,
    base: Option<&url::Url>,
    id_is_link: &dyn Fn(&Entry) -> bool,
) -> Option<String> {
    if let Some(link) = alternate(&entry.links) {
        return absolute_http_url(&link.href, base);
    }
    if let Some(id) = absolute_http_url(&entry.id, None).filter(|_| id_is_link(entry)) {
        return Some(id);
    }
    entry
        .links
        .first()
        .and_then(|l| absolute_http_url(&l.href, base))
}

fn alternate(links: &[Link]) -> Option<&Link> {
    links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
}

/// feed-rs calls this for entries without an id; we use the canonical link when there
/// is one and otherwise mark the id for a hash of feed + title + date.
fn generate_id(links: &[Link], _title: &Option<Text>, _base: Option<&str>) -> String {
    let links = links.iter().filter(|l| l.href != rewrite::NO_LINK);
    match links.filter_map(|l| text::canonical_link(&l.href)).next() {
        Some(link) => format!("{GENERATED}link:{link}"),
        None => GENERATED.to_string(),
    }
}

fn hashed_key(identity: &FeedKey, title: &str, date: Option<DateTime<Utc>>) -> String {
    let mut h = Sha256::new();
    h.update(identity.as_str().as_bytes());
    h.update([0]);
    h.update(title.as_bytes());
    h.update([0]);
    if let Some(d) = date {
        h.update(d.to_rfc3339().as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Titles are shown as text. An HTML-typed title (Atom `type="html"`) is reduced to
/// its text so markup in it is neither rendered nor shown as tags.
fn plain_title(t: &Text) -> String {
    let subtype = t.content_type.subty();
    if subtype == "html" || subtype == "xhtml+xml" {
        text::html_to_text(&t.content)
    } else {
        text::collapse_whitespace(&t.content)
    }
}

/// Only http(s) links are kept: a `javascript:` or `data:` item link must never become
/// clickable in a digest.
fn absolute_http_url(href: &str, base: Option<&url::Url>) -> Option<String> {
    let url = url::Url::options().base_url(base).parse(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FeedLocation;

    fn source() -> FeedSource {
        FeedSource {
            index: FeedIndex(0),
            name: Some("Test".into()),
            location: FeedLocation::Path("feed.xml".into()),
            tags: Vec::new(),
        }
    }

    #[test]
    fn an_rss_guid_is_the_link_unless_it_says_otherwise() {
        let body = "<rss version=\"2.0\"><channel><item><guid>https://x/1?a=1&amp;b=2</guid></item>\
            <item><guid isPermaLink=\"false\">https://x/2</guid></item>\
            <item><guid isPermaLink=\"false\"><![CDATA[https://x/3]]></guid></item>\
            <item><guid>not-a-url</guid></item></channel></rss>";
        let feed = parse_feed(&source(), body.as_bytes(), None, None).expect("feed");
        let links: Vec<_> = feed.items.iter().map(|i| i.link.as_deref()).collect();
        assert_eq!(links, [Some("https://x/1?a=1&b=2"), None, None, None]);
    }

    #[test]
    fn categories_are_deduplicated_in_linear_time() {
        // 100,000 categories, half of them repeats: a `contains` per category would
        // take tens of seconds.
        let categories: String = (0..100_000)
            .map(|n| format!("<category>c{}</category>", n % 50_000))
            .collect();
        let body = format!(
            "<rss version=\"2.0\"><channel><title>T</title><item><guid>1</guid><title>I</title>{categories}</item></channel></rss>"
        );
        let feed = parse_feed(&source(), body.as_bytes(), None, None);
        let categories = feed
            .map(|f| f.items[0].categories.clone())
            .unwrap_or_default();
        assert_eq!(categories.len(), limits::MAX_CATEGORIES);
        assert_eq!(categories[..2], ["c0", "c1"]);
    }
}
