//! The fast path of [`super::html_to_text`]: a single scan over plain, well-formed
//! HTML that yields the same text as the html5ever + ammonia path, at a fraction of the
//! cost. Keyword filters read the text of every item in the window, and feeds such as
//! DEV ship whole articles as item summaries, so this is where a run spends its CPU.
//!
//! It is exact by refusing, not by approximating: only markup whose effect on the text
//! is known (tags from an allowlist, simple attributes, comments, a few entities, tables
//! with no stray content) is accepted; anything else returns `None` and the caller
//! parses properly. What it must reproduce of the HTML tree builder is where block
//! elements open and close, because each of those becomes a space: so it keeps the
//! stack of open block elements and applies the tree builder's rules for them (implied
//! `</p>` and `</li>`, end tags that are ignored when nothing matching is in scope).
//! Inline elements never add or move text, so they are skipped. `tests` compare both
//! paths on fixtures, hand-written cases and generated markup.

use super::BLOCK_TAGS;

/// Block elements that are kept open on the stack but do not become spaces
/// (ammonia unwraps them). Each closes an open `<p>` when it starts.
const QUIET_BLOCKS: &[&str] = &[
    "address", "aside", "details", "dl", "footer", "header", "main", "nav", "summary",
];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// Phrasing elements the tree builder treats as ordinary: whatever it does with them
/// (reopening formatting elements, the adoption agency), text keeps its order and no
/// block element moves.
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "i", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time",
    "tt", "u", "var",
];

const TABLE_SECTIONS: &[&str] = &["thead", "tbody", "tfoot"];

/// The few entities feeds use in practice; anything else goes the slow way. Each is
/// matched with its `;`, which no longer entity name can extend.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("middot", '·'),
    ("bull", '•'),
    ("times", '×'),
    ("deg", '°'),
    ("euro", '€'),
    ("pound", '£'),
];

