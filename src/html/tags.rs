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
#[derive(Debug)]
pub(crate) struct Tag {
    pub(crate) name: &'static str,
    pub(crate) role: Role,
    flags: u8,
}

/// Kept in a digest's HTML; everything else is unwrapped to its content.
const MAIL: u8 = 1;
/// A word break in text (a paragraph break for `html_to_paragraphs`).
const BREAK: u8 = 2;
/// Never shown to a reader (code, styling, embedded documents, form controls,
/// metadata): removed together with everything inside, in text and in mail.
const HIDDEN: u8 = 4;
/// Markup when it appears in a title or a name; other `<…>` there is text.
const LABEL: u8 = 8;

impl Tag {
    pub(crate) fn mail(&self) -> bool {
        self.flags & MAIL != 0
    }

    pub(crate) fn breaks(&self) -> bool {
        self.flags & BREAK != 0
    }

    pub(crate) fn hidden(&self) -> bool {
        self.flags & HIDDEN != 0
    }

    pub(crate) fn label(&self) -> bool {
        self.flags & LABEL != 0
    }
}

const fn tag(name: &'static str, role: Role, flags: u8) -> Tag {
    Tag { name, role, flags }
}

/// Sorted by name.
#[rustfmt::skip]
const TAGS: &[Tag] = {
    use Role::*;
    &[
        tag("a", Inline, MAIL | LABEL),
        tag("abbr", Inline, MAIL | LABEL),
        tag("address", Block, 0),
        tag("applet", Other, HIDDEN),
        tag("article", Block, BREAK | LABEL),
        tag("aside", Block, 0),
        tag("audio", Other, HIDDEN | LABEL),
        tag("b", Inline, MAIL | LABEL),
        tag("base", Other, HIDDEN | LABEL),
        tag("bdi", Inline, 0),
        tag("bdo", Inline, 0),
        tag("big", Inline, LABEL),
        tag("blockquote", Block, MAIL | BREAK | LABEL),
        tag("body", Other, LABEL),
        tag("br", Br, MAIL | BREAK | LABEL),
        tag("button", Other, HIDDEN | LABEL),
        tag("canvas", Other, HIDDEN),
        tag("caption", Other, MAIL),
        tag("cite", Inline, MAIL | LABEL),
        tag("code", Inline, MAIL | LABEL),
        tag("data", Inline, 0),
        tag("dd", DefinitionItem, MAIL | BREAK),
        tag("del", Inline, MAIL | LABEL),
        tag("details", Block, 0),
        tag("dfn", Inline, MAIL),
        tag("div", Block, MAIL | BREAK | LABEL),
        tag("dl", Block, MAIL),
        tag("dt", DefinitionItem, MAIL | BREAK),
        tag("em", Inline, MAIL | LABEL),
        tag("embed", Other, HIDDEN | LABEL),
        tag("figcaption", Block, MAIL | BREAK),
        tag("figure", Block, MAIL | BREAK),
        tag("font", Other, LABEL),
        tag("footer", Block, 0),
        tag("form", Other, HIDDEN | LABEL),
        tag("frame", Other, HIDDEN),
        tag("frameset", Other, HIDDEN),
        tag("h1", Heading, MAIL | BREAK | LABEL),
        tag("h2", Heading, MAIL | BREAK | LABEL),
        tag("h3", Heading, MAIL | BREAK | LABEL),
        tag("h4", Heading, MAIL | BREAK | LABEL),
        tag("h5", Heading, MAIL | BREAK | LABEL),
        tag("h6", Heading, MAIL | BREAK | LABEL),
        tag("head", Other, HIDDEN | LABEL),
        tag("header", Block, 0),
        tag("hr", Hr, MAIL | BREAK | LABEL),
        tag("html", Other, LABEL),
        tag("i", Inline, MAIL | LABEL),
        tag("iframe", Other, HIDDEN | LABEL),
        tag("img", Void, MAIL | LABEL),
        tag("input", Other, HIDDEN | LABEL),
        tag("ins", Inline, MAIL | LABEL),
        tag("kbd", Inline, MAIL | LABEL),
        tag("label", Other, LABEL),
        tag("li", ListItem, MAIL | BREAK | LABEL),
        tag("link", Other, HIDDEN | LABEL),
        tag("main", Block, 0),
        tag("mark", Inline, MAIL | LABEL),
        tag("math", Other, HIDDEN | LABEL),
        tag("meta", Other, HIDDEN | LABEL),
        tag("nav", Block, 0),
        tag("noembed", Other, HIDDEN),
        tag("noframes", Other, HIDDEN),
        tag("noscript", Other, HIDDEN | LABEL),
        tag("object", Other, HIDDEN | LABEL),
        tag("ol", Block, MAIL | BREAK | LABEL),
        tag("p", Paragraph, MAIL | BREAK | LABEL),
        tag("plaintext", Other, HIDDEN),
        tag("pre", Block, MAIL | BREAK | LABEL),
        tag("q", Inline, MAIL | LABEL),
        tag("s", Inline, MAIL | LABEL),
        tag("samp", Inline, MAIL | LABEL),
        tag("script", Other, HIDDEN | LABEL),
        tag("section", Block, BREAK | LABEL),
        tag("select", Other, HIDDEN | LABEL),
        tag("small", Inline, MAIL | LABEL),
        tag("span", Inline, MAIL | LABEL),
        tag("strike", Inline, MAIL | LABEL),
        tag("strong", Inline, MAIL | LABEL),
        tag("style", Other, HIDDEN | LABEL),
        tag("sub", Inline, MAIL | LABEL),
        tag("summary", Block, 0),
        tag("sup", Inline, MAIL | LABEL),
        tag("svg", Other, HIDDEN | LABEL),
        tag("table", Table, MAIL | LABEL),
        tag("tbody", Section, MAIL | LABEL),
        tag("td", Cell, MAIL | BREAK | LABEL),
        tag("template", Other, HIDDEN),
        tag("textarea", Other, HIDDEN | LABEL),
        tag("tfoot", Section, MAIL),
        tag("th", Cell, MAIL | BREAK | LABEL),
        tag("thead", Section, MAIL),
        tag("time", Inline, MAIL | LABEL),
        tag("title", Other, HIDDEN | LABEL),
        tag("tr", Row, MAIL | BREAK | LABEL),
        tag("tt", Inline, LABEL),
        tag("u", Inline, MAIL | LABEL),
        tag("ul", Block, MAIL | BREAK | LABEL),
        tag("var", Inline, MAIL | LABEL),
        tag("video", Other, HIDDEN | LABEL),
        tag("wbr", Void, 0),
        tag("xmp", Other, HIDDEN),
    ]
};

