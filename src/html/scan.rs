//! The fast path of [`super::text::html_to_text`]: one scan over plain, well-formed
//! HTML that yields exactly the html5ever + ammonia path's text. Keyword filters read
//! the text of every item, and feeds such as DEV ship whole articles as summaries:
//! through the parser, that text was most of a run's CPU (docs/benchmark.md).
//!
//! It is exact by refusing, not by approximating: only markup whose effect on the text
//! is known (tags with a role in the tag table, simple attributes, comments, the
//! references `entity` knows, tables with no stray content) is accepted; anything else
//! returns `None` and the caller parses properly. Of the tree builder it reproduces
//! where block elements open and close (`tree`). `tests` compare both paths.

mod tree;

use tree::Blocks;

use super::entity;
use super::tags::{self, Role, Tag};
use super::words::Words;

/// The text of `html` with a space wherever a block element opens or closes, and
/// whitespace collapsed as `collapse_whitespace` does; `None` when the markup needs
/// the real parser.
pub(super) fn plain_text(html: &str) -> Option<String> {
    // html5ever drops a leading byte order mark and rewrites NULs.
    if html.starts_with('\u{feff}') || memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let mut scan = Scan {
        words: Words::default(),
        blocks: Blocks::default(),
    };
    let mut rest = html;
    while !rest.is_empty() {
        let next = memchr::memchr2(b'<', b'&', rest.as_bytes()).unwrap_or(rest.len());
        scan.text(&rest[..next])?;
        rest = &rest[next..];
        if rest.starts_with('&') {
            let (c, used) = entity::reference(rest)?;
            scan.text(c.encode_utf8(&mut [0; 4]))?;
            rest = &rest[used..];
        } else if !rest.is_empty() {
            rest = scan.markup(rest)?;
        }
    }
    Some(scan.words.text)
}

struct Scan {
    words: Words,
    blocks: Blocks,
}

impl Scan {
    fn text(&mut self, text: &str) -> Option<()> {
        if self.blocks.in_table_layout() && !text.bytes().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        self.words.push(text);
        Some(())
    }

    /// Reads one `<…>` construct; returns what follows it.
    fn markup<'a>(&mut self, s: &'a str) -> Option<&'a str> {
        let b = s.as_bytes();
        match b.get(1) {
            Some(b'!') => {
                let body = s.strip_prefix("<!--")?;
                if body.starts_with('>') || body.starts_with("->") {
                    return None;
                }
                let end = body.find("-->")?;
                if body[..end + 3].contains("--!>") {
                    return None;
                }
                Some(&body[end + 3..])
            }
            Some(b'/') => {
                let (tag, rest) = tag_name(&s[2..])?;
                let rest = rest.trim_ascii_start().strip_prefix('>')?;
                if self.blocks.end_tag(tag)? {
                    self.words.push(" ");
                }
                Some(rest)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (tag, rest) = tag_name(&s[1..])?;
                let rest = attributes(rest)?;
                if self.blocks.start_tag(tag)? {
                    self.words.push(" ");
                }
                Some(rest)
            }
            Some(b'?') => None,
            // `<` not starting a tag is text, as in `a < b`.
            _ => {
                self.text("<")?;
                Some(&s[1..])
            }
        }
    }
}

/// A tag the scan knows (one with a role in the table), and what follows its name.
/// The table's names are lower case, so upper case goes to the parser: rare in feeds,
/// and not worth lower-casing every name for.
fn tag_name(s: &str) -> Option<(&'static Tag, &str)> {
    let end = s
        .bytes()
        .position(|b| b.is_ascii_whitespace() || b == b'/' || b == b'>')
        .unwrap_or(s.len());
    let tag = tags::get(&s[..end]).filter(|t| t.role != Role::Other)?;
    Some((tag, &s[end..]))
}

/// Skips a start tag's attributes and its closing `>` (or `/>`); `None` for anything
/// but plain `name`, `name=value`, `name="value"` and `name='value'` separated by spaces.
fn attributes(mut s: &str) -> Option<&str> {
    loop {
        s = s.trim_ascii_start();
        if let Some(rest) = s.strip_prefix('>').or_else(|| s.strip_prefix("/>")) {
            return Some(rest);
        }
        let name_end = s
            .bytes()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | b'='))?;
        let name = &s.as_bytes()[..name_end];
        if name.is_empty() || name.iter().any(|b| matches!(b, b'"' | b'\'' | b'<')) {
            return None;
        }
        s = s[name_end..].trim_ascii_start();
        let Some(value) = s.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_ascii_start();
        s = match value.as_bytes().first()? {
            &q @ (b'"' | b'\'') => {
                let end = memchr::memchr(q, &value.as_bytes()[1..])? + 1;
                let after = &value[end + 1..];
                // `a="x"b="y"` parses, but is nothing a feed needs.
                if !after
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_whitespace() || matches!(b, b'/' | b'>'))
                {
                    return None;
                }
                after
            }
            _ => {
                let end = value
                    .bytes()
                    .position(|b| b.is_ascii_whitespace() || b == b'>')
                    .unwrap_or(value.len());
                let unquoted = &value.as_bytes()[..end];
                if end == 0
                    || unquoted
                        .iter()
                        .any(|b| matches!(b, b'"' | b'\'' | b'<' | b'=' | b'`'))
                {
                    return None;
                }
                &value[end..]
            }
        };
    }
}

#[cfg(test)]
mod tests;
