//! Validation: the raw schema → `Config`, collecting every problem instead of
//! stopping at the first, so one `check` shows them all.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

/// The longest duration a config may hold (100 years).
const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

use serde_saphyr::Spanned;

use super::{Config, FetchSettings, Problem, raw};
use crate::model::{FeedIndex, FeedLocation, FeedSource};

mod digest;
mod smtp;

/// Collects problems instead of stopping at the first, so one `check` shows them all.
#[derive(Default)]
pub(super) struct Validator {
    pub(super) problems: Vec<Problem>,
    /// Keys the schema check removed (their problem is already reported).
    pub(super) removed: HashSet<String>,
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
            // Far beyond any sensible window or timeout, and date arithmetic on it
            // would overflow.
            Ok(d) if d > MAX_DURATION => {
                self.problem(value, key, "must be at most 100 years");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                // humantime's own message lists units (months, years, ns) this
                // config has no use for.
                let why = match e {
                    humantime::DurationError::UnknownUnit { unit, .. } => {
                        format!(": `{unit}` is not a unit")
                    }
                    _ => String::new(),
                };
                self.problem(
                    value,
                    key,
                    format!(
                        "`{}` is not a duration{why}; write e.g. 30s, 10m, 24h, 7d, 2w",
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

    pub(super) fn config(&mut self, path: &Path, raw: raw::RawConfig) -> Config {
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
        let digests = self.digests(&base, raw.digests);
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
        s.private_redirects = raw.private_redirects.unwrap_or(s.private_redirects);
        if let Some(v) = raw.user_agent {
            if v.value.trim().is_empty() || v.value.contains(['\r', '\n']) {
                self.problem(&v, "fetch.user_agent", "must be one non-empty line");
            } else {
                s.user_agent = v.value;
            }
        }
        s
    }

    fn feeds(
        &mut self,
        base: &Path,
        raw: Option<Spanned<Vec<Spanned<raw::RawFeed>>>>,
    ) -> Vec<FeedSource> {
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
        for (index, (at, feed)) in raw.value.into_iter().map(raw::split).enumerate() {
            let key = format!("feeds[{index}]");
            let location = self.location(base, &key, &at, feed.url, feed.path);
            let Some(location) = location else { continue };
            if !seen.insert(location.to_string()) {
                self.problem(&at, &key, format!("{location} is listed twice"));
                continue;
            }
            let name = feed
                .name
                .map(|n| n.value.trim().to_string())
                .filter(|n| !n.is_empty());
            out.push(FeedSource {
                index: FeedIndex(out.len()),
                name,
                location,
                tags: normalise_tags(feed.tags.unwrap_or_default()),
            });
        }
        out
    }
    /// Where a feed is read from: exactly one of `url` (http or https) and `path`.
    fn location(
        &mut self,
        base: &Path,
        key: &str,
        at: &Spanned<()>,
        url: Option<Spanned<String>>,
        path: Option<Spanned<String>>,
    ) -> Option<FeedLocation> {
        match (url, path) {
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
                self.problem(&url, key, "give either `url` or `path`, not both");
                None
            }
            (None, None) => {
                self.problem(
                    at,
                    key,
                    "each feed needs a `url` (or a `path` to a local file)",
                );
                None
            }
        }
    }
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
