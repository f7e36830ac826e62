//! One streaming pass (quick-xml) that turns a feed feed-rs could not read whole into
//! one it can, and notes where each entry sits so that entries can be read one by one.
//! Legacy formats (RSS 0.90, Atom 0.3) are mapped onto current ones, RSS items without
//! a link get the one their `rdf:about` stands for, and text constructs are fixed (see
//! `text_construct`). Everything else is written back as it was read.

use std::ops::Range;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use super::cut::{attr, is_entry, next_entry, reader};

const RSS_090: &str = "http://my.netscape.com/rdf/simple/0.9/";
const RSS_10: &str = "http://purl.org/rss/1.0/";
const ATOM_03: &str = "http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";
/// RSS 2.0 as Userland once namespaced it; to feed-rs, elements in no namespace.
const USERLAND: &str = "http://backend.userland.com/rss2";
/// Legacy namespaces and what they become ("": the declaration is dropped).
const LEGACY: [(&str, &str); 3] = [(RSS_090, RSS_10), (ATOM_03, ATOM_10), (USERLAND, "")];
/// The link of an item that has none: no http(s) link, and no identity.
pub(super) const NO_LINK: &str = "feedletter:no-link";

/// The rewritten document and the byte range of each entry in it, in order.
pub(super) struct Rewritten {
    pub doc: Vec<u8>,
    pub entries: Vec<Range<usize>>,
    /// Entries the document was cut short in.
    pub lost: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Rdf,
    Atom,
    Atom03,
    Other,
}

/// The entry being copied, and what an RSS item needs to be given a link at its end.
struct OpenEntry {
    depth: usize,
    start: usize,
    rss_item: bool,
    /// `rss:` when the item is written `<rss:item>`, so an added link matches it.
    prefix: String,
    about: Option<String>,
    has_link: bool,
}

struct Pass<'a> {
    reader: Reader<&'a [u8]>,
    /// Where in the document `reader` started.
    offset: usize,
    out: Writer<Vec<u8>>,
    format: Format,
    /// Names of the open elements as written, so end tags match what was written.
    stack: Vec<String>,
    entry: Option<OpenEntry>,
    entries: Vec<Range<usize>>,
}

/// `None` when the document is not XML that can be read even leniently.
pub(super) fn rewrite(doc: &str) -> Option<Rewritten> {
    let mut pass = Pass {
        reader: reader(doc.as_bytes()),
        offset: 0,
        out: Writer::new(Vec::with_capacity(doc.len() + doc.len() / 16)),
        format: Format::Other,
        stack: Vec::new(),
        entry: None,
        entries: Vec::new(),
    };
    // An entry that breaks is lost, and counted; reading goes on at the next one.
    let mut lost = 0;
    let read_whole = loop {
        match pass.run() {
            Ok(()) => break true,
            Err(_) if pass.resume(doc) => lost += 1,
            Err(_) => break false,
        }
    };
    if !read_whole && pass.entries.is_empty() {
        return None;
    }
    // A document cut short (or broken past repair) keeps the entries before it.
    if let Some(entry) = pass.entry.take() {
        pass.out.get_mut().truncate(entry.start);
        pass.stack.truncate(entry.depth);
        lost += 1;
    }
    while let Some(name) = pass.stack.pop() {
        pass.out.write_event(Event::End(BytesEnd::new(name))).ok()?;
    }
    Some(Rewritten {
        doc: pass.out.into_inner(),
        entries: pass.entries,
        lost,
    })
}

/// The document could not be read or written as XML; the caller keeps what it had.
type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

mod text_construct;

impl<'a> Pass<'a> {
    fn run(&mut self) -> Result<()> {
        loop {
            match self.reader.read_event()? {
                Event::Eof => return Ok(()),
                Event::Start(start) => self.start(start, false)?,
                Event::Empty(start) => self.start(start, true)?,
                Event::End(_) => self.end()?,
                other => self.out.write_event(other)?,
            }
        }
    }

    /// After a break inside an entry: drops what was written of it and reads on from
    /// the next entry's start tag; false when there is none.
    fn resume(&mut self, doc: &'a str) -> bool {
        let Some(OpenEntry { depth, start, .. }) = self.entry else {
            return false;
        };
        let from = self.offset + self.reader.buffer_position() as usize;
        let name = match self.format {
            Format::Rss | Format::Rdf => "item",
            _ => "entry",
        };
        let Some(next) = next_entry(doc.as_bytes(), from, name) else {
            return false;
        };
        self.out.get_mut().truncate(start);
        self.stack.truncate(depth);
        self.entry = None;
        (self.reader, self.offset) = (reader(&doc.as_bytes()[next..]), next);
        true
    }

