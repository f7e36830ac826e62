//! `feedletter check`: everything that can be wrong before a run, found in one go.
//! The config (every problem, with its position), every digest's templates rendered
//! against a sample, and on request the feeds (`--fetch`) and the mail server
//! (`--smtp`, which logs in but sends nothing). Reads the state (for schedules), never writes it.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use indexmap::IndexSet;

use crate::config::{self, Config, DigestConfig, Security, SmtpSettings, Transport};
use crate::deliver::smtp;
use crate::error::{Error, ExitStatus};
use crate::fetch::{Fetched, Fetcher};
use crate::label::{self, count};
use crate::model::{
    FeedError, FeedIndex, FeedKey, FeedOutcome, FeedReport, SelectedItem, Selection, Texts,
};
use crate::progress::Progress;
use crate::render::{Renderer, RunContext, TemplateSource};
use crate::table::Table;
use crate::{isolate, parse};

#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Fetch every feed and print a table of the results.
    pub fetch: bool,
    /// Connect to the mail server, negotiate TLS and log in.
    pub smtp: bool,
    /// Draw a progress bar while fetching, if stderr is a terminal.
    pub progress: bool,
    pub now: DateTime<Utc>,
}

/// Runs the checks; results (the ok line, tables) go to `out`, problems to the log.
/// Every problem in the config and in the templates is reported, each with its file
/// and line, and makes the status 2; failed probes make it 1. Probes run only on a
/// valid config: an invalid one is not run at all.
pub fn check(
    path: &Path,
    options: &CheckOptions,
    out: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let text = config::read(path)?;
    let (config, problems) = config::parse_partial(path, &text);
    let mut invalid = !problems.is_empty();
    for line in config::render_problems(path, &problems).lines() {
        log::error!("{line}");
    }
    // The templates can be located even when other parts of the config are wrong.
    let Some(config) = config else {
        return Ok(ExitStatus::Usage);
    };
    for problem in check_templates(&config, &text, options.now) {
        log::error!("{problem}");
        invalid = true;
    }
    if let Some(smtp) = &config.smtp {
        invalid |= !crate::preflight::mail_files_usable(smtp);
    }
    if invalid {
        return Ok(ExitStatus::Usage);
    }
    writeln!(out, "{}: ok: {}", path.display(), summary(&config))?;
    for line in crate::schedule::lines(&config, options.now)? {
        writeln!(out, "  {line}")?;
    }
    let mut status = ExitStatus::Success;
    if options.fetch && !probe_feeds(&config, options, out)? {
        status = status.max(ExitStatus::Failure);
    }
    if options.smtp {
        // Ord follows the codes: an invalid config (2) outranks a failed probe (1).
        status = status.max(probe_smtp(&config, out)?);
    }
    Ok(status)
}

fn summary(config: &Config) -> String {
    let digests: Vec<&str> = config.digests.iter().map(|d| d.name.as_str()).collect();
    let mail = match &config.smtp {
        None => "no smtp section (previews only)".to_string(),
        Some(s) => match &s.transport {
            Transport::Sendmail { .. } => "mail by sendmail".to_string(),
            Transport::Smtp => format!("mail via {}", server(s)),
        },
    };
    format!(
        "{}, {} ({}), templates render, {mail}",
        count(config.feeds.len(), "feed"),
        count(digests.len(), "digest"),
        digests.join(", ")
    )
}

fn server(s: &SmtpSettings) -> String {
    let security = match s.security {
        Security::Starttls => "starttls",
        Security::Tls => "tls",
        Security::None => "no encryption",
    };
    format!("{}:{} ({security})", s.host, s.port)
}

/// Renders every digest's subject and templates against a sample item, a failing
/// feed and a moved one, so a template error shows up here and not in the morning's
/// cron mail. Returns every problem, each with its file and line; a template file
/// shared by several digests is reported once.
fn check_templates(config: &Config, text: &str, now: DateTime<Utc>) -> IndexSet<String> {
    let renderer = Renderer::new(config.templates.as_deref());
    let reports = sample_reports(now);
    let run = RunContext {
        now,
        reports: &reports,
    };
    let mut messages = IndexSet::new();
    // A digest whose template name is invalid has been reported by the config.
    for digest in config.digests.iter().filter(|d| !d.template.is_empty()) {
        for problem in renderer.lint(digest, &sample_selection(digest, now), &run) {
            let message = match &problem.source {
                TemplateSource::Subject => {
                    let key = format!("digests.{}.subject", digest.name);
                    let (line, column) = config::position_of(text, &key).unwrap_or((0, 0));
                    let message = problem.message.clone();
                    (config::Problem {
                        line,
                        column,
                        key,
                        message,
                    })
                    .at(&config.path)
                }
                TemplateSource::File(name) => {
                    let file = template_file(config, name);
                    match problem.line {
                        Some(line) => format!("{file}:{line}: {}", problem.message),
                        None => format!("{file}: {}", problem.message),
                    }
                }
            };
            messages.insert(message);
        }
    }
    messages
}

/// A template file as the user knows it: its path (where it is, or where it would
/// be looked for), or the built-in one's name.
fn template_file(config: &Config, name: &str) -> String {
    let dir = config.templates.clone().unwrap_or_else(|| {
        let base = config.path.parent().unwrap_or(Path::new(""));
        base.join("templates")
    });
    let path = dir.join(name);
    let built_in = matches!(name, "digest.html.j2" | "digest.txt.j2");
    if built_in && !path.is_file() {
        return format!("{name} (built in)");
    }
    // `./templates/…` when the config is in the working directory: shown as written.
    path.strip_prefix(".")
        .unwrap_or(&path)
        .display()
        .to_string()
}

