//! feedletter: feeds.yaml → parallel fetch → parse → store → select → render →
//! deliver → mark sent.
//!
//! [`run`] is the whole pipeline in one readable function; each stage lives in its
//! own module with one entry point and typed input and output.

pub mod alloc;
pub mod check;
pub mod cli;
pub mod config;
pub mod deliver;
pub mod fetch;
pub mod gather;
pub mod import;
pub mod logging;
pub mod model;
pub mod parse;
pub mod progress;
pub mod render;
pub mod report;
pub mod select;
pub mod state;
pub mod table;
pub mod text;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{Config, ConfigError, DigestConfig};
use crate::deliver::preview::{self, DigestOutput, PreviewFormat};
use crate::model::FeedReport;
use crate::progress::Progress;
use crate::render::{Renderer, RunContext};
use crate::state::{SentItem, State, StateError};

/// How long the state remembers items beyond the longest digest window, so a
/// window that is briefly widened still finds them.
const STATE_MARGIN: Duration = Duration::from_secs(30 * 24 * 3600);

/// The process exit status. Stable, because cron wrappers and scripts branch on it;
/// the README has the same table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum ExitStatus {
    /// Done: digests sent or previewed, including "nothing new" and runs where some
    /// feeds failed (those are reported, and retried next run).
    Success = 0,
    /// A runtime failure: delivery, rendering, the state, writing output; for `check`,
    /// a feed or the SMTP server that failed its probe.
    Failure = 1,
    /// Invalid config, command line or input file: nothing was attempted.
    Usage = 2,
    /// Another run holds the lock on the state file.
    Locked = 3,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}

/// Errors that end a run. Per-feed failures are not among them: they are reported
/// and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot start fetching: {0}")]
    FetchSetup(#[from] fetch::FetchSetupError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{0}")]
    Preview(String),
    #[error("{}", .0.iter().map(|(d, e)| format!("digest {d} was not delivered: {e}")).collect::<Vec<_>>().join("\n"))]
    Delivery(Vec<(String, deliver::smtp::DeliveryError)>),
    #[error(transparent)]
    Import(#[from] import::ImportError),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    /// The process exit status for this error (see the README's table).
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Config(_) | Error::Usage(_) | Error::Import(_) => ExitStatus::Usage,
            Error::State(StateError::Locked { .. }) => ExitStatus::Locked,
            _ => ExitStatus::Failure,
        }
    }
}

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
#[derive(Debug)]
pub struct RunSummary {
    pub reports: Vec<FeedReport>,
    pub digests: Vec<DigestSummary>,
}

#[derive(Debug)]
pub struct DigestSummary {
    pub name: String,
    pub items: usize,
    pub omitted: usize,
    pub sent: bool,
}

