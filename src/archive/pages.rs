//! The archive's index page and Atom feed, from the record of issues (newest first).

use std::collections::BTreeSet;

use chrono::SecondsFormat;
use minijinja::AutoEscape;
use sha2::{Digest, Sha256};

use super::{ArchiveError, IssueRecord};

/// The feed carries each issue whole; past this many it would grow without end.
pub(super) const FEED_ENTRIES: usize = 50;

/// Where the default template's "View in browser" link stands, replaced on a page by
/// [`issue_page`]'s links to the index and the issues either side.
const NAV_START: &str = "<!--nav-->";
const NAV_END: &str = "<!--/nav-->";

const INDEX: &str = include_str!("../../templates/archive-index.html.j2");

/// An issue's page: the email as sent, its link to this very page replaced by links
/// to the index and to the older and newer issues (`issues` newest first, this one at
/// `at`). A template without the marks gets the links at the top of its body.
pub(super) fn issue_page(html: &str, issues: &[IssueRecord], at: usize) -> String {
    let link = |issue: Option<&IssueRecord>, label: &str| {
        issue.map_or(String::new(), |i| {
            format!(
                " · <a href=\"{}\" style=\"color: #6b7280;\">{label}</a>",
                escape(&i.file)
            )
        })
    };
    let nav = format!(
        "{NAV_START}\n<p style=\"margin: 0 0 10px; font-family: Helvetica, Arial, sans-serif; font-size: 12px; line-height: 16px; text-align: center; color: #6b7280;\">\
         <a href=\"index.html\" style=\"color: #6b7280;\">All issues</a>{}{}</p>\n",
        link(issues.get(at + 1), "← Older issue"),
        link(
            at.checked_sub(1).and_then(|n| issues.get(n)),
            "Newer issue →"
        ),
    );
    let html = xml_safe(html);
    if let (Some(start), Some(end)) = (html.find(NAV_START), html.find(NAV_END))
        && start < end
    {
        return format!("{}{nav}{}", &html[..start], &html[end..]);
    }
    let body = html
        .find("<body")
        .and_then(|b| html[b..].find('>').map(|e| b + e + 1));
    let at = body.unwrap_or(0);
    format!("{}{nav}{NAV_END}{}", &html[..at], &html[at..])
}

/// What the archive is called: the digest's title, or the titles when digests share it.
fn title(issues: &[IssueRecord]) -> String {
    let names: BTreeSet<&str> = (issues.iter())
        .map(|i| {
            Some(i.title.as_str())
                .filter(|t| !t.is_empty())
                .unwrap_or(&i.digest)
        })
        .collect();
    if names.is_empty() {
        return "Archive".to_string();
    }
    names.into_iter().collect::<Vec<_>>().join(", ")
}

/// A page's address: relative to the archive, or absolute under `base`.
fn href(base: Option<&str>, file: &str) -> String {
    format!("{}{file}", base.unwrap_or(""))
}

/// The list of issues, in the look of the issues themselves: the same card, accent
/// and type on the same background. Rendered under an `.html` name, so every value is
/// escaped with no filter to forget, by this module's `escape`: minijinja's own would
/// also escape `/` in every address.
pub(super) fn index(issues: &[IssueRecord], base: Option<&str>) -> Result<String, ArchiveError> {
    let mut env = minijinja::Environment::new();
    env.set_formatter(|out, state, value| match state.auto_escape() {
        AutoEscape::Html if !value.is_safe() => Ok(out.write_str(&escape(&value.to_string()))?),
        _ => minijinja::escape_formatter(out, state, value),
    });
    let page = minijinja::context! {
        title => title(issues),
        feed => href(base, "feed.xml"),
        issues => minijinja::value::Serde(issues),
    };
    // minijinja drops the template's final newline.
    Ok(env.render_named_str("archive-index.html", INDEX, page)? + "\n")
}

/// Atom 1.0: one entry per issue (the newest [`FEED_ENTRIES`]), its HTML as content.
/// `page` reads an issue's HTML.
pub(super) fn atom_feed(
    issues: &[IssueRecord],
    base: Option<&str>,
    page: impl Fn(&str) -> Result<String, ArchiveError>,
) -> Result<String, ArchiveError> {
    let title = escape(&title(issues));
    let updated = issues.first().map(|i| i.sent_at).unwrap_or_default();
    let updated = updated.to_rfc3339_opts(SecondsFormat::Secs, true);
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
    let mut id = String::from("urn:uuid:");
    for (i, b) in Sha256::digest(key.as_bytes()).iter().take(16).enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// Text without the characters XML 1.0 forbids: a page holding one would make the
/// feed that embeds it ill-formed.
pub(super) fn xml_safe(text: &str) -> String {
    text.chars().filter(|c| !xml_forbidden(*c)).collect()
}

fn xml_forbidden(c: char) -> bool {
    ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
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
            c if xml_forbidden(c) => {}
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
            escape("a <b> & \"c\" 'd'\u{1b}\u{FFFF}\u{FFFE}"),
            "a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;"
        );
    }

    /// Markup from a subject or a title stays text; addresses keep their `/`.
    #[test]
    fn the_index_escapes_every_value_from_a_feed_or_the_record() {
        let issue = r#"{"file": "a&b.html", "digest": "w", "title": "R&D <team>", "items": 1,
            "subject": "<script>\"x\" 'y'", "sent_at": "2026-05-14T07:00:00Z", "date": ""}"#;
        let issue = serde_json::from_str(issue).expect("a record");
        let page = index(&[issue], Some("https://news.example/a/")).expect("renders");
        for part in [
            "<title>R&amp;D &lt;team&gt;: past issues</title>",
            r#"title="R&amp;D &lt;team&gt;" href="https://news.example/a/feed.xml">"#,
            r#"<a href="a&amp;b.html">&lt;script&gt;&quot;x&quot; &#39;y&#39;</a>"#,
        ] {
            assert!(page.contains(part), "{part} in {page}");
        }
    }

    #[test]
    fn urns_are_stable_uuids() {
        let id = urn("weekly\u{0}2026-05-14-weekly.html");
        assert_eq!(id, urn("weekly\u{0}2026-05-14-weekly.html"));
        assert_eq!(id.len(), "urn:uuid:".len() + 36);
        assert_ne!(id, urn("weekly\u{0}2026-05-14-weekly-2.html"));
    }
}
