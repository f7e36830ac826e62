//! A feed cut down to what the limits keep before feed-rs reads it: feed-rs builds a
//! model of every entry first, many times the entry's size. Past `MAX_ITEMS` entries the
//! newest are kept (by the first date an entry states; undated last, ties in document
//! order, as `limits::apply` keeps them); within an XML entry, elements past
//! `MAX_ENTRY_ELEMENTS` are dropped, outside text constructs. What every streaming pass
//! over a feed shares lives here too.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Config;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::dates::parse_date;
use crate::limits::MAX_ITEMS;

/// Elements in one XML entry, outside text constructs: a few dozen in a real feed.
const MAX_ENTRY_ELEMENTS: usize = 1_000;
/// Children whose local name says they hold a date; the first one found dates an entry.
#[rustfmt::skip]
const DATES: &[&str] = &["pubDate", "published", "date", "issued", "created", "updated", "modified"];
/// Elements whose content is text (or markup that is text), never counted or cut.
#[rustfmt::skip]
const TEXTS: &[&str] = &["title", "description", "summary", "content", "encoded", "subtitle", "rights"];

pub(super) struct Cut {
    pub doc: Vec<u8>,
    /// Entries dropped for the item cap.
    pub dropped: usize,
    /// Entries that could not be read, and were left out.
    pub broken: usize,
}

/// The document cut to size; `None` when nothing had to go.
pub(super) fn cut(doc: &[u8]) -> Option<Cut> {
    if doc.trim_ascii_start().starts_with(b"{") {
        return json(doc);
    }
    // Most feeds are far from either limit; counting tags costs one `memchr` pass.
    if memchr::memchr_iter(b'<', doc).count() <= MAX_ENTRY_ELEMENTS.max(MAX_ITEMS) {
        return None;
    }
    xml(doc)
}

/// The newest `MAX_ITEMS` of what is offered, by date then document order.
#[derive(Default)]
struct Newest<T> {
    kept: BTreeMap<(i64, Reverse<usize>), T>,
    seen: usize,
}

impl<T> Newest<T> {
    fn offer(&mut self, date: Option<&str>, entry: T) {
        let stamp = date
            .and_then(parse_date)
            .map_or(i64::MIN, |d| d.timestamp());
        self.kept.insert((stamp, Reverse(self.seen)), entry);
        self.seen += 1;
        if self.kept.len() > MAX_ITEMS {
            self.kept.pop_first();
        }
    }

    /// The kept entries in document order, and how many were dropped.
    fn into_kept(self) -> (Vec<T>, usize) {
        let mut kept: Vec<_> = self.kept.into_iter().collect();
        kept.sort_by_key(|((_, Reverse(index)), _)| *index);
        let dropped = self.seen - kept.len();
        (kept.into_iter().map(|(_, entry)| entry).collect(), dropped)
    }
}

/// An XML entry: where it is, and the elements in it that are dropped.
#[derive(Default)]
struct Entry {
    span: Range<usize>,
    drops: Vec<Range<usize>>,
}

/// Feeds close tags they never opened, or by other names, and write a bare `&`.
pub(super) fn lenient(config: &mut Config) {
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
}

pub(super) fn reader(doc: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(doc);
    lenient(reader.config_mut());
    reader
}

/// An attribute's unescaped value; malformed attributes around it are passed over.
pub(super) fn attr(start: &BytesStart<'_>, key: &str) -> Option<String> {
    let found = (start.attributes().with_checks(false).flatten()).find(|a| a.key.0 == key)?;
    let value = quick_xml::escape::unescape(&found.value).map(Cow::into_owned);
    Some(value.unwrap_or_else(|_| found.value.into_owned()))
}

/// An entry is an `item` or `entry` child of the root (Atom, RSS 1.0) or of RSS 2.0's
/// `channel`, not an element of that name deeper in.
pub(super) fn is_entry(local: &str, depth: usize, in_channel: bool) -> bool {
    matches!(local, "item" | "entry") && (depth == 1 || (depth == 2 && in_channel))
}

/// Where the `<item` (else `<entry`) start tags are, CDATA or not, found without parsing.
pub(super) fn entry_tags(doc: &[u8], item: bool) -> impl Iterator<Item = usize> + '_ {
    let tag: &'static [u8] = if item { b"<item" } else { b"<entry" };
    memchr::memmem::find_iter(doc, tag).filter(move |&at| {
        (doc.get(at + tag.len()))
            .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
    })
}

/// Where the next entry's start tag (`name`: `item` or `entry`) is, from `from` on.
pub(super) fn next_entry(doc: &[u8], from: usize, name: &str) -> Option<usize> {
    entry_tags(doc.get(from..)?, name == "item")
        .next()
        .map(|at| from + at)
}

