//! Feed HTML and labels to plain text, through a real HTML parser.

use html5ever::tokenizer::{Token, TokenSinkResult};

use super::words::collapse_whitespace;
use super::{label_markup, tags};

/// Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed,
/// a space for every block boundary. Feed HTML is hostile, so it goes through a real
/// parser (a `<` in an attribute or an unclosed comment cannot leak markup into the
/// text), unless the scan, which gives exactly the parser's text, can read it.
pub fn html_to_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return collapse_whitespace(html);
    }
    super::scan::plain_text(html).unwrap_or_else(|| parsed_text(html))
}

/// `html_to_text` through html5ever and ammonia: the reference the scan must match.
pub(crate) fn parsed_text(html: &str) -> String {
    collapse_whitespace(&html_to_blocks(html).join(" "))
}

/// Plain text of an HTML fragment with its paragraphs kept apart by blank lines,
/// for the text part of a `content: full` digest.
pub fn html_to_paragraphs(html: &str) -> String {
    html_to_blocks(html)
        .iter()
        .map(|b| collapse_whitespace(b))
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The text between block boundaries, entities decoded, whitespace as it was.
fn html_to_blocks(html: &str) -> Vec<String> {
    // Sanitized HTML has lost the breaks that keep serializing a long text linear
    // (`depth`); a short one costs little either way.
    let split = (html.len() > 4096)
        .then(|| super::depth::flatten(html, super::depth::MAX_HTML_DEPTH))
        .flatten()
        .map(|(html, _)| html);
    let cleaned = ammonia::Builder::empty()
        .tags(tags::names(tags::BREAK))
        .clean_content_tags(tags::names(tags::HIDDEN))
        .clean(split.as_deref().unwrap_or(html))
        .to_string();
    // Only the block tags are left, so every tag ends a block.
    let (mut blocks, mut block) = (Vec::new(), String::new());
    super::tokenize(&cleaned, |token| {
        match token {
            Token::CharacterTokens(text) => block.push_str(&text),
            Token::TagToken(_) => blocks.push(std::mem::take(&mut block)),
            _ => {}
        }
        TokenSinkResult::Continue
    });
    blocks.push(block);
    blocks
}

/// A short label from a feed (title, author, category) as plain text: tags that are
/// HTML are dropped and entities decoded, but a `<T>` in "Vec<T>" is kept, because
/// the feed most likely meant it as text.
pub fn plain_label(label: &str) -> String {
    if !label.contains(['<', '&']) {
        return collapse_whitespace(label);
    }
    let without_tags = label_markup::remove_markup(label);
    // What is left of `<` and `>` is text; escaping them lets the HTML parser decode
    // the entities without seeing any tags.
    html_to_text(&without_tags.replace('<', "&lt;").replace('>', "&gt;"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_text_decodes_and_strips() {
        assert_eq!(
            html_to_text("<p>Fish &amp; <b>chips</b></p>\n<script>x</script>"),
            "Fish & chips"
        );
    }

    #[test]
    fn plain_label_drops_markup_but_keeps_generics() {
        assert_eq!(
            plain_label("Vec<T> &amp; <b onclick=\"x()\">bold</b>\r\nnext"),
            "Vec<T> & bold next"
        );
        assert_eq!(plain_label("a <script>steal()</script>b"), "a b");
        assert_eq!(plain_label("AT&T &#x2014; &eacute;"), "AT&T — é");
    }

    #[test]
    fn html_to_paragraphs_keeps_blocks_apart() {
        assert_eq!(
            html_to_paragraphs("<p>One &amp;\n two</p><ul><li>three</li></ul><script>x</script>"),
            "One & two\n\nthree"
        );
    }
}
