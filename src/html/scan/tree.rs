//! What the scan must reproduce of the HTML tree builder: where block elements open
//! and close, each a word break. It keeps the stack of open blocks under the tree
//! builder's rules for them (an implied `</p>` before a block, `<li>` closing the
//! previous item, end tags with nothing of their name in scope ignored, cells and
//! tables as scope boundaries). Inline elements are not tracked: whatever the tree
//! builder does with them, text keeps its order and no block element moves.
//!
//! Each method returns `None` for what the scan does not handle, else whether a block
//! boundary happened: an element that breaks words (`tags::BREAK`) opened or closed.

use crate::html::tags::{self, Role, Tag};

/// The open block elements, innermost last.
#[derive(Default)]
pub(super) struct Blocks {
    stack: Vec<&'static Tag>,
}

impl Blocks {
    fn top(&self) -> Option<&'static Tag> {
        self.stack.last().copied()
    }

    /// Between table parts the tree builder moves stray content out of the table
    /// ("foster parenting"), which reorders text: only whitespace may appear there.
    pub(super) fn in_table_layout(&self) -> bool {
        self.top()
            .is_some_and(|t| matches!(t.role, Role::Table | Role::Section | Role::Row))
    }

    fn push(&mut self, tag: &'static Tag) -> bool {
        self.stack.push(tag);
        tag.is(tags::BREAK)
    }

    /// Pops up to and including the innermost element `done` accepts.
    fn pop_until(&mut self, done: impl Fn(&Tag) -> bool) -> bool {
        let mut spaced = false;
        while let Some(open) = self.stack.pop() {
            spaced |= open.is(tags::BREAK);
            if done(open) {
                break;
            }
        }
        spaced
    }

    /// Whether an element `wanted` accepts is open, looking no further out than a
    /// table or a cell (the default scope), or a list when `list_item_scope`.
    fn in_scope(&self, wanted: impl Fn(&Tag) -> bool, list_item_scope: bool) -> bool {
        for open in self.stack.iter().rev() {
            if wanted(open) {
                return true;
            }
            if matches!(open.role, Role::Table | Role::Cell)
                || (list_item_scope && matches!(open.name, "ol" | "ul"))
            {
                return false;
            }
        }
        false
    }

    /// Closes the innermost element of `role` when one is in scope.
    fn close(&mut self, role: Role, list_item_scope: bool) -> bool {
        let wanted = |o: &Tag| o.role == role;
        self.in_scope(wanted, list_item_scope) && self.pop_until(wanted)
    }

    /// `<li>` (or `<dd>`/`<dt>`) closes the item it is in, unless a block other than
    /// `address`, `div` or `p` comes first.
    fn close_item(&mut self, item: Role) -> bool {
        for open in self.stack.iter().rev() {
            if open.role == item {
                return self.pop_until(|o| o.role == item);
            }
            if !matches!(open.name, "address" | "div" | "p") {
                return false;
            }
        }
        false
    }

    pub(super) fn start_tag(&mut self, tag: &'static Tag) -> Option<bool> {
        use Role::*;
        if self.in_table_layout() {
            let top = self.top()?.role;
            return match (tag.role, top) {
                (Section, Table) | (Row, Section) | (Cell, Row) => Some(self.push(tag)),
                (Row, Table) => {
                    self.push(tags::get("tbody")?);
                    Some(self.push(tag))
                }
                _ => None,
            };
        }
        Some(match tag.role {
            Br => true,
            Hr => {
                self.close(Paragraph, false);
                true
            }
            Inline | Void => false,
            ListItem | DefinitionItem => {
                self.close_item(tag.role);
                self.close(Paragraph, false);
                self.push(tag)
            }
            Heading => {
                self.close(Paragraph, false);
                // A heading inside a heading closes it only when nothing inline is
                // open in between, which this scan does not track.
                if self.top().is_some_and(|t| t.role == Heading) {
                    return None;
                }
                self.push(tag)
            }
            Paragraph | Block | Table => {
                let closed = self.close(Paragraph, false);
                self.push(tag) | closed
            }
            // Table parts outside a table are dropped by the tree builder.
            Section | Row | Cell | Other => return None,
        })
    }

    pub(super) fn end_tag(&mut self, tag: &'static Tag) -> Option<bool> {
        use Role::*;
        if self.in_table_layout() {
            let top = self.top()?;
            return match tag.role {
                Row | Section if top.name == tag.name => Some(self.pop_until(|_| true)),
                Table if matches!(top.role, Table | Section) => {
                    Some(self.pop_until(|o| o.role == Table))
                }
                _ => None,
            };
        }
        let same_name = |o: &Tag| o.name == tag.name;
        Some(match tag.role {
            Cell => {
                let cell = self.stack.iter().rev().find(|o| o.role == Cell)?;
                if cell.name != tag.name {
                    return None;
                }
                self.pop_until(|o| o.role == Cell)
            }
            // `</p>` with no open paragraph makes an empty one: a space either way.
            Paragraph => {
                self.close(Paragraph, false);
                true
            }
            Br => true,
            ListItem => self.close(ListItem, true),
            Heading => self.close(Heading, false),
            Inline => false,
            // An end tag with nothing of its name in scope is ignored.
            Block | DefinitionItem => self.in_scope(same_name, false) && self.pop_until(same_name),
            Hr | Void | Table | Section | Row | Other => return None,
        })
    }
}
