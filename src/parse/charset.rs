//! Which charset a feed is written in, decided as the XML spec and browsers decide it:
//! a byte order mark, else the HTTP `charset`, else the XML declaration, else UTF-8.
//! Bytes not valid in it are decoded by a detected guess, except UTF-8 with a few stray
//! bytes, which stays UTF-8: one bad byte must not turn every `é` in a feed into `Ã©`.
//! The parser gets UTF-8 and a declaration that says so.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use regex::bytes::Regex;

type Decoded<'a> = (Cow<'a, [u8]>, &'static Encoding, usize);

/// The body as UTF-8 (borrowed when it already was UTF-8 and said so), the encoding
/// it was read in (for `-vv`), and how many sequences that were not UTF-8 became
/// U+FFFD in a body kept as UTF-8 (for `-v`).
pub(super) fn decode<'a>(body: &'a [u8], http_charset: Option<&str>) -> Decoded<'a> {
    if let Some((encoding, bom)) = Encoding::for_bom(body) {
        let rest = &body[bom..];
        // A byte order mark is the one statement about the charset that cannot be wrong.
        if encoding == UTF_8 && std::str::from_utf8(rest).is_ok() {
            return (with_utf8_declaration(Cow::Borrowed(rest)), UTF_8, 0);
        }
        return decoded(encoding, rest);
    }
    if body.trim_ascii_start().starts_with(b"{") {
        return (Cow::Borrowed(body), UTF_8, 0);
    }
    let declared = http_charset
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .or_else(|| {
            // A declaration that could be read as ASCII is not in UTF-16, whatever it says.
            encoding_value_span(body)
                .and_then(|span| Encoding::for_label(&body[span]))
                .filter(|e| *e != UTF_16LE && *e != UTF_16BE)
        });
    let encoding = declared.unwrap_or(UTF_8);
    let valid_utf8 = std::str::from_utf8(body).is_ok();
    if encoding == UTF_8 && !valid_utf8 {
        return lossy_utf8(body);
    }
    if encoding != UTF_8 && encoding.is_ascii_compatible() && body.is_ascii() {
        // Reads the same in either: no copy.
        return (Cow::Borrowed(body), encoding, 0);
    }
    // UTF-8 with anything beyond ASCII almost never happens by chance in a legacy
    // single-byte charset, while servers and generators that label UTF-8 as Latin-1
    // are common: the bytes win over the label.
    if encoding == UTF_8 || (valid_utf8 && encoding.is_single_byte()) {
        return (with_utf8_declaration(Cow::Borrowed(body)), UTF_8, 0);
    }
    match encoding.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) => {
            let text = Cow::Owned(text.into_owned().into_bytes());
            (with_utf8_declaration(text), encoding, 0)
        }
        None => decoded(guess(body), body),
    }
}

/// UTF-8 with a few stray sequences, read as UTF-8; text with more stray sequences
/// than characters of two or more bytes is clearly something else, and guessed.
fn lossy_utf8(body: &[u8]) -> Decoded<'_> {
    let (mut stray, mut multibyte) = (0, 0);
    for chunk in body.utf8_chunks() {
        stray += usize::from(!chunk.invalid().is_empty());
        multibyte += chunk.valid().bytes().filter(|&b| b >= 0xC0).count();
    }
    if multibyte < stray.max(1) {
        return decoded(guess(body), body);
    }
    let text = String::from_utf8_lossy(body).into_owned().into_bytes();
    (with_utf8_declaration(Cow::Owned(text)), UTF_8, stray)
}

/// The `charset` parameter of a Content-Type header value.
pub(crate) fn http_charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    })
}

fn guess(body: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(body, true);
    detector.guess(None, true)
}

/// Decodes with `encoding`, malformed sequences as U+FFFD, and fixes the declaration.
fn decoded<'a>(encoding: &'static Encoding, bytes: &[u8]) -> Decoded<'a> {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let text = Cow::Owned(text.into_owned().into_bytes());
    (with_utf8_declaration(text), encoding, 0)
}

