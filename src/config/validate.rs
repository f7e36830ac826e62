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

    /// `value` as `parse` reads it; what `parse` refuses is a problem at `value`.
    fn check<S, T>(
        &mut self,
        value: Option<&Spanned<S>>,
        key: &str,
        parse: impl FnOnce(&S) -> Result<T, String>,
    ) -> Option<T> {
        let value = value?;
        parse(&value.value)
            .map_err(|message| self.problem(value, key, message))
            .ok()
    }

    /// Every entry of a list that `parse` accepts; each refused one is a problem.
    fn each<T>(
        &mut self,
        values: &[Spanned<String>],
        key: &str,
        parse: impl Fn(&String) -> Result<T, String>,
    ) -> Vec<T> {
        (values.iter())
            .filter_map(|v| self.check(Some(v), key, &parse))
            .collect()
    }

    fn duration(&mut self, value: Option<&Spanned<String>>, key: &str) -> Option<Duration> {
        self.check(value, key, |text| duration(text))
    }

    fn positive(&mut self, value: Option<&Spanned<u64>>, key: &str) -> Option<u64> {
        self.check(value, key, |&n| match n {
            0 => Err("must be at least 1".into()),
            n => Ok(n),
        })
    }

    pub(super) fn config(&mut self, path: &Path, raw: raw::RawConfig) -> Config {
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let templates = match raw.templates {
            Some(t) => {
                let dir = base.join(&t.value);
                if !dir.is_dir() {
                    let message = format!("{} is not a directory", dir.display());
                    self.problem(&t, "templates", message);
                }
                Some(dir)
            }
            None => Some(base.join("templates")).filter(|d| d.is_dir()),
        };
        Config {
            path: path.to_path_buf(),
            state: base.join(raw.state.map_or("feedletter.db".into(), |s| s.value)),
            templates,
            fetch: self.fetch(raw.fetch.unwrap_or_default()),
            feeds: self.feeds(&base, raw.feeds),
            digests: self.digests(&base, raw.digests),
            smtp: raw.smtp.map(|s| self.smtp(&base, s)),
        }
    }

    fn fetch(&mut self, raw: raw::RawFetch) -> FetchSettings {
        let d = FetchSettings::default();
        let pool = |n: u64| n.min(1024) as usize;
        let max_bytes = self.check(raw.max_bytes.as_ref(), "fetch.max_bytes", |b| bytes(b));
        let user_agent = self.check(raw.user_agent.as_ref(), "fetch.user_agent", |ua| {
            match ua.trim().is_empty() || ua.contains(['\r', '\n']) {
                true => Err("must be one non-empty line".into()),
                false => Ok(ua.clone()),
            }
        });
        FetchSettings {
            concurrency: (self.positive(raw.concurrency.as_ref(), "fetch.concurrency"))
                .map_or(d.concurrency, pool),
            per_host: (self.positive(raw.per_host.as_ref(), "fetch.per_host"))
                .map_or(d.per_host, pool),
            timeout: (self.duration(raw.timeout.as_ref(), "fetch.timeout")).unwrap_or(d.timeout),
            connect_timeout: (self.duration(raw.connect_timeout.as_ref(), "fetch.connect_timeout"))
                .unwrap_or(d.connect_timeout),
            max_bytes: max_bytes.unwrap_or(d.max_bytes),
            retries: raw.retries.map_or(d.retries, |v| v.value.min(10) as u32),
            max_redirects: (raw.max_redirects)
                .map_or(d.max_redirects, |v| v.value.min(20) as usize),
            private_redirects: raw.private_redirects.unwrap_or(d.private_redirects),
            user_agent: user_agent.unwrap_or(d.user_agent),
        }
    }

    fn feeds(
        &mut self,
        base: &Path,
        raw: Option<Spanned<Vec<Spanned<raw::RawFeed>>>>,
    ) -> Vec<FeedSource> {
        let Some(raw) = raw else {
            let message = "no feeds configured: add at least one `- url: ...` under `feeds:`";
            self.missing("feeds", message);
            return Vec::new();
        };
        if raw.value.is_empty() {
            let message = "the feed list is empty: add at least one `- url: ...`";
            self.problem(&raw, "feeds", message);
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
            (Some(url), None) => self.check(Some(&url), &format!("{key}.url"), |u| feed_url(u)),
            (None, Some(path)) => Some(FeedLocation::Path(base.join(&path.value))),
            (Some(url), Some(_)) => {
                self.problem(&url, key, "give either `url` or `path`, not both");
                None
            }
            (None, None) => {
                let message = "each feed needs a `url` (or a `path` to a local file)";
                self.problem(at, key, message);
                None
            }
        }
    }
}

/// The one rule for a feed's URL, which `import` follows too.
pub(crate) fn feed_url(text: &str) -> Result<FeedLocation, String> {
    match url::Url::parse(text.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(FeedLocation::Url(u))
        }
        Ok(u) => Err(format!(
            "`{text}` is not an http(s) URL (scheme `{}`)",
            u.scheme()
        )),
        Err(e) => Err(format!("`{text}` is not a URL: {e}")),
    }
}

fn duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(d) if d.is_zero() => Err("must be longer than zero".into()),
        // Far beyond any sensible window or timeout, and date arithmetic on it
        // would overflow.
        Ok(d) if d > MAX_DURATION => Err("must be at most 100 years".into()),
        Ok(d) => Ok(d),
        Err(e) => {
            // humantime's own message lists units (months, years, ns) this config has
            // no use for.
            let why = match e {
                humantime::DurationError::UnknownUnit { unit, .. } => {
                    format!(": `{unit}` is not a unit")
                }
                _ => String::new(),
            };
            Err(format!(
                "`{text}` is not a duration{why}; write e.g. 30s, 10m, 24h, 7d, 2w"
            ))
        }
    }
}

/// Parses `512KiB`, `5MiB`, `10 MB`, `1.5GiB`, `300`, and YAML's `+1_000_000`.
fn bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err("a size cannot be negative".into());
    }
    let t = t.strip_prefix('+').unwrap_or(t).replace('_', "");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().map_err(|_| {
        format!("`{s}` is not a size; write e.g. 512KiB, 10MiB or a number of bytes")
    })?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        other => {
            return Err(format!(
                "`{other}` is not a size unit; use KiB, MiB, GiB, kB, MB or GB"
            ));
        }
    };
    let bytes = num * mult as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{s}` is too large"));
    }
    match bytes as u64 {
        0 => Err("must be more than zero".into()),
        n => Ok(n),
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
