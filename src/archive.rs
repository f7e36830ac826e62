//! The web archive of a digest's past issues: each sent issue as a page, an index of
//! them all and an Atom feed, in the digest's `archive:` directory.
//!
//! Written only after the mail server accepted an issue, never by a preview. Every
//! file is replaced atomically (see `write_atomically`), so a web server never serves
//! half a page and a crash leaves the previous version.
//!
//! Subject, date and item count of earlier issues are kept in `issues.json` beside
//! the pages: the index and the feed need them, and reading them back out of our own
//! HTML would be guesswork. The pages stay the truth for what exists: an issue whose
//! page was deleted is left out of the index and the feed. The record names pages,
//! and is only trusted that far: a name that leads out of the archive is ignored.

mod pages;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{ArchiveConfig, DigestConfig};
use crate::render::{IssueLinks, RenderedDigest};

/// The record of issues, beside the pages.
const RECORD: &str = "issues.json";

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot write the web archive at {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a record of issues ({message}); move it away to start the index afresh", .path.display())]
    Record { path: PathBuf, message: String },
    #[error("cannot render the archive's index: {0}")]
    Index(#[from] minijinja::Error),
}

/// Where the next issue of a digest goes, decided before it is rendered so that the
/// email can link to its page.
#[derive(Debug, Clone)]
pub(crate) struct IssueSlot {
    /// `<YYYY-MM-DD>-<digest>.html`, with `-2`, `-3`… for later issues that day.
    pub file: String,
    /// With `archive_url:` only.
    pub links: Option<IssueLinks>,
}

/// One issue as the index and the feed list it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IssueRecord {
    pub file: String,
    pub digest: String,
    /// The digest's `title:` (none in records written before it existed).
    #[serde(default)]
    pub title: String,
    pub subject: String,
    pub sent_at: DateTime<Utc>,
    /// The date as the digest's readers saw it, e.g. "14 May 2026".
    pub date: String,
    pub items: usize,
}

/// Where a digest's next issue would go, for a digest with an archive. Reads only.
pub(crate) fn next_issue(digest: &DigestConfig, now: DateTime<Utc>) -> Option<IssueSlot> {
    let date = now.with_timezone(&digest.timezone).date_naive();
    (digest.archive.as_ref()).map(|archive| plan(archive, &digest.name, date))
}

/// Publishes an issue the mail server accepted: its page, then the record, the index
/// and the feed. Nothing for a digest without an archive.
pub(crate) fn publish_sent(
    digest: &DigestConfig,
    slot: Option<IssueSlot>,
    rendered: &RenderedDigest,
    items: usize,
    now: DateTime<Utc>,
) -> Result<(), ArchiveError> {
    let (Some(archive), Some(slot)) = (&digest.archive, slot) else {
        return Ok(());
    };
    let (dir, file) = (&archive.dir, slot.file);
    let date = now.with_timezone(&digest.timezone).format("%-d %B %Y");
    let issue = IssueRecord {
        file: file.clone(),
        digest: digest.name.clone(),
        title: pages::xml_safe(&digest.title),
        subject: pages::xml_safe(&rendered.subject),
        sent_at: now,
        date: date.to_string(),
        items,
    };
    std::fs::create_dir_all(dir).map_err(|source| ArchiveError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut issues = read_record(dir)?;
    issues.retain(|i| i.file != file && is_page(dir, &i.file));
    issues.push(issue);
    issues.sort_by(|a, b| b.sent_at.cmp(&a.sent_at).then(b.file.cmp(&a.file)));
    let at = issues
        .iter()
        .position(|i| i.file == file)
        .unwrap_or_default();
    let page = pages::issue_page(&rendered.html, &issues, at);
    write_atomically(dir, &file, page.as_bytes())?;
    // The issues either side now have this one to link to.
    let neighbours = [at.checked_sub(1), Some(at + 1)].into_iter().flatten();
    for (n, issue) in neighbours.filter_map(|n| Some((n, issues.get(n)?))) {
        if let Ok(old) = std::fs::read_to_string(dir.join(&issue.file)) {
            let page = pages::issue_page(&old, &issues, n);
            write_atomically(dir, &issue.file, page.as_bytes())?;
        }
    }
    let record = serde_json::to_vec_pretty(&issues).map_err(|e| ArchiveError::Record {
        path: dir.join(RECORD),
        message: e.to_string(),
    })?;
    write_atomically(dir, RECORD, &record)?;
    let base = archive.url.as_ref().map(url::Url::as_str);
    write_atomically(dir, "index.html", pages::index(&issues, base)?.as_bytes())?;
    let feed = pages::atom_feed(&issues, base, |file| {
        std::fs::read_to_string(dir.join(file)).map_err(|source| ArchiveError::Io {
            path: dir.join(file),
            source,
        })
    })?;
    write_atomically(dir, "feed.xml", feed.as_bytes())
}

/// Picks the page for an issue sent on `date` (in the digest's time zone). Reads the
/// directory only; a missing directory is an empty archive.
fn plan(archive: &ArchiveConfig, digest: &str, date: NaiveDate) -> IssueSlot {
    let stem = format!("{}-{digest}", date.format("%Y-%m-%d"));
    let file = (1..)
        .map(|n| match n {
            1 => format!("{stem}.html"),
            n => format!("{stem}-{n}.html"),
        })
        .find(|name| !archive.dir.join(name).exists())
        .unwrap_or_else(|| format!("{stem}.html"));
    let links = archive.url.as_ref().map(|base| IssueLinks {
        archive_url: base.to_string(),
        issue_url: base
            .join(&file)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| format!("{base}{file}")),
    });
    IssueSlot { file, links }
}

/// Whether a recorded issue's page is a file of the archive: a plain name, not a link
/// and not a directory. Anything else would let a forged record pull a file from
/// elsewhere (`/etc/hostname`, `../secret`) into the public feed; it is left out with
/// a warning. A page that is gone is left out silently, as deleting it asks.
fn is_page(dir: &Path, file: &str) -> bool {
    let plain = Path::new(file).file_name() == Some(std::ffi::OsStr::new(file));
    let found = dir.join(file).symlink_metadata();
    if plain && found.as_ref().is_ok_and(std::fs::Metadata::is_file) {
        return true;
    }
    if !plain || found.is_ok() {
        log::warn!(
            "{}: {file:?} is not a page of the archive; left out",
            dir.join(RECORD).display()
        );
    }
    false
}

/// The issues recorded so far; none when there is no record yet.
fn read_record(dir: &Path) -> Result<Vec<IssueRecord>, ArchiveError> {
    let path = dir.join(RECORD);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ArchiveError::Record {
            path,
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(ArchiveError::Io { path, source }),
    }
}

/// A temporary file in the same directory, synced, then renamed over `dir/name`:
/// readers see the old file or the new one, never a part. The temporary file is
/// created exclusively (`O_EXCL`) under a random name, so it never follows a link.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ArchiveError> {
    let path = dir.join(name);
    let io = |source| ArchiveError::Io {
        path: path.clone(),
        source,
    };
    // Dropped on an error, the temporary file removes itself.
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io)?;
    temp.persist(&path).map_err(|e| io(e.error))?;
    Ok(())
}
