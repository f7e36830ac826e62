//! Text constructs as feed-rs accepts them: Atom's with Atom 0.3's names and `mode`
//! mapped, and what feed-rs would fail a whole feed for (empty, binary, of an unknown
//! type) dropped or retyped; RSS titles with naked markup reduced to their text.

use base64::{Engine, engine::general_purpose::STANDARD};
use quick_xml::Writer;
use quick_xml::events::{BytesStart, BytesText, Event};

use super::super::cut::attr;
use super::{Format, Pass, Result, split_name};

impl<'a> Pass<'a> {
    pub(super) fn is_text_construct(&self, local: &str, prefix: &str) -> bool {
        match self.format {
            Format::Atom | Format::Atom03 => {
                const ATOM_TEXTS: &str = "title subtitle tagline summary content rights copyright";
                (prefix.is_empty() || prefix == "atom") && ATOM_TEXTS.split(' ').any(|t| t == local)
            }
            Format::Rss | Format::Rdf => prefix.is_empty() && local == "title",
            Format::Other => false,
        }
    }

    pub(super) fn text_construct(
        &mut self,
        start: BytesStart<'a>,
        inner: Vec<Event<'a>>,
    ) -> Result<()> {
        if matches!(self.format, Format::Rss | Format::Rdf) {
            let has_markup = has_markup(&inner);
            let text = inner.into_iter().filter(|e| {
                !has_markup || matches!(e, Event::Text(_) | Event::GeneralRef(_) | Event::CData(_))
            });
            return self.element(&start, text);
        }
        let local = split_name(start.name().0).1.to_string();
        let name = match (self.format, local.as_str()) {
            (Format::Atom03, "tagline") => "subtitle",
            (Format::Atom03, "copyright") => "rights",
            _ => start.name().0,
        };
        let atom03 = self.format == Format::Atom03;
        let Some((kind, body)) = atom_text(&start, &inner, atom03, &local) else {
            return Ok(());
        };
        let mut fixed = BytesStart::new(name.to_string());
        for a in start.attributes().flatten() {
            if !matches!(a.key.0, "type" | "mode") {
                fixed.push_attribute(a);
            }
        }
        if let Some(kind) = &kind {
            fixed.push_attribute(("type", kind.as_str()));
        }
        match body {
            Body::Keep if !inner.is_empty() => self.element(&fixed, inner),
            Body::Text(text) => self.element(&fixed, [Event::Text(BytesText::new(&text))]),
            Body::Keep | Body::Nothing => Ok(self.out.write_event(Event::Empty(fixed))?),
        }
    }
}

enum Body {
    Keep,
    Text(String),
    Nothing,
}

/// What an Atom text construct becomes: its new `type` (none: leave it out) and body;
/// `None` drops one feed-rs would fail on that holds nothing to show.
fn atom_text(
    start: &BytesStart<'_>,
    inner: &[Event<'_>],
    atom03: bool,
    local: &str,
) -> Option<(Option<String>, Body)> {
    if attr(start, "src").is_some() {
        // The content is elsewhere: feed-rs refuses a body beside it, and a `type`
        // that is not a media type.
        let kind = attr(start, "type").filter(|t| t.contains('/'));
        return Some((kind, Body::Nothing));
    }
    let empty = inner.iter().all(|e| match e {
        Event::Text(t) => t.trim().is_empty(),
        Event::Comment(_) | Event::PI(_) => true,
        _ => false,
    });
    if empty {
        return None;
    }
    let declared = attr(start, "type").map(|t| t.trim().to_ascii_lowercase());
    let mode = attr(start, "mode").map(|m| m.trim().to_ascii_lowercase());
    let default = if atom03 { "text/plain" } else { "text" };
    let kind = match declared.as_deref().unwrap_or(default) {
        "html" | "text/html" => "html",
        "xhtml" | "application/xhtml+xml" => "xhtml",
        t if t == "text" || t.starts_with("text/") => "text",
        t if t.ends_with("+xml") || t.ends_with("/xml") => "text",
        // A binary document (Atom 1.0 base64-encodes those): nothing to show.
        _ if local == "content" && !atom03 => return None,
        _ => "text",
    };
    if mode.as_deref() == Some("base64") {
        let encoded: String = inner.iter().filter_map(raw_text).collect();
        let compact: String = encoded.split_ascii_whitespace().collect();
        let bytes = STANDARD.decode(compact).ok()?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let kind = if kind == "html" { "html" } else { "text" };
        return Some((Some(kind.to_string()), Body::Text(text)));
    }
    if !has_markup(inner) || (kind == "xhtml" && !atom03) {
        return Some((Some(kind.to_string()), Body::Keep));
    }
    // Markup where text or HTML was declared, or Atom 0.3's default inline XML, reads
    // the same as escaped HTML.
    Some((Some("html".to_string()), Body::Text(serialize(inner)?)))
}

fn has_markup(events: &[Event<'_>]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, Event::Start(_) | Event::Empty(_)))
}

fn serialize(events: &[Event<'_>]) -> Option<String> {
    let mut writer = Writer::new(Vec::new());
    for event in events {
        writer.write_event(event.borrow()).ok()?;
    }
    String::from_utf8(writer.into_inner()).ok()
}

/// Text as written (escaped), for concatenating base64.
fn raw_text(event: &Event<'_>) -> Option<String> {
    match event {
        Event::Text(t) => Some(t.to_string()),
        Event::GeneralRef(r) => Some(format!("&{};", &**r)),
        Event::CData(c) => Some(quick_xml::escape::escape(&**c).into_owned()),
        _ => None,
    }
}
