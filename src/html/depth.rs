//! Bounding how deep feed HTML nests, before any HTML parser or serializer sees it.
//!
//! html5ever copes with any depth, but css-inline serializes recursively, and 20,000
//! nested `<div>`s overflow the stack (an abort, which no `catch_unwind` can catch).
//! So the markup is rewritten by a linear scan: start tags deeper than the limit are
//! dropped (their text stays), and end tags that would close several elements at once
//! are spelled out, so what the parser builds is as deep as the scan counted. Markup
//! that is balanced and shallow enough comes back untouched.
//!
//! The same scan keeps html5ever's serializer linear: for every `&` and 0xC2 byte in
//! a text node or attribute value it searches to the node's next `<`, `>` (or `"`),
//! so long text runs get an empty comment every `TEXT_RUN` bytes (a node boundary
//! that shows nothing), and a tag or raw text too costly to serialize is dropped.

/// Elements open at once in an item's HTML.
pub(crate) const MAX_HTML_DEPTH: usize = 100;

/// Bytes of text between the node boundaries the scan adds.
const TEXT_RUN: usize = 256;
/// Bytes html5ever's serializer may search for one tag or raw text: (`&` and 0xC2
/// bytes) × length.
const SERIALIZE_BUDGET: usize = 1 << 24;

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

/// Start tags that close an open element of the same name right above them
/// (`<p>a<p>b` is two paragraphs, not one inside the other).
const SELF_CLOSING_SIBLINGS: &[&str] = &["p", "li", "dt", "dd", "option", "tr", "td", "th"];

/// `html` with at most `max_depth` elements open at any point, or `None` when it
/// already is so and balanced. The flag tells whether elements were cut for depth
/// (rather than implicit closes spelled out or stray end tags dropped).
pub(crate) fn flatten(html: &str, max_depth: usize) -> Option<(String, bool)> {
    // Nearly all feed HTML is shallow and balanced: a first pass only looks, without
    // copying, and the rewrite happens only when that pass found something to change.
    if !Scan::run(html, max_depth, false).changed {
        return None;
    }
    let scan = Scan::run(html, max_depth, true);
    scan.out.map(|out| (out, scan.cut))
}

struct Scan<'a> {
    /// The rewritten markup; `None` while only looking.
    out: Option<String>,
    /// The names of the open elements as written, innermost last; never longer than
    /// `max_depth`. Compared ignoring ASCII case, so nothing is lower-cased.
    open: Vec<&'a str>,
    changed: bool,
    cut: bool,
    max_depth: usize,
}

fn is_one_of(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

impl<'a> Scan<'a> {
    fn run(html: &'a str, max_depth: usize, write: bool) -> Scan<'a> {
        let mut scan = Scan {
            out: write.then(|| String::with_capacity(html.len())),
            open: Vec::new(),
            changed: false,
            cut: false,
            max_depth,
        };
        let mut rest = html;
        while let Some(at) = memchr::memchr(b'<', rest.as_bytes()) {
            scan.text(&rest[..at]);
            rest = &rest[at..];
            let used = scan.markup(rest);
            rest = &rest[used..];
        }
        scan.text(rest);
        scan
    }

    /// Text, with a comment before the first `&` or 0xC2 (each starts a character)
    /// past every `TEXT_RUN` bytes.
    fn text(&mut self, mut text: &'a str) {
        while text.len() > TEXT_RUN {
            let tail = &text.as_bytes()[TEXT_RUN..];
            let Some(at) = memchr::memchr2(b'&', 0xC2, tail) else {
                break;
            };
            self.push(&text[..TEXT_RUN + at]);
            self.push("<!---->");
            self.changed = true;
            text = &text[TEXT_RUN + at..];
        }
        self.push(text);
    }

    fn push(&mut self, s: &str) {
        if let Some(out) = &mut self.out {
            out.push_str(s);
        }
    }

    fn close(&mut self, name: &str) {
        if let Some(out) = &mut self.out {
            out.push_str(&format!("</{}>", name.to_ascii_lowercase()));
        }
        self.changed = true;
    }

    /// Handles the markup at the start of `s` (which starts with `<`); returns the
    /// bytes it consumed.
    fn markup(&mut self, s: &'a str) -> usize {
        let bytes = s.as_bytes();
        let used = if let Some(comment) = s.strip_prefix("<!--") {
            comment.find("-->").map_or(s.len(), |e| 4 + e + 3)
        } else if matches!(bytes.get(1), Some(b'!' | b'?')) {
            s.find('>').map_or(s.len(), |e| e + 1)
        } else if bytes.get(1) == Some(&b'/') && bytes.get(2).is_some_and(u8::is_ascii_alphabetic) {
            return self.end_tag(s);
        } else if bytes.get(1).is_some_and(u8::is_ascii_alphabetic) {
            return self.start_tag(s);
        } else {
            1
        };
        self.push(&s[..used]);
        used
    }

    fn start_tag(&mut self, s: &'a str) -> usize {
        let (name, len, self_closing) = tag(&s[1..]);
        let used = 1 + len;
        if costly(&s[..used]) {
            self.changed = true;
            return used;
        }
        let foreign = self
            .open
            .iter()
            .any(|n| n.eq_ignore_ascii_case("svg") || n.eq_ignore_ascii_case("math"));
        if is_one_of(name, VOID) || (self_closing && foreign) {
            self.push(&s[..used]);
            return used;
        }
        if is_one_of(name, SELF_CLOSING_SIBLINGS)
            && self
                .open
                .last()
                .is_some_and(|top| top.eq_ignore_ascii_case(name))
            && let Some(top) = self.open.pop()
        {
            self.close(top);
        }
        if super::RAW_TEXT
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            // The content up to the matching end tag is copied as it is; the element
            // adds no depth that lasts.
            let end = raw_text_end(&s[used..], name).map_or(s.len(), |e| used + e);
            if costly(&s[used..end]) {
                self.changed = true;
            } else if self.open.len() < self.max_depth {
                self.push(&s[..end]);
            } else {
                self.changed = true;
                self.cut = true;
            }
            return end;
        }
        if self.open.len() >= self.max_depth {
            self.changed = true;
            self.cut = true;
            return used;
        }
        self.push(&s[..used]);
        self.open.push(name);
        used
    }

    fn end_tag(&mut self, s: &'a str) -> usize {
        let (name, len, _) = tag(&s[2..]);
        let used = 2 + len;
        let Some(at) = self.open.iter().rposition(|n| n.eq_ignore_ascii_case(name)) else {
            // Closes nothing open here: an element cut for depth, or a stray.
            self.changed = true;
            return used;
        };
        // Close what the parser would close implicitly, explicitly and innermost
        // first, so its idea of what is open matches this one.
        for inner in self.open.split_off(at + 1).into_iter().rev() {
            self.close(inner);
        }
        self.open.pop();
        self.push(&s[..used]);
        used
    }
}

/// Whether html5ever's serializer would search more than `SERIALIZE_BUDGET` bytes
/// to write `s` as one node.
fn costly(s: &str) -> bool {
    s.len() > TEXT_RUN
        && memchr::memchr2_iter(b'&', 0xC2, s.as_bytes())
            .count()
            .saturating_mul(s.len())
            > SERIALIZE_BUDGET
}

/// The tag name at the start of `s` (after `<` or `</`), how many bytes the tag takes
/// up to and including its `>`, and whether it ends with `/>`. Quoted attribute values
/// may hold `>`. An unterminated tag runs to the end.
fn tag(s: &str) -> (&str, usize, bool) {
    let bytes = s.as_bytes();
    let name_len = bytes
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'/' || b == b'>')
        .unwrap_or(bytes.len());
    let mut i = name_len;
    let mut after_equals = false;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return (&s[..name_len], i + 1, i > 0 && bytes[i - 1] == b'/'),
            b'=' => after_equals = true,
            q @ (b'"' | b'\'') if after_equals => {
                i = bytes[i + 1..]
                    .iter()
                    .position(|&b| b == q)
                    .map_or(bytes.len(), |p| i + 1 + p);
                after_equals = false;
            }
            b if b.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
        i += 1;
    }
    (&s[..name_len], bytes.len(), false)
}

