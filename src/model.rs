//! The types the pipeline stages hand to each other: plain data, so that no stage needs
//! to know how another produced it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a feed is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedLocation {
    Url(url::Url),
    /// A local file: offline demos, tests, feeds produced by another job.
    Path(PathBuf),
}

impl fmt::Display for FeedLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedLocation::Url(url) => f.write_str(url.as_str()),
            FeedLocation::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A feed's position in `feeds:`: the order feeds are reported in, and the
/// tie-breaker when ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct FeedIndex(pub usize);

/// A feed's identity in the state: its configured URL or path, as written there.
/// A feed's items and what was sent of them stay its own however it is renamed or
/// reordered in `feeds:`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct FeedKey(String);

impl FeedKey {
    /// A key as the state wrote it.
    pub fn new(key: impl Into<String>) -> Self {
        FeedKey(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&FeedLocation> for FeedKey {
    fn from(location: &FeedLocation) -> Self {
        FeedKey(location.to_string())
    }
}

impl fmt::Display for FeedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A digest's position in `digests:`, where per-digest facts about an item are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DigestIndex(pub usize);

/// One entry of `feeds:` after validation.
#[derive(Debug, Clone)]
pub struct FeedSource {
    pub index: FeedIndex,
    /// The name from the config, if the user gave one; else the feed's own title is used.
    pub name: Option<String>,
    pub location: FeedLocation,
    /// Lower-cased, so matching is case-insensitive without repeated work.
    pub tags: Vec<String>,
}

/// HTTP cache validators remembered from the last successful fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// One entry of a feed. Text fields hold what the feed said, unsanitized: they are
/// escaped or sanitized when rendered, only for the items that survive selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Stable identity within its feed: guid/id, else the canonical link, else a hash.
    pub key: String,
    pub feed: FeedIndex,
    pub title: String,
    /// Absolute URL of the item, when the feed gave a usable one.
    pub link: Option<String>,
    /// Published, else updated. `None` when the feed gave neither.
    pub date: Option<DateTime<Utc>>,
    /// Summary and content: in memory, or only in the state.
    pub texts: Texts,
    pub categories: Vec<String>,
    pub authors: Vec<String>,
    /// The item's picture from the feed's metadata; one inside the content is looked
    /// for later, only for items that are shown.
    pub image: Option<LeadImage>,
    /// Worked out while the item's text is at hand, so that a real run can leave its
    /// texts in the state.
    pub keyword_matches: KeywordMatches,
}

/// An item's summary (or description) and full content, as the feed gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemTexts {
    pub summary: Option<String>,
    pub content: Option<String>,
}

/// Where an item's texts are. Once a fetch is recorded they are in the state only, so
/// memory stays flat; `State::load_texts` reads them back for the items selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Texts {
    /// Fresh from the parse, or read back from the state.
    Loaded(ItemTexts),
    /// In the state only.
    Stored,
}

impl Texts {
    pub fn new(summary: Option<String>, content: Option<String>) -> Self {
        Texts::Loaded(ItemTexts { summary, content })
    }

    /// The texts, when they are in memory.
    pub fn loaded(&self) -> Option<&ItemTexts> {
        match self {
            Texts::Loaded(texts) => Some(texts),
            Texts::Stored => None,
        }
    }
}

/// Whether an item passes each digest's keyword filter. Empty (nothing known) when
/// no digest filters keywords, or before the item has been matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeywordMatches(Vec<bool>);

impl KeywordMatches {
    /// Whether the item passes the filter of the digest at `digest`, if known.
    pub fn passes(&self, digest: DigestIndex) -> Option<bool> {
        self.0.get(digest.0).copied()
    }
}

/// One flag per digest, in the order of `digests:`.
impl FromIterator<bool> for KeywordMatches {
    fn from_iter<I: IntoIterator<Item = bool>>(flags: I) -> Self {
        KeywordMatches(flags.into_iter().collect())
    }
}

/// An item's picture: an absolute http(s) URL, with its size when the feed says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeadImage {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// A feed that was fetched and parsed.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    pub title: Option<String>,
    /// The site the feed belongs to (used as a base for relative links).
    pub site: Option<String>,
    pub items: Vec<Item>,
    /// Entries the body holds that could not be read (the others are in `items`).
    pub unreadable: usize,
    /// The character encoding the body was read in, as `-vv` shows it.
    pub encoding: &'static str,
}

impl Feed {
    /// "3 of 60 entries could not be read", when some could not.
    pub fn warning(&self) -> Option<String> {
        let (lost, all) = (self.unreadable, self.unreadable + self.items.len());
        (lost > 0).then(|| format!("{lost} of {all} entries could not be read"))
    }
}