fn sample_selection(digest: &DigestConfig, now: DateTime<Utc>) -> Selection {
    let item = SelectedItem {
        key: "sample".into(),
        feed: FeedIndex(0),
        feed_name: "Sample Feed".into(),
        feed_url: FeedKey::new("https://example.com/feed.xml"),
        // Markup and quotes, as real titles have: escaping bugs show up here.
        title: "A sample item with <markup> & \"quotes\"".into(),
        link: Some("https://example.com/2026/sample".into()),
        date: now,
        tags: [digest.include_tags.first(), Some(&"sample".into())]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
        texts: Texts::new(
            Some("<p>A short <em>summary</em> of the sample item.</p>".into()),
            Some("<p>The full text of the sample item.</p>".into()),
        ),
        authors: vec!["A. Writer".into()],
        image: Some(crate::model::LeadImage {
            url: "https://example.com/2026/sample.png".into(),
            width: Some(1200),
            height: Some(630),
        }),
    };
    Selection {
        items: vec![item],
        omitted: 1,
        duplicates: Vec::new(),
        cut: Vec::new(),
    }
}

fn sample_reports(now: DateTime<Utc>) -> Vec<FeedReport> {
    vec![
        FeedReport {
            feed: FeedIndex(0),
            name: "Sample Feed".into(),
            location: FeedKey::new("https://example.com/feed.xml"),
            outcome: FeedOutcome::Ok {
                items: 1,
                not_modified: false,
            },
            moved_to: Some("https://example.com/new-feed.xml".into()),
            failures_in_a_row: 0,
            failing_since: None,
            warning: Some("1 of 2 entries could not be read".into()),
        },
        FeedReport {
            feed: FeedIndex(1),
            name: "Broken Feed".into(),
            location: FeedKey::new("https://broken.example.com/rss"),
            outcome: FeedOutcome::Failed(FeedError::HttpStatus {
                status: 404,
                reason: "Not Found".into(),
            }),
            moved_to: None,
            failures_in_a_row: 3,
            failing_since: Some(now - chrono::Duration::days(2)),
            warning: None,
        },
    ]
}

/// Fetches and parses every feed (unconditionally: a 304 would prove little) and
/// prints the table. `Ok(false)` when any feed failed.
fn probe_feeds(
    config: &Config,
    options: &CheckOptions,
    out: &mut dyn Write,
) -> Result<bool, Error> {
    let fetcher = Fetcher::new(&config.fetch)?;
    let progress = Progress::new(options.progress, config.feeds.len());
    let rows = fetcher.fetch_all(&config.feeds, &[], |source, fetched, took| {
        let parsed = fetched.and_then(|f: Fetched| {
            let body = f.body.unwrap_or_default();
            let feed = isolate::feed(source, || {
                parse::parse_feed(source, &body, f.final_url.as_ref(), f.charset.as_deref())
            })?;
            Ok((feed, f.moved_to))
        });
        progress.feed_done(source);
        let took = format!("{:.2}s", took.as_secs_f64());
        let (feed, moved_to) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                let (name, none, e) = (label::feed_name(source, None), String::new, e.to_string());
                return Err(vec![name, "FAILED".into(), none(), none(), took, e]);
            }
        };
        let newest = feed.items.iter().filter_map(|i| i.date).max();
        let (status, note) = match (moved_to, feed.warning()) {
            (Some(to), _) => ("moved", format!("moved permanently to {to}")),
            (None, warning) => ("ok", warning.unwrap_or_default()),
        };
        Ok(vec![
            label::feed_name(source, feed.title.as_deref()),
            status.into(),
            feed.items.len().to_string(),
            (newest.map(|d| d.format("%Y-%m-%d %H:%M").to_string())).unwrap_or_default(),
            took,
            note,
        ])
    });
    drop(progress);
    let failed = rows.iter().filter(|row| row.is_err()).count();
    let mut table = Table::new(vec!["FEED", "STATUS", "ITEMS", "NEWEST", "TIME", "ERROR"]);
    let total = rows.len();
    (rows.into_iter()).for_each(|row| table.row(row.unwrap_or_else(|failed| failed)));
    table.write(out)?;
    if failed > 0 {
        log::error!("{failed} of {} failed", count(total, "feed"));
    }
    Ok(failed == 0)
}

/// Connects, negotiates TLS and logs in, sending nothing.
fn probe_smtp(config: &Config, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let Some(settings) = &config.smtp else {
        log::error!(
            "{}: --smtp: there is no `smtp:` section to check",
            config.path.display()
        );
        return Ok(ExitStatus::Usage);
    };
    let what = match &settings.transport {
        Transport::Sendmail { path: Some(path) } => format!("sendmail ({})", path.display()),
        Transport::Sendmail { path: None } => "sendmail (default path)".into(),
        Transport::Smtp => server(settings),
    };
    match smtp::probe(settings) {
        Ok(()) => {
            let login = match (&settings.transport, &settings.username) {
                (Transport::Smtp, Some(user)) => format!(", logged in as {user}"),
                _ => String::new(),
            };
            writeln!(out, "smtp: {what}: ok{login}")?;
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            log::error!("smtp: {what}: {e}");
            Ok(ExitStatus::Failure)
        }
    }
}