    fn start(&mut self, start: BytesStart<'a>, empty: bool) -> Result<()> {
        let depth = self.stack.len();
        if depth == 0 {
            self.format = format_of(&start);
        }
        let qname = start.name().0.to_string();
        let (prefix, local) = split_name(&qname);
        if self.is_text_construct(local, prefix) {
            let inner = if empty { Vec::new() } else { self.inner()? };
            return self.text_construct(start, inner);
        }
        if let Some(entry) = self.entry.as_mut().filter(|e| depth == e.depth + 1) {
            entry.has_link |= local == "link";
        }
        let in_channel = (self.stack.get(1)).is_some_and(|p| split_name(p).1 == "channel");
        let is_entry = is_entry(local, depth, in_channel);
        if is_entry {
            self.entry = Some(OpenEntry {
                depth,
                start: self.out.get_ref().len(),
                rss_item: matches!(self.format, Format::Rss | Format::Rdf) && local == "item",
                prefix: qname[..qname.len() - local.len()].to_string(),
                about: attr(&start, "rdf:about"),
                has_link: false,
            });
        }
        let fixed = self.fixed_start(start, depth, local, prefix.is_empty());
        if empty {
            self.out.write_event(Event::Empty(fixed))?;
            self.end_entry(depth);
        } else {
            self.stack.push(fixed.name().0.to_string());
            self.out.write_event(Event::Start(fixed))?;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<()> {
        // An end tag with nothing open is dropped rather than passed on to fail feed-rs.
        let Some(name) = self.stack.pop() else {
            return Ok(());
        };
        let depth = self.stack.len();
        if self.entry.as_ref().is_some_and(|e| e.depth == depth) {
            self.add_link()?;
        }
        self.out.write_event(Event::End(BytesEnd::new(name)))?;
        self.end_entry(depth);
        Ok(())
    }

    fn end_entry(&mut self, depth: usize) {
        if let Some(entry) = self.entry.take_if(|e| e.depth == depth) {
            self.entries.push(entry.start..self.out.get_ref().len());
        }
    }

    /// The link an RSS item without `<link>` stands for: its `rdf:about`.
    fn add_link(&mut self) -> Result<()> {
        let Some(item) = self.entry.as_ref().filter(|e| e.rss_item && !e.has_link) else {
            return Ok(());
        };
        let link = BytesStart::new(format!("{}link", item.prefix));
        let text = match &item.about {
            Some(about) => BytesText::new(about).into_owned(),
            // feed-rs drops an RSS 1.0 item without a link; this one keeps it.
            None if self.format == Format::Rdf => BytesText::new(NO_LINK),
            None => return Ok(()),
        };
        self.element(&link, [Event::Text(text)])
    }

    fn element<'e>(
        &mut self,
        start: &BytesStart<'_>,
        inner: impl IntoIterator<Item = Event<'e>>,
    ) -> Result<()> {
        self.out.write_event(Event::Start(start.borrow()))?;
        for event in inner {
            self.out.write_event(event)?;
        }
        self.out.write_event(Event::End(start.to_end()))?;
        Ok(())
    }

    /// Everything up to the matching end tag, which is consumed.
    fn inner(&mut self) -> Result<Vec<Event<'a>>> {
        let mut events = Vec::new();
        let mut depth = 0usize;
        loop {
            let event = self.reader.read_event()?;
            match &event {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => return Ok(events),
                Event::End(_) => depth -= 1,
                Event::Eof => return Ok(events),
                _ => {}
            }
            events.push(event);
        }
    }

    /// The start tag with legacy namespaces replaced, an RSS version feed-rs knows,
    /// and Atom 0.3's names for dates mapped onto Atom 1.0's.
    fn fixed_start(
        &self,
        start: BytesStart<'a>,
        depth: usize,
        local: &str,
        unprefixed: bool,
    ) -> BytesStart<'a> {
        let renamed = match local {
            _ if self.format != Format::Atom03 || !unprefixed => None,
            "issued" => Some("published"),
            "modified" => Some("updated"),
            "url" => Some("uri"),
            _ => None,
        };
        let odd_version = depth == 0
            && self.format == Format::Rss
            && !matches!(
                attr(&start, "version").as_deref(),
                Some("2.0" | "0.91" | "0.92" | "")
            );
        let legacy_namespace = start.attributes().flatten().any(|a| legacy(&a).is_some());
        if renamed.is_none() && !odd_version && !legacy_namespace {
            return start;
        }
        let mut fixed = BytesStart::new(renamed.unwrap_or(start.name().0).to_string());
        for a in start.attributes().flatten() {
            match legacy(&a) {
                Some("") => {}
                Some(current) => fixed.push_attribute((a.key.0, current)),
                None if odd_version && a.key.0 == "version" => {}
                None => fixed.push_attribute(a),
            }
        }
        if odd_version {
            fixed.push_attribute(("version", "2.0"));
        }
        fixed
    }
}

/// What a legacy namespace declaration becomes.
fn legacy(a: &Attribute<'_>) -> Option<&'static str> {
    let declaration = a.key.0 == "xmlns" || a.key.0.starts_with("xmlns:");
    let found = LEGACY
        .iter()
        .find(|(old, _)| declaration && a.value.trim() == *old);
    found.map(|(_, new)| *new)
}

fn format_of(root: &BytesStart<'_>) -> Format {
    let (_, local) = split_name(root.name().0);
    match local {
        "rss" => Format::Rss,
        "RDF" => Format::Rdf,
        "feed" => {
            let legacy = (root.attributes().flatten()).any(|a| legacy(&a) == Some(ATOM_10))
                || attr(root, "version").is_some_and(|v| v.trim() == "0.3");
            if legacy { Format::Atom03 } else { Format::Atom }
        }
        _ => Format::Other,
    }
}

fn split_name(name: &str) -> (&str, &str) {
    name.split_once(':').unwrap_or(("", name))
}

#[cfg(test)]
mod tests;