/// Why a feed could not be used this run; always shown next to the feed's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("timed out after {}", humantime::format_duration(*.after))]
    Timeout { after: Duration },
    #[error("feed is larger than {}", format_bytes(*.limit))]
    TooLarge { limit: u64 },
    #[error("HTTP {status}{}", if .reason.is_empty() { String::new() } else { format!(" {}", .reason) })]
    HttpStatus { status: u16, reason: String },
    #[error("TLS error: {0}")]
    Tls(String),
    #[error("DNS lookup failed: {0}")]
    Dns(String),
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("redirect error: {0}")]
    Redirect(String),
    #[error("not a valid feed: {0}")]
    Parse(String),
    #[error("this is an HTML page, not a feed{}", match .advertised { Some(u) => format!("; it advertises a feed at {u}"), None => String::new() })]
    NotAFeed { advertised: Option<String> },
    #[error("cannot read file: {0}")]
    Io(String),
}

impl FeedError {
    /// A short machine-readable kind, for JSON output and the state file.
    pub fn kind(&self) -> &'static str {
        match self {
            FeedError::Timeout { .. } => "timeout",
            FeedError::TooLarge { .. } => "too_large",
            FeedError::HttpStatus { .. } => "http_status",
            FeedError::Tls(_) => "tls",
            FeedError::Dns(_) => "dns",
            FeedError::Connection(_) => "connection",
            FeedError::Redirect(_) => "redirect",
            FeedError::Parse(_) => "parse",
            FeedError::NotAFeed { .. } => "not_a_feed",
            FeedError::Io(_) => "io",
        }
    }
}

/// What happened to one feed this run.
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub feed: FeedIndex,
    /// Display name: the configured name, else the feed's title, else its location.
    pub name: String,
    pub location: FeedKey,
    pub outcome: FeedOutcome,
    /// Set when the server answered with a permanent redirect (301/308).
    pub moved_to: Option<String>,
    /// Consecutive failed runs including this one (0 when this run succeeded).
    pub failures_in_a_row: u32,
    /// When the current run of failures began, if the state knows.
    pub failing_since: Option<DateTime<Utc>>,
    /// Read, but not whole: "3 of 60 entries could not be read".
    pub warning: Option<String>,
}

#[derive(Debug, Clone)]
pub enum FeedOutcome {
    /// Fetched and parsed; `not_modified` when the server answered 304.
    Ok {
        items: usize,
        not_modified: bool,
    },
    Failed(FeedError),
}

impl FeedReport {
    pub fn error(&self) -> Option<&FeedError> {
        match &self.outcome {
            FeedOutcome::Failed(e) => Some(e),
            FeedOutcome::Ok { .. } => None,
        }
    }
}

/// An item chosen for a digest, with what rendering needs beside the item itself.
#[derive(Debug, Clone, Serialize)]
pub struct SelectedItem {
    pub key: String,
    pub feed: FeedIndex,
    pub feed_name: String,
    pub feed_url: FeedKey,
    pub title: String,
    pub link: Option<String>,
    /// Effective date: published, else updated, else first seen; never in the future.
    pub date: DateTime<Utc>,
    /// Feed tags and item categories, lower-cased and de-duplicated.
    pub tags: Vec<String>,
    /// Stored until `State::load_texts` reads them back for rendering.
    #[serde(skip)]
    pub texts: Texts,
    #[serde(skip)]
    pub authors: Vec<String>,
    #[serde(skip)]
    pub image: Option<LeadImage>,
}

/// The items one digest gets this run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Newest first.
    pub items: Vec<SelectedItem>,
    /// Items that matched but were cut by `max_per_feed` / `max_items`.
    pub omitted: usize,
    /// (feed location, item key) of copies dropped as duplicates of a selected item;
    /// they count as sent together with it.
    pub duplicates: Vec<(FeedKey, String)>,
    /// (feed location, item key, canonical link) of the items counted in `omitted`, and
    /// of their duplicates: recorded on delivery as handled or, with `overflow: carry`,
    /// as still owed.
    pub cut: Vec<(FeedKey, String, Option<String>)>,
}

/// The items a feed contributes to this run (fetched, or from the state after a 304),
/// with what selection and rendering need of the feed.
#[derive(Debug, Clone)]
pub struct FeedItems {
    pub feed: FeedIndex,
    pub name: String,
    pub location: FeedKey,
    pub site: Option<String>,
    pub tags: Vec<String>,
    pub items: Vec<Item>,
}

/// Formats a byte count the way users write it: `10 MiB`, `512 KiB`, `300 bytes`.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    for (unit, size) in UNITS {
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} bytes")
}
