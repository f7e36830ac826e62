//! Reading a document with feed-rs so that one odd entry costs only that entry. The
//! whole document is read first, which is all a well-formed, current feed needs; only
//! when entries are missing or the rewrite has work to do is it rewritten and read
//! again, and if entries are still missing, read entry by entry inside its own shell.

use std::borrow::Cow;
use std::sync::LazyLock;

use feed_rs::model::{Feed as ParsedFeed, FeedType};
use feed_rs::parser::Parser;
use regex::bytes::Regex;

use super::cut::entry_tags;
use super::rewrite::{self, Rewritten};
use crate::isolate::{self, PARSER_CRASHED};
use crate::limits;
use crate::model::FeedError;

/// How many times the document's size (at least 1 MiB) reading entries one by one may
/// parse in all.
const SHELL_BUDGET: usize = 16;

/// The feed and how many of the entries the document holds could not be read, with
/// the `broken` ones left out before reading. A document of which no entry can be read
/// is a failed feed, never an empty one.
///
/// `parser` makes a fresh feed-rs parser: one that has failed can panic on its next
/// document (its media RSS state is left half-open), so none is reused after an error.
pub(super) fn read(
    parser: &dyn Fn() -> Parser,
    doc: &[u8],
    broken: usize,
) -> Result<(ParsedFeed, usize), FeedError> {
    let whole = parse(parser, doc);
    let rewritten = match &whole {
        Ok(feed) if feed.entries.len() >= rough_entry_count(doc) && !needs_rewrite(feed, doc) => {
            None
        }
        _ => std::str::from_utf8(doc).ok().and_then(rewrite::rewrite),
    };
    let again = rewritten.and_then(|r| reread(parser, &r, crashed(&whole)));
    let (feed, unreadable, crashed) = match again {
        Some(read) => read,
        None => (whole?, 0, false),
    };
    let unreadable = unreadable + broken;
    if !feed.entries.is_empty() || unreadable == 0 {
        return Ok((feed, unreadable));
    }
    Err(FeedError::Parse(match unreadable {
        // A crash is named as one, whether it took one entry or the whole feed.
        _ if crashed => PARSER_CRASHED.to_string(),
        1 => "its one entry could not be read".to_string(),
        n => format!("none of its {n} entries could be read"),
    }))
}

/// The rewritten document read whole, else entry by entry: the feed, how many entries
/// could not be read, and whether feed-rs panicked on some reading (an entry lost that
/// way is reported as a crash). `None` when it cannot be read either way.
fn reread(
    parser: &dyn Fn() -> Parser,
    rewritten: &Rewritten,
    mut crash: bool,
) -> Option<(ParsedFeed, usize, bool)> {
    let again = parse(parser, &rewritten.doc);
    crash |= crashed(&again);
    let (held, lost) = (rewritten.entries.len(), rewritten.lost);
    let (feed, unreadable) = match again {
        Ok(feed) if feed.entries.len() >= held => (feed, lost),
        again => match (one_by_one(parser, rewritten, &mut crash), again) {
            (Some(read), _) => read,
            (None, Ok(feed)) => {
                let unreadable = held.saturating_sub(feed.entries.len()) + lost;
                (feed, unreadable)
            }
            (None, Err(_)) => return None,
        },
    };
    Some((feed, unreadable, crash))
}

/// Each entry read inside a copy of the shell around the entries, and how many could
/// not be read. `None` without a shell feed-rs can read, or when the shell is so big
/// around so many entries that copying it for each would be quadratic.
fn one_by_one(
    parser: &dyn Fn() -> Parser,
    rewritten: &Rewritten,
    crash: &mut bool,
) -> Option<(ParsedFeed, usize)> {
    let (first, last) = (rewritten.entries.first()?, rewritten.entries.last()?);
    let doc = &rewritten.doc;
    let (head, tail) = (&doc[..first.start], &doc[last.end..]);
    let budget = doc.len().max(1 << 20).saturating_mul(SHELL_BUDGET);
    if (head.len() + tail.len()).saturating_mul(rewritten.entries.len()) > budget {
        return None;
    }
    let mut feed = parse(parser, &[head, tail].concat()).ok()?;
    let mut unreadable = rewritten.lost;
    for span in &rewritten.entries {
        match parse(parser, &[head, &doc[span.clone()], tail].concat()) {
            Ok(single) if !single.entries.is_empty() => feed.entries.extend(single.entries),
            other => {
                unreadable += 1;
                *crash |= crashed(&other);
            }
        }
    }
    Some((feed, unreadable))
}

/// feed-rs, with a panic on hostile input turned into an error for this feed.
fn parse(parser: &dyn Fn() -> Parser, doc: &[u8]) -> Result<ParsedFeed, FeedError> {
    match isolate::catch(|| parser().parse(doc)) {
        // The message may quote the feed (a malformed tag's name).
        Ok(result) => result.map_err(|e| FeedError::Parse(limits::clean_text(&e.to_string()))),
        Err(panic) => {
            log::trace!("feed-rs panicked: {panic}");
            Err(FeedError::Parse(PARSER_CRASHED.into()))
        }
    }
}

fn crashed(result: &Result<ParsedFeed, FeedError>) -> bool {
    matches!(result, Err(FeedError::Parse(m)) if m == PARSER_CRASHED)
}

/// Entry start tags, counted without parsing: too many at worst (CDATA), never too few
/// for an unprefixed feed.
fn rough_entry_count(doc: &[u8]) -> usize {
    entry_tags(doc, true).count() + entry_tags(doc, false).count()
}

/// Work for the rewrite that a parse does not show as missing entries.
fn needs_rewrite(feed: &ParsedFeed, doc: &[u8]) -> bool {
    match feed.feed_type {
        FeedType::Atom => memchr::memmem::find(doc, b"base64").is_some(),
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2 => title_holds_markup(doc),
        FeedType::JSON => false,
    }
}

/// Whether some `<title>` holds an element, comments aside: feed-rs loses the text around it.
fn title_holds_markup(doc: &[u8]) -> bool {
    static MARKUP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?-u)<title(?:\s[^>]*)?>(?:[^<]|<!--(?:[^-]|-[^-])*-->|<\?[^>]*>)*<[A-Za-z]")
            .expect("valid regex")
    });
    MARKUP.is_match(doc)
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
