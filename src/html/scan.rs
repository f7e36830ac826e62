//! The fast path of [`super::html_to_text`]: a single scan over plain, well-formed
//! HTML that yields the same text as the html5ever + ammonia path, at a fraction of the
//! cost. Keyword filters read the text of every item in the window, and feeds such as
//! DEV ship whole articles as item summaries: through the parser, that text was most
//! of a run's CPU (docs/benchmark.md has the figures).
//!
//! It is exact by refusing, not by approximating: only markup whose effect on the text
//! is known (tags with a role in the tag table, simple attributes, comments, the
//! references the shared decoder knows, tables with no stray content) is accepted;
//! anything else returns `None` and the caller parses properly. What it must reproduce
//! of the tree builder is where block elements open and close (`tree`). `tests`
//! compare both paths on fixtures, hand-written cases and generated markup.

mod tree;

use tree::Blocks;

use crate::html::entity;
use crate::html::tags::{self, Role, Tag};

/// The text of `html` with a space wherever a block element opens or closes, and
/// whitespace collapsed as `collapse_whitespace` does; `None` when the markup needs
/// the real parser.
pub(super) fn plain_text(html: &str) -> Option<String> {
    // html5ever drops a leading byte order mark and rewrites NULs.
    if html.starts_with('\u{feff}') || memchr::memchr(0, html.as_bytes()).is_some() {
        return None;
    }
    let mut scan = Scan {
        out: String::with_capacity(html.len() / 2),
        space: false,
        blocks: Blocks::default(),
    };
    let mut rest = html;
    while !rest.is_empty() {
        let next = memchr::memchr2(b'<', b'&', rest.as_bytes()).unwrap_or(rest.len());
        scan.text(&rest[..next])?;
        rest = &rest[next..];
        if rest.starts_with('&') {
            // A `&` that cannot start a reference is text to the parser too.
            let bare = !rest[1..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '#');
            let (c, used) = if bare {
                ('&', 1)
            } else {
                entity::reference(rest)?
            };
            scan.text(c.encode_utf8(&mut [0; 4]))?;
            rest = &rest[used..];
        } else if !rest.is_empty() {
            rest = scan.markup(rest)?;
        }
    }
    Some(scan.out)
}

struct Scan {
    out: String,
    /// Whitespace or a block boundary since the last word: the next word is preceded
    /// by one space (unless it is the first).
    space: bool,
    blocks: Blocks,
}

impl Scan {
    fn text(&mut self, text: &str) -> Option<()> {
        if self.blocks.in_table_layout() && !text.bytes().all(is_html_space) {
            return None;
        }
        self.words(text);
        Some(())
    }

    /// Appends `text` collapsed in the same pass: runs of Unicode whitespace become
    /// one space between words, none at the ends. Text is copied in runs: a single
    /// `' '` between two words needs no change, so only other whitespace ends a run.
    fn words(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            i = skip_plain_words(bytes, run, i);
            let Some(&b) = bytes.get(i) else { break };
            // Most bytes are ASCII and not whitespace: step over them without decoding.
            let len = if b < 0x80 {
                if !ASCII_WHITESPACE[usize::from(b)] {
                    i += 1;
                    continue;
                }
                if b == b' ' && i > run && bytes.get(i + 1).is_some_and(|&n| is_word_byte(n)) {
                    i += 1;
                    continue;
                }
                1
            } else {
                match text[i..].chars().next() {
                    Some(c) if c.is_whitespace() => c.len_utf8(),
                    Some(c) => {
                        i += c.len_utf8();
                        continue;
                    }
                    None => break,
                }
            };
            self.word(&text[run..i]);
            self.space = true;
            i += len;
            run = i;
        }
        self.word(&text[run..]);
    }

    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.space = false;
        self.out.push_str(word);
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
                let rest = skip_space(rest);
                let rest = rest.strip_prefix('>')?;
                if self.blocks.end_tag(tag)? {
                    self.space = true;
                }
                Some(rest)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (tag, rest) = tag_name(&s[1..])?;
                let rest = attributes(rest)?;
                if self.blocks.start_tag(tag)? {
                    self.space = true;
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
        .position(|b| is_html_space(b) || b == b'/' || b == b'>')
        .unwrap_or(s.len());
    let tag = tags::get(&s[..end]).filter(|t| t.role != Role::Other)?;
    Some((tag, &s[end..]))
}