/// The text of `html` with a space wherever a block element opens or closes, not yet
/// collapsed; `None` when the markup needs the real parser.
pub(super) fn plain_text(html: &str) -> Option<String> {
    // html5ever drops a leading byte order mark and rewrites NULs.
    if html.starts_with('\u{feff}') || html.contains('\0') {
        return None;
    }
    let mut scan = Scan {
        out: String::with_capacity(html.len()),
        stack: Vec::new(),
    };
    let mut rest = html;
    while !rest.is_empty() {
        let next = rest.find(['<', '&']).unwrap_or(rest.len());
        scan.text(&rest[..next])?;
        rest = &rest[next..];
        if rest.starts_with('&') {
            let (c, used) = entity(rest)?;
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
    /// Open block elements, innermost last.
    stack: Vec<&'static str>,
}

impl Scan {
    fn top(&self) -> Option<&'static str> {
        self.stack.last().copied()
    }

    /// Between table parts the tree builder moves stray content out of the table
    /// ("foster parenting"), which reorders text: only whitespace may appear there.
    fn in_table_layout(&self) -> bool {
        self.top()
            .is_some_and(|t| t == "table" || t == "tr" || TABLE_SECTIONS.contains(&t))
    }

    fn text(&mut self, text: &str) -> Option<()> {
        if self.in_table_layout() && !text.bytes().all(is_html_space) {
            return None;
        }
        self.out.push_str(text);
        Some(())
    }

    fn push(&mut self, name: &'static str) {
        self.space_if_block(name);
        self.stack.push(name);
    }

    fn space_if_block(&mut self, name: &str) {
        if BLOCK_TAGS.contains(&name) {
            self.out.push(' ');
        }
    }

    /// Pops up to and including the innermost element `done` accepts.
    fn pop_until(&mut self, done: impl Fn(&str) -> bool) {
        while let Some(name) = self.stack.pop() {
            self.space_if_block(name);
            if done(name) {
                break;
            }
        }
    }

    /// Whether an element `wanted` accepts is open, looking no further out than a
    /// table, a cell, or one of `limits` (the tree builder's element scopes).
    fn in_scope(&self, wanted: impl Fn(&str) -> bool, limits: &[&str]) -> bool {
        for &name in self.stack.iter().rev() {
            if wanted(name) {
                return true;
            }
            if matches!(name, "table" | "td" | "th") || limits.contains(&name) {
                return false;
            }
        }
        false
    }

    fn close_p(&mut self) {
        if self.in_scope(|n| n == "p", &[]) {
            self.pop_until(|n| n == "p");
        }
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
                let (name, rest) = tag_name(&s[2..])?;
                let rest = rest.trim_start_matches(|c: char| is_space(c));
                let rest = rest.strip_prefix('>')?;
                self.end_tag(&name)?;
                Some(rest)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, rest) = tag_name(&s[1..])?;
                let rest = attributes(rest)?;
                self.start_tag(&name)?;
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

    fn start_tag(&mut self, name: &str) -> Option<()> {
        if self.in_table_layout() {
            let top = self.top()?;
            match name {
                _ if TABLE_SECTIONS.contains(&name) && top == "table" => {
                    self.push(static_name(name, TABLE_SECTIONS)?)
                }
                "tr" if top == "table" => {
                    self.push("tbody");
                    self.push("tr");
                }
                "tr" if TABLE_SECTIONS.contains(&top) => self.push("tr"),
                "td" if top == "tr" => self.push("td"),
                "th" if top == "tr" => self.push("th"),
                _ => return None,
            }
            return Some(());
        }
        match name {
            "br" => self.out.push(' '),
            "hr" => {
                self.close_p();
                self.out.push(' ');
            }
            "img" | "wbr" => {}
            "table" => {
                self.close_p();
                self.push("table");
            }
            "li" => {
                self.close_list_item(&["li"]);
                self.close_p();
                self.push("li");
            }
            "dd" | "dt" => {
                self.close_list_item(&["dd", "dt"]);
                self.close_p();
                self.push(static_name(name, &["dd", "dt"])?);
            }
            _ if HEADINGS.contains(&name) => {
                self.close_p();
                // A heading inside a heading closes it only when nothing inline is
                // open in between, which this scan does not track.
                if self.top().is_some_and(|t| HEADINGS.contains(&t)) {
                    return None;
                }
                self.push(static_name(name, HEADINGS)?);
            }
            _ if INLINE.contains(&name) => {}
            _ => {
                let name =
                    static_name(name, BLOCK_TAGS).or_else(|| static_name(name, QUIET_BLOCKS))?;
                if matches!(name, "tr" | "td" | "th") {
                    // Table parts outside a table are dropped by the tree builder.
                    return None;
                }
                self.close_p();
                self.push(name);
            }
        }
        Some(())
    }

    /// `<li>` (or `<dd>`/`<dt>`) closes the item it is in, unless a block other than
    /// `address`, `div` or `p` comes first.
    fn close_list_item(&mut self, items: &[&str]) {
        for &name in self.stack.iter().rev() {
            if items.contains(&name) {
                self.pop_until(|n| n == name);
                return;
            }
            if !matches!(name, "address" | "div" | "p") {
                return;
            }
        }
    }

    fn end_tag(&mut self, name: &str) -> Option<()> {
        if self.in_table_layout() {
            let top = self.top()?;
            match name {
                "tr" if top == "tr" => self.pop_until(|_| true),
                _ if TABLE_SECTIONS.contains(&name) && top == name => self.pop_until(|_| true),
                "table" if top == "table" || TABLE_SECTIONS.contains(&top) => {
                    self.pop_until(|n| n == "table")
                }
                _ => return None,
            }
            return Some(());
        }
        match name {
            "td" | "th" => {
                let cell = self
                    .stack
                    .iter()
                    .rev()
                    .find(|n| matches!(**n, "td" | "th"))?;
                if *cell != name {
                    return None;
                }
                self.pop_until(|n| n == name);
            }
            // `</p>` with no open paragraph makes an empty one: a space either way.
            "p" => {
                if self.in_scope(|n| n == "p", &[]) {
                    self.pop_until(|n| n == "p");
                } else {
                    self.out.push(' ');
                }
            }
            "br" => self.out.push(' '),
            "li" => {
                if self.in_scope(|n| n == "li", &["ol", "ul"]) {
                    self.pop_until(|n| n == "li");
                }
            }
            _ if HEADINGS.contains(&name) => {
                let heading = |n: &str| HEADINGS.contains(&n);
                if self.in_scope(heading, &[]) {
                    self.pop_until(heading);
                }
            }
            _ if INLINE.contains(&name) => {}
            _ if (BLOCK_TAGS.contains(&name) || QUIET_BLOCKS.contains(&name))
                && !matches!(name, "hr" | "tr") =>
            {
                // An end tag with nothing of its name in scope is ignored.
                if self.in_scope(|n| n == name, &[]) {
                    self.pop_until(|n| n == name);
                }
            }
            _ => return None,
        }
        Some(())
    }
}

/// The lower-cased tag name and what follows it; `None` for names outside `[a-z0-9]`.
fn tag_name(s: &str) -> Option<(String, &str)> {
    let end = s
        .find(|c: char| is_space(c) || c == '/' || c == '>')
        .unwrap_or(s.len());
    let name = &s[..end];
    let ok = name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| (name.to_ascii_lowercase(), &s[end..]))
}

