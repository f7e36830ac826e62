//! feeds.yaml: the raw schema (what serde reads) and the validated settings the
//! rest of the program uses. Everything a user can get wrong is caught here, with
//! the file, line, column and key, so later stages can trust their input.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use regex::Regex;
use serde::Deserialize;

use crate::model::{DigestIndex, FeedSource};

mod raw;
mod recover;
mod schedule;
mod validate;

pub use raw::position_of;
pub use schedule::Schedule;
pub(crate) use validate::feed_url;

/// A config file that could not be used. Lists every problem found, not only the first.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render_problems(.path, .problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One thing wrong with the config, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based; 0 when the position is unknown (e.g. a key that is missing altogether).
    pub line: u64,
    pub column: u64,
    /// Dotted path of the key, e.g. `digests.daily.window`.
    pub key: String,
    pub message: String,
}

impl Problem {
    /// `file:line:col: key: message`, or `file: key: message` where the position is unknown.
    pub fn at(&self, path: &Path) -> String {
        let at = match self.line {
            0 => String::new(),
            line => format!(":{line}:{}", self.column),
        };
        format!("{}{at}: {}: {}", path.display(), self.key, self.message)
    }
}

pub(crate) fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| p.at(path)).collect();
    lines.join("\n")
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file itself; relative paths in it are resolved against its directory.
    pub path: PathBuf,
    pub state: PathBuf,
    /// Template override directory: `templates:` or `templates/` next to the config.
    pub templates: Option<PathBuf>,
    pub fetch: FetchSettings,
    pub feeds: Vec<FeedSource>,
    pub digests: Vec<DigestConfig>,
    pub smtp: Option<SmtpSettings>,
}

impl Config {
    pub fn digest(&self, name: &str) -> Option<&DigestConfig> {
        self.digests.iter().find(|d| d.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Size of the dedicated fetch pool.
    pub concurrency: usize,
    /// Requests in flight to one host at most.
    pub per_host: usize,
    /// Total deadline per attempt, headers and body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Body cap, counted after decompression.
    pub max_bytes: u64,
    pub retries: u32,
    pub max_redirects: usize,
    /// Follow redirects to loopback, private and link-local addresses.
    pub private_redirects: bool,
    pub user_agent: String,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            concurrency: 32,
            per_host: 4,
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_bytes: 10 * 1024 * 1024,
            retries: 2,
            max_redirects: 5,
            private_redirects: true,
            user_agent: format!("feedletter/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    None,
    Feed,
    Tag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentMode {
    /// Plain-text excerpt of the summary (safe everywhere, small).
    Excerpt,
    /// The feed's HTML, sanitized.
    Full,
}

/// What becomes of items the caps cut from a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overflow {
    /// Counted in "N more" once, then handled: never offered again.
    Drop,
    /// Offered again on later runs, while within the window plus `catch_up`.
    Carry,
}

#[derive(Debug, Clone)]
pub struct DigestConfig {
    pub name: String,
    /// The name readers see: `title:`, else the key.
    pub title: String,
    pub index: DigestIndex,
    pub window: Duration,
    /// Lower-cased; an item matches when any feed tag or item category is in the list.
    pub include_tags: Vec<String>,
    pub exclude_tags: Vec<String>,
    /// Matched against title + summary text.
    pub include_keywords: Vec<Regex>,
    pub exclude_keywords: Vec<Regex>,
    pub max_items: usize,
    pub max_per_feed: Option<usize>,
    pub overflow: Overflow,
    /// How far before the usual window start the digest still reaches for items it
    /// owes (runs that failed or did not happen).
    pub catch_up: Duration,
    pub group_by: GroupBy,
    pub send_empty: bool,
    /// A minijinja template string.
    pub subject: String,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub bcc: Vec<Mailbox>,
    /// Template name: `<name>.html.j2` and `<name>.txt.j2`.
    pub template: String,
    pub content: ContentMode,
    pub excerpt_chars: usize,
    pub timezone: chrono_tz::Tz,
    /// Show each item's lead image in the HTML part.
    pub images: bool,
    /// Where past issues are published, if anywhere.
    pub archive: Option<ArchiveConfig>,
    /// A `mailto:` or `https:` address for `List-Unsubscribe` and the footer.
    pub unsubscribe: Option<url::Url>,
    /// When the digest is due; `None`: on every run.
    pub schedule: Option<Schedule>,
}

/// `archive:` / `archive_url:` of a digest.
#[derive(Debug, Clone)]
pub struct ArchiveConfig {
    /// Absolute, or relative to the current directory (resolved against the config).
    pub dir: PathBuf,
    /// Where `dir` is served, ending in `/`, so issue file names join onto it.
    pub url: Option<url::Url>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Smtp,
    /// A local sendmail-compatible program; `None` = lettre's default path.
    Sendmail {
        path: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS; refused if the server does not offer it.
    Starttls,
    /// TLS from the first byte (a.k.a. SMTPS, port 465).
    Tls,
    /// No encryption: only for loopback, or with `insecure: true`.
    None,
}

/// Where the SMTP password comes from. Never a literal in the YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    Env(String),
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub transport: Transport,
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<PasswordSource>,
    pub from: Mailbox,
    pub timeout: Duration,
    /// Extra PEM roots to trust on top of the system ones.
    pub ca_file: Option<PathBuf>,
    /// The SHA-256 of the one server certificate to trust, instead of any CA.
    pub tls_fingerprint: Option<[u8; 32]>,
    pub insecure: bool,
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    parse(path, &read(path)?)
}

pub fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Validates config text; `path` names the file in errors and anchors relative paths.
/// Every problem is reported, schema and semantic alike, in the order of the file.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    match parse_partial(path, text) {
        (Some(config), problems) if problems.is_empty() => Ok(config),
        (_, problems) => Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            problems,
        }),
    }
}

/// Every problem in config text, and the config as far as it could be read: entries
/// with schema errors left out, invalid values replaced by their defaults. Only for
/// looking further (`check` renders the templates of an invalid config too); `None`
/// when the text is not YAML enough to say what it configures.
pub fn parse_partial(path: &Path, text: &str) -> (Option<Config>, Vec<Problem>) {
    let (raw, mut problems) = recover::parse(text);
    let config = raw.map(|raw| {
        let mut v = validate::Validator {
            removed: problems.iter().map(|p| p.key.clone()).collect(),
            ..Default::default()
        };
        let config = v.config(path, raw);
        // A key removed for a schema error reads as missing now; saying so again
        // would only repeat the first problem.
        v.problems
            .retain(|p| p.line > 0 || !problems.iter().any(|s| s.key == p.key));
        problems.append(&mut v.problems);
        config
    });
    // Problems without a position (a missing section) go last.
    problems.sort_by_key(|p| (p.line == 0, p.line, p.column));
    (config, problems)
}
