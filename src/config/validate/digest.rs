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
        raw: Option<Spanned<IndexMap<raw::Name, Spanned<raw::RawDigest>>>>,
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
            .map(|(name, d)| self.digest(base, name, raw::split(d)))
            .collect();
        for (index, digest) in digests.iter_mut().enumerate() {
            digest.index = DigestIndex(index);
        }
        digests
    }

    /// A digest with problems still yields its settings, defaults standing in for
    /// the invalid values, so `check` can render its templates; the config as a whole
    /// is refused all the same.
    fn digest(
        &mut self,
        base: &Path,
        name: raw::Name,
        (at, d): (Spanned<()>, raw::RawDigest),
    ) -> DigestConfig {
        let name = name.0.value;
        let key = |field: &str| format!("digests.{name}.{field}");
        self.one_word(&at, &name);
        let window = (d.window.as_ref()).and_then(|w| self.duration(w, &key("window")));
        let catch_up = (d.catch_up.as_ref()).and_then(|c| self.duration(c, &key("catch_up")));
        let (include_tags, exclude_tags) = (d.tags)
            .map(|t| (normalise_tags(t.include), normalise_tags(t.exclude)))
            .unwrap_or_default();
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
        let excerpt_chars = (d.excerpt_chars.as_ref())
            .and_then(|v| self.positive(v, &key("excerpt_chars")))
            .map_or(300, |v| v as usize);
        let (to, cc, bcc) = self.recipients(&at, &name, d.to, d.cc, d.bcc);
        let template = self.template_name(d.template, &key("template"));
        let timezone = self.timezone(d.timezone, &key("timezone"));
        let archive = self.archive(base, d.archive, d.archive_url, &name);
        let unsubscribe = d
            .unsubscribe
            .and_then(|u| self.unsubscribe(u, key("unsubscribe")));
        let schedule = d.schedule.and_then(|s| {
            Schedule::parse(s.value.trim())
                .map_err(|e| self.problem(&s, key("schedule"), e))
                .ok()
        });
        DigestConfig {
            title: d
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(name.clone()),
            name,
            index: DigestIndex::default(),
            window: window.unwrap_or(Duration::from_secs(24 * 3600)),
            include_tags,
            exclude_tags,
            include_keywords,
            exclude_keywords,
            max_items,
            max_per_feed,
            overflow: d.overflow.unwrap_or(Overflow::Drop),
            catch_up: catch_up.unwrap_or(DEFAULT_CATCH_UP),
            group_by: d.group_by.unwrap_or(GroupBy::None),
            send_empty: d.send_empty.unwrap_or(false),
            subject: d
                .subject
                .map_or_else(|| DEFAULT_SUBJECT.to_string(), |s| s.value),
            to,
            cc,
            bcc,
            template,
            content: d.content.unwrap_or(ContentMode::Excerpt),
            excerpt_chars,
            timezone,
            images: d.images.unwrap_or(true),
            archive,
            unsubscribe,
            schedule,
        }
    }

    fn one_word(&mut self, at: &Spanned<()>, name: &str) {
        if name.trim().is_empty() || name.contains(char::is_whitespace) {
            self.problem(
                at,
                format!("digests.{name}"),
                "a digest name must be one word (it is used on the command line)",
            );
        }
    }

    fn unsubscribe(&mut self, u: Spanned<String>, key: String) -> Option<url::Url> {
        match url::Url::parse(&u.value) {
            Ok(url) if matches!(url.scheme(), "mailto" | "https") => Some(url),
            _ => {
                let message = format!("`{}` is not a mailto: or https: address", u.value);
                self.problem(&u, key, message);
                None
            }
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
        let to = self.mailboxes(to, &format!("digests.{name}.to"));
        let cc = self.mailboxes(cc, &format!("digests.{name}.cc"));
        let bcc = self.mailboxes(bcc, &format!("digests.{name}.bcc"));
        // A list refused by the schema check is reported there, not as missing here.
        let refused = ["to", "cc", "bcc"]
            .iter()
            .any(|k| self.removed.contains(&format!("digests.{name}.{k}")));
        if to.is_empty() && cc.is_empty() && bcc.is_empty() && !refused {
            self.problem(
                at,
                format!("digests.{name}"),
                "has no recipients: add `to: [you@example.com]`",
            );
        }
        (to, cc, bcc)
    }

    /// A template name stands for files (`NAME.html.j2`, `NAME.txt.j2`), so it may only
    /// be a plain stem, never a path.
    fn template_name(&mut self, template: Option<Spanned<String>>, key: &str) -> String {
        match template {
            Some(t) if is_template_name(&t.value) => t.value,
            Some(t) => {
                self.problem(
                    &t,
                    key,
                    "a template name is a plain file stem like `digest`",
                );
                String::new()
            }
            None => "digest".to_string(),
        }
    }

    fn timezone(&mut self, timezone: Option<Spanned<String>>, key: &str) -> chrono_tz::Tz {
        let Some(tz) = timezone else {
            return chrono_tz::UTC;
        };
        match tz.value.parse::<chrono_tz::Tz>() {
            Ok(zone) => zone,
            Err(_) => {
                self.problem(
                    &tz,
                    key,
                    format!(
                        "`{}` is not an IANA time zone such as Europe/Paris",
                        tz.value
                    ),
                );
                chrono_tz::UTC
            }
        }
    }

    fn archive(
        &mut self,
        base: &Path,
        dir: Option<Spanned<String>>,
        url: Option<Spanned<String>>,
        name: &str,
    ) -> Option<ArchiveConfig> {
        let url = url.and_then(|u| match url::Url::parse(&u.value) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {
                let mut parsed = parsed;
                // Issue pages are joined onto it: without the slash the last path
                // segment would be replaced instead of extended.
                if !parsed.path().ends_with('/') {
                    parsed.set_path(&format!("{}/", parsed.path()));
                }
                Some((u, parsed))
            }
            _ => {
                self.problem(
                    &u,
                    format!("digests.{name}.archive_url"),
                    format!("`{}` is not an http(s) URL", u.value),
                );
                None
            }
        });
        match (dir, url) {
            (Some(dir), url) => Some(ArchiveConfig {
                dir: base.join(&dir.value),
                url: url.map(|(_, u)| u),
            }),
            (None, Some((at, _))) => {
                self.problem(
                    &at,
                    format!("digests.{name}.archive_url"),
                    "needs `archive: DIR`, the directory it serves",
                );
                None
            }
            (None, None) => None,
        }
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
}

fn is_template_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}
