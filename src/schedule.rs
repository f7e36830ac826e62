//! When a digest is due. A digest with a `schedule` (a 5-field cron expression, read in
//! its time zone) is due once a slot has come that its last delivery did not serve, so
//! one cron line serves a daily digest and a weekly one, a failed delivery is retried
//! by the next run, and however many slots were missed, one issue goes out. Without a
//! schedule a digest is due on every run.

use chrono::{DateTime, Utc};

use crate::config::DigestConfig;
use crate::state::{State, StateError};

/// Why a digest is due, or when it will be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// No schedule: every run.
    EveryRun,
    /// Scheduled but never delivered: the first run sends the first issue.
    FirstIssue,
    /// This slot came after the last delivery (the oldest one owed, if several were missed).
    Slot(DateTime<Utc>),
    /// Not due; the next slot.
    NotUntil(Option<DateTime<Utc>>),
}

/// Whether `digest` is due at `now`, given its last delivery.
pub(crate) fn due(digest: &DigestConfig, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Due {
    match (&digest.schedule, last) {
        (None, _) => Due::EveryRun,
        (Some(_), None) => Due::FirstIssue,
        (Some(schedule), Some(last)) => match schedule.after(digest.timezone, last) {
            Some(slot) if slot <= now => Due::Slot(slot),
            _ => Due::NotUntil(schedule.after(digest.timezone, now)),
        },
    }
}

/// `YYYY-MM-DD HH:MM` in the digest's zone, with the zone's name.
pub(crate) fn local_time(digest: &DigestConfig, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&digest.timezone);
    format!("{} {}", local.format("%Y-%m-%d %H:%M"), digest.timezone)
}

/// One line on a scheduled digest: its schedule, last delivery and next slot, for
/// `check` and `explain`. `None` for a digest without a schedule.
pub(crate) fn describe(
    digest: &DigestConfig,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<String> {
    let schedule = digest.schedule.as_ref()?;
    let last_text = last.map_or("never delivered".to_string(), |t| {
        format!("last delivered {}", local_time(digest, t))
    });
    let next = schedule
        .after(digest.timezone, now)
        .map_or("no next slot".into(), |t| {
            format!("next slot {}", local_time(digest, t))
        });
    let due_now = match due(digest, last, now) {
        Due::FirstIssue => "; due now (the first run sends the first issue)".to_string(),
        Due::Slot(slot) => format!("; due now (slot {} not sent)", local_time(digest, slot)),
        _ => String::new(),
    };
    Some(format!(
        "{}: schedule \"{}\"; {last_text}; {next}{due_now}",
        digest.name, schedule.text
    ))
}

/// The digests a run without names sends: those due now. At -v it says when each
/// other one is due, and which comes next when none is due now.
pub(crate) fn due_now<'c>(
    digests: Vec<&'c DigestConfig>,
    state: &State,
    now: DateTime<Utc>,
    preview: bool,
) -> Result<Vec<&'c DigestConfig>, StateError> {
    let mut chosen = Vec::new();
    let mut next: Option<(DateTime<Utc>, &DigestConfig)> = None;
    for digest in digests {
        match due(digest, state.last_delivery(&digest.name)?, now) {
            Due::NotUntil(slot) => {
                let when = slot.map_or("never".into(), |t| local_time(digest, t));
                log::debug!("{}: not due until {when}", digest.name);
                if let Some(t) = slot.filter(|t| next.is_none_or(|(n, _)| *t < n)) {
                    next = Some((t, digest));
                }
                continue;
            }
            Due::FirstIssue => log::info!(
                "{}: never delivered, so due now: this is its first issue",
                digest.name
            ),
            Due::Slot(t) => log::debug!("{}: due since {}", digest.name, local_time(digest, t)),
            Due::EveryRun => {}
        }
        chosen.push(digest);
    }
    if let (true, Some((t, digest))) = (chosen.is_empty(), next) {
        let next = format!("next: {} at {}", digest.name, local_time(digest, t));
        match preview {
            true => log::info!("nothing is due ({next}); name a digest to preview it anyway"),
            false => log::debug!("nothing is due; {next}"),
        }
    }
    Ok(chosen)
}

/// A line per scheduled digest, for `check`: its last delivery (read from the state,
/// never written) and next slot.
pub(crate) fn lines(
    config: &crate::config::Config,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StateError> {
    if config.digests.iter().all(|d| d.schedule.is_none()) {
        return Ok(Vec::new());
    }
    let state = State::open_scratch(&config.state)?;
    let mut lines = Vec::new();
    for digest in &config.digests {
        lines.extend(describe(digest, state.last_delivery(&digest.name)?, now));
    }
    Ok(lines)
}
