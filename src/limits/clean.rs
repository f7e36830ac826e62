//! Control characters out of feed text. An escape sequence in a title would reach a
//! terminal through a preview or a log line, a carriage return would split a mail
//! header; no feed has a reason to send either, so they are dropped on the way in.
//! So are the bidi overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069):
//! `Pay \u{202E}exe.gnp` displays as `Pay png.exe`. The marks right-to-left text
//! needs (U+200E, U+200F, U+061C) stay.

use std::sync::LazyLock;

use regex::Regex;

/// Whether `c` is a C0 or C1 control character (or DEL) other than line feed and
/// tab, or a bidi override, embedding or isolate.
fn is_unwanted(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A byte scan, cheaper than decoding chars: C0 and DEL are single bytes, C1 is 0xC2
/// 0x80–0x9F, the bidi controls 0xE2 0x80 0xAA–0xAE and 0xE2 0x81 0xA6–0xA9 in UTF-8.
/// A false alarm only means the exact pass runs.
fn may_hold_controls(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Folded a block at a time rather than stopped at the first hit, so the compiler
    // can test many bytes per instruction.
    let single = bytes.chunks(64).any(|block| {
        block.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != b'\n') & (b != b'\t')) | (b == 0x7F)
        })
    });
    single
        || memchr::memchr2_iter(0xC2, 0xE2, bytes).any(|i| {
            matches!(
                bytes[i..],
                [0xC2, 0x80..=0x9F, ..]
                    | [0xE2, 0x80, 0xAA..=0xAE, ..]
                    | [0xE2, 0x81, 0xA6..=0xA9, ..]
            )
        })
}

/// `text` without control characters. A carriage return becomes a line feed, so the
/// words either side of it stay apart. Returns `None` when there was nothing to drop.
pub(super) fn strip_controls(text: &str) -> Option<String> {
    if !may_hold_controls(text) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.push('\n'),
            c if is_unwanted(c) => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Like `strip_controls`, and also drops numeric character references to control
/// characters (`&#27;`, `&#x1b;`): an HTML parser would decode them later, after the
/// text had been cleaned. The C1 range is dropped too rather than trusting every
/// decoder to remap it as HTML does.
pub(super) fn strip_controls_html(html: &str) -> Option<String> {
    let stripped = strip_controls(html);
    let text = stripped.as_deref().unwrap_or(html);
    let mut out = String::new();
    let mut copied = 0;
    for at in REFERENCE
        .find_iter(text)
        .filter(|m| is_control_reference(m.as_str()))
    {
        out.push_str(&text[copied..at.start()]);
        copied = at.end();
    }
    if copied == 0 {
        return stripped;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// A numeric character reference. The `;` is optional, as it is to an HTML parser.
static REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("&#(?:[xX][0-9a-fA-F]+|[0-9]+);?").expect("valid regex"));

fn is_control_reference(reference: &str) -> bool {
    let number = reference[2..].trim_end_matches(';');
    let (digits, radix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    let significant = digits.trim_start_matches('0');
    // Longer than this is past U+10FFFF, which a parser turns into U+FFFD.
    let code = u32::from_str_radix(significant, radix).unwrap_or(0);
    significant.len() <= 8 && (code == 0 || char::from_u32(code).is_some_and(is_unwanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_controls_and_keeps_lines_and_tabs() {
        assert_eq!(
            strip_controls("a\u{1b}]0;owned\u{7}b\tc\nd\r\ne\rf\u{9b}g\u{7f}").as_deref(),
            Some("a]0;ownedb\tc\nd\ne\nfg")
        );
        assert_eq!(strip_controls("plain\ttext\n"), None);
        // U+00A0 and U+00BF share U+0085's lead byte and are text.
        assert_eq!(strip_controls("no\u{a0}break\u{bf}"), None);
        assert_eq!(strip_controls("a\u{85}b").as_deref(), Some("ab"));
    }

    #[test]
    fn drops_bidi_overrides_and_keeps_the_marks() {
        assert_eq!(
            strip_controls("Pay \u{202E}exe.gnp \u{2066}x\u{2069} \u{202A}\u{202C}").as_deref(),
            Some("Pay exe.gnp x ")
        );
        // Marks, and characters sharing the bidi controls' lead bytes, are text.
        assert_eq!(
            strip_controls("\u{5e9}\u{200f}\u{200e}\u{61c} \u{2014}\u{2026}\u{2070}"),
            None
        );
        assert_eq!(
            strip_controls_html("<p>&#x202e;gnp&#8238;.exe</p>").as_deref(),
            Some("<p>gnp.exe</p>")
        );
    }

    #[test]
    fn drops_references_to_controls_in_html() {
        assert_eq!(
            strip_controls_html("<p>&#27;[2J&#x1B;&#X9b;x&#0000000027;y&#10;&#38;&#;&#x;</p>")
                .as_deref(),
            Some("<p>[2Jxy&#10;&#38;&#;&#x;</p>")
        );
        assert_eq!(strip_controls_html("<p>&#169; &amp;</p>"), None);
    }

    #[test]
    fn references_are_read_in_linear_time() {
        // Quadratic scanning would take minutes on this; the result shows it was read.
        let html = "&#".repeat(2_000_000) + "&#27;";
        let cleaned = strip_controls_html(&html).unwrap_or_default();
        assert_eq!(cleaned.len(), 4_000_000);
    }
}
