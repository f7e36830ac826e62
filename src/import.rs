//! `feedletter import FILE.opml`: the subscription list another feed reader exported,
//! as `feeds:` entries for feeds.yaml. Printed to stdout for the user to review and
//! paste; nothing is written. Folders become tags, titles become names.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a usable OPML file: {message}", .path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{} lists no feeds: no outline has an http(s) xmlUrl", .path.display())]
    Empty { path: PathBuf },
}

/// One subscription from the OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFeed {
    pub url: String,
    pub name: Option<String>,
    /// The folders it sits in, outermost first.
    pub tags: Vec<String>,
}

/// The feeds of the OPML file at `path` as YAML, under a comment naming the file. The
/// caller prints it: a failure to write is the output's, not the input file's.
pub fn import(path: &Path) -> Result<String, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    // Exports in the wild are not always clean UTF-8; a replacement character in a
    // title is better than refusing the whole list.
    let text = String::from_utf8_lossy(&bytes);
    let feeds = feeds_from_opml(text.trim_start_matches('\u{feff}')).map_err(|message| {
        ImportError::Parse {
            path: path.to_path_buf(),
            message,
        }
    })?;
    if feeds.is_empty() {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    Ok(format!(
        "# {} imported from {}\n{}",
        crate::label::count(feeds.len(), "feed"),
        yaml_comment(&source),
        to_yaml(&feeds)
    ))
}

/// The subscriptions in an OPML document, in document order. Outlines that are not
/// feeds (no `xmlUrl`) are folders; entries that would make an invalid config (not
/// http(s), listed twice) are left out with a warning.
pub fn feeds_from_opml(text: &str) -> Result<Vec<ImportedFeed>, String> {
    let opml = opml::OPML::from_str(text).map_err(|e| {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        message
    })?;
    let mut feeds = Vec::new();
    let mut seen = HashSet::new();
    walk(&opml.body.outlines, &mut Vec::new(), &mut feeds, &mut seen);
    Ok(feeds)
}

fn walk(
    outlines: &[opml::Outline],
    folders: &mut Vec<String>,
    feeds: &mut Vec<ImportedFeed>,
    seen: &mut HashSet<String>,
) {
    for outline in outlines {
        // `title` is the feed's own title where the exporter kept it; `text` is what
        // the reader displayed, often the same.
        let title = [outline.title.as_deref(), Some(outline.text.as_str())]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|t| !t.is_empty())
            .map(str::to_string);
        let url = outline.xml_url.as_deref().map(str::trim).unwrap_or("");
        if url.is_empty() {
            let named = title.is_some();
            if let Some(folder) = title {
                folders.push(folder);
            }
            walk(&outline.outlines, folders, feeds, seen);
            if named {
                folders.pop();
            }
            continue;
        }
        let shown = title.as_deref().unwrap_or(url);
        if !is_http(url) {
            log::warn!("skipping {shown}: `{url}` is not an http(s) URL");
        } else if !seen.insert(url.to_string()) {
            log::warn!("skipping {shown}: {url} is listed twice");
        } else {
            let mut tags: Vec<String> = Vec::new();
            for folder in folders.iter() {
                if !tags.iter().any(|t| t.eq_ignore_ascii_case(folder)) {
                    tags.push(folder.clone());
                }
            }
            feeds.push(ImportedFeed {
                url: url.to_string(),
                name: title,
                tags,
            });
        }
        // A feed outline with children is odd, but the children may still be feeds.
        walk(&outline.outlines, folders, feeds, seen);
    }
}

fn is_http(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// The `feeds:` section. Every string is double-quoted and escaped: titles are
/// anybody's text, and `name: Rust: the blog` or `name: yes` would not survive as
/// plain YAML scalars.
pub fn to_yaml(feeds: &[ImportedFeed]) -> String {
    let mut out = String::from("feeds:\n");
    for feed in feeds {
        out.push_str(&format!("  - url: {}\n", yaml_quote(&feed.url)));
        if let Some(name) = &feed.name {
            out.push_str(&format!("    name: {}\n", yaml_quote(name)));
        }
        if !feed.tags.is_empty() {
            let tags: Vec<String> = feed.tags.iter().map(|t| yaml_quote(t)).collect();
            out.push_str(&format!("    tags: [{}]\n", tags.join(", ")));
        }
    }
    out
}

/// A YAML double-quoted scalar.
pub fn yaml_quote(s: &str) -> String {
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

/// A file name in a `#` comment: one line, whatever the name holds.
fn yaml_comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
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
