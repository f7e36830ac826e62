//! `feedletter run`: the whole pipeline. Fetch once, then each digest on its own
//! (`run_digest`), so that one digest's failure never stops the others.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{Config, DigestConfig};
use crate::deliver::preview::{self, DigestOutput, PreviewFormat};
use crate::digest::{DigestRun, run_digest};
use crate::error::Error;
use crate::model::FeedReport;
use crate::outcome::{DigestError, DigestFailure, DigestOutcome, DigestSummary};
use crate::progress::Progress;
use crate::render::{Renderer, RunContext};
use crate::state::{self, State};
use crate::{deliver, gather, label, outcome, preflight, schedule, select};

/// How long the state remembers items beyond the farthest a digest reaches (its
/// window plus `catch_up`), so a window that is briefly widened still finds them.
const STATE_MARGIN: Duration = Duration::from_secs(30 * 24 * 3600);

/// What `feedletter run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Digest names; empty = all.
    pub digests: Vec<String>,
    /// `Some` = preview in this format, send nothing, write no state.
    pub preview: Option<PreviewFormat>,
    pub out: Option<PathBuf>,
    pub now: DateTime<Utc>,
    /// Wait for another run to finish instead of exiting at once.
    pub wait: bool,
    /// Draw a progress bar while fetching, if stderr is a terminal.
    pub progress: bool,
}

/// What a run did, for the caller to summarise.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub reports: Vec<FeedReport>,
    pub digests: Vec<DigestSummary>,
}

/// Runs the pipeline for the chosen digests.
pub fn run(config: &Config, options: &RunOptions) -> Result<RunSummary, Error> {
    let now = options.now;
    let preview = options.preview;
    preflight::check(config, options.preview, options.out.as_deref())?;
    let digests = choose_digests(config, &options.digests)?;
    let renderer = Renderer::new(config.templates.as_deref());
    for digest in &digests {
        renderer.check_template(&digest.template)?;
    }
    let smtp = config.smtp.as_ref();
    if preview.is_none() && smtp.is_none() {
        return Err(Error::Usage(format!(
            "{} has no `smtp:` section; add one to send, or preview with --dry-run",
            config.path.display()
        )));
    }
    if let Some(warning) = smtp
        .and_then(|s| s.password.as_ref())
        .and_then(deliver::smtp::permission_warning)
    {
        log::warn!("{warning}");
    }

    // A preview never writes the state, so it needs no lock: it records into a
    // throw-away copy, which keeps item texts out of memory the same way.
    let (_lock, mut state) = match preview {
        Some(_) => (None, State::open_scratch(&config.state)?),
        None => (
            Some(state::lock(&config.state, options.wait)?),
            State::open(&config.state)?,
        ),
    };
    // Named digests are sent now; otherwise only those due: with none, nothing is fetched.
    let digests = match options.digests.is_empty() {
        true => schedule::due_now(digests, &state, now, preview.is_some())?,
        false => digests,
    };
    if digests.is_empty() {
        return Ok(RunSummary::default());
    }

    // Every fetch is recorded as it completes (one transaction), and item texts
    // stay in the state, not in memory.
    let progress = Progress::new(options.progress, config.feeds.len());
    let on_feed = |feed: &_| progress.feed_done(feed);
    let gather::Gathered { feeds, reports } =
        gather::gather(config, &state, now, preview.is_none(), &on_feed)?;
    drop(progress);
    warn_about_feeds(config, &reports);

    // Each digest on its own: one that fails is reported at the end, the others go on.
    let mut run = DigestRun {
        state: &mut state,
        renderer: &renderer,
        feeds: &feeds,
        context: RunContext {
            now,
            reports: &reports,
        },
        smtp,
        preview: preview.is_some(),
    };
    let outcomes: Vec<_> = digests
        .into_iter()
        .map(|digest| run_digest(&mut run, digest))
        .collect();
    finish(config, options, &mut state, reports, outcomes)
}

fn warn_about_feeds(config: &Config, reports: &[FeedReport]) {
    for report in reports {
        if let Some(error) = report.error() {
            let label = label::feed_label(&report.name, report.location.as_str());
            log::warn!("feed {label}: {error}");
        } else if let Some(to) = &report.moved_to {
            log::warn!(
                "feed {} has moved to {to}: update {}",
                report.name,
                config.path.display()
            );
        }
        if let Some(warning) = &report.warning {
            log::warn!("feed {} ({}): {warning}", report.name, report.location);
        }
    }
}

/// Writes the preview or tidies the state, then turns the digests' outcomes into the
/// run's result.
fn finish(
    config: &Config,
    options: &RunOptions,
    state: &mut State,
    reports: Vec<FeedReport>,
    outcomes: Vec<(DigestSummary, DigestOutcome<'_>)>,
) -> Result<RunSummary, Error> {
    let mut outputs = Vec::new();
    let mut failures = Vec::new();
    let mut digests = Vec::new();
    for (summary, outcome) in outcomes {
        let mut failed = |error| {
            let digest = summary.name.clone();
            failures.push(DigestFailure { digest, error });
        };
        match outcome {
            DigestOutcome::Previewed(output) => outputs.push(output),
            DigestOutcome::Skipped => {}
            DigestOutcome::Sent {
                refused,
                delivered_to,
                archive,
            } => {
                if !refused.is_empty() {
                    failed(DigestError::Refused {
                        refused,
                        delivered_to,
                    });
                }
                if let Some(error) = archive {
                    failed(DigestError::Archive(error));
                }
            }
            DigestOutcome::Failed(error) => failed(error),
        }
        digests.push(summary);
    }
    let longest = config.digests.iter().map(select::reach).max();
    let finished = match options.preview {
        Some(format) => write_preview(config, options, format, &reports, &outputs),
        None => Ok(state.prune(
            options.now,
            longest.unwrap_or_default().saturating_add(STATE_MARGIN),
        )?),
    };
    if let Err(e) = finished {
        // The run's own error is the one returned; the digests' are not lost.
        for line in outcome::lines(&failures).lines() {
            log::error!("{line}");
        }
        return Err(e);
    }
    match failures.is_empty() {
        true => Ok(RunSummary { reports, digests }),
        false => Err(Error::Digests(failures)),
    }
}

fn write_preview(
    config: &Config,
    options: &RunOptions,
    format: PreviewFormat,
    reports: &[FeedReport],
    outputs: &[DigestOutput<'_>],
) -> Result<(), Error> {
    let bytes = preview::render(format, options.now, reports, outputs, config.smtp.as_ref())
        .map_err(Error::Preview)?;
    preview::write(options.out.as_deref(), &bytes).map_err(|e| {
        let to = (options.out.as_ref()).map_or("stdout".into(), |p| p.display().to_string());
        Error::Preview(format!("cannot write the preview to {to}: {e}"))
    })
}

fn choose_digests<'c>(
    config: &'c Config,
    names: &[String],
) -> Result<Vec<&'c DigestConfig>, Error> {
    match names.is_empty() {
        true => Ok(config.digests.iter().collect()),
        false => names
            .iter()
            .map(|name| digest_named(config, name))
            .collect(),
    }
}

pub(crate) fn digest_named<'c>(config: &'c Config, name: &str) -> Result<&'c DigestConfig, Error> {
    config.digest(name).ok_or_else(|| {
        let known: Vec<&str> = config.digests.iter().map(|d| d.name.as_str()).collect();
        Error::Usage(format!(
            "no digest named `{name}` in {}; known digests: {}",
            config.path.display(),
            known.join(", ")
        ))
    })
}
