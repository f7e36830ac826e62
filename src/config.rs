//! feeds.yaml: the raw schema (what serde reads) and the validated settings the
//! rest of the program uses. Everything a user can get wrong is caught here, with
//! the file, line, column and key, so later stages can trust their input.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;
use lettre::message::Mailbox;
use regex::Regex;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::model::{FeedLocation, FeedSource};

mod raw;

pub use raw::parse_bytes as parse_byte_size;

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

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if p.line > 0 {
            out.push_str(&format!(
                "{}:{}:{}: {}: {}",
                path.display(),
                p.line,
                p.column,
                p.key,
                p.message
            ));
        } else {
            out.push_str(&format!("{}: {}: {}", path.display(), p.key, p.message));
        }
    }
    out
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
            user_agent: default_user_agent(),
        }
    }
}

pub fn default_user_agent() -> String {
    format!("feedletter/{}", env!("CARGO_PKG_VERSION"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

#[derive(Debug, Clone)]
pub struct DigestConfig {
    pub name: String,
    /// Position in `digests:`: where the digest's flags are in per-digest lists.
    pub index: usize,
    pub window: Duration,
    /// Lower-cased; an item matches when any feed tag or item category is in the list.
    pub include_tags: Vec<String>,
    pub exclude_tags: Vec<String>,
    /// Matched against title + summary text.
    pub include_keywords: Vec<Regex>,
    pub exclude_keywords: Vec<Regex>,
    pub max_items: usize,
    pub max_per_feed: Option<usize>,
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
#[derive(Clone, PartialEq, Eq)]
pub enum PasswordSource {
    Env(String),
    File(PathBuf),
}

impl fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::Env(name) => write!(f, "Env({name})"),
            PasswordSource::File(path) => write!(f, "File({})", path.display()),
        }
    }
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
    pub insecure: bool,
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Validates config text; `path` names the file in errors and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let raw = raw::from_str(text).map_err(|problem| ConfigError::Invalid {
        path: path.to_path_buf(),
        problems: vec![problem],
    })?;
    let mut v = Validator::default();
    let config = v.config(path, raw);
    if v.problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            problems: v.problems,
        })
    }
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

/// Collects problems instead of stopping at the first, so one `check` shows them all.
#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
}

