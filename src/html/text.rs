//! Feed HTML and labels to plain text, through a real HTML parser.

use html5ever::tokenizer::{Token, TokenSinkResult};

use super::{label_markup, tags};

/// Words joined by single spaces: line breaks, tabs and runs of spaces become one space.
pub fn collapse_whitespace(s: &str) -> String {
    let mut words = Words::default();
    words.push(s);
    words.text
}

/// Text put together from pieces (a `" "` pushed for a block boundary).
#[derive(Default)]
pub(super) struct Words {
    pub(super) text: String,
    /// Whitespace since the last word.
    space: bool,
}

impl Words {
    /// Appends `text` collapsed in the same pass: runs of Unicode whitespace become
    /// one space between words, none at the ends. Text is copied in runs (a single
    /// `' '` between two words needs no change), read eight bytes at a time where it
    /// is plain: the keyword filter reads every item's text through here.
    pub(super) fn push(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            i = skip_plain_words(bytes, run, i);
            let Some(&b) = bytes.get(i) else { break };
            // Most bytes are ASCII and not whitespace: step over them without decoding.
            let len = if b < 0x80 {
                if !ASCII_WHITESPACE[usize::from(b)] {
                    i += 1;
                    continue;
                }
                if b == b' ' && i > run && bytes.get(i + 1).is_some_and(|&n| is_word_byte(n)) {
                    i += 1;
                    continue;
                }
                1
            } else {
                match text[i..].chars().next() {
                    Some(c) if c.is_whitespace() => c.len_utf8(),
                    Some(c) => {
                        i += c.len_utf8();
                        continue;
                    }
                    None => break,
                }
            };
            self.word(&text[run..i]);
            self.space = true;
            i += len;
            run = i;
        }
        self.word(&text[run..]);
    }

    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.space = false;
        self.text.push_str(word);
    }
}

/// Skips, eight bytes at a time, what `words` would copy unchanged: printable ASCII
/// with single spaces between words. Returns where the byte-wise scan must go on.
fn skip_plain_words(bytes: &[u8], run: usize, mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(window) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(window.try_into().unwrap_or_default());
        // Any byte outside 0x20..=0x7f (b + 0x60 carries into the high bit only
        // from 0x20 up, and never into the next byte).
        if w & HIGH != 0 || (w + 0x60 * ONES) & HIGH != HIGH {
            break;
        }
        // The high bit of every space: zero bytes of `w ^ 0x20…`, found exactly.
        let t = w ^ (0x20 * ONES);
        let spaces = !((((t & !HIGH) + !HIGH) | t) | !HIGH);
        if spaces != 0 {
            let first_is_space = spaces & 0x80 != 0;
            let last_is_space = spaces >> 63 != 0;
            if spaces & (spaces >> 8) != 0
                || (first_is_space && i == run)
                || (last_is_space && !bytes.get(i + 8).is_some_and(|&b| is_word_byte(b)))
            {
                break;
            }
        }
        i += 8;
    }
    i
}

/// Whether `b` cannot start whitespace: an ASCII non-space, or a byte inside or
/// starting a multi-byte character none of whose whitespace characters starts with it.
fn is_word_byte(b: u8) -> bool {
    if b < 0x80 {
        !ASCII_WHITESPACE[usize::from(b)]
    } else {
        // U+0085 and U+00A0 start with C2; U+1680 with E1; U+2000–U+205F with E2;
        // U+3000 with E3.
        !matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3)
    }
}

/// ASCII characters `char::is_whitespace` (what `split_whitespace` uses) accepts.
const ASCII_WHITESPACE: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = b'\t';
    while b <= b'\r' {
        table[b as usize] = true;
        b += 1;
    }
    table[b' ' as usize] = true;
    table
};

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
        .then(|| super::depth::serializable(html))
        .flatten();
    let cleaned = ammonia::Builder::empty()
        .tags(tags::names(tags::Tag::breaks))
        .clean_content_tags(tags::names(tags::Tag::hidden))
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
