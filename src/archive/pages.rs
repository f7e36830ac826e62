//! The archive's index page and Atom feed, from the record of issues (newest first).

use chrono::SecondsFormat;
use sha2::{Digest, Sha256};

use super::{ArchiveError, IssueRecord};

/// The feed carries each issue whole; past this many it would grow without end.
pub(super) const FEED_ENTRIES: usize = 50;

/// What the archive is called: the digest's name, or the names when digests share it.
fn title(issues: &[IssueRecord]) -> String {
    let mut names: Vec<&str> = issues.iter().map(|i| i.digest.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        "Archive".to_string()
    } else {
        names.join(", ")
    }
}

/// A page's address: relative to the archive, or absolute under `base`.
fn href(base: Option<&str>, file: &str) -> String {
    format!("{}{file}", base.unwrap_or(""))
}

pub(super) fn index(issues: &[IssueRecord], base: Option<&str>) -> String {
    let title = escape(&title(issues));
    let mut list = String::new();
    for issue in issues {
        list.push_str(&format!(
            "<li><a href=\"{}\">{}</a><br><span class=\"meta\">{} · {} item{}</span></li>\n",
            escape(&issue.file),
            escape(&issue.subject),
            escape(&issue.date),
            issue.items,
            if issue.items == 1 { "" } else { "s" },
        ));
    }
    let feed = escape(&href(base, "feed.xml"));
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: past issues</title>
<link rel="alternate" type="application/atom+xml" title="{title}" href="{feed}">
<style>
  body {{ max-width: 640px; margin: 40px auto; padding: 0 16px; font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; line-height: 1.5; color: #111827; }}
  ul {{ padding: 0; list-style: none; }}
  li {{ margin: 0 0 16px; }}
  a {{ color: #1d4ed8; }}
  .meta {{ font-size: 14px; color: #6b7280; }}
</style>
</head>
<body>
<h1>{title}: past issues</h1>
<p><a href="{feed}">Atom feed</a> · {count} issue{plural}</p>
<ul>
{list}</ul>
</body>
</html>
"#,
        count = issues.len(),
        plural = if issues.len() == 1 { "" } else { "s" },
    )
}

/// Atom 1.0: one entry per issue (the newest [`FEED_ENTRIES`]), its HTML as content.
/// `page` reads an issue's HTML.
pub(super) fn atom_feed(
    issues: &[IssueRecord],
    base: Option<&str>,
    page: impl Fn(&str) -> Result<String, ArchiveError>,
) -> Result<String, ArchiveError> {
    let title = escape(&title(issues));
    let updated = issues
        .first()
        .map(|i| i.sent_at)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let feed_id = match base {
        Some(b) => escape(b),
        None => urn(&title),
    };
    let mut out = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{title}</title>
<id>{feed_id}</id>
<updated>{updated}</updated>
<author><name>{title}</name></author>
<link rel="alternate" type="text/html" href="{index}"/>
<link rel="self" type="application/atom+xml" href="{self_link}"/>
<generator>feedletter</generator>
"#,
        index = escape(&href(base, "index.html")),
        self_link = escape(&href(base, "feed.xml")),
    );
    for issue in issues.iter().take(FEED_ENTRIES) {
        let link = href(base, &issue.file);
        let id = match base {
            Some(_) => escape(&link),
            None => urn(&format!("{}\0{}", issue.digest, issue.file)),
        };
        let when = issue.sent_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        out.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{id}</id>\n<published>{when}</published>\n\
             <updated>{when}</updated>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
             <content type=\"html\">{}</content>\n</entry>\n",
            escape(&issue.subject),
            escape(&link),
            escape(&page(&issue.file)?),
        ));
    }
    out.push_str("</feed>\n");
    Ok(out)
}

/// A stable id for an archive without a URL: Atom ids must be IRIs, and a relative
/// file name is not one.
fn urn(key: &str) -> String {
    let hash = Sha256::digest(key.as_bytes());
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Escapes text for HTML and XML, in element content and in quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            escape("a <b> & \"c\" 'd'\u{1b}"),
            "a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;"
        );
    }

    #[test]
    fn urns_are_stable_uuids() {
        let id = urn("weekly\u{0}2026-05-14-weekly.html");
        assert_eq!(id, urn("weekly\u{0}2026-05-14-weekly.html"));
        assert_eq!(id.len(), "urn:uuid:".len() + 36);
        assert_ne!(id, urn("weekly\u{0}2026-05-14-weekly-2.html"));
    }
}
