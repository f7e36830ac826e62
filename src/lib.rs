//! feedletter: feeds.yaml → parallel fetch → parse → select → render → deliver.
//!
//! [`run`] is the whole pipeline in one readable function; each stage lives in its
//! own module with one entry point and typed input and output.

pub mod cli;
pub mod config;
pub mod deliver;
pub mod fetch;
pub mod model;
pub mod parse;
pub mod render;
pub mod select;
pub mod text;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::config::{Config, ConfigError, DigestConfig};
use crate::deliver::preview::{self, JsonDigest, JsonItem, JsonPreview, PreviewFormat};
use crate::model::{Feed, FeedError, FeedItems, FeedOutcome, FeedReport, FeedSource, Selection};
use crate::render::{RenderedDigest, Renderer, RunContext};

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
    #[error("cannot write the preview to {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
}

impl Error {
    /// The process exit code for this error (see the README's table).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Usage(_) => 2,
            _ => 1,
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
}

/// Runs the pipeline for the chosen digests.
pub fn run(config: &Config, options: &RunOptions) -> Result<RunSummary, Error> {
    let digests = choose_digests(config, &options.digests)?;
    let renderer = Renderer::new(config.templates.as_deref());
    for digest in &digests {
        renderer.check_template(&digest.template)?;
    }

    let (feeds, reports) = gather(config)?;
    for report in &reports {
        if let Some(error) = report.error() {
            log::warn!("feed {} ({}): {error}", report.name, report.location);
        } else if let Some(to) = &report.moved_to {
            log::warn!(
                "feed {} has moved to {to}: update {}",
                report.name,
                config.path.display()
            );
        }
    }

    let run_context = RunContext {
        now: options.now,
        reports: &reports,
    };
    let mut summaries = Vec::new();
    let mut outputs: Vec<(&DigestConfig, Selection, RenderedDigest)> = Vec::new();
    for digest in digests {
        let selection = select::select(digest, &feeds, options.now, &|_, _| false);
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
        summaries.push(DigestSummary {
            name: digest.name.clone(),
            items: selection.items.len(),
            omitted: selection.omitted,
        });
        outputs.push((digest, selection, rendered));
    }

    match options.preview {
        Some(format) => write_preview(format, options, &reports, &outputs)?,
        None => {
            return Err(Error::Usage(
                "sending is not available yet; use --dry-run to preview".into(),
            ));
        }
    }
    Ok(RunSummary {
        reports,
        digests: summaries,
    })
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

/// Fetches and parses every feed, in parallel. Parsing happens in the fetch worker
/// so each body is dropped as soon as it has been read.
fn gather(config: &Config) -> Result<(Vec<FeedItems>, Vec<FeedReport>), Error> {
    let fetcher = fetch::Fetcher::new(&config.fetch)?;
    let results = fetcher.fetch_all(&config.feeds, &[], |source, fetched| {
        let fetched = fetched?;
        let moved_to = fetched.moved_to.as_ref().map(|u| u.to_string());
        let feed = match &fetched.body {
            Some(body) => parse::parse_feed(source, body, fetched.final_url.as_ref())?,
            // Without stored items a 304 contributes nothing this run.
            None => Feed::default(),
        };
        Ok::<_, FeedError>((feed, fetched.body.is_none(), moved_to))
    });

    let mut feeds = Vec::new();
    let mut reports = Vec::new();
    for (source, result) in config.feeds.iter().zip(results) {
        match result {
            Ok((feed, not_modified, moved_to)) => {
                let name = display_name(source, feed.title.as_deref());
                reports.push(FeedReport {
                    feed: source.index,
                    name: name.clone(),
                    location: source.location.to_string(),
                    outcome: FeedOutcome::Ok {
                        items: feed.items.len(),
                        not_modified,
                    },
                    moved_to,
                    failures_in_a_row: 0,
                    failing_since: None,
                });
                feeds.push(FeedItems {
                    feed: source.index,
                    name,
                    location: source.location.to_string(),
                    site: feed.site,
                    tags: source.tags.clone(),
                    items: feed.items,
                });
            }
            Err(error) => reports.push(FeedReport {
                feed: source.index,
                name: display_name(source, None),
                location: source.location.to_string(),
                outcome: FeedOutcome::Failed(error),
                moved_to: None,
                failures_in_a_row: 1,
                failing_since: None,
            }),
        }
    }
    Ok((feeds, reports))
}

fn display_name(source: &FeedSource, title: Option<&str>) -> String {
    source
        .name
        .clone()
        .or_else(|| title.map(str::to_string))
        .unwrap_or_else(|| source.location.to_string())
}

fn write_preview(
    format: PreviewFormat,
    options: &RunOptions,
    reports: &[FeedReport],
    outputs: &[(&DigestConfig, Selection, RenderedDigest)],
) -> Result<(), Error> {
    let bytes = match format {
        PreviewFormat::Html => join(outputs.iter().map(|(_, _, r)| r.html.as_str())),
        PreviewFormat::Text => join(outputs.iter().map(|(_, _, r)| r.text.as_str())),
        PreviewFormat::Json => {
            let mut doc = JsonPreview::new(options.now, reports);
            for (digest, selection, rendered) in outputs {
                doc.digests.push(JsonDigest {
                    digest: digest.name.clone(),
                    subject: rendered.subject.clone(),
                    items: selection
                        .items
                        .iter()
                        .map(|item| JsonItem {
                            digest: digest.name.clone(),
                            feed: item.feed_name.clone(),
                            feed_url: item.feed_url.clone(),
                            title: item.title.clone(),
                            link: item.link.clone(),
                            date: preview::rfc3339(item.date),
                            tags: item.tags.clone(),
                            excerpt: render::excerpt(digest, item),
                        })
                        .collect(),
                    omitted: selection.omitted,
                });
            }
            let mut json = serde_json::to_string_pretty(&doc).unwrap_or_default();
            json.push('\n');
            json
        }
        PreviewFormat::Eml => {
            return Err(Error::Usage("--dry-run=eml is not available yet".into()));
        }
    };
    preview::write_preview(options.out.as_deref(), bytes.as_bytes()).map_err(|source| {
        Error::Output {
            path: options
                .out
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "stdout".into()),
            source,
        }
    })
}

fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(part);
    }
    out
}
