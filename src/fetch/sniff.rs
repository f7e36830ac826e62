//! Telling a feed from a web page. Users often paste a blog's home page instead of its
//! feed; when that page advertises its feed with `<link rel="alternate">`, the error can
//! name the URL to use instead.
//!
//! The body decides, not the Content-Type: misconfigured servers send feeds as
//! `text/html`, and pages as `application/xml`.

use url::Url;

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
        let skip_to = if rest.starts_with(b"<!--") {
            b"-->".as_slice()
        } else if rest.starts_with(b"<?") {
            b"?>".as_slice()
        } else {
            break;
        };
        match find(rest, skip_to) {
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
    if [b"rss".as_slice(), b"feed", b"rdf"]
        .iter()
        .any(|n| local.eq_ignore_ascii_case(n))
    {
        Kind::Feed
    } else {
        Kind::Unknown
    }
}

/// `prefix` followed by the end of the tag name, so `<htmlfoo` is not `<html`.
fn starts_with_tag(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len()
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
        && s.get(prefix.len())
            .is_none_or(|&b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The feed a page advertises, as an absolute http(s) URL. Relative links are resolved
/// against the page's `<base href>` if any, else `page_url`; without either only an
/// absolute link can be reported.
pub(super) fn advertised_feed(html: &[u8], page_url: Option<&Url>) -> Option<Url> {
    let base = tags(html, b"base")
        .find_map(|attrs| attr(&attrs, "href").map(str::to_owned))
        .and_then(|href| resolve(&href, page_url))
        .or_else(|| page_url.cloned());
    tags(html, b"link")
        .filter(|attrs| {
            let rel = attr(attrs, "rel").unwrap_or_default();
            let kind = attr(attrs, "type").unwrap_or_default();
            let kind = kind.split(';').next().unwrap_or_default().trim();
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
                && FEED_TYPES.iter().any(|t| kind.eq_ignore_ascii_case(t))
        })
        .find_map(|attrs| resolve(attr(&attrs, "href")?, base.as_ref()))
}

fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    let url = match base {
        Some(base) => base.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The attributes of every `<name ...>` tag, in order. A tolerant scanner rather than an
/// HTML parser: it only has to find `<link>` and `<base>` in a page's head.
fn tags<'a>(html: &'a [u8], name: &'a [u8]) -> impl Iterator<Item = Vec<(String, String)>> + 'a {
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(found) = find(&html[at..], b"<") {
            let start = at + found + 1;
            at = start;
            let rest = &html[start..];
            let is_tag = rest.len() > name.len()
                && rest[..name.len()].eq_ignore_ascii_case(name)
                && (rest[name.len()].is_ascii_whitespace()
                    || matches!(rest[name.len()], b'/' | b'>'));
            if is_tag {
                let (attrs, used) = attributes(&rest[name.len()..]);
                at = start + name.len() + used;
                return Some(attrs);
            }
        }
        None
    })
}

/// Parses attributes up to the closing `>`; returns them and the bytes consumed.
fn attributes(s: &[u8]) -> (Vec<(String, String)>, usize) {
    let mut attrs = Vec::new();
    let mut i = 0;
    let is_space = |b: u8| b.is_ascii_whitespace() || b == b'/';
    while i < s.len() {
        while i < s.len() && is_space(s[i]) {
            i += 1;
        }
        if i >= s.len() || s[i] == b'>' {
            return (attrs, (i + 1).min(s.len()));
        }
        let name_start = i;
        while i < s.len() && !is_space(s[i]) && !matches!(s[i], b'=' | b'>') {
            i += 1;
        }
        let name = String::from_utf8_lossy(&s[name_start..i]).into_owned();
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < s.len() && s[i] == b'=' {
            i += 1;
            while i < s.len() && s[i].is_ascii_whitespace() {
                i += 1;
            }
            let (raw, next) = match s.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = s[i + 1..]
                        .iter()
                        .position(|&b| b == q)
                        .map_or(s.len(), |p| i + 1 + p);
                    (&s[(i + 1).min(end)..end], (end + 1).min(s.len()))
                }
                _ => {
                    let end = s[i..]
                        .iter()
                        .position(|&b| b.is_ascii_whitespace() || b == b'>')
                        .map_or(s.len(), |p| i + p);
                    (&s[i..end], end)
                }
            };
            value = decode_entities(&String::from_utf8_lossy(raw));
            i = next;
        }
        attrs.push((name, value));
    }
    (attrs, s.len())
}