/// Runs the pipeline for the chosen digests.
pub fn run(config: &Config, options: &RunOptions) -> Result<RunSummary, Error> {
    let now = options.now;
    let preview = options.preview;
    let digests = choose_digests(config, &options.digests)?;
    let renderer = Renderer::new(config.templates.as_deref());
    for digest in &digests {
        renderer.check_template(&digest.template)?;
    }
    let smtp = match (preview, &config.smtp) {
        (None, None) => {
            return Err(Error::Usage(format!(
                "{} has no `smtp:` section; add one to send, or preview with --dry-run",
                config.path.display()
            )));
        }
        (_, smtp) => smtp.as_ref(),
    };

    // A preview reads the state and never writes it, so it needs no lock.
    let _lock = match preview {
        Some(_) => None,
        None => Some(state::lock(&config.state, options.wait)?),
    };
    let mut state = match preview {
        Some(_) => State::open_read_only(&config.state)?,
        None => State::open(&config.state)?,
    };

    // A real run records every fetch as it completes (one transaction) and keeps
    // item texts in the state, not in memory.
    let progress = Progress::new(options.progress, config.feeds.len());
    let gathered = gather::gather(config, &state, now, preview.is_none(), &|feed| {
        progress.feed_done(feed)
    })
    .map_err(Error::from)?;
    drop(progress);
    let feeds = gathered.feeds;
    for report in &gathered.reports {
        if let Some(error) = report.error() {
            log::warn!("feed {} ({}): {error}", report.name, report.location);
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
    let reports = gathered.reports;

    let run_context = RunContext {
        now,
        reports: &reports,
    };
    let mut summaries = Vec::new();
    let mut outputs = Vec::new();
    let mut failures = Vec::new();
    for digest in digests {
        let sent = state.sent(&digest.name)?;
        let mut selection = select::select(digest, &feeds, now, &|feed, item| {
            let link = item.link.as_deref().and_then(text::canonical_link);
            sent.contains(&feed.location, &item.key, link.as_deref())
        });
        if preview.is_none() {
            for item in &mut selection.items {
                (item.summary, item.content) = state.item_texts(&item.feed_url, &item.key)?;
            }
        }
        let rendered = renderer.render(digest, &selection, &run_context)?;
        log::info!(
            "{}: {} feeds ok, {} failed; {} items selected{}",
            digest.name,
            reports.iter().filter(|r| r.error().is_none()).count(),
            reports.iter().filter(|r| r.error().is_some()).count(),
            selection.items.len(),
            if selection.omitted > 0 {
                format!(" ({} more not shown)", selection.omitted)
            } else {
                String::new()
            }
        );
        let mut summary = DigestSummary {
            name: digest.name.clone(),
            items: selection.items.len(),
            omitted: selection.omitted,
            sent: false,
        };
        if preview.is_some() {
            outputs.push(DigestOutput {
                digest,
                selection,
                rendered,
            });
        } else if selection.items.is_empty() && !digest.send_empty {
            log::info!(
                "{}: nothing new, nothing sent (send_empty is off)",
                digest.name
            );
        } else if let Some(smtp) = smtp {
            match deliver::deliver(smtp, digest, &rendered, now) {
                Ok(message_id) => {
                    // Only now, after the server accepted the message, do the items
                    // count as sent. A crash between the two means one repeat, never a loss.
                    state.mark_sent(
                        &digest.name,
                        &sent_items(&selection),
                        now,
                        message_id.as_deref(),
                    )?;
                    log::info!("{}: sent {} items", digest.name, selection.items.len());
                    summary.sent = true;
                }
                Err(e) => failures.push((digest.name.clone(), e)),
            }
        }
        summaries.push(summary);
    }

    match preview {
        Some(format) => {
            let bytes = preview::render(format, now, &reports, &outputs, config.smtp.as_ref())
                .map_err(Error::Preview)?;
            preview::write(options.out.as_deref(), &bytes).map_err(|e| {
                Error::Preview(format!(
                    "cannot write the preview to {}: {e}",
                    options
                        .out
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "stdout".into())
                ))
            })?;
        }
        None => {
            let longest = config
                .digests
                .iter()
                .map(|d| d.window)
                .max()
                .unwrap_or_default();
            state.prune(now, longest.saturating_add(STATE_MARGIN))?;
        }
    }
    if !failures.is_empty() {
        return Err(Error::Delivery(failures));
    }
    Ok(RunSummary {
        reports,
        digests: summaries,
    })
}

/// The selected items and the duplicates they stand for, as the state records them.
fn sent_items(selection: &model::Selection) -> Vec<SentItem> {
    let mut items: Vec<SentItem> = selection
        .items
        .iter()
        .map(|i| SentItem {
            feed: i.feed_url.clone(),
            key: i.key.clone(),
            link: i.link.as_deref().and_then(text::canonical_link),
        })
        .collect();
    items.extend(selection.duplicates.iter().map(|(feed, key)| SentItem {
        feed: feed.clone(),
        key: key.clone(),
        link: None,
    }));
    items
}

fn choose_digests<'c>(
    config: &'c Config,
    names: &[String],
) -> Result<Vec<&'c DigestConfig>, Error> {
    if names.is_empty() {
        return Ok(config.digests.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            config.digest(name).ok_or_else(|| {
                let known: Vec<&str> = config.digests.iter().map(|d| d.name.as_str()).collect();
                Error::Usage(format!(
                    "no digest named `{name}` in {}; known digests: {}",
                    config.path.display(),
                    known.join(", ")
                ))
            })
        })
        .collect()
}
