//! What feed-rs leaves out of an item and feedparser reads: Dublin Core's `dc:title`
//! for an item without a title, `dcterms:issued`, `created` and `modified` for one
//! without a date (else it would be dated by first sight, and show as new), and a
//! guid's `isPermaLink="false"`.

use std::collections::HashSet;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};

use super::dates::parse_date;
use crate::model::Item;
use crate::text;

const DC: &str = "http://purl.org/dc/elements/1.1/";
const DC_TERMS: &str = "http://purl.org/dc/terms/";

/// What one entry says in Dublin Core: its title, and its dates by name.
#[derive(Default)]
struct Said {
    title: Option<String>,
    issued: Option<String>,
    created: Option<String>,
    modified: Option<String>,
}

/// Fills in titles and dates from Dublin Core, by position: only when the document's
/// entries line up one to one with `items`.
pub(super) fn fill(doc: &[u8], items: &mut [Item]) {
    let wanted = items.iter().any(|i| i.title.is_empty() || i.date.is_none());
    if !wanted || memchr::memmem::find(doc, b"purl.org/dc/").is_none() {
        return;
    }
    let Some(said) = read(doc) else { return };
    if said.len() != items.len() {
        return;
    }
    for (item, said) in items.iter_mut().zip(said) {
        if item.title.is_empty()
            && let Some(title) = said.title
        {
            item.title = text::collapse_whitespace(&title);
        }
        if item.date.is_none() {
            item.date = [said.issued, said.created, said.modified]
                .iter()
                .flatten()
                .find_map(|d| parse_date(d));
        }
    }
}

/// The guids that say they are no permalink; feed-rs reads a guid as the entry's id
/// and drops the attribute.
pub(super) fn not_permalinks(doc: &[u8]) -> HashSet<String> {
    let mut guids = HashSet::new();
    if memchr::memmem::find(doc, b"isPermaLink").is_none() {
        return guids;
    }
    let mut reader = super::cut::reader(doc);
    while let Ok(event) = reader.read_event() {
        let start = match event {
            Event::Start(start) if start.local_name().as_ref() == "guid" => start,
            Event::Eof => break,
            _ => continue,
        };
        let Ok(Some(flag)) = start.try_get_attribute("isPermaLink") else {
            continue;
        };
        if flag.value.trim().eq_ignore_ascii_case("false")
            && let Ok(raw) = reader.read_text(start.name())
            && let Ok(guid) = quick_xml::escape::unescape(&raw)
        {
            guids.insert(guid.trim().to_string());
        }
    }
    guids
}

/// Each entry's Dublin Core, in document order; `None` when the document breaks.
fn read(doc: &[u8]) -> Option<Vec<Said>> {
    let mut reader = NsReader::from_reader(doc);
    super::cut::lenient(reader.config_mut());
    let mut entries = Vec::new();
    let mut depth = 0usize;
    let mut in_channel = false;
    // The depth of the entry being read.
    let mut entry: Option<usize> = None;
    loop {
        let (ns, event) = reader.read_resolved_event().ok()?;
        // Which Dublin Core: the elements (`dc:`) or the terms (`dcterms:`).
        let dc = match ns {
            ResolveResult::Bound(Namespace(DC)) => Some(true),
            ResolveResult::Bound(Namespace(DC_TERMS)) => Some(false),
            _ => None,
        };
        let (start, empty) = match event {
            Event::Start(s) => (s, false),
            Event::Empty(s) => (s, true),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                entry = entry.filter(|at| *at < depth);
                continue;
            }
            Event::Eof => return Some(entries),
            _ => continue,
        };
        let local = start.local_name().as_ref().to_string();
        if let Some(dc) = dc.filter(|_| !empty && entry.is_some_and(|at| depth == at + 1)) {
            let raw = reader.read_text(start.name()).ok()?;
            let value = quick_xml::escape::unescape(&raw)
                .map(|v| v.into_owned())
                .ok();
            let said: &mut Said = entries.last_mut()?;
            let slot = match (dc, local.as_str()) {
                (true, "title") => &mut said.title,
                (false, "issued") => &mut said.issued,
                (false, "created") => &mut said.created,
                (false, "modified") => &mut said.modified,
                _ => continue,
            };
            *slot = slot.take().or(value);
            continue;
        }
        if super::cut::is_entry(&local, depth, in_channel) {
            entries.push(Said::default());
            entry = (!empty).then_some(depth);
        }
        in_channel |= depth == 1 && local == "channel";
        depth += usize::from(!empty);
    }
}