/// The row for a lower-case element name.
///
/// The text scan looks up every tag of every item, so this is a hash lookup built at
/// compile time: a binary search over the names made the scan 40% slower.
pub(crate) fn get(name: &str) -> Option<&'static Tag> {
    let key = key(name.as_bytes())?;
    let mut slot = slot(key);
    loop {
        let row = usize::from(INDEX[slot]);
        if row == 0 {
            return None;
        }
        if KEYS[row - 1] == key {
            return Some(&TAGS[row - 1]);
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
const _: () = assert!(TAGS.len() < SLOTS / 2);

const fn slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize % SLOTS
}

/// Each row's key, by row.
static KEYS: [u128; TAGS.len()] = {
    let mut keys = [0; TAGS.len()];
    let mut row = 0;
    while row < TAGS.len() {
        keys[row] = match key(TAGS[row].name.as_bytes()) {
            Some(key) => key,
            None => panic!("a tag name longer than 15 bytes"),
        };
        row += 1;
    }
    keys
};

/// Open addressing: each slot holds a row number plus one, or 0 when empty.
static INDEX: [u8; SLOTS] = {
    let mut index = [0u8; SLOTS];
    let mut row = 0;
    while row < TAGS.len() {
        let mut slot = slot(KEYS[row]);
        while index[slot] != 0 {
            slot = (slot + 1) % SLOTS;
        }
        index[slot] = row as u8 + 1;
        row += 1;
    }
    index
};

/// The names of the elements `keep` selects, as ammonia's builder takes them.
pub(crate) fn names(keep: impl Fn(&Tag) -> bool) -> std::collections::HashSet<&'static str> {
    TAGS.iter().filter(|t| keep(t)).map(|t| t.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_every_row_is_found() {
        for pair in TAGS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
        for t in TAGS {
            assert!(
                t.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
            assert_eq!(get(t.name).map(|g| g.name), Some(t.name));
        }
        for absent in [
            "",
            "A",
            "P",
            "h7",
            "zz",
            "aa",
            "spam",
            "p\0",
            "blockquoteblockquote",
        ] {
            assert!(get(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn hidden_elements_are_nothing_else() {
        for t in TAGS.iter().filter(|t| t.hidden()) {
            assert!(!t.mail() && !t.breaks(), "{}", t.name);
            // The scan would read their content as text.
            assert_eq!(t.role, Role::Other, "{}", t.name);
        }
    }

    /// A word break the scan does not know would send every document that uses it to
    /// the parser.
    #[test]
    fn every_break_is_known_to_the_scan() {
        for t in TAGS.iter().filter(|t| t.breaks()) {
            assert_ne!(t.role, Role::Other, "{}", t.name);
        }
    }
}
