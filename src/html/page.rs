//! Reading a web page (not a feed) with html5ever's tokenizer, to find the tags in its
//! head. Speed does not matter here, exactness does: attribute values come decoded
//! with the whole entity table, and `<link>` inside a comment, a script or a style
//! is not a tag.

use html5ever::tokenizer::{TagKind, Token, TokenSinkResult};

/// A start tag with its attributes, names lower-cased, values decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StartTag {
    pub(crate) name: String,
    attributes: Vec<(String, String)>,
}

impl StartTag {
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The start tags named in `names` (lower case), in document order. Bytes that are
/// not UTF-8 are replaced: the names and URLs looked for are ASCII.
pub(crate) fn start_tags(page: &[u8], names: &[&str]) -> Vec<StartTag> {
    let mut found = Vec::new();
    super::tokenize(&String::from_utf8_lossy(page), |token| {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        let name: &str = &tag.name;
        if names.contains(&name) {
            found.push(StartTag {
                name: name.to_string(),
                attributes: tag
                    .attrs
                    .iter()
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect(),
            });
        }
        // What the tree builder tells the tokenizer after these start tags, so their
        // content is read as text, the way a browser reads it.
        match super::RAW_TEXT.iter().find(|(n, _)| *n == name) {
            Some(&(_, kind)) => TokenSinkResult::RawData(kind),
            None if name == "plaintext" => TokenSinkResult::Plaintext,
            None => TokenSinkResult::Continue,
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_start_tags_with_decoded_attributes() {
        let page = br#"<!doctype html><HTML><head>
            <!-- <link href="in-comment"> -->
            <script>document.write('<link href="in-script">')</script>
            <title><link href="in-title"></title>
            <LINK Rel=alternate HREF='a?x=1&amp;y=2&eacute;&#x41;'>
            </head><body><link href=last></body></HTML>"#;
        let found = start_tags(page, &["link"]);
        let hrefs: Vec<_> = found.iter().filter_map(|t| t.attribute("href")).collect();
        assert_eq!(hrefs, ["a?x=1&y=2éA", "last"]);
        assert_eq!(found[0].attribute("rel"), Some("alternate"));
        assert_eq!(found[0].name, "link");
    }

    #[test]
    fn truncated_tags_are_not_found() {
        for page in [&b"<link"[..], b"<link rel=", b"<link href=\"x"] {
            assert_eq!(start_tags(page, &["link"]), []);
        }
    }
}
