//! Text helpers shared by the stages that turn feed content into words:
//! HTML to plain text, excerpts, wrapping, and the canonical form of a link.

pub use crate::html::text::{html_to_paragraphs, html_to_text, plain_label};
pub use crate::html::words::collapse_whitespace;

/// Cuts `text` at a word boundary at or before `max_chars` characters and adds an ellipsis.
/// Counts characters, not bytes, so Thai or emoji are never split inside a code point.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    // Prefer the last space if it is not too far back; a language written without
    // spaces (Thai) is cut at the character limit instead, but never between a
    // letter and the marks that belong to it.
    let at = match head.rfind(char::is_whitespace) {
        Some(i) if head[..i].chars().count() >= max_chars * 2 / 3 => i,
        _ => cluster_boundary(text, cut),
    };
    let mut out = text[..at]
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-'))
        .to_string();
    out.push('…');
    out
}

/// The nearest byte offset at or before `at` that does not separate a character
/// from the combining marks, joiners or modifiers that follow it; past the cluster
/// instead when the cluster starts the text.
fn cluster_boundary(text: &str, at: usize) -> usize {
    let inside = |at: usize| {
        let next = text[at..].chars().next();
        let prev = text[..at].chars().next_back();
        next.is_some_and(joins_previous) || prev == Some('\u{200D}')
    };
    let mut back = at;
    while back > 0 && inside(back) {
        back -= text[..back].chars().next_back().map_or(1, char::len_utf8);
    }
    if back > 0 || at == 0 {
        return back;
    }
    let mut forward = at;
    while forward < text.len() && inside(forward) {
        forward += text[forward..].chars().next().map_or(1, char::len_utf8);
    }
    forward
}

/// Characters drawn together with the one before them. A hand-made list of the
/// common cases (accents, Thai and Lao vowel and tone marks, emoji joiners and
/// modifiers) rather than a full grapheme table.
fn joins_previous(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'
        | '\u{0EB1}' | '\u{0EB4}'..='\u{0EBC}' | '\u{0EC8}'..='\u{0ECD}'
        | '\u{200D}' | '\u{20E3}' | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}')
}

/// Columns a string takes in a terminal or a monospace mail view: wide CJK
/// characters count two, combining marks none.
pub fn columns(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Wraps text at `width` columns, greedily by words. A URL longer than the width goes
/// on a line of its own rather than being broken, so it stays clickable; any other
/// word too long for a line (a run of Thai, which has no spaces) is broken.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let indent_cols = columns(indent);
    let room = width.saturating_sub(indent_cols).max(1);
    let mut out = String::new();
    for (n, paragraph) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut line_len = 0;
        let mut first = true;
        for long_word in paragraph.split_whitespace() {
            for word in split_long_word(long_word, room) {
                let len = columns(word);
                if first {
                    out.push_str(indent);
                    line_len = indent_cols;
                } else if line_len + 1 + len > width {
                    out.push('\n');
                    out.push_str(indent);
                    line_len = indent_cols;
                } else {
                    out.push(' ');
                    line_len += 1;
                }
                out.push_str(word);
                line_len += len;
                first = false;
            }
        }
    }
    out
}

/// `word` in pieces of at most `room` columns, unless it is a link (which must stay
/// whole). One pass over the word: a long title must not cost a width computation per piece.
fn split_long_word(word: &str, room: usize) -> Vec<&str> {
    if word.contains("://") || word.starts_with("mailto:") || columns(word) <= room {
        return vec![word];
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, c) in word.char_indices() {
        if i < start {
            // Part of a cluster the last piece took whole.
            continue;
        }
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room && i > start {
            // Never part a letter from the marks that follow it: back to the start of
            // its cluster, or past the cluster when it fills the whole piece.
            let end = start + cluster_boundary(&word[start..], i - start);
            pieces.push(&word[start..end]);
            used = word.get(end..i).map_or(0, columns);
            start = end;
            if i < start {
                continue;
            }
        }
        used += w;
    }
    if start < word.len() {
        pieces.push(&word[start..]);
    }
    pieces
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
    fn excerpt_keeps_marks_with_their_letter() {
        // Cutting after the third character would part "ก" from its vowel "ี".
        assert_eq!(excerpt("กีกีกีกีกี", 3), "กี…");
        let family = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(
            excerpt(&format!("{family}{family}"), 4),
            format!("{family}…")
        );
    }

    #[test]
    fn wrap_breaks_long_words_that_are_not_urls() {
        let thai = "ก".repeat(100);
        let wrapped = wrap(&thai, 78, "  ");
        assert!(wrapped.lines().all(|l| columns(l) <= 78), "{wrapped}");
        assert_eq!(wrapped.replace(['\n', ' '], ""), thai);
        // Wide characters count two columns.
        let wide = wrap(&"字".repeat(50), 78, "");
        assert_eq!(wide.lines().next().map(columns), Some(78));
    }

    #[test]
    fn wrap_is_linear_in_the_length_of_a_word() {
        // A 5 MB word took minutes when each piece re-measured the rest of the word.
        let word = "x".repeat(5_000_000);
        let wrapped = wrap(&word, 78, "");
        assert_eq!(wrapped.lines().count(), 5_000_000usize.div_ceil(78));
        assert!(wrapped.lines().all(|l| l.len() <= 78));
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