/// feed-rs honours the declaration, so once the bytes are UTF-8 it must say UTF-8.
fn with_utf8_declaration(doc: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let Some(span) = encoding_value_span(&doc) else {
        return doc;
    };
    if Encoding::for_label(&doc[span.clone()]) == Some(UTF_8) {
        return doc;
    }
    Cow::Owned([&doc[..span.start], b"UTF-8", &doc[span.end..]].concat())
}

/// Where the value of `encoding="…"` sits in a leading `<?xml … ?>`: never past its end.
fn encoding_value_span(body: &[u8]) -> Option<Range<usize>> {
    static ENCODING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?-u)\A\s*<\?xml[^>]*?\sencoding\s*=\s*(?:"([^"?>]*)"|'([^'?>]*)')"#)
            .expect("valid regex")
    });
    let found = ENCODING.captures(&body[..body.len().min(512)])?;
    found.get(1).or(found.get(2)).map(|m| m.range())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_that_says_so_is_not_copied() {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>Café</rss>".as_bytes();
        assert!(matches!(decode(body, None).0, Cow::Borrowed(_)));
        assert!(matches!(decode(body, Some("UTF-8")).0, Cow::Borrowed(_)));
    }

    #[test]
    fn bodies_become_utf8_that_says_so() {
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss>é</rss>".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let latin1_label = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>Café</rss>";
        let cases: [(&[u8], Option<&str>, &str); 6] = [
            // Undeclared windows-1252 is detected.
            (
                b"<rss><title>Caf\xe9 cr\xe8me \x93sp\xe9cial\x94 et \xe9t\xe9</title></rss>",
                None,
                "<rss><title>Café crème “spécial” et été</title></rss>",
            ),
            // A Latin-1 label over UTF-8 bytes loses.
            (
                latin1_label.as_bytes(),
                None,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>Café</rss>",
            ),
            (
                latin1_label.as_bytes(),
                Some("iso-8859-1"),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>Café</rss>",
            ),
            // The HTTP charset beats the declaration.
            (
                b"<?xml version='1.0' encoding='utf-8'?><rss>Caf\xe9</rss>",
                Some("ISO-8859-1"),
                "<?xml version='1.0' encoding='utf-8'?><rss>Café</rss>",
            ),
            (
                b"<?xml version='1.0' encoding='koi8-r'?><rss>\xf0\xd2\xc9\xd7\xc5\xd4</rss>",
                None,
                "<?xml version='1.0' encoding='UTF-8'?><rss>Привет</rss>",
            ),
            // A byte order mark wins.
            (
                &utf16,
                Some("iso-8859-1"),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>é</rss>",
            ),
        ];
        for (body, http, expected) in cases {
            let out = String::from_utf8(decode(body, http).0.into_owned());
            assert_eq!(out.expect("UTF-8 out"), expected);
        }
    }

    #[test]
    fn a_stray_byte_in_utf8_costs_one_character() {
        let body = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>Café ".as_bytes(),
            &[0xFF],
            " 日本語</rss>".as_bytes(),
        ]
        .concat();
        let (doc, encoding, replaced) = decode(&body, None);
        assert_eq!(
            String::from_utf8(doc.into_owned()).expect("UTF-8"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss>Café \u{FFFD} 日本語</rss>"
        );
        assert_eq!((encoding, replaced), (UTF_8, 1));
    }

    #[test]
    fn content_type_parameters() {
        for (content_type, charset) in [
            (
                "application/rss+xml; charset=\"ISO-8859-1\"",
                Some("ISO-8859-1"),
            ),
            ("text/xml", None),
            ("text/xml; Charset=utf-8", Some("utf-8")),
        ] {
            assert_eq!(http_charset(content_type).as_deref(), charset);
        }
    }
}
