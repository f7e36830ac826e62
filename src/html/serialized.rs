//! Reading markup in the form html5ever's serializer writes it, which is what ammonia
//! returns: lower-case tag names, attribute values always double-quoted, `&`, `<` and
//! `>` escaped in text and in values (and `"` in values), comments whole. On that form
//! a short one-pass reader is exact. It still reads quoted values as values, so a `>`
//! left in one would not end the tag.
//!
//! Anything else (which the serializer does not write) is passed on as text, so
//! copying every piece's markup back reproduces the input byte for byte.

/// One piece of serialized markup, borrowed from it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Text, its character references still escaped.
    Text(&'a str),
    Tag(Tag<'a>),
    Comment(&'a str),
}

impl<'a> Piece<'a> {
    /// The markup the piece was read from.
    pub(crate) fn markup(&self) -> &'a str {
        match self {
            Piece::Text(s) | Piece::Comment(s) => s,
            Piece::Tag(tag) => tag.markup,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Tag<'a> {
    /// The whole tag, `<` to `>`.
    pub(crate) markup: &'a str,
    pub(crate) name: &'a str,
    /// `</name>` rather than a start tag.
    pub(crate) end: bool,
    /// Between the name and the closing `>`.
    attributes: &'a str,
}

impl<'a> Tag<'a> {
    /// Each attribute's name and value, the value still escaped (`&amp;`, `&quot;`);
    /// an attribute written without a value has an empty one.
    pub(crate) fn attributes(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let mut rest = self.attributes;
        std::iter::from_fn(move || {
            let (name, value, after) = attribute(rest)?;
            rest = after;
            Some((name, value))
        })
    }
}

/// The pieces of `html`, in order.
pub(crate) fn pieces(html: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = html;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (piece, used) = match memchr::memchr(b'<', rest.as_bytes()) {
            Some(0) => markup(rest),
            Some(at) => (Piece::Text(&rest[..at]), at),
            None => (Piece::Text(rest), rest.len()),
        };
        rest = &rest[used..];
        Some(piece)
    })
}

/// The piece at the start of `s` (a `<`) and its length. What cannot be read is text
/// up to where reading stopped, so no byte is read twice.
fn markup(s: &str) -> (Piece<'_>, usize) {
    if let Some(body) = s.strip_prefix("<!--") {
        return match memchr::memmem::find(body.as_bytes(), b"-->") {
            Some(end) => {
                let len = 4 + end + 3;
                (Piece::Comment(&s[..len]), len)
            }
            None => (Piece::Text(s), s.len()),
        };
    }
    let (end, after_lt) = match s.strip_prefix("</") {
        Some(rest) => (true, rest),
        None => (false, &s[1..]),
    };
    let name_len = after_lt
        .bytes()
        .position(|b| matches!(b, b' ' | b'>' | b'/'))
        .unwrap_or(after_lt.len());
    let name = &after_lt[..name_len];
    let start = s.len() - after_lt.len();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return (Piece::Text(&s[..start]), start);
    }
    let attributes = &after_lt[name_len..];
    let mut rest = attributes;
    while let Some((_, _, after)) = attribute(rest) {
        rest = after;
    }
    let rest_at = s.len() - rest.len();
    let Some(after) = rest.trim_start_matches(' ').strip_prefix('>') else {
        return (Piece::Text(&s[..rest_at]), rest_at);
    };
    let len = s.len() - after.len();
    let tag = Tag {
        markup: &s[..len],
        name,
        end,
        attributes: &attributes[..attributes.len() - rest.len()],
    };
    (Piece::Tag(tag), len)
}

/// The attribute at the start of `s` (after spaces): its name, its value and what
/// follows; `None` at the tag's `>` or at anything that is not an attribute.
fn attribute(s: &str) -> Option<(&str, &str, &str)> {
    let s = s.trim_start_matches(' ');
    let name_len = s
        .bytes()
        .position(|b| matches!(b, b' ' | b'=' | b'>' | b'"' | b'/'))
        .unwrap_or(s.len());
    if name_len == 0 {
        return None;
    }
    let (name, after) = s.split_at(name_len);
    let Some(quoted) = after.strip_prefix("=\"") else {
        return Some((name, "", after));
    };
    let end = memchr::memchr(b'"', quoted.as_bytes())?;
    Some((name, &quoted[..end], &quoted[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(html: &str) -> Vec<Piece<'_>> {
        let pieces: Vec<Piece> = pieces(html).collect();
        let copied: String = pieces.iter().map(Piece::markup).collect();
        assert_eq!(copied, html, "pieces must cover the input");
        pieces
    }

    #[test]
    fn reads_tags_text_and_comments() {
        let pieces =
            read(r#"a &lt;b<p title="x > y &quot;z&quot;" lang="en"><br>c</p><!-- <p> -->"#);
        assert_eq!(pieces.len(), 6);
        assert_eq!(pieces[0], Piece::Text("a &lt;b"));
        let Piece::Tag(p) = &pieces[1] else {
            panic!("{:?}", pieces[1]);
        };
        assert_eq!((p.name, p.end), ("p", false));
        assert_eq!(
            p.attributes().collect::<Vec<_>>(),
            [("title", "x > y &quot;z&quot;"), ("lang", "en")]
        );
        assert!(
            matches!(&pieces[2], Piece::Tag(t) if t.name == "br" && t.attributes().count() == 0)
        );
        assert_eq!(pieces[3], Piece::Text("c"));
        assert!(matches!(&pieces[4], Piece::Tag(t) if t.name == "p" && t.end));
        assert_eq!(pieces[5], Piece::Comment("<!-- <p> -->"));
    }

    #[test]
    fn what_the_serializer_never_writes_is_text() {
        let never_written = "<|a < b|<p|<p title=\"open|<!-- open|<!doctype html>|</>|<p =\"1\">";
        for html in never_written.split('|') {
            assert!(
                read(html).iter().all(|p| matches!(p, Piece::Text(_))),
                "{html}"
            );
        }
    }

    #[test]
    fn reading_is_linear() {
        let started = std::time::Instant::now();
        for html in ["<p title=\"", "<a ", "<!--", "<p x"] {
            let html = html.repeat(100_000);
            assert!(!read(&html).is_empty());
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}
