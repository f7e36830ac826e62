//! What feed-rs leaves out of an item and feedparser reads: `dc:title`, the `dcterms:`
//! dates (else an item is dated by first sight, and shows as new), a lone
//! `media:thumbnail` or `itunes:image`, and which guids are no link.

use std::collections::HashSet;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

use super::cut::attr;
use super::dates::parse_date;
use super::image::tag_image;
use crate::model::{Item, LeadImage};
use crate::text;

const DC: &str = "http://purl.org/dc/elements/1.1/";
const DC_TERMS: &str = "http://purl.org/dc/terms/";

/// What one entry says of the above.
#[derive(Default)]
pub(super) struct Said {
    title: Option<String>,
    /// `dcterms:issued`, `created` and `modified`, in the order they date an item.
    dates: [Option<String>; 3],
    image: Option<LeadImage>,
    guid: Option<String>,
    /// The guid says `isPermaLink="false"`, or a `<link>` (feed-rs drops empty ones) does.
    not_link: bool,
}

/// Fills in titles, dates and images from what the document's entries `said`, by
/// position: only when they line up one to one with `items`.
pub(super) fn fill<'s>(doc: &[u8], said: impl FnOnce() -> &'s [Said], items: &mut [Item]) {
    let found = |needle: &[u8]| memchr::memmem::find(doc, needle).is_some();
    let dc = items.iter().any(|i| i.title.is_empty() || i.date.is_none()) && found(b"purl.org/dc/");
    let images = items.iter().any(|i| i.image.is_none())
        && (found(b"<media:thumbnail") || found(b"<itunes:image"));
    if !dc && !images {
        return;
    }
    let said = said();
    if said.len() != items.len() {
        return;
    }
    for (item, said) in items.iter_mut().zip(said) {
        item.image = item.image.take().or_else(|| said.image.clone());
        if item.title.is_empty() {
            item.title = text::collapse_whitespace(said.title.as_deref().unwrap_or_default());
        }
        if item.date.is_none() {
            item.date = said.dates.iter().flatten().find_map(|d| parse_date(d));
        }
    }
}

/// The guids that are not their item's link; feed-rs reads a guid as the entry's id.
pub(super) fn not_links(said: &[Said]) -> HashSet<&str> {
    let said = said.iter().filter(|said| said.not_link);
    said.filter_map(|said| said.guid.as_deref()).collect()
}

/// What each entry says, in document order, up to where the document breaks.
pub(super) fn read(doc: &[u8], base: Option<&url::Url>) -> Vec<Said> {
    let mut reader = NsReader::from_reader(doc);
    super::cut::lenient(reader.config_mut());
    let mut entries = Vec::new();
    let mut depth = 0usize;
    let mut in_channel = false;
    // The depth of the entry being read.
    let mut entry: Option<usize> = None;
    while let Ok((ns, event)) = reader.read_resolved_event() {
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
            Event::Eof => return entries,
            _ => continue,
        };
        let local = start.local_name().as_ref().to_string();
        let child = entry.is_some_and(|at| depth == at + 1);
        let not_permalink = |guid: &BytesStart<'_>| {
            attr(guid, "isPermaLink").is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
        };
        if let Some(said) = entries.last_mut().filter(|_| child) {
            said.not_link |= local == "link" || (local == "guid" && not_permalink(&start));
            let slot = match (dc, local.as_str()) {
                (Some(true), "title") => Some(&mut said.title),
                (Some(false), "issued") => Some(&mut said.dates[0]),
                (Some(false), "created") => Some(&mut said.dates[1]),
                (Some(false), "modified") => Some(&mut said.dates[2]),
                (None, "guid") => Some(&mut said.guid),
                _ => None,
            };
            if let Some(slot) = slot.filter(|slot| !empty && slot.is_none()) {
                let Some(t) = text_of(&mut reader) else { break };
                *slot = Some(t);
                continue;
            }
        }
        if entry.is_some()
            && matches!(start.name().as_ref(), "media:thumbnail" | "itunes:image")
            && let Some(said) = entries.last_mut()
        {
            said.image = said.image.take().or_else(|| tag_image(&start, base));
        }
        if super::cut::is_entry(&local, depth, in_channel) {
            entries.push(Said::default());
            entry = (!empty).then_some(depth);
        }
        in_channel |= depth == 1 && local == "channel";
        depth += usize::from(!empty);
    }
    // An entry the document breaks in is lost to feed-rs's reading too.
    if entry.is_some() {
        entries.pop();
    }
    entries
}

/// An element's text up to its end tag, CDATA without its markers and an unknown
/// entity as written; `None` when the document breaks in it.
fn text_of(reader: &mut NsReader<&[u8]>) -> Option<String> {
    let (mut text, mut depth) = (String::new(), 0usize);
    loop {
        match reader.read_event().ok()? {
            Event::Text(t) => text += &t,
            Event::CData(c) => text += &c,
            Event::GeneralRef(r) => {
                let written = format!("&{};", &*r);
                text += &quick_xml::escape::unescape(&written).unwrap_or(written.as_str().into());
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Some(text.trim().to_string()),
            Event::End(_) => depth -= 1,
            Event::Eof => return None,
            _ => {}
        }
    }
}