/// Where the end tag `</name ...>` ends in `s` (past its `>`), ignoring case.
fn raw_text_end(s: &str, name: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(at) = s[from..].find("</") {
        let start = from + at;
        let candidate = &bytes[start + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            let (_, len, _) = tag(&s[start + 2..]);
            return Some(start + 2 + len);
        }
        from = start + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_shallow_markup_is_untouched() {
        let html = r#"<div class="a>b"><p>One<br>two <img src="x.png"/></p><!-- <div> --><script>if (a<b) {}</script></div>"#;
        assert_eq!(flatten(html, 3), None);
    }

    #[test]
    fn deeper_start_tags_are_dropped_and_their_text_kept() {
        let html = "<div><div><div><b>deep</b> text</div></div></div>";
        assert_eq!(
            flatten(html, 2),
            Some(("<div><div>deep text</div></div>".to_string(), true))
        );
    }

    #[test]
    fn implicit_closes_are_spelled_out() {
        assert_eq!(
            flatten("<ul><li>a<li>b</ul><p>x<p>y", 10),
            Some((
                "<ul><li>a</li><li>b</li></ul><p>x</p><p>y".to_string(),
                false
            ))
        );
        // A list item inside an object would nest under it to a parser; closing the
        // outer item here closes the object too, so nesting cannot build up unseen.
        let nested = "<li><object></li>".repeat(1000);
        let (flat, _) = flatten(&nested, 10).unwrap_or_default();
        assert_eq!(flat, "<li><object></object></li>".repeat(1000));
    }

    #[test]
    fn self_closed_html_elements_still_nest() {
        let html = "<div/>".repeat(50);
        assert_eq!(flatten(&html, 10), Some(("<div/>".repeat(10), true)));
        let svg = format!("<svg>{}</svg>", "<path/>".repeat(50));
        assert_eq!(flatten(&svg, 2), None);
    }

    #[test]
    fn long_text_is_split_for_a_linear_serializer() {
        let text = "&".repeat(1000);
        let (split, cut) = flatten(&format!("<p>{text}</p>"), 10).unwrap_or_default();
        assert!(!cut);
        assert_eq!(split.replace("<!---->", ""), format!("<p>{text}</p>"));
        assert_eq!(split.matches("<!---->").count(), 3);
        assert!(flatten(&text, 10).is_some(), "text alone is split too");
        assert_eq!(flatten(&"a".repeat(3000), 10), None);
        // Too costly to write as one attribute value or raw text: dropped.
        let attr = format!(
            "<a title=\"{}\">x</a><textarea>{}</textarea>",
            "&".repeat(5000),
            "&".repeat(5000)
        );
        assert_eq!(flatten(&attr, 10), Some(("x".to_string(), false)));
    }

    #[test]
    fn depth_is_bounded_in_linear_time() {
        // 200,000 levels: a recursive or quadratic pass would not finish.
        let html = "<div>".repeat(200_000) + "x" + &"</div>".repeat(200_000);
        let (flat, _) = flatten(&html, 100).unwrap_or_default();
        assert_eq!(flat, "<div>".repeat(100) + "x" + &"</div>".repeat(100));
        let stray = "<div>".repeat(100) + &"</span>".repeat(200_000);
        assert_eq!(flatten(&stray, 100), Some(("<div>".repeat(100), false)));
    }
}
