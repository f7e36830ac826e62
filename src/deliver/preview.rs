//! `--dry-run`: what a run would send, written to stdout or `--out`, never sent.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::{DigestConfig, SmtpSettings};
use crate::model::{FeedKey, FeedReport, SelectedItem, Selection};
use crate::render::RenderedDigest;

/// Preview formats of `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewFormat {
    /// The HTML part.
    Html,
    /// The plain-text part.
    Text,
    /// The selection as JSON, for scripts (see docs/usage.md for the shape).
    Json,
    /// The exact RFC 5322 message that would be sent.
    Eml,
}

/// The JSON preview document. Its shape is documented in docs/usage.md; keep it stable.
#[derive(Debug, Serialize)]
pub struct JsonPreview {
    pub generated_at: String,
    pub digests: Vec<JsonDigest>,
    pub failed_feeds: Vec<JsonFailedFeed>,
    pub partial_feeds: Vec<JsonPartialFeed>,
}

#[derive(Debug, Serialize)]
pub struct JsonDigest {
    pub digest: String,
    pub subject: String,
    pub items: Vec<JsonItem>,
    pub omitted: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonItem {
    pub digest: String,
    pub feed: String,
    pub feed_url: FeedKey,
    pub title: String,
    pub link: Option<String>,
    pub date: String,
    pub tags: Vec<String>,
    pub excerpt: String,
    /// The lead image the HTML part shows: the feed's own or one found in the item's HTML.
    pub image: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonFailedFeed {
    pub name: String,
    pub url: FeedKey,
    pub kind: &'static str,
    pub error: String,
}

/// A feed that was read, but not all of its entries.
#[derive(Debug, Serialize)]
pub struct JsonPartialFeed {
    pub name: String,
    pub url: FeedKey,
    pub warning: String,
}

fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One digest's result, kept for the preview.
pub struct DigestOutput<'a> {
    pub digest: &'a DigestConfig,
    pub selection: Selection,
    pub rendered: RenderedDigest,
}

/// The preview document for all digests of the run.
pub fn render(
    format: PreviewFormat,
    now: DateTime<Utc>,
    reports: &[FeedReport],
    outputs: &[DigestOutput<'_>],
    smtp: Option<&SmtpSettings>,
) -> Result<Vec<u8>, String> {
    Ok(match format {
        PreviewFormat::Html => join(outputs, true).into_bytes(),
        PreviewFormat::Text => join(outputs, false).into_bytes(),
        PreviewFormat::Json => {
            let mut json = serde_json::to_vec_pretty(&json(now, reports, outputs))
                .map_err(|e| e.to_string())?;
            json.push(b'\n');
            json
        }
        PreviewFormat::Eml => {
            let smtp = smtp.ok_or("--dry-run=eml needs an `smtp:` section (its `from` address)")?;
            let mut out = Vec::new();
            for o in outputs {
                let message = super::message_for(smtp, o.digest, &o.rendered, now)
                    .map_err(|e| e.to_string())?;
                out.extend_from_slice(&super::message::to_eml(&message));
            }
            out
        }
    })
}

fn json(now: DateTime<Utc>, reports: &[FeedReport], outputs: &[DigestOutput<'_>]) -> JsonPreview {
    let item = |o: &DigestOutput<'_>, item: &SelectedItem| JsonItem {
        digest: o.digest.name.clone(),
        feed: item.feed_name.clone(),
        feed_url: item.feed_url.clone(),
        title: item.title.clone(),
        link: item.link.clone(),
        date: rfc3339(item.date),
        tags: item.tags.clone(),
        excerpt: crate::render::excerpt(o.digest, item),
        image: crate::render::lead_image(o.digest, item).map(|i| i.url),
    };
    let digests = outputs.iter().map(|o| JsonDigest {
        digest: o.digest.name.clone(),
        subject: o.rendered.subject.clone(),
        items: o.selection.items.iter().map(|i| item(o, i)).collect(),
        omitted: o.selection.omitted,
    });
    let failed = reports.iter().filter_map(|r| {
        r.error().map(|e| JsonFailedFeed {
            name: r.name.clone(),
            url: r.location.clone(),
            kind: e.kind(),
            error: e.to_string(),
        })
    });
    let partial = reports.iter().filter_map(|r| {
        r.warning.as_ref().map(|w| JsonPartialFeed {
            name: r.name.clone(),
            url: r.location.clone(),
            warning: w.clone(),
        })
    });
    JsonPreview {
        generated_at: rfc3339(now),
        digests: digests.collect(),
        failed_feeds: failed.collect(),
        partial_feeds: partial.collect(),
    }
}

/// The HTML or text parts one after the other. With several digests each starts with
/// a banner naming it, so that they do not run together; one is printed as sent.
fn join(outputs: &[DigestOutput<'_>], html: bool) -> String {
    let mut out = String::new();
    for o in outputs {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        let title = format!("digest {}: {}", o.digest.name, o.rendered.subject);
        match (outputs.len() > 1, html) {
            (false, _) => {}
            (true, true) => out.push_str(&format!(
                "<hr><p style=\"font:bold 18px sans-serif;margin:24px 8px\">{}</p>\n",
                minijinja::HtmlEscape(&title)
            )),
            (true, false) => {
                let rule = "=".repeat(title.chars().count().min(78));
                out.push_str(&format!("{rule}\n{title}\n{rule}\n\n"));
            }
        }
        out.push_str(if html {
            &o.rendered.html
        } else {
            &o.rendered.text
        });
    }
    out
}

/// Writes preview bytes to `out`, or stdout when `out` is `None`.
pub fn write(out: Option<&Path>, bytes: &[u8]) -> std::io::Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()
        }
    }
}
