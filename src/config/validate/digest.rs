//! Digest definitions: window, filters, caps, recipients, template, time zone.

use std::path::Path;
use std::time::Duration;

use indexmap::IndexMap;
use lettre::message::Mailbox;
use regex::Regex;
use serde_saphyr::Spanned;

use super::{Validator, normalise_tags};
use crate::config::{ArchiveConfig, ContentMode, DigestConfig, GroupBy, Overflow, Schedule, raw};
use crate::model::DigestIndex;

/// Long enough for a mail server down over a long weekend, or one missed weekly run;
/// short enough that a digest back from months of silence does not send all of them.
const DEFAULT_CATCH_UP: Duration = Duration::from_secs(7 * 24 * 3600);

const DEFAULT_SUBJECT: &str = "{{ title }} — {{ date }} ({{ items|length }} items)";

impl Validator {
    pub(super) fn digests(
        &mut self,
        base: &Path,
        raw: Option<Spanned<IndexMap<String, Spanned<raw::RawDigest>>>>,
    ) -> Vec<DigestConfig> {
        const NONE: &str = "no digests configured: add one under `digests:`";
        let Some(raw) = raw else {
            self.missing("digests", NONE);
            return Vec::new();
        };
        if raw.value.is_empty() {
            self.problem(&raw, "digests", NONE);
        }
        (raw.value.into_iter().enumerate())
            .map(|(i, (name, d))| self.digest(base, DigestIndex(i), name, raw::split(d)))
            .collect()
    }

