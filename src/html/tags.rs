//! The one table of HTML elements: what each is to the tree builder (for the fast text
//! scan), to text (a word break, or hidden with its content), to a digest (kept by the
//! sanitizer) and to a label (markup rather than text). Every list the HTML code
//! needs is read from here, so a tag cannot be a block in one place and missing in
//! another.

/// What an element is to the HTML tree builder, as far as the text scan must know it:
/// where it opens and closes blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Paragraph,
    /// Blocks that close an open `<p>` and end where their end tag is in scope.
    Block,
    Heading,
    ListItem,
    /// `<dd>` and `<dt>`.
    DefinitionItem,
    Inline,
    Br,
    Hr,
    /// `<img>`, `<wbr>`.
    Void,
    Table,
    /// `<thead>`, `<tbody>`, `<tfoot>`.
    Section,
    Row,
    Cell,
    /// Anything the scan leaves to the real parser.
    Other,
}

/// One element and its parts in the HTML code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag {
    pub(crate) name: &'static str,
    pub(crate) role: Role,
    flags: u8,
}

/// Kept in a digest's HTML; everything else is unwrapped to its content.
pub(crate) const MAIL: u8 = 1;
/// A word break in text (a paragraph break for `html_to_paragraphs`).
pub(crate) const BREAK: u8 = 2;
/// Never shown to a reader (code, styling, embedded documents, form controls,
/// metadata): removed together with everything inside, in text and in mail.
pub(crate) const HIDDEN: u8 = 4;
/// Markup when it appears in a title or a name; other `<…>` there is text.
pub(crate) const LABEL: u8 = 8;

impl Tag {
    /// Whether the tag has `flag` (one of the constants above).
    pub(crate) fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Every element, by what it is: a name listed twice does not compile.
#[rustfmt::skip]
const GROUPS: &[(Role, u8, &[&str])] = {
    use Role::*;
    &[
        (Paragraph, MAIL | BREAK | LABEL, &["p"]),
        (Block, MAIL | BREAK | LABEL, &["blockquote", "div", "ol", "pre", "ul"]),
        (Block, BREAK | LABEL, &["article", "section"]),
        (Block, MAIL | BREAK, &["figcaption", "figure"]),
        (Block, MAIL, &["dl"]),
        (Block, 0, &["address", "aside", "details", "footer", "header", "main", "nav", "summary"]),
        (Heading, MAIL | BREAK | LABEL, &["h1", "h2", "h3", "h4", "h5", "h6"]),
        (ListItem, MAIL | BREAK | LABEL, &["li"]),
        (DefinitionItem, MAIL | BREAK, &["dd", "dt"]),
        (Inline, MAIL | LABEL, &[
            "a", "abbr", "b", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s",
            "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "u", "var",
        ]),
        (Inline, LABEL, &["big", "tt"]),
        (Inline, MAIL, &["dfn"]),
        (Inline, 0, &["bdi", "bdo", "data"]),
        (Br, MAIL | BREAK | LABEL, &["br"]),
        (Hr, MAIL | BREAK | LABEL, &["hr"]),
        (Void, MAIL | LABEL, &["img"]),
        (Void, 0, &["wbr"]),
        (Table, MAIL | LABEL, &["table"]),
        (Section, MAIL | LABEL, &["tbody"]),
        (Section, MAIL, &["tfoot", "thead"]),
        (Row, MAIL | BREAK | LABEL, &["tr"]),
        (Cell, MAIL | BREAK | LABEL, &["td", "th"]),
        (Other, HIDDEN | LABEL, &[
            "audio", "base", "button", "embed", "form", "head", "iframe", "input", "link", "math",
            "meta", "noscript", "object", "script", "select", "style", "svg", "textarea", "title",
            "video",
        ]),
        (Other, HIDDEN, &[
            "applet", "canvas", "frame", "frameset", "noembed", "noframes", "plaintext",
            "template", "xmp",
        ]),
        (Other, LABEL, &["body", "font", "html", "label"]),
        (Other, MAIL, &["caption"]),
    ]
};

/// The row for a lower-case element name. The text scan looks up every tag of every
/// item, so this is a hash lookup built at compile time rather than a binary search.
pub(crate) fn get(name: &str) -> Option<&'static Tag> {
    let key = key(name.as_bytes())?;
    let mut slot = slot(key);
    loop {
        let (k, tag) = INDEX[slot].as_ref()?;
        if *k == key {
            return Some(tag);
        }
        slot = (slot + 1) % SLOTS;
    }
}

/// A name of up to 15 bytes and its length, packed into one integer: names compare
/// as one integer comparison.
const fn key(name: &[u8]) -> Option<u128> {
    if name.len() > 15 {
        return None;
    }
    let mut key = (name.len() as u128) << 120;
    let mut i = 0;
    while i < name.len() {
        key |= (name[i] as u128) << (8 * i);
        i += 1;
    }
    Some(key)
}

/// More than twice as many slots as tags, so a probe rarely goes past the first.
const SLOTS: usize = 256;

const fn slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize % SLOTS
}

/// Open addressing: each row of `GROUPS` with its name's key, in the first free slot
/// from its own.
static INDEX: [Option<(u128, Tag)>; SLOTS] = {
    let mut index = [None; SLOTS];
    let (mut rows, mut group) = (0, 0);
    while group < GROUPS.len() {
        let (role, flags, names) = GROUPS[group];
        let mut i = 0;
        while i < names.len() {
            let Some(key) = key(names[i].as_bytes()) else {
                panic!("a tag name longer than 15 bytes");
            };
            let mut slot = slot(key);
            while let Some((other, _)) = index[slot] {
                assert!(other != key, "a tag listed twice");
                slot = (slot + 1) % SLOTS;
            }
            let name = names[i];
            index[slot] = Some((key, Tag { name, role, flags }));
            (rows, i) = (rows + 1, i + 1);
        }
        group += 1;
    }
    assert!(rows < SLOTS / 2);
    index
};

/// Every element, in no order.
fn tags() -> impl Iterator<Item = &'static Tag> {
    INDEX.iter().flatten().map(|(_, tag)| tag)
}

/// The names of the elements with `flag`, as ammonia's builder takes them.
pub(crate) fn names(flag: u8) -> std::collections::HashSet<&'static str> {
    tags().filter(|t| t.is(flag)).map(|t| t.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_found() {
        for t in tags() {
            assert!(
                t.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
            assert_eq!(get(t.name).map(|g| g.name), Some(t.name));
        }
        for absent in ["", "A", "P", "h7", "zz", "aa", "spam", "p\0"] {
            assert!(get(absent).is_none(), "{absent}");
        }
        assert!(get(&"blockquote".repeat(2)).is_none(), "longer than a key");
    }

    #[test]
    fn hidden_elements_are_nothing_else() {
        for t in tags().filter(|t| t.is(HIDDEN)) {
            assert!(!t.is(MAIL) && !t.is(BREAK), "{}", t.name);
            // The scan would read their content as text.
            assert_eq!(t.role, Role::Other, "{}", t.name);
        }
    }

    /// A word break the scan does not know would send every document that uses it to
    /// the parser.
    #[test]
    fn every_break_is_known_to_the_scan() {
        for t in tags().filter(|t| t.is(BREAK)) {
            assert_ne!(t.role, Role::Other, "{}", t.name);
        }
    }
}