/// Skips a start tag's attributes and its closing `>` (or `/>`); `None` for anything
/// but plain `name`, `name=value`, `name="value"` and `name='value'` separated by spaces.
fn attributes(mut s: &str) -> Option<&str> {
    loop {
        s = s.trim_start_matches(|c: char| is_space(c));
        if let Some(rest) = s.strip_prefix('>').or_else(|| s.strip_prefix("/>")) {
            return Some(rest);
        }
        let name_end = s.find(|c: char| is_space(c) || matches!(c, '/' | '>' | '='))?;
        let name = &s[..name_end];
        if name.is_empty() || name.contains(['"', '\'', '<']) {
            return None;
        }
        s = s[name_end..].trim_start_matches(|c: char| is_space(c));
        let Some(value) = s.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start_matches(|c: char| is_space(c));
        s = match value.as_bytes().first()? {
            &q @ (b'"' | b'\'') => {
                let end = value[1..].find(q as char)? + 1;
                let after = &value[end + 1..];
                // `a="x"b="y"` parses, but is nothing a feed needs.
                if !after.starts_with(|c: char| is_space(c) || c == '/' || c == '>') {
                    return None;
                }
                after
            }
            _ => {
                let end = value
                    .find(|c: char| is_space(c) || c == '>')
                    .unwrap_or(value.len());
                if end == 0 || value[..end].contains(['"', '\'', '<', '=', '`']) {
                    return None;
                }
                &value[end..]
            }
        };
    }
}

/// A character reference at the start of `s` (which begins with `&`): the character
/// and the bytes it takes. A lone `&` is text.
fn entity(s: &str) -> Option<(char, usize)> {
    let body = &s[1..];
    if let Some(num) = body.strip_prefix('#') {
        // `skip` counts `&#` or `&#x`.
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 3),
            None => (num, 10, 2),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 || len > 7 || !digits[len..].starts_with(';') {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok()?;
        // Controls, the C1 range (remapped as windows-1252), surrogates and
        // noncharacters all get special treatment from the tokenizer.
        let plain = matches!(code, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfdcf | 0xfdf0..=0x10ffff)
            && code & 0xfffe != 0xfffe;
        if !plain {
            return None;
        }
        return Some((char::from_u32(code)?, skip + len + 1));
    }
    let len = body
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(body.len());
    if len == 0 {
        return Some(('&', 1));
    }
    if !body[len..].starts_with(';') {
        return None;
    }
    let (_, c) = ENTITIES.iter().find(|(name, _)| *name == &body[..len])?;
    Some((*c, 1 + len + 1))
}

/// The `&'static` spelling of `name` from `names`.
fn static_name(name: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|n| *n == name)
}

/// HTML's whitespace: space, tab, line feed, form feed, carriage return.
fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

fn is_space(c: char) -> bool {
    c.is_ascii() && is_html_space(c as u8)
}

#[cfg(test)]
mod tests;
