//! The schema exactly as written in feeds.yaml. Unknown keys are errors, so a typo
//! never silently falls back to a default. Values keep their position (`Spanned`)
//! so validation can point at them.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{ContentMode, GroupBy, Overflow, Problem, Security};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub state: Option<Spanned<String>>,
    pub templates: Option<Spanned<String>>,
    pub fetch: Option<RawFetch>,
    pub feeds: Option<Spanned<Vec<Spanned<RawFeed>>>>,
    pub digests: Option<Spanned<IndexMap<String, Spanned<RawDigest>>>>,
    pub smtp: Option<RawSmtp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    pub concurrency: Option<Spanned<u64>>,
    pub per_host: Option<Spanned<u64>>,
    pub timeout: Option<Spanned<String>>,
    pub connect_timeout: Option<Spanned<String>>,
    /// A plain number of bytes or a size such as `512KiB`, `5MiB`, `10 MB`: YAML hands
    /// either over as text.
    pub max_bytes: Option<Spanned<String>>,
    pub retries: Option<Spanned<u64>>,
    pub max_redirects: Option<Spanned<u64>>,
    pub private_redirects: Option<bool>,
    pub user_agent: Option<Spanned<String>>,
}

/// An entry's position, apart from its fields: for errors about the entry as a whole.
pub(super) fn split<T>(entry: Spanned<T>) -> (Spanned<()>, T) {
    let at = Spanned {
        value: (),
        referenced: entry.referenced,
        defined: entry.defined,
    };
    (at, entry.value)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    pub url: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDigest {
    pub window: Option<Spanned<String>>,
    pub tags: Option<RawFilter<String>>,
    pub keywords: Option<RawFilter<Spanned<String>>>,
    pub max_items: Option<Spanned<u64>>,
    pub max_per_feed: Option<Spanned<u64>>,
    pub overflow: Option<Overflow>,
    pub catch_up: Option<Spanned<String>>,
    pub group_by: Option<GroupBy>,
    pub send_empty: Option<bool>,
    pub title: Option<String>,
    pub subject: Option<Spanned<String>>,
    #[serde(default)]
    pub to: Vec<Spanned<String>>,
    #[serde(default)]
    pub cc: Vec<Spanned<String>>,
    #[serde(default)]
    pub bcc: Vec<Spanned<String>>,
    pub template: Option<Spanned<String>>,
    pub content: Option<ContentMode>,
    pub excerpt_chars: Option<Spanned<u64>>,
    pub timezone: Option<Spanned<String>>,
    pub images: Option<bool>,
    pub archive: Option<Spanned<String>>,
    pub archive_url: Option<Spanned<String>>,
    pub unsubscribe: Option<Spanned<String>>,
    pub schedule: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFilter<T> {
    #[serde(default = "Vec::new")]
    pub include: Vec<T>,
    #[serde(default = "Vec::new")]
    pub exclude: Vec<T>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    pub transport: Option<Spanned<String>>,
    pub sendmail_path: Option<Spanned<String>>,
    pub host: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
    pub security: Option<Spanned<Security>>,
    pub username: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
    pub password_file: Option<Spanned<String>>,
    pub from: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub ca_file: Option<Spanned<String>>,
    pub tls_fingerprint: Option<Spanned<String>>,
    pub insecure: Option<bool>,
}

/// What `password:` in `smtp:` gets instead of "unknown field": the key people try
/// first is refused on purpose, and the message says what to write instead.
const LITERAL_PASSWORD: &str = "a password is never written in the config: give \
    `password_file: FILE` (a file only you can read) or `password_env: NAME` (an \
    environment variable) instead";

/// Parses the YAML. serde stops at the first error, so this yields one problem.
pub(super) fn from_str(text: &str) -> Result<RawConfig, Problem> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
    };
    serde_saphyr::from_str_with_options::<Option<RawConfig>>(text, options)
        .map_err(|e| {
            let (line, column) = (e.location()).map_or((0, 0), |l| (l.line(), l.column()));
            let message = e.without_snippet().to_string();
            let key = key_path_at(text, line).unwrap_or_else(|| key_from_message(&message));
            let message = match key.as_str() {
                "smtp.password" => LITERAL_PASSWORD,
                // The location is printed by our own prefix already.
                _ => (message.rsplit_once(" at line ")).map_or(message.as_str(), |(m, _)| m),
            };
            let message = message.to_string();
            Problem {
                line,
                column,
                key,
                message,
            }
        })?
        .ok_or(Problem {
            line: 0,
            column: 0,
            key: "feeds".into(),
            message: "the config file is empty".into(),
        })
}

/// serde names the offending key in its message (``unknown field `foo` ``); pull it
/// out so every problem reads `file:line:col: key: message`.
fn key_from_message(message: &str) -> String {
    ["field `", "variant `"]
        .into_iter()
        .find_map(|marker| message.split_once(marker)?.1.split_once('`'))
        .map_or("yaml".into(), |(key, _)| key.to_string())
}

/// The dotted key path of the mapping entry on `line` (1-based), found by walking up
/// to less-indented parents. Good for block-style YAML, which is what configs use;
/// `None` when the line holds no `key:`.
pub(super) fn key_path_at(text: &str, line: u64) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let idx = usize::try_from(line).ok()?.checked_sub(1)?;
    let (indent, key) = key_on_line(lines.get(idx)?)?;
    let mut path = vec![key];
    let mut limit = indent;
    for l in lines[..idx].iter().rev() {
        if limit == 0 {
            break;
        }
        if let Some((i, k)) = key_on_line(l)
            && i < limit
        {
            path.push(k);
            limit = i;
        }
    }
    path.reverse();
    Some(path.join("."))
}

/// 1-based line and column of the value of the dotted `key` (`digests.daily.subject`)
/// in block-style YAML.
pub fn position_of(text: &str, key: &str) -> Option<(u64, u64)> {
    let line = (1..=text.lines().count() as u64)
        .find(|&l| key_path_at(text, l).is_some_and(|k| k == key))?;
    let content = text.lines().nth(usize::try_from(line - 1).ok()?)?;
    let colon = content.find(':')?;
    let value = content[colon + 1..].len() - content[colon + 1..].trim_start().len();
    let column = content[..colon + 1 + value].chars().count() as u64 + 1;
    Some((line, column))
}

/// `(indent, key)` for a `key: value` line; a `- ` list marker counts as indentation.
pub(super) fn key_on_line(line: &str) -> Option<(usize, String)> {
    let body = line.trim_start_matches([' ', '-']);
    let indent = line.len() - body.len();
    if body.starts_with('#') {
        return None;
    }
    let colon = body.find(':')?;
    let key = body[..colon].trim().trim_matches(['"', '\'']);
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid.then(|| (indent, key.to_string()))
}