/// Skips a start tag's attributes and its closing `>` (or `/>`); `None` for anything
/// but plain `name`, `name=value`, `name="value"` and `name='value'` separated by spaces.
fn attributes(mut s: &str) -> Option<&str> {
    loop {
        s = skip_space(s);
        if let Some(rest) = s.strip_prefix('>').or_else(|| s.strip_prefix("/>")) {
            return Some(rest);
        }
        let name_end = s
            .bytes()
            .position(|b| is_html_space(b) || matches!(b, b'/' | b'>' | b'='))?;
        let name = &s.as_bytes()[..name_end];
        if name.is_empty() || name.iter().any(|b| matches!(b, b'"' | b'\'' | b'<')) {
            return None;
        }
        s = skip_space(&s[name_end..]);
        let Some(value) = s.strip_prefix('=') else {
            continue;
        };
        let value = skip_space(value);
        s = match value.as_bytes().first()? {
            &q @ (b'"' | b'\'') => {
                let end = memchr::memchr(q, &value.as_bytes()[1..])? + 1;
                let after = &value[end + 1..];
                // `a="x"b="y"` parses, but is nothing a feed needs.
                if !after
                    .bytes()
                    .next()
                    .is_some_and(|b| is_html_space(b) || matches!(b, b'/' | b'>'))
                {
                    return None;
                }
                after
            }
            _ => {
                let end = value
                    .bytes()
                    .position(|b| is_html_space(b) || b == b'>')
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

fn skip_space(s: &str) -> &str {
    let start = s.bytes().position(|b| !is_html_space(b)).unwrap_or(s.len());
    &s[start..]
}

/// HTML's whitespace: space, tab, line feed, form feed, carriage return.
fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

/// Skips, eight bytes at a time, what `words` would copy unchanged: printable ASCII
/// with single spaces between words. Returns where the byte-wise scan must go on.
fn skip_plain_words(bytes: &[u8], run: usize, mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(window) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(window.try_into().unwrap_or_default());
        // Any byte outside 0x20..=0x7f (b + 0x60 carries into the high bit only
        // from 0x20 up, and never into the next byte).
        if w & HIGH != 0 || (w + 0x60 * ONES) & HIGH != HIGH {
            break;
        }
        // The high bit of every space: zero bytes of `w ^ 0x20…`, found exactly.
        let t = w ^ (0x20 * ONES);
        let spaces = !((((t & !HIGH) + !HIGH) | t) | !HIGH);
        if spaces != 0 {
            let first_is_space = spaces & 0x80 != 0;
            let last_is_space = spaces >> 63 != 0;
            if spaces & (spaces >> 8) != 0
                || (first_is_space && i == run)
                || (last_is_space && !bytes.get(i + 8).is_some_and(|&b| is_word_byte(b)))
            {
                break;
            }
        }
        i += 8;
    }
    i
}

/// Whether `b` cannot start whitespace: an ASCII non-space, or a byte inside or
/// starting a multi-byte character none of whose whitespace characters starts with it.
fn is_word_byte(b: u8) -> bool {
    if b < 0x80 {
        !ASCII_WHITESPACE[usize::from(b)]
    } else {
        // U+0085 and U+00A0 start with C2; U+1680 with E1; U+2000–U+205F with E2;
        // U+3000 with E3.
        !matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3)
    }
}

/// ASCII characters `char::is_whitespace` (what `split_whitespace` uses) accepts.
const ASCII_WHITESPACE: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = b'\t';
    while b <= b'\r' {
        table[b as usize] = true;
        b += 1;
    }
    table[b' ' as usize] = true;
    table
};

#[cfg(test)]
mod tests;