/// Bytes from `&` to `;` of the longest reference `decode_entities` reads
/// (`&#x0010FFFF;` and a few leading zeros more).
const MAX_REFERENCE: usize = 16;

/// The character references that show up in URLs (`&amp;` above all).
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // A reference is short: looking for its `;` no further than this keeps a page
        // of bare `&`s linear.
        let semi = rest.bytes().take(MAX_REFERENCE).position(|b| b == b';');
        let decoded = semi.and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let code = if let Some(hex) = entity
                        .strip_prefix('#')
                        .and_then(|e| e.strip_prefix(['x', 'X']))
                    {
                        u32::from_str_radix(hex, 16).ok()
                    } else {
                        entity.strip_prefix('#').and_then(|d| d.parse().ok())
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_feeds() {
        for body in [
            &b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel/></rss>"[..],
            b"\xEF\xBB\xBF<?xml version='1.0'?><!-- generated --><feed xmlns='http://www.w3.org/2005/Atom'/>",
            b"  <rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>",
            b"<atom:feed xmlns:atom='http://www.w3.org/2005/Atom'/>",
            b"\n{\"version\": \"https://jsonfeed.org/version/1.1\"}",
        ] {
            assert_eq!(sniff(body), Kind::Feed, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn sniffs_pages() {
        for body in [
            &b"<!DOCTYPE html><html><head></head></html>"[..],
            b"\xEF\xBB\xBF\n  <!-- hi --> <!doctype HTML>",
            b"<HTML lang=en>",
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\"><html>",
        ] {
            assert_eq!(sniff(body), Kind::Html, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn sniff_leaves_the_rest_to_the_parser() {
        for body in [
            &b""[..],
            b"<htmlish/>",
            b"<!-- never closed",
            b"plain text",
            b"<channel>",
        ] {
            assert_eq!(
                sniff(body),
                Kind::Unknown,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn finds_the_advertised_feed() {
        let page = br#"<html><head>
            <link rel="stylesheet" href="/style.css">
            <LINK REL='Alternate Home' TYPE='application/atom+xml; charset=utf-8' HREF='feed.xml?a=1&amp;b=2'>
            <link rel="alternate" type="application/rss+xml" href="/rss.xml">
            </head></html>"#;
        let base = Url::parse("https://example.com/blog/index.html").unwrap();
        assert_eq!(
            advertised_feed(page, Some(&base))
                .map(String::from)
                .as_deref(),
            Some("https://example.com/blog/feed.xml?a=1&b=2")
        );
    }

    #[test]
    fn base_href_and_unquoted_values_are_honoured() {
        let page = b"<base href=https://cdn.example.org/site/><link href=atom rel=alternate type=application/feed+json>";
        let page_url = Url::parse("https://example.com/").unwrap();
        assert_eq!(
            advertised_feed(page, Some(&page_url))
                .map(String::from)
                .as_deref(),
            Some("https://cdn.example.org/site/atom")
        );
    }

    #[test]
    fn ignores_links_that_are_not_feeds() {
        let page = br#"<link rel="alternate" hreflang="fr" href="/fr/"><link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"><link rel="alternate" type="application/rss+xml" href="/rel">"#;
        assert_eq!(
            advertised_feed(page, None),
            None,
            "relative href without a base"
        );
        let base = Url::parse("http://h/").unwrap();
        assert_eq!(
            advertised_feed(page, Some(&base))
                .map(String::from)
                .as_deref(),
            Some("http://h/rel")
        );
    }

    #[test]
    fn bare_ampersands_decode_in_linear_time() {
        // 800 KB of `&` in a base href took half a minute when each `&` searched the
        // rest of the value for a `;`.
        let page = format!(
            "<base href=\"https://example.org/a&amp;b/?{}x;\"><link rel=alternate type=application/rss+xml href=feed>",
            "&".repeat(800_000)
        );
        let found = advertised_feed(page.as_bytes(), None).map(String::from);
        assert_eq!(found.as_deref(), Some("https://example.org/a&b/feed"));
        assert_eq!(decode_entities("&#x0041;&amp;"), "A&");
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
        assert_eq!(
            decode_entities("a&b&#xZZ;&#128512;&;"),
            "a&b&#xZZ;\u{1F600}&;"
        );
    }
}