impl Validator {
    fn problem<T>(&mut self, at: &Spanned<T>, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            line: at.referenced.line(),
            column: at.referenced.column(),
            key: key.into(),
            message: message.into(),
        });
    }

    fn missing(&mut self, key: &str, message: &str) {
        self.problems.push(Problem {
            line: 0,
            column: 0,
            key: key.into(),
            message: message.into(),
        });
    }

    fn duration(&mut self, value: &Spanned<String>, key: &str) -> Option<Duration> {
        match humantime::parse_duration(value.value.trim()) {
            Ok(d) if d.is_zero() => {
                self.problem(value, key, "must be longer than zero");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(
                    value,
                    key,
                    format!(
                        "`{}` is not a duration ({e}); write e.g. 30s, 24h, 7d, 2w",
                        value.value
                    ),
                );
                None
            }
        }
    }

    fn positive(&mut self, value: &Spanned<u64>, key: &str) -> Option<u64> {
        if value.value == 0 {
            self.problem(value, key, "must be at least 1");
            None
        } else {
            Some(value.value)
        }
    }

    fn config(&mut self, path: &Path, raw: raw::RawConfig) -> Config {
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let state = raw
            .state
            .map(|s| base.join(s.value))
            .unwrap_or_else(|| base.join("feedletter.db"));
        let templates = match raw.templates {
            Some(t) => {
                let dir = base.join(&t.value);
                if !dir.is_dir() {
                    self.problem(
                        &t,
                        "templates",
                        format!("{} is not a directory", dir.display()),
                    );
                }
                Some(dir)
            }
            None => Some(base.join("templates")).filter(|d| d.is_dir()),
        };
        let fetch = self.fetch(raw.fetch.unwrap_or_default());
        let feeds = self.feeds(&base, raw.feeds);
        let digests = self.digests(raw.digests);
        let smtp = raw.smtp.map(|s| self.smtp(&base, s));
        Config {
            path: path.to_path_buf(),
            state,
            templates,
            fetch,
            feeds,
            digests,
            smtp,
        }
    }

    fn fetch(&mut self, raw: raw::RawFetch) -> FetchSettings {
        let mut s = FetchSettings::default();
        if let Some(v) = raw
            .concurrency
            .as_ref()
            .and_then(|v| self.positive(v, "fetch.concurrency"))
        {
            s.concurrency = v.min(1024) as usize;
        }
        if let Some(v) = raw
            .per_host
            .as_ref()
            .and_then(|v| self.positive(v, "fetch.per_host"))
        {
            s.per_host = v.min(1024) as usize;
        }
        if let Some(v) = raw
            .timeout
            .as_ref()
            .and_then(|v| self.duration(v, "fetch.timeout"))
        {
            s.timeout = v;
        }
        if let Some(v) = raw
            .connect_timeout
            .as_ref()
            .and_then(|v| self.duration(v, "fetch.connect_timeout"))
        {
            s.connect_timeout = v;
        }
        if let Some(v) = raw.max_bytes {
            match v.value.bytes() {
                Ok(0) => self.problem(&v, "fetch.max_bytes", "must be more than zero"),
                Ok(n) => s.max_bytes = n,
                Err(e) => self.problem(&v, "fetch.max_bytes", e),
            }
        }
        if let Some(v) = raw.retries {
            s.retries = v.value.min(10) as u32;
        }
        if let Some(v) = raw.max_redirects {
            s.max_redirects = v.value.min(20) as usize;
        }
        if let Some(v) = raw.user_agent {
            if v.value.trim().is_empty() || v.value.contains(['\r', '\n']) {
                self.problem(&v, "fetch.user_agent", "must be one non-empty line");
            } else {
                s.user_agent = v.value;
            }
        }
        s
    }

    fn feeds(&mut self, base: &Path, raw: Option<Spanned<Vec<raw::RawFeed>>>) -> Vec<FeedSource> {
        let Some(raw) = raw else {
            self.missing(
                "feeds",
                "no feeds configured: add at least one `- url: ...` under `feeds:`",
            );
            return Vec::new();
        };
        if raw.value.is_empty() {
            self.problem(
                &raw,
                "feeds",
                "the feed list is empty: add at least one `- url: ...`",
            );
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (index, feed) in raw.value.into_iter().enumerate() {
            let key = format!("feeds[{index}]");
            let location = match (feed.url, feed.path) {
                (Some(url), None) => match url::Url::parse(url.value.trim()) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                        Some(FeedLocation::Url(u))
                    }
                    Ok(u) => {
                        self.problem(
                            &url,
                            format!("{key}.url"),
                            format!(
                                "`{}` is not an http(s) URL (scheme `{}`)",
                                url.value,
                                u.scheme()
                            ),
                        );
                        None
                    }
                    Err(e) => {
                        self.problem(
                            &url,
                            format!("{key}.url"),
                            format!("`{}` is not a URL: {e}", url.value),
                        );
                        None
                    }
                },
                (None, Some(path)) => Some(FeedLocation::Path(base.join(&path.value))),
                (Some(url), Some(_)) => {
                    self.problem(&url, &key, "give either `url` or `path`, not both");
                    None
                }
                (None, None) => {
                    self.problem(
                        &feed.at,
                        &key,
                        "each feed needs a `url` (or a `path` to a local file)",
                    );
                    None
                }
            };
            let Some(location) = location else { continue };
            if !seen.insert(location.to_string()) {
                self.problem(&feed.at, &key, format!("{location} is listed twice"));
                continue;
            }
            let name = feed
                .name
                .map(|n| n.value.trim().to_string())
                .filter(|n| !n.is_empty());
            out.push(FeedSource {
                index: out.len(),
                name,
                location,
                tags: normalise_tags(feed.tags.unwrap_or_default()),
            });
        }
        out
    }

    fn digests(
        &mut self,
        raw: Option<Spanned<IndexMap<raw::Name, raw::RawDigest>>>,
    ) -> Vec<DigestConfig> {
        let Some(raw) = raw else {
            self.missing("digests", "no digests configured: add one under `digests:`");
            return Vec::new();
        };
        if raw.value.is_empty() {
            self.problem(
                &raw,
                "digests",
                "no digests configured: add one under `digests:`",
            );
        }
        let mut digests: Vec<DigestConfig> = raw
            .value
            .into_iter()
            .filter_map(|(name, d)| self.digest(name, d))
            .collect();
        for (index, digest) in digests.iter_mut().enumerate() {
            digest.index = index;
        }
        digests
    }

    fn digest(&mut self, name: raw::Name, d: raw::RawDigest) -> Option<DigestConfig> {
        let at = name.0;
        let name = at.value.clone();
        let key = |field: &str| format!("digests.{name}.{field}");
        let before = self.problems.len();
        if name.trim().is_empty() || name.contains(char::is_whitespace) {
            self.problem(
                &d.at,
                format!("digests.{name}"),
                "a digest name must be one word (it is used on the command line)",
            );
        }
        let window = match &d.window {
            Some(w) => self.duration(w, &key("window")),
            None => Some(Duration::from_secs(24 * 3600)),
        };
        let (include_tags, exclude_tags) = match d.tags {
            Some(t) => (normalise_tags(t.include), normalise_tags(t.exclude)),
            None => (Vec::new(), Vec::new()),
        };
        let (include_keywords, exclude_keywords) = match d.keywords {
            Some(k) => (
                self.regexes(k.include, &key("keywords.include")),
                self.regexes(k.exclude, &key("keywords.exclude")),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let max_items = match &d.max_items {
            Some(v) => self.positive(v, &key("max_items")).unwrap_or(1) as usize,
            None => 50,
        };
        let max_per_feed = d
            .max_per_feed
            .as_ref()
            .and_then(|v| self.positive(v, &key("max_per_feed")))
            .map(|v| v as usize);
        let excerpt_chars = match &d.excerpt_chars {
            Some(v) => self.positive(v, &key("excerpt_chars")).unwrap_or(300) as usize,
            None => 300,
        };
        let subject = d
            .subject
            .map(|s| s.value)
            .unwrap_or_else(|| "{{ digest }} — {{ date }} ({{ items|length }} items)".to_string());
        let to = self.mailboxes(d.to, &key("to"));
        let cc = self.mailboxes(d.cc, &key("cc"));
        let bcc = self.mailboxes(d.bcc, &key("bcc"));
        if to.is_empty() && cc.is_empty() && bcc.is_empty() {
            self.problem(
                &d.at,
                format!("digests.{name}"),
                "has no recipients: add `to: [you@example.com]`",
            );
        }
        let template = match d.template {
            Some(t) if is_template_name(&t.value) => t.value,
            Some(t) => {
                self.problem(
                    &t,
                    key("template"),
                    "a template name is a plain file stem like `digest`",
                );
                String::new()
            }
            None => "digest".to_string(),
        };
        let timezone = match d.timezone {
            Some(tz) => match tz.value.parse::<chrono_tz::Tz>() {
                Ok(tz) => tz,
                Err(_) => {
                    self.problem(
                        &tz,
                        key("timezone"),
                        format!(
                            "`{}` is not an IANA time zone such as Europe/Paris",
                            tz.value
                        ),
                    );
                    chrono_tz::UTC
                }
            },
            None => chrono_tz::UTC,
        };
        if self.problems.len() > before {
            return None;
        }
        Some(DigestConfig {
            name,
            index: 0,
            window: window?,
            include_tags,
            exclude_tags,
            include_keywords,
            exclude_keywords,
            max_items,
            max_per_feed,
            group_by: d.group_by.unwrap_or(GroupBy::None),
            send_empty: d.send_empty.unwrap_or(false),
            subject,
            to,
            cc,
            bcc,
            template,
            content: d.content.unwrap_or(ContentMode::Excerpt),
            excerpt_chars,
            timezone,
        })
    }

    fn regexes(&mut self, raw: Vec<Spanned<String>>, key: &str) -> Vec<Regex> {
        raw.into_iter()
            .filter_map(|r| match Regex::new(&r.value) {
                Ok(re) => Some(re),
                Err(e) => {
                    let first_line = e
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    self.problem(
                        &r,
                        key,
                        format!("`{}` is not a valid regex: {first_line}", r.value),
                    );
                    None
                }
            })
            .collect()
    }

    fn mailboxes(&mut self, raw: Vec<Spanned<String>>, key: &str) -> Vec<Mailbox> {
        raw.into_iter()
            .filter_map(|a| match a.value.parse::<Mailbox>() {
                Ok(m) => Some(m),
                Err(e) => {
                    self.problem(
                        &a,
                        key,
                        format!("`{}` is not an email address ({e})", a.value),
                    );
                    None
                }
            })
            .collect()
    }

    fn smtp(&mut self, base: &Path, s: raw::RawSmtp) -> SmtpSettings {
        let transport = match s.transport.as_ref().map(|t| t.value.as_str()) {
            None | Some("smtp") => Transport::Smtp,
            Some("sendmail") => Transport::Sendmail {
                path: s.sendmail_path.map(|p| base.join(p.value)),
            },
            Some(other) => {
                let at = s
                    .transport
                    .as_ref()
                    .map(|t| (t.referenced.line(), t.referenced.column()))
                    .unwrap_or_default();
                self.problems.push(Problem {
                    line: at.0,
                    column: at.1,
                    key: "smtp.transport".into(),
                    message: format!("`{other}` is not a transport: use smtp or sendmail"),
                });
                Transport::Smtp
            }
        };
        let security = s
            .security
            .as_ref()
            .map(|v| v.value)
            .unwrap_or(Security::Starttls);
        let host = match &s.host {
            Some(h) if !h.value.trim().is_empty() => h.value.trim().to_string(),
            Some(h) => {
                self.problem(h, "smtp.host", "must not be empty");
                String::new()
            }
            None if transport == Transport::Smtp => {
                self.missing("smtp.host", "is required for the smtp transport");
                String::new()
            }
            None => String::new(),
        };
        let port = s.port.as_ref().map(|p| p.value).unwrap_or(match security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        });
        let insecure = s.insecure.unwrap_or(false);
        if transport == Transport::Smtp
            && security == Security::None
            && !insecure
            && !is_loopback(&host)
        {
            let at = s
                .security
                .as_ref()
                .expect("security None is only reached when set");
            self.problem(at, "smtp.security", format!("`none` sends mail unencrypted to {host}; it is allowed only for a loopback host, or with `insecure: true`"));
        }
        let password = match (s.password_env, s.password_file) {
            (Some(env), None) => Some(PasswordSource::Env(env.value)),
            (None, Some(file)) => Some(PasswordSource::File(base.join(file.value))),
            (Some(env), Some(_)) => {
                self.problem(
                    &env,
                    "smtp.password_env",
                    "give either password_env or password_file, not both",
                );
                None
            }
            (None, None) => None,
        };
        let username = s.username.map(|u| u.value);
        if transport == Transport::Smtp {
            match (&username, &password) {
                (Some(_), None) => self.missing(
                    "smtp.password_env",
                    "a username needs password_env or password_file",
                ),
                (None, Some(_)) => self.missing("smtp.username", "a password needs a username"),
                _ => {}
            }
            if username.is_some() && security == Security::None {
                self.missing("smtp.security", "credentials are never sent over an unencrypted connection: use starttls or tls");
            }
        }
        let from = match &s.from {
            Some(f) => match f.value.parse::<Mailbox>() {
                Ok(m) => Some(m),
                Err(e) => {
                    self.problem(
                        f,
                        "smtp.from",
                        format!("`{}` is not an address ({e})", f.value),
                    );
                    None
                }
            },
            None => {
                self.missing(
                    "smtp.from",
                    "is required: the address digests are sent from",
                );
                None
            }
        };
        let timeout = s
            .timeout
            .as_ref()
            .and_then(|t| self.duration(t, "smtp.timeout"))
            .unwrap_or(Duration::from_secs(30));
        SmtpSettings {
            transport,
            host,
            port,
            security,
            username,
            password,
            from: from.unwrap_or_else(|| {
                Mailbox::new(None, "invalid@invalid".parse().expect("literal address"))
            }),
            timeout,
            ca_file: s.ca_file.map(|c| base.join(c.value)),
            insecure,
        }
    }
}

fn is_template_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn normalise_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}
