//! `feedletter explain DIGEST`: why each item the feeds offer is in the digest or not.
//!
//! It fetches as a preview does (nothing recorded, no conditional requests) and prints
//! the trace that selection itself produces, so its answer is what a run would do.

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Config, DigestConfig};
use crate::error::{Error, ExitStatus};
use crate::progress::Progress;
use crate::select::{self, Candidate, Trace, Verdict};
use crate::state::State;
use crate::table::Table;
use crate::{gather, schedule};

/// What `feedletter explain` was asked to do.
#[derive(Debug, Clone)]
pub struct ExplainOptions {
    pub digest: String,
    /// Show only items whose title contains this, in any case.
    pub title_match: Option<String>,
    pub json: bool,
    pub now: DateTime<Utc>,
    pub progress: bool,
}

/// One line of the answer, as printed and as JSON.
#[derive(Debug, Serialize)]
struct Line {
    date: DateTime<Utc>,
    feed: String,
    title: String,
    link: Option<String>,
    verdict: &'static str,
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct Answer {
    digest: String,
    window_start: DateTime<Utc>,
    items: Vec<Line>,
}

pub fn explain(
    config: &Config,
    options: &ExplainOptions,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let digest = crate::run::digest_named(config, &options.digest)?;
    // Fetched and recorded like a preview: into a scratch copy of the state, so the
    // real file is never written and item texts stay out of memory.
    let state = State::open_scratch(&config.state)?;
    let progress = Progress::new(options.progress, config.feeds.len());
    let gathered = gather::gather(config, &state, options.now, false, &|feed| {
        progress.feed_done(feed)
    })?;
    drop(progress);
    for report in &gathered.reports {
        if let Some(error) = report.error() {
            log::warn!("feed {} ({}): {error}", report.name, report.location);
        }
    }
    let sent = state.sent(&digest.name)?;
    let trace = select::trace(digest, &gathered.feeds, options.now, &sent);
    let needle = options.title_match.as_deref().map(str::to_lowercase);
    let items: Vec<Line> = (trace.candidates.iter())
        .filter(|c| (needle.as_deref()).is_none_or(|n| c.item.title.to_lowercase().contains(n)))
        .map(|c| line(&state, digest, &trace, c))
        .collect();
    if options.json {
        let answer = Answer {
            digest: digest.name.clone(),
            window_start: trace.since,
            items,
        };
        let json = serde_json::to_string_pretty(&answer)
            .map_err(|e| Error::Preview(format!("cannot write JSON: {e}")))?;
        writeln!(out, "{json}")?;
    } else {
        let note = window_note(digest, options.now, trace.since, sent.last_delivery());
        let (name, since) = (&digest.name, time(trace.since));
        writeln!(out, "{name}: items from {since} ({note})")?;
        if let Some(line) = schedule::describe(digest, sent.last_delivery(), options.now) {
            writeln!(out, "{line}")?;
        }
        let mut table = Table::new(vec!["DATE", "VERDICT", "REASON", "FEED", "TITLE"]);
        for l in items {
            table.row(vec![
                l.date.format("%Y-%m-%d %H:%M").to_string(),
                l.verdict.to_string(),
                l.reason.unwrap_or_default(),
                l.feed,
                l.title,
            ]);
        }
        table.write(out)?;
    }
    Ok(ExitStatus::Success)
}

fn line(state: &State, digest: &DigestConfig, trace: &Trace, c: &Candidate) -> Line {
    let (verdict, reason) = match &c.verdict {
        Verdict::Selected => ("selected", None),
        Verdict::Window { age } => (
            "window",
            Some(format!("{} old", short_duration(age.num_seconds()))),
        ),
        Verdict::TagInclude => (
            "tag include",
            Some(format!("none of {}", digest.include_tags.join(", "))),
        ),
        Verdict::TagExclude(tag) => ("tag exclude", Some(tag.clone())),
        Verdict::Keyword => {
            // The item's texts are in the state, not in memory; texts it cannot give
            // back leave the reason to the title alone.
            let mut item = c.item.clone();
            let _ = state.load_texts(&c.feed.location, &item.key, &mut item.texts);
            ("keyword", Some(select::keyword_reason(digest, &item)))
        }
        Verdict::AlreadySent { at, cut } => (
            "already sent",
            Some(time(*at) + if *cut { ", cut by the caps" } else { "" }),
        ),
        Verdict::DuplicateOf { winner } => (
            "duplicate of",
            trace.candidates.get(*winner).map(|w| w.feed.name.clone()),
        ),
        Verdict::CutByMaxItems => ("cut by max_items", None),
        Verdict::CutByMaxPerFeed => ("cut by max_per_feed", None),
    };
    Line {
        date: c.date,
        feed: c.feed.name.clone(),
        title: c.item.title.clone(),
        link: c.item.link.clone(),
        verdict,
        reason,
    }
}

/// Why the window starts where it does: the usual span, the last delivery (items it
/// still owes), or the catch-up bound.
fn window_note(
    digest: &DigestConfig,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
    last_delivery: Option<DateTime<Utc>>,
) -> String {
    let window = short_duration(digest.window.as_secs() as i64);
    let usual = select::window_start(digest, now, None);
    match last_delivery {
        Some(last) if since < usual && last == since => "the last delivery".to_string(),
        Some(last) if since < usual => format!(
            "the last {window} + catch_up {}; the last delivery was {}",
            short_duration(digest.catch_up.as_secs() as i64),
            time(last)
        ),
        _ => format!("the last {window}"),
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "3d 2h", "5h 10m", "40m": an age at a glance.
fn short_duration(secs: i64) -> String {
    let minutes = secs.max(0) / 60;
    let (d, h, m) = (minutes / (24 * 60), minutes / 60 % 24, minutes % 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::short_duration;

    #[test]
    fn ages_read_at_a_glance() {
        assert_eq!(short_duration(40 * 60 + 5), "40m");
        assert_eq!(short_duration(5 * 3600), "5h");
        assert_eq!(short_duration(5 * 3600 + 600), "5h 10m");
        assert_eq!(short_duration(24 * 3600), "1d");
        assert_eq!(short_duration(3 * 86400 + 2 * 3600 + 59), "3d 2h");
    }
}