    /// A digest with problems still yields its settings, defaults standing in for
    /// the invalid values, so `check` can render its templates; the config as a whole
    /// is refused all the same.
    fn digest(
        &mut self,
        base: &Path,
        index: DigestIndex,
        name: String,
        (at, d): (Spanned<()>, raw::RawDigest),
    ) -> DigestConfig {
        let key = |field: &str| format!("digests.{name}.{field}");
        if name.trim().is_empty() || name.contains(char::is_whitespace) {
            let message = "a digest name must be one word (it is used on the command line)";
            self.problem(&at, format!("digests.{name}"), message);
        }
        let (include_tags, exclude_tags) = (d.tags)
            .map(|t| (normalise_tags(t.include), normalise_tags(t.exclude)))
            .unwrap_or_default();
        let (include_keywords, exclude_keywords) = match d.keywords {
            Some(k) => (
                self.each(&k.include, &key("keywords.include"), regex),
                self.each(&k.exclude, &key("keywords.exclude"), regex),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let max_items = match &d.max_items {
            Some(v) => self.positive(Some(v), &key("max_items")).unwrap_or(1) as usize,
            None => 50,
        };
        let (to, cc, bcc) = self.recipients(&at, &name, d.to, d.cc, d.bcc);
        let template = match &d.template {
            None => "digest".to_string(),
            t => {
                (self.check(t.as_ref(), &key("template"), |t| template_name(t))).unwrap_or_default()
            }
        };
        DigestConfig {
            title: (d.title)
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(name.clone()),
            index,
            window: (self.duration(d.window.as_ref(), &key("window")))
                .unwrap_or(Duration::from_secs(24 * 3600)),
            include_tags,
            exclude_tags,
            include_keywords,
            exclude_keywords,
            max_items,
            max_per_feed: (self.positive(d.max_per_feed.as_ref(), &key("max_per_feed")))
                .map(|v| v as usize),
            overflow: d.overflow.unwrap_or(Overflow::Drop),
            catch_up: (self.duration(d.catch_up.as_ref(), &key("catch_up")))
                .unwrap_or(DEFAULT_CATCH_UP),
            group_by: d.group_by.unwrap_or(GroupBy::None),
            send_empty: d.send_empty.unwrap_or(false),
            subject: (d.subject).map_or_else(|| DEFAULT_SUBJECT.to_string(), |s| s.value),
            to,
            cc,
            bcc,
            template,
            content: d.content.unwrap_or(ContentMode::Excerpt),
            excerpt_chars: (self.positive(d.excerpt_chars.as_ref(), &key("excerpt_chars")))
                .map_or(300, |v| v as usize),
            timezone: (self.check(d.timezone.as_ref(), &key("timezone"), timezone))
                .unwrap_or(chrono_tz::UTC),
            images: d.images.unwrap_or(true),
            archive: self.archive(base, d.archive, d.archive_url, &key("archive_url")),
            unsubscribe: self.check(d.unsubscribe.as_ref(), &key("unsubscribe"), unsubscribe),
            schedule: self.check(d.schedule.as_ref(), &key("schedule"), |s| {
                Schedule::parse(s.trim())
            }),
            name,
        }
    }

    /// All three lists together decide whether the digest reaches anyone, so they are
    /// checked as one.
    fn recipients(
        &mut self,
        at: &Spanned<()>,
        name: &str,
        to: Vec<Spanned<String>>,
        cc: Vec<Spanned<String>>,
        bcc: Vec<Spanned<String>>,
    ) -> (Vec<Mailbox>, Vec<Mailbox>, Vec<Mailbox>) {
        let keys = ["to", "cc", "bcc"].map(|k| format!("digests.{name}.{k}"));
        let [to, cc, bcc] = [(to, &keys[0]), (cc, &keys[1]), (bcc, &keys[2])]
            .map(|(list, key)| self.each(&list, key, mailbox));
        // A list refused by the schema check is reported there, not as missing here.
        let refused = keys.iter().any(|k| self.removed.contains(k));
        if to.is_empty() && cc.is_empty() && bcc.is_empty() && !refused {
            let message = "has no recipients: add `to: [you@example.com]`";
            self.problem(at, format!("digests.{name}"), message);
        }
        (to, cc, bcc)
    }

    fn archive(
        &mut self,
        base: &Path,
        dir: Option<Spanned<String>>,
        url: Option<Spanned<String>>,
        key: &str,
    ) -> Option<ArchiveConfig> {
        let parsed = self.check(url.as_ref(), key, |u| match url::Url::parse(u) {
            Ok(mut parsed) if matches!(parsed.scheme(), "http" | "https") => {
                // Issue pages are joined onto it: without the slash the last path
                // segment would be replaced instead of extended.
                if !parsed.path().ends_with('/') {
                    parsed.set_path(&format!("{}/", parsed.path()));
                }
                Ok(parsed)
            }
            _ => Err(format!("`{u}` is not an http(s) URL")),
        });
        match (dir, url) {
            (Some(dir), _) => Some(ArchiveConfig {
                dir: base.join(&dir.value),
                url: parsed,
            }),
            (None, Some(at)) if parsed.is_some() => {
                self.problem(&at, key, "needs `archive: DIR`, the directory it serves");
                None
            }
            (None, _) => None,
        }
    }
}

fn regex(text: &String) -> Result<Regex, String> {
    Regex::new(text).map_err(|e| {
        let message = e.to_string();
        let last_line = message.lines().last().unwrap_or_default().trim();
        format!("`{text}` is not a valid regex: {last_line}")
    })
}

fn mailbox(text: &String) -> Result<Mailbox, String> {
    (text.parse::<Mailbox>()).map_err(|e| format!("`{text}` is not an email address ({e})"))
}

/// A template name stands for files (`NAME.html.j2`, `NAME.txt.j2`), so it may only
/// be a plain stem, never a path.
fn template_name(name: &str) -> Result<String, String> {
    match !name.is_empty()
        && (name.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        true => Ok(name.to_string()),
        false => Err("a template name is a plain file stem like `digest`".into()),
    }
}

fn timezone(tz: &String) -> Result<chrono_tz::Tz, String> {
    (tz.parse()).map_err(|_| format!("`{tz}` is not an IANA time zone such as Europe/Paris"))
}

fn unsubscribe(u: &String) -> Result<url::Url, String> {
    match url::Url::parse(u) {
        Ok(url) if matches!(url.scheme(), "mailto" | "https") => Ok(url),
        _ => Err(format!("`{u}` is not a mailto: or https: address")),
    }
}
