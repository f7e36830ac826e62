//! Reading a document with feed-rs so that one odd entry costs only that entry.
//!
//! The whole document is read first, as before; that is all a well-formed, current
//! feed ever needs. Only when that fails, or yields fewer entries than the document
//! holds, or leaves work for the rewrite (a naked-markup title, an RSS item without a
//! link), is the document rewritten and read again, and if entries are still missing,
//! read entry by entry inside the feed's own shell.

use std::borrow::Cow;

use feed_rs::model::{Entry, Feed as ParsedFeed, FeedType};
use feed_rs::parser::Parser;

use super::rewrite;
use crate::isolate;
use crate::model::FeedError;

/// How many times the document's size (at least 1 MiB) reading entries one by one may
/// parse in all.
const SHELL_BUDGET: usize = 16;

/// A parsed feed and how many of the entries the document holds could not be read.
pub(super) struct Read {
    pub feed: ParsedFeed,
    pub unreadable: usize,
    /// Whether feed-rs panicked on some reading: an entry lost that way is reported
    /// as a crash, not as a malformed entry.
    pub crashed: bool,
}

/// `parser` makes a fresh feed-rs parser: one that has failed can panic on its next
/// document (its media RSS state is left half-open), so none is reused after an error.
pub(super) fn read(parser: &dyn Fn() -> Parser, doc: &[u8]) -> Result<Read, FeedError> {
    let whole = parse(parser, doc);
    let mut crash = crashed(&whole);
    if let Ok(feed) = &whole
        && feed.entries.len() >= rough_entry_count(doc)
        && !needs_rewrite(feed, doc)
    {
        return whole.map(|feed| Read {
            feed,
            unreadable: 0,
            crashed: false,
        });
    }
    let rewritten = std::str::from_utf8(doc).ok().and_then(rewrite::rewrite);
    let Some(rewritten) = rewritten else {
        return whole.map(|feed| Read {
            feed,
            unreadable: 0,
            crashed: false,
        });
    };
    let held = rewritten.entries.len();
    let again = parse(parser, &rewritten.doc);
    crash |= crashed(&again);
    let lost = rewritten.lost;
    if let Ok(feed) = &again
        && feed.entries.len() >= held
    {
        return again.map(|feed| Read {
            feed,
            unreadable: lost,
            crashed: crash,
        });
    }
    // What the second reading got, for when entries cannot be read one by one.
    let fallback = |again: Result<ParsedFeed, FeedError>| {
        again
            .map(|feed| Read {
                unreadable: held.saturating_sub(feed.entries.len()) + lost,
                feed,
                crashed: crash,
            })
            .or_else(|_| {
                whole.map(|feed| Read {
                    feed,
                    unreadable: 0,
                    crashed: false,
                })
            })
    };
    let (Some(first), Some(last)) = (rewritten.entries.first(), rewritten.entries.last()) else {
        return fallback(again);
    };
    let head = &rewritten.doc[..first.start];
    let tail = &rewritten.doc[last.end..];
    // Each entry is read inside a copy of the shell: a huge shell around many entries
    // would make that quadratic, so past a budget the second reading stands.
    let budget = rewritten
        .doc
        .len()
        .max(1 << 20)
        .saturating_mul(SHELL_BUDGET);
    if (head.len() + tail.len()).saturating_mul(held) > budget {
        return fallback(again);
    }
    let shell = [head, tail].concat();
    // Without a readable shell there is no feed to put entries in.
    let mut feed = match parse(parser, &shell) {
        Ok(feed) => feed,
        Err(_) => return fallback(again),
    };
    let mut unreadable = lost;
    let mut one = Vec::with_capacity(shell.len() + 4096);
    for span in &rewritten.entries {
        one.clear();
        one.extend_from_slice(head);
        one.extend_from_slice(&rewritten.doc[span.clone()]);
        one.extend_from_slice(tail);
        match parse(parser, &one) {
            Ok(single) if !single.entries.is_empty() => feed.entries.extend(single.entries),
            other => {
                unreadable += 1;
                crash |= crashed(&other);
            }
        }
    }
    Ok(Read {
        feed,
        unreadable,
        crashed: crash,
    })
}

/// feed-rs, with a panic on hostile input turned into an error for this feed.
fn parse(parser: &dyn Fn() -> Parser, doc: &[u8]) -> Result<ParsedFeed, FeedError> {
    match isolate::catch(|| parser().parse(doc)) {
        Ok(result) => result.map_err(|e| FeedError::Parse(e.to_string())),
        Err(panic) => {
            log::trace!("feed-rs panicked: {panic}");
            Err(FeedError::Parse(CRASHED.into()))
        }
    }
}

/// What a reading that panicked reports, and how `read` tells it from a malformed one.
pub(super) const CRASHED: &str = "the feed parser crashed on this feed";

fn crashed(result: &Result<ParsedFeed, FeedError>) -> bool {
    matches!(result, Err(FeedError::Parse(m)) if m == CRASHED)
}

