//! Telling a feed from a web page. Users often paste a blog's home page instead of its
//! feed; when that page advertises its feed with `<link rel="alternate">`, the error can
//! name the URL to use instead.
//!
//! The body decides, not the Content-Type: misconfigured servers send feeds as
//! `text/html`, and pages as `application/xml`.

use url::Url;

use crate::html::page;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Html,
    Feed,
    Unknown,
}

/// How far into the body to look for the first element; comments and processing
/// instructions before it are skipped, but not forever.
const SNIFF_LIMIT: usize = 64 * 1024;

const FEED_TYPES: [&str; 3] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
];

pub(super) fn sniff(body: &[u8]) -> Kind {
    let mut rest = &body[..body.len().min(SNIFF_LIMIT)];
    rest = rest.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(rest);
    loop {
        rest = rest.trim_ascii_start();
        let skip_to: &[u8] = match rest {
            [b'<', b'!', b'-', b'-', ..] => b"-->",
            [b'<', b'?', ..] => b"?>",
            _ => break,
        };
        match memchr::memmem::find(rest, skip_to) {
            Some(end) => rest = &rest[end + skip_to.len()..],
            None => return Kind::Unknown,
        }
    }
    if rest.starts_with(b"{") {
        return Kind::Feed;
    }
    if starts_with_tag(rest, b"<!doctype html") || starts_with_tag(rest, b"<html") {
        return Kind::Html;
    }
    let Some(tag) = rest.strip_prefix(b"<") else {
        return Kind::Unknown;
    };
    let name_end = tag
        .iter()
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
        .unwrap_or(tag.len());
    let name = &tag[..name_end];
    // Namespace prefixes vary (`rdf:RDF`, `atom:feed`); the local name is what counts.
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    match local.to_ascii_lowercase().as_slice() {
        b"rss" | b"feed" | b"rdf" => Kind::Feed,
        _ => Kind::Unknown,
    }
}

/// `prefix` followed by the end of the tag name, so `<htmlfoo` is not `<html`.
fn starts_with_tag(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len()
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
        && s.get(prefix.len())
            .is_none_or(|&b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
}

/// The feed a page advertises, as an absolute http(s) URL. Relative links are resolved
/// against the page's `<base href>` if any, else `page_url`; without either only an
/// absolute link can be reported.
pub(super) fn advertised_feed(html: &[u8], page_url: Option<&Url>) -> Option<Url> {
    let tags = page::start_tags(html, &["base", "link"]);
    let base = tags
        .iter()
        .filter(|t| t.name == "base")
        .find_map(|t| t.attribute("href"))
        .and_then(|href| resolve(href, page_url))
        .or_else(|| page_url.cloned());
    tags.iter()
        .filter(|t| t.name == "link")
        .filter(|t| {
            let rel = t.attribute("rel").unwrap_or_default();
            let kind = t.attribute("type").unwrap_or_default();
            let kind = kind.split(';').next().unwrap_or_default().trim();
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
                && FEED_TYPES.iter().any(|t| kind.eq_ignore_ascii_case(t))
        })
        .find_map(|t| resolve(t.attribute("href")?, base.as_ref()))
}

/// The error for a web page where a feed was expected, naming the feed it advertises.
pub(super) fn not_a_feed(page: &[u8], page_url: Option<&Url>) -> crate::model::FeedError {
    let advertised = advertised_feed(page, page_url).map(String::from);
    crate::model::FeedError::NotAFeed { advertised }
}

fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let url = Url::options().base_url(base).parse(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_feeds_pages_and_leaves_the_rest_to_the_parser() {
        let cases: [(&[u8], Kind); 14] = [
            (b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel/></rss>", Kind::Feed),
            (b"\xEF\xBB\xBF<?xml version='1.0'?><!-- generated --><feed xmlns='http://www.w3.org/2005/Atom'/>", Kind::Feed),
            (b"  <rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", Kind::Feed),
            (b"<atom:feed xmlns:atom='http://www.w3.org/2005/Atom'/>", Kind::Feed),
            (b"\n{\"version\": \"https://jsonfeed.org/version/1.1\"}", Kind::Feed),
            (b"<!DOCTYPE html><html><head></head></html>", Kind::Html),
            (b"\xEF\xBB\xBF\n  <!-- hi --> <!doctype HTML>", Kind::Html),
            (b"<HTML lang=en>", Kind::Html),
            (b"<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\"><html>", Kind::Html),
            (b"", Kind::Unknown),
            (b"<htmlish/>", Kind::Unknown),
            (b"<!-- never closed", Kind::Unknown),
            (b"plain text", Kind::Unknown),
            (b"<channel>", Kind::Unknown),
        ];
        for (body, kind) in cases {
            assert_eq!(sniff(body), kind, "{}", String::from_utf8_lossy(body));
        }
    }

    fn found(page: &[u8], base: Option<&str>) -> Option<String> {
        let base = base.map(|b| Url::parse(b).unwrap());
        advertised_feed(page, base.as_ref()).map(String::from)
    }

    #[test]
    fn finds_the_advertised_feed() {
        let page = br#"<html><head>
            <link rel="stylesheet" href="/style.css">
            <LINK REL='Alternate Home' TYPE='application/atom+xml; charset=utf-8' HREF='feed.xml?a=1&amp;b=2'>
            <link rel="alternate" type="application/rss+xml" href="/rss.xml">
            </head></html>"#;
        let feed = found(page, Some("https://example.com/blog/index.html"));
        assert_eq!(
            feed.as_deref(),
            Some("https://example.com/blog/feed.xml?a=1&b=2")
        );
    }

    #[test]
    fn base_href_and_unquoted_values_are_honoured() {
        let page = b"<base href=https://cdn.example.org/site/><link href=atom rel=alternate type=application/feed+json>";
        let feed = found(page, Some("https://example.com/"));
        assert_eq!(feed.as_deref(), Some("https://cdn.example.org/site/atom"));
    }

    #[test]
    fn ignores_links_that_are_not_feeds() {
        let page = br#"<link rel="alternate" hreflang="fr" href="/fr/"><link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"><link rel="alternate" type="application/rss+xml" href="/rel">"#;
        assert_eq!(found(page, None), None, "relative href without a base");
        assert_eq!(
            found(page, Some("http://h/")).as_deref(),
            Some("http://h/rel")
        );
    }

    #[test]
    fn truncated_markup_does_not_panic() {
        for page in [
            &b"<link"[..],
            b"<link rel=",
            b"<link rel='alternate",
            b"<link href=\"",
            b"<base",
        ] {
            assert_eq!(advertised_feed(page, None), None);
        }
    }

    #[test]
    fn bare_ampersands_are_read_in_linear_time() {
        // Quadratic when each `&` in a base href searched the rest of the value for a `;`.
        let page = format!(
            "<base href=\"https://example.org/a&amp;b/?{}x;\"><link rel=alternate type=application/rss+xml href=feed>",
            "&".repeat(800_000)
        );
        let feed = found(page.as_bytes(), None);
        assert_eq!(feed.as_deref(), Some("https://example.org/a&b/feed"));
    }
}
