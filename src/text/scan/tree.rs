//! What the scan must reproduce of the HTML tree builder: where block elements open
//! and close, since each of those is a word break. It keeps the stack of open block
//! elements and applies the tree builder's rules for them: an implied `</p>` before a
//! block, `<li>` closing the previous item, end tags ignored when nothing of their
//! name is in scope, cells and tables as scope boundaries. Inline elements are not
//! tracked: whatever the tree builder does with them (reopening formatting elements,
//! the adoption agency), text keeps its order and no block element moves.
//!
//! Each method returns `None` for what the scan does not handle, else whether a block
//! boundary happened.

/// What a known tag is to the tree builder (and to the text: `spaced`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Paragraph,
    /// Blocks that become a space in the text.
    Block,
    /// Blocks that ammonia unwraps: no space, but they close an open `<p>`.
    Quiet,
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
}

impl Kind {
    /// Whether the element is one of `BLOCK_TAGS`, which become a space.
    pub(super) fn spaced(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Paragraph | Block | Heading | ListItem | DefinitionItem | Br | Hr | Row | Cell
        )
    }
}

/// The tags the scan knows; any other sends the markup to the parser.
pub(super) fn kind(name: &str) -> Option<Kind> {
    use Kind::*;
    Some(match name {
        "p" => Paragraph,
        "div" | "ul" | "ol" | "blockquote" | "pre" | "figure" | "figcaption" | "section"
        | "article" => Block,
        "address" | "aside" | "details" | "dl" | "footer" | "header" | "main" | "nav"
        | "summary" => Quiet,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Heading,
        "li" => ListItem,
        "dd" | "dt" => DefinitionItem,
        "a" | "abbr" | "b" | "bdi" | "bdo" | "big" | "cite" | "code" | "data" | "del" | "dfn"
        | "em" | "i" | "ins" | "kbd" | "mark" | "q" | "s" | "samp" | "small" | "span"
        | "strike" | "strong" | "sub" | "sup" | "time" | "tt" | "u" | "var" => Inline,
        "br" => Br,
        "hr" => Hr,
        "img" | "wbr" => Void,
        "table" => Table,
        "thead" | "tbody" | "tfoot" => Section,
        "tr" => Row,
        "td" | "th" => Cell,
        _ => return None,
    })
}

/// An open element; its name borrowed from the markup.
#[derive(Clone, Copy)]
struct Open<'a> {
    name: &'a str,
    kind: Kind,
}

/// The open block elements, innermost last.
#[derive(Default)]
pub(super) struct Blocks<'a> {
    stack: Vec<Open<'a>>,
}

impl<'a> Blocks<'a> {
    fn top(&self) -> Option<Open<'a>> {
        self.stack.last().copied()
    }

    /// Between table parts the tree builder moves stray content out of the table
    /// ("foster parenting"), which reorders text: only whitespace may appear there.
    pub(super) fn in_table_layout(&self) -> bool {
        self.top()
            .is_some_and(|t| matches!(t.kind, Kind::Table | Kind::Section | Kind::Row))
    }

    fn push(&mut self, name: &'a str, kind: Kind) -> bool {
        self.stack.push(Open { name, kind });
        kind.spaced()
    }

    /// Pops up to and including the innermost element `done` accepts.
    fn pop_until(&mut self, done: impl Fn(&Open) -> bool) -> bool {
        let mut spaced = false;
        while let Some(open) = self.stack.pop() {
            spaced |= open.kind.spaced();
            if done(&open) {
                break;
            }
        }
        spaced
    }

    /// Whether an element `wanted` accepts is open, looking no further out than a
    /// table or a cell (the default scope), or a list when `list_item_scope`.
    fn in_scope(&self, wanted: impl Fn(&Open) -> bool, list_item_scope: bool) -> bool {
        for open in self.stack.iter().rev() {
            if wanted(open) {
                return true;
            }
            if matches!(open.kind, Kind::Table | Kind::Cell)
                || (list_item_scope && matches!(open.name, "ol" | "ul"))
            {
                return false;
            }
        }
        false
    }

    fn close_p(&mut self) -> bool {
        let paragraph = |o: &Open| o.kind == Kind::Paragraph;
        self.in_scope(paragraph, false) && self.pop_until(paragraph)
    }

    /// `<li>` (or `<dd>`/`<dt>`) closes the item it is in, unless a block other than
    /// `address`, `div` or `p` comes first.
    fn close_item(&mut self, item: Kind) -> bool {
        for open in self.stack.iter().rev() {
            if open.kind == item {
                return self.pop_until(|o| o.kind == item);
            }
            if !matches!(open.name, "address" | "div" | "p") {
                return false;
            }
        }
        false
    }

    pub(super) fn start_tag(&mut self, name: &'a str, kind: Kind) -> Option<bool> {
        use Kind::*;
        if self.in_table_layout() {
            let top = self.top()?.kind;
            return match (kind, top) {
                (Section, Table) | (Row, Section) | (Cell, Row) => Some(self.push(name, kind)),
                (Row, Table) => {
                    self.push("tbody", Section);
                    Some(self.push(name, Row))
                }
                _ => None,
            };
        }
        Some(match kind {
            Br => true,
            Hr => {
                self.close_p();
                true
            }
            Inline | Void => false,
            Table => {
                let closed = self.close_p();
                self.push(name, Table) | closed
            }
            ListItem | DefinitionItem => {
                self.close_item(kind);
                self.close_p();
                self.push(name, kind)
            }
            Heading => {
                self.close_p();
                // A heading inside a heading closes it only when nothing inline is
                // open in between, which this scan does not track.
                if self.top().is_some_and(|t| t.kind == Heading) {
                    return None;
                }
                self.push(name, Heading)
            }
            Paragraph | Block | Quiet => {
                let closed = self.close_p();
                self.push(name, kind) | closed
            }
            // Table parts outside a table are dropped by the tree builder.
            Section | Row | Cell => return None,
        })
    }

    pub(super) fn end_tag(&mut self, name: &str, kind: Kind) -> Option<bool> {
        use Kind::*;
        if self.in_table_layout() {
            let top = self.top()?;
            return match kind {
                Row | Section if top.kind == kind && top.name == name => {
                    Some(self.pop_until(|_| true))
                }
                Table if matches!(top.kind, Table | Section) => {
                    Some(self.pop_until(|o| o.kind == Table))
                }
                _ => None,
            };
        }
        let same_name = |o: &Open| o.name == name;
        Some(match kind {
            Cell => {
                let cell = self.stack.iter().rev().find(|o| o.kind == Cell)?;
                if cell.name != name {
                    return None;
                }
                self.pop_until(|o| o.kind == Cell)
            }
            // `</p>` with no open paragraph makes an empty one: a space either way.
            Paragraph => {
                let paragraph = |o: &Open| o.kind == Paragraph;
                if self.in_scope(paragraph, false) {
                    self.pop_until(paragraph);
                }
                true
            }
            Br => true,
            ListItem => {
                let item = |o: &Open| o.kind == ListItem;
                self.in_scope(item, true) && self.pop_until(item)
            }
            Heading => {
                let heading = |o: &Open| o.kind == Heading;
                self.in_scope(heading, false) && self.pop_until(heading)
            }
            Inline => false,
            // An end tag with nothing of its name in scope is ignored.
            Block | Quiet | DefinitionItem => {
                self.in_scope(same_name, false) && self.pop_until(same_name)
            }
            Hr | Void | Table | Section | Row => return None,
        })
    }
}