/// `<item` and `<entry` start tags, counted without parsing. It can count too many
/// (markup quoted in CDATA), never too few for an unprefixed feed; the rewrite counts
/// exactly when this count is not met.
pub(super) fn rough_entry_count(doc: &[u8]) -> usize {
    let boundary = |rest: &[u8]| {
        rest.first()
            .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
    };
    let count = |needle: &[u8]| {
        memchr::memmem::find_iter(doc, needle)
            .filter(|&at| boundary(&doc[at + needle.len()..]))
            .count()
    };
    count(b"<item") + count(b"<entry")
}

/// Work the rewrite does that a successful parse does not show as missing entries: a
/// title lost to naked markup, a link an RSS guid stands for, base64 text.
fn needs_rewrite(feed: &ParsedFeed, doc: &[u8]) -> bool {
    if feed.feed_type == FeedType::Atom && memchr::memmem::find(doc, b"base64").is_some() {
        return true;
    }
    let rss = matches!(
        feed.feed_type,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2
    );
    let guid_link = |e: &Entry| {
        e.links.is_empty() && (e.id.starts_with("http://") || e.id.starts_with("https://"))
    };
    rss && (feed.entries.iter().any(guid_link) || title_holds_markup(doc))
}

/// Whether some `<title>` holds an element: RSS titles are text, and feed-rs loses
/// the text around markup in them. Each byte is looked at for one title at most: a
/// `<title` inside a title already looked at is that title's markup.
fn title_holds_markup(doc: &[u8]) -> bool {
    let mut seen = 0;
    for at in memchr::memmem::find_iter(doc, b"<title") {
        if at < seen {
            continue;
        }
        let Some(open_end) = memchr::memchr(b'>', &doc[at..]) else {
            return false;
        };
        let start = at + open_end + 1;
        let body = doc[start..].trim_ascii_start();
        seen = doc.len() - body.len();
        // Markup quoted in CDATA is text, as it should be.
        if body.starts_with(b"<![CDATA[") {
            continue;
        }
        // The first `<` that starts a tag: an end tag ends the title.
        for lt in memchr::memchr_iter(b'<', body) {
            seen = doc.len() - body.len() + lt + 1;
            match body.get(lt + 1) {
                Some(b'/') => break,
                Some(b) if b.is_ascii_alphabetic() => return true,
                _ => {}
            }
        }
    }
    false
}

/// What XML parsers refuse and feedparser reads, fixed in the bytes: a `<` that starts
/// no markup (`a < b` in a title, where reading would stop) and a `&` that starts no
/// reference (`Salt & pepper`) are escaped, and `&#X41;` gets XML's lower-case `x`.
/// CDATA sections and comments stay as they are.
pub(super) fn repair(doc: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    if doc.trim_ascii_start().starts_with(b"{") {
        return doc;
    }
    let mut fixed: Option<Vec<u8>> = None;
    // `doc[..copied]` is in `fixed`.
    let (mut copied, mut at) = (0, 0);
    while let Some(found) = memchr::memchr2(b'<', b'&', &doc[at..]) {
        let i = at + found;
        let rest = &doc[i..];
        let past =
            |end: &[u8]| memchr::memmem::find(rest, end).map_or(doc.len(), |e| i + e + end.len());
        let (replacement, len): (&[u8], usize) = if rest.starts_with(b"<![CDATA[") {
            at = past(b"]]>");
            continue;
        } else if rest.starts_with(b"<!--") {
            at = past(b"-->");
            continue;
        } else if rest.starts_with(b"&#X") {
            (b"&#x", 3)
        } else if rest[0] == b'&' && !is_reference(rest) {
            (b"&amp;", 1)
        } else if rest[0] == b'<'
            && !rest.get(1).is_some_and(|&b| {
                b.is_ascii_alphabetic()
                    || b >= 0x80
                    || matches!(b, b'_' | b':' | b'/' | b'!' | b'?')
            })
        {
            (b"&lt;", 1)
        } else {
            at = i + 1;
            continue;
        };
        let out = fixed.get_or_insert_with(|| Vec::with_capacity(doc.len() + 64));
        out.extend_from_slice(&doc[copied..i]);
        out.extend_from_slice(replacement);
        copied = i + len;
        at = copied;
    }
    match fixed {
        None => doc,
        Some(mut out) => {
            out.extend_from_slice(&doc[copied..]);
            Cow::Owned(out)
        }
    }
}

/// Whether `s`, at a `&`, starts a reference: `&name;` or `&#…;`.
fn is_reference(s: &[u8]) -> bool {
    let name = &s[1..s.len().min(64)];
    let len = name
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b >= 0x80 || b"#_-.:".contains(&b)))
        .unwrap_or(name.len());
    len > 0 && name.get(len) == Some(&b';')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repair_escapes_what_starts_no_markup_and_leaves_cdata_alone() {
        let doc = b"<t>a < b &amp; c & d &#X41;</t><!-- x < y & z --><d><![CDATA[e < f & g]]></d>";
        assert_eq!(
            String::from_utf8(repair(Cow::Borrowed(doc)).into_owned()).expect("UTF-8"),
            "<t>a &lt; b &amp; c &amp; d &#x41;</t><!-- x < y & z --><d><![CDATA[e < f & g]]></d>"
        );
        let clean = b"<t>a &lt; b</t>";
        assert!(matches!(repair(Cow::Borrowed(clean)), Cow::Borrowed(_)));
    }
}
