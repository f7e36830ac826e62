//! `--dry-run`: what a run would send, written to stdout or `--out`, never sent.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::FeedReport;

/// Preview formats of `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PreviewFormat {
    /// The HTML part.
    Html,
    /// The plain-text part.
    Text,
    /// The selection as JSON, for scripts (see the README for the shape).
    Json,
    /// The exact RFC 5322 message that would be sent.
    Eml,
}

/// The JSON preview document. Its shape is documented in the README; keep it stable.
#[derive(Debug, Serialize)]
pub struct JsonPreview {
    pub generated_at: String,
    pub digests: Vec<JsonDigest>,
    pub failed_feeds: Vec<JsonFailedFeed>,
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
    pub feed_url: String,
    pub title: String,
    pub link: Option<String>,
    pub date: String,
    pub tags: Vec<String>,
    pub excerpt: String,
}

#[derive(Debug, Serialize)]
pub struct JsonFailedFeed {
    pub name: String,
    pub url: String,
    pub kind: &'static str,
    pub error: String,
}

impl JsonPreview {
    pub fn new(now: DateTime<Utc>, reports: &[FeedReport]) -> JsonPreview {
        JsonPreview {
            generated_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
            digests: Vec::new(),
            failed_feeds: reports
                .iter()
                .filter_map(|r| {
                    r.error().map(|e| JsonFailedFeed {
                        name: r.name.clone(),
                        url: r.location.clone(),
                        kind: e.kind(),
                        error: e.to_string(),
                    })
                })
                .collect(),
        }
    }
}

pub fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Writes preview bytes to `out`, or stdout when `out` is `None`.
pub fn write_preview(out: Option<&Path>, bytes: &[u8]) -> std::io::Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()
        }
    }
}