fn xml(doc: &[u8]) -> Option<Cut> {
    let mut reader = reader(doc);
    // Where in `doc` the reader started: after a break, at the next entry.
    let mut offset = 0;
    let mut newest = Newest::default();
    let mut depth = 0usize;
    let mut in_channel = false;
    // Where the shell ends and starts again around the entries.
    let (mut first, mut last) = (None, 0);
    let mut dropped_elements = false;
    let mut broken = 0;
    // Where the document stops being read: a break outside an entry ends it.
    let mut end = doc.len();
    loop {
        let at = offset + reader.buffer_position() as usize;
        let (start, empty) = match reader.read_event() {
            Ok(Event::Start(s)) => (s, false),
            Ok(Event::Empty(s)) => (s, true),
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Ok(Event::Eof) => break,
            Err(_) if first.is_none() => return None,
            Err(_) => {
                // The shell itself is broken: the rest is lost.
                end = at;
                break;
            }
            Ok(_) => continue,
        };
        let local = start.local_name();
        if !is_entry(local.as_ref(), depth, in_channel) {
            in_channel |= depth == 1 && local.as_ref() == "channel";
            depth += usize::from(!empty);
            continue;
        }
        let mut drops = Vec::new();
        let date = match empty {
            true => Some(None),
            false => read_entry(&mut reader, offset, &mut drops),
        };
        let Some(date) = date else {
            // The entry is lost, and counted; reading goes on at the next.
            broken += 1;
            let from = offset + reader.buffer_position() as usize;
            let Some(next) = next_entry(doc, from, local.as_ref()) else {
                end = at;
                break;
            };
            (reader, offset) = (self::reader(&doc[next..]), next);
            continue;
        };
        let entry = Entry {
            span: at..offset + reader.buffer_position() as usize,
            drops,
        };
        dropped_elements |= !entry.drops.is_empty();
        first.get_or_insert(entry.span.start);
        last = entry.span.end;
        newest.offer(date.as_deref(), entry);
    }
    let first = first?;
    if newest.seen <= MAX_ITEMS && !dropped_elements && broken == 0 && end == doc.len() {
        return None;
    }
    let (kept, dropped) = newest.into_kept();
    Some(Cut {
        doc: assemble(doc, first, kept, last.min(end)..end),
        dropped,
        broken,
    })
}

/// The shell up to `first`, the kept entries without their dropped elements, and
/// the `tail` of the shell.
fn assemble(doc: &[u8], first: usize, kept: Vec<Entry>, tail: Range<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len().min(64 << 20));
    out.extend_from_slice(&doc[..first]);
    for entry in kept {
        let mut from = entry.span.start;
        for drop in entry.drops {
            out.extend_from_slice(&doc[from..drop.start]);
            from = drop.end;
        }
        out.extend_from_slice(&doc[from..entry.span.end]);
    }
    out.extend_from_slice(&doc[tail]);
    out
}

/// Reads an entry up to its end tag: its date (`Some(None)`: none), with the spans of
/// the elements past the limit added to `drops`. `None` when the document breaks in it.
fn read_entry(
    reader: &mut Reader<&[u8]>,
    offset: usize,
    drops: &mut Vec<Range<usize>>,
) -> Option<Option<String>> {
    let mut date = None;
    let mut elements = 0usize;
    let mut depth = 0usize;
    loop {
        let at = offset + reader.buffer_position() as usize;
        let (start, empty) = match reader.read_event().ok()? {
            Event::Start(s) => (s, false),
            Event::Empty(s) => (s, true),
            Event::End(_) if depth == 0 => return Some(date),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => return None,
            _ => continue,
        };
        let local = start.local_name();
        elements += 1;
        let whole = elements > MAX_ENTRY_ELEMENTS || TEXTS.contains(&local.as_ref());
        if whole || (depth == 0 && date.is_none() && DATES.contains(&local.as_ref())) {
            let text = (!empty).then(|| reader.read_text(start.name()));
            let text = text.transpose().ok()?;
            if elements > MAX_ENTRY_ELEMENTS {
                drops.push(at..offset + reader.buffer_position() as usize);
            } else if !whole {
                date = text.map(|t| t.to_string());
            }
            continue;
        }
        depth += usize::from(!empty);
    }
}

/// A JSON Feed cut to its newest `MAX_ITEMS` items; the other members as they were.
fn json(doc: &[u8]) -> Option<Cut> {
    #[derive(Deserialize)]
    struct Top {
        #[serde(deserialize_with = "newest_items")]
        items: Newest<Value>,
        #[serde(flatten)]
        members: Map<String, Value>,
    }
    // Fewer bytes than the smallest items (`{},`) could fill cannot hold too many.
    if doc.len() < 3 * MAX_ITEMS {
        return None;
    }
    let Top { items, mut members } = serde_json::from_slice(doc).ok()?;
    if items.seen <= MAX_ITEMS {
        return None;
    }
    let (kept, dropped) = items.into_kept();
    members.insert("items".into(), Value::Array(kept));
    Some(Cut {
        doc: serde_json::to_vec(&members).ok()?,
        dropped,
        broken: 0,
    })
}

/// What is not kept is freed as soon as a newer item displaces it.
fn newest_items<'de, D: Deserializer<'de>>(items: D) -> Result<Newest<Value>, D::Error> {
    struct Items;
    impl<'de> Visitor<'de> for Items {
        type Value = Newest<Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of items")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut newest = Newest::default();
            while let Some(item) = seq.next_element::<Value>()? {
                let date = ["date_published", "date_modified"]
                    .iter()
                    .find_map(|k| item.get(k).and_then(Value::as_str))
                    .map(str::to_string);
                newest.offer(date.as_deref(), item);
            }
            Ok(newest)
        }
    }
    items.deserialize_seq(Items)
}

#[cfg(test)]
mod tests;
