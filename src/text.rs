//! Text helpers shared by the stages that turn feed content into words:
//! HTML to plain text, excerpts, wrapping, and the canonical form of a link.

mod scan;

/// Elements that become a space in plain text, so paragraphs do not run together.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "hr",
    "figure",
    "figcaption",
    "dt",
    "dd",
    "section",
    "article",
];

/// Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed.
///
/// Feed HTML is hostile, so it goes through a real HTML parser (ammonia/html5ever):
/// a `<` in an attribute or an unclosed comment cannot leak markup into the text.
/// Block elements become spaces so paragraphs do not run into each other.
///
/// Plain, well-formed markup (most of it) is read by a scan that gives exactly the
/// parser's text at a fraction of the cost; it leaves anything else to the parser.
pub fn html_to_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return collapse_whitespace(html);
    }
    scan::plain_text(html).unwrap_or_else(|| parsed_text(html))
}

/// `html_to_text` through html5ever and ammonia: the reference the scan must match.
fn parsed_text(html: &str) -> String {
    static DROPPED: &[&str] = &[
        "script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript",
        "title", "head", "select", "textarea",
    ];
    let cleaned = ammonia::Builder::empty()
        .tags(BLOCK_TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED.iter().copied().collect())
        .clean(html)
        .to_string();
    // ammonia's output is normalised: the only tags left are attribute-less block
    // tags, and text is escaped with a handful of entities.
    let mut text = String::with_capacity(cleaned.len());
    let mut in_tag = false;
    for c in cleaned.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    collapse_whitespace(&text)
}

pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Cuts `text` at a word boundary at or before `max_chars` characters and adds an ellipsis.
/// Counts characters, not bytes, so Thai or emoji are never split inside a code point.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut = text
        .char_indices()
        .nth(max_chars)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let head = &text[..cut];
    // Prefer the last space if it is not too far back; a language written without
    // spaces (Thai) is cut at the character limit instead.
    let at = match head.rfind(char::is_whitespace) {
        Some(i) if head[..i].chars().count() >= max_chars * 2 / 3 => i,
        _ => cut,
    };
    let mut out = head[..at]
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-'))
        .to_string();
    out.push('…');
    out
}

/// Wraps text at `width` columns, greedily by words. A word longer than the width (a URL)
/// goes on a line of its own rather than being broken, so it stays clickable.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    for (n, paragraph) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut line_len = 0;
        let mut first = true;
        for word in paragraph.split_whitespace() {
            let len = word.chars().count();
            if first {
                out.push_str(indent);
                line_len = indent.chars().count();
            } else if line_len + 1 + len > width {
                out.push('\n');
                out.push_str(indent);
                line_len = indent.chars().count();
            } else {
                out.push(' ');
                line_len += 1;
            }
            out.push_str(word);
            line_len += len;
            first = false;
        }
    }
    out
}

/// The form of a link used to spot the same article in two feeds: scheme and host
/// lower-cased, default port, fragment and `utm_*` tracking parameters dropped.
pub fn canonical_link(link: &str) -> Option<String> {
    let mut url = url::Url::parse(link.trim()).ok()?;
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    // A trailing slash rarely names a different page; `Url` already lower-cases the
    // scheme and host and drops default ports.
    if url.path().len() > 1 && url.path().ends_with('/') {
        let trimmed = url.path().trim_end_matches('/').to_string();
        url.set_path(&trimmed);
    }
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_at_word_boundary() {
        let text = "one two three four five six seven eight nine ten";
        assert_eq!(excerpt(text, 20), "one two three four…");
        assert_eq!(excerpt(text, 100), text);
    }

    #[test]
    fn excerpt_never_splits_a_code_point() {
        let thai = "หลอกตัวเราได้อย่างไรเมื่อนิสัยมากกว่าความจริง";
        let cut = excerpt(thai, 10);
        assert_eq!(cut.chars().count(), 11);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn html_to_text_decodes_and_strips() {
        assert_eq!(
            html_to_text("<p>Fish &amp; <b>chips</b></p>\n<script>x</script>"),
            "Fish & chips"
        );
    }

    #[test]
    fn wrap_keeps_long_urls_whole() {
        let url = format!("https://example.com/{}", "a".repeat(90));
        let wrapped = wrap(&format!("see {url} for more words here"), 78, "");
        assert!(wrapped.lines().any(|l| l == url));
        assert!(wrapped.lines().all(|l| l.chars().count() <= 78 || l == url));
    }

    #[test]
    fn canonical_link_drops_tracking_and_fragment() {
        assert_eq!(
            canonical_link("HTTPS://Example.COM:443/a/b/?utm_source=x&id=3#top").as_deref(),
            Some("https://example.com/a/b?id=3")
        );
        assert_eq!(
            canonical_link("https://example.com/").as_deref(),
            Some("https://example.com/")
        );
    }
}
