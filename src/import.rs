//! `feedletter import FILE.opml`: the subscription list another feed reader exported,
//! as `feeds:` entries for feeds.yaml. Printed to stdout for the user to review and
//! paste; nothing is written. Folders become tags, titles become names.

use std::collections::HashSet;
use std::path::Path;

use crate::error::Error;

/// The feeds of the OPML file at `path` as YAML, under a comment naming the file. The
/// caller prints it: a failure to write is the output's, not the input file's.
pub fn import(path: &Path) -> Result<String, Error> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| Error::Usage(format!("cannot read {shown}: {e}")))?;
    // Exports in the wild are not always clean UTF-8; a replacement character in a
    // title is better than refusing the whole list.
    let text = String::from_utf8_lossy(&bytes);
    let opml = opml::OPML::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        let causes = std::iter::successors(std::error::Error::source(&e), |s| s.source());
        let message = causes.fold(e.to_string(), |message, cause| {
            format!("{message}: {cause}")
        });
        Error::Usage(format!("{shown} is not a usable OPML file: {message}"))
    })?;
    let mut feeds = Feeds::default();
    feeds.walk(&opml.body.outlines, &mut Vec::new());
    if feeds.seen.is_empty() {
        return Err(Error::Usage(format!(
            "{shown} lists no feeds: no outline has an http(s) xmlUrl"
        )));
    }
    // The file's name goes in a `#` comment: one line, whatever it holds.
    let name = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    let name: String = (name.chars())
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Ok(format!(
        "# {} imported from {}\nfeeds:\n{}",
        crate::label::count(feeds.seen.len(), "feed"),
        name,
        feeds.yaml
    ))
}

/// The `feeds:` entries, in document order. Every string is double-quoted and
/// escaped: titles are anybody's text, and `name: Rust: the blog` or `name: yes`
/// would not survive as plain YAML scalars.
#[derive(Default)]
struct Feeds {
    yaml: String,
    seen: HashSet<String>,
}

impl Feeds {
    /// Outlines that are not feeds (no `xmlUrl`) are folders, and become tags; entries
    /// that would make an invalid config (not http(s), listed twice) are left out
    /// with a warning.
    fn walk(&mut self, outlines: &[opml::Outline], folders: &mut Vec<String>) {
        for outline in outlines {
            // `title` is the feed's own title where the exporter kept it; `text` is
            // what the reader displayed, often the same.
            let title = [outline.title.as_deref(), Some(outline.text.as_str())]
                .into_iter()
                .flatten()
                .map(str::trim)
                .find(|t| !t.is_empty());
            let url = outline.xml_url.as_deref().map(str::trim).unwrap_or("");
            if url.is_empty() {
                folders.extend(title.map(str::to_string));
                self.walk(&outline.outlines, folders);
                if title.is_some() {
                    folders.pop();
                }
                continue;
            }
            let shown = title.unwrap_or(url);
            if crate::config::feed_url(url).is_err() {
                log::warn!("skipping {shown}: `{url}` is not an http(s) URL");
            } else if !self.seen.insert(url.to_string()) {
                log::warn!("skipping {shown}: {url} is listed twice");
            } else {
                self.push(url, title, folders);
            }
            // A feed outline with children is odd, but the children may still be feeds.
            self.walk(&outline.outlines, folders);
        }
    }

    fn push(&mut self, url: &str, name: Option<&str>, folders: &[String]) {
        self.yaml += &format!("  - url: {}\n", yaml_quote(url));
        if let Some(name) = name {
            self.yaml += &format!("    name: {}\n", yaml_quote(name));
        }
        // A folder nested in one of the same name is one tag.
        let tags: Vec<String> = (folders.iter().enumerate())
            .filter(|&(i, f)| !folders[..i].iter().any(|g| g.eq_ignore_ascii_case(f)))
            .map(|(_, f)| yaml_quote(f))
            .collect();
        if !tags.is_empty() {
            self.yaml += &format!("    tags: [{}]\n", tags.join(", "));
        }
    }
}

/// A YAML double-quoted scalar.
fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // YAML treats U+0085, U+2028 and U+2029 as line breaks and U+FEFF as a
            // byte order mark; escaped, they stay part of the string.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_yaml_would_misread() {
        assert_eq!(yaml_quote("yes"), "\"yes\"");
        assert_eq!(
            yaml_quote("a \"b\" \\ c\nd\u{2028}"),
            "\"a \\\"b\\\" \\\\ c\\nd\\u2028\""
        );
        assert_eq!(yaml_quote("\x1b[31m"), "\"\\u001B[31m\"");
    }
}
