//! Fetch and parse every feed, then merge with what the state remembers: a feed that
//! answered 304, or failed this time, still offers the items it held last time, so a
//! digest that has not sent them yet does not lose them.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::fetch::{self, Fetched};
use crate::model::{Feed, FeedError, FeedItems, FeedOutcome, FeedReport, FeedSource, Validators};
use crate::parse;
use crate::state::{FetchRecord, State, StateError};

#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error(transparent)]
    FetchSetup(#[from] fetch::FetchSetupError),
    #[error(transparent)]
    State(#[from] StateError),
}

impl From<GatherError> for crate::Error {
    fn from(e: GatherError) -> Self {
        match e {
            GatherError::FetchSetup(e) => crate::Error::FetchSetup(e),
            GatherError::State(e) => crate::Error::State(e),
        }
    }
}

/// One feed's fetch, reduced to what the rest of the run needs (the body is gone).
enum Outcome {
    Fetched {
        validators: Validators,
        title: Option<String>,
        site: Option<String>,
        moved_to: Option<String>,
    },
    NotModified {
        moved_to: Option<String>,
    },
    Failed(FeedError),
}

/// The feeds' items (fresh or remembered) and a report per feed, in config order.
pub struct Gathered {
    pub feeds: Vec<FeedItems>,
    pub reports: Vec<FeedReport>,
    outcomes: Vec<(String, Outcome, usize)>,
}

impl Gathered {
    /// What the state should record of this run's fetches. `feeds` are this
    /// gathering's own feeds (undated items already dated by first sight).
    pub fn records<'a>(&'a self, feeds: &'a [FeedItems]) -> Vec<(&'a str, FetchRecord<'a>)> {
        self.outcomes
            .iter()
            .map(|(location, outcome, feed_pos)| {
                let record = match outcome {
                    Outcome::Fetched {
                        validators,
                        title,
                        site,
                        moved_to,
                    } => FetchRecord::Fetched {
                        items: &feeds[*feed_pos].items,
                        validators,
                        title: title.as_deref(),
                        site: site.as_deref(),
                        moved_to: moved_to.as_deref(),
                    },
                    Outcome::NotModified { moved_to } => FetchRecord::NotModified {
                        moved_to: moved_to.as_deref(),
                    },
                    Outcome::Failed(e) => FetchRecord::Failed(e),
                };
                (location.as_str(), record)
            })
            .collect()
    }
}

/// Fetches and parses every feed in parallel. Parsing happens in the fetch worker so
/// each body is dropped as soon as it has been read. `conditional`: send the stored
/// validators (a preview does not, so it shows what a real run would select).
/// `on_feed` is called from the fetch workers as each feed finishes (a progress bar).
pub fn gather(
    config: &Config,
    state: &State,
    now: DateTime<Utc>,
    conditional: bool,
    on_feed: &(dyn Fn(&FeedSource) + Sync),
) -> Result<Gathered, GatherError> {
    let records = state.feed_records()?;
    let validators: Vec<Option<Validators>> = if conditional {
        config
            .feeds
            .iter()
            .map(|f| {
                records
                    .get(&f.location.to_string())
                    // Without stored items a 304 would leave the digest with nothing.
                    .filter(|r| r.items > 0)
                    .map(|r| r.validators.clone())
            })
            .collect()
    } else {
        Vec::new()
    };

    let fetcher = fetch::Fetcher::new(&config.fetch)?;
    let results = fetcher.fetch_all_timed(&config.feeds, &validators, |source, fetched, took| {
        let status = fetched.as_ref().map_or(0, |f| f.status);
        let result = fetched.and_then(|fetched| {
            let Fetched {
                body,
                final_url,
                validators,
                moved_to,
                ..
            } = fetched;
            let feed = match body {
                Some(body) => Some(parse::parse_feed(source, &body, final_url.as_ref())?),
                None => None,
            };
            Ok::<_, FeedError>((feed, validators, moved_to.map(|u| u.to_string())))
        });
        log_feed(source, status, &result, took);
        on_feed(source);
        result
    });

    let mut gathered = Gathered {
        feeds: Vec::new(),
        reports: Vec::new(),
        outcomes: Vec::new(),
    };
    for (source, result) in config.feeds.iter().zip(results) {
        let location = source.location.to_string();
        let record = records.get(&location);
        let stored_title = record.and_then(|r| r.title.clone());
        let (feed, outcome, report_outcome) = match result {
            Ok((Some(feed), validators, moved_to)) => {
                let Feed {
                    title,
                    site,
                    mut items,
                } = feed;
                state.date_undated(&location, &mut items, now)?;
                let count = items.len();
                let feed_items = feed_items(source, title.as_deref(), site.clone(), items);
                let outcome = Outcome::Fetched {
                    validators,
                    title,
                    site,
                    moved_to,
                };
                (
                    feed_items,
                    outcome,
                    FeedOutcome::Ok {
                        items: count,
                        not_modified: false,
                    },
                )
            }
            Ok((None, _, moved_to)) => {
                let items = state.stored_items(&location, source.index)?;
                let count = items.len();
                let site = record.and_then(|r| r.site.clone());
                let feed_items = feed_items(source, stored_title.as_deref(), site, items);
                (
                    feed_items,
                    Outcome::NotModified { moved_to },
                    FeedOutcome::Ok {
                        items: count,
                        not_modified: true,
                    },
                )
            }
            Err(error) => {
                let items = state.stored_items(&location, source.index)?;
                let site = record.and_then(|r| r.site.clone());
                let feed_items = feed_items(source, stored_title.as_deref(), site, items);
                (
                    feed_items,
                    Outcome::Failed(error.clone()),
                    FeedOutcome::Failed(error),
                )
            }
        };
        let failed = matches!(report_outcome, FeedOutcome::Failed(_));
        let moved_to = match &outcome {
            Outcome::Fetched { moved_to, .. } | Outcome::NotModified { moved_to } => {
                moved_to.clone()
            }
            Outcome::Failed(_) => None,
        };
        gathered.reports.push(FeedReport {
            feed: source.index,
            name: feed.name.clone(),
            location: location.clone(),
            outcome: report_outcome,
            moved_to,
            failures_in_a_row: if failed {
                record.map_or(0, |r| r.failures_in_a_row) + 1
            } else {
                0
            },
            failing_since: if failed {
                Some(record.and_then(|r| r.failing_since).unwrap_or(now))
            } else {
                None
            },
        });
        gathered
            .outcomes
            .push((location, outcome, gathered.feeds.len()));
        gathered.feeds.push(feed);
    }
    Ok(gathered)
}

/// One line per feed for `-v`: how it went and how long it took.
fn log_feed<V, M>(
    source: &FeedSource,
    status: u16,
    result: &Result<(Option<Feed>, V, M), FeedError>,
    took: std::time::Duration,
) {
    let name = source
        .name
        .clone()
        .unwrap_or_else(|| source.location.to_string());
    let took = format!("{:.2}s", took.as_secs_f64());
    match result {
        Ok((Some(feed), _, _)) => log::debug!(
            "feed {name}: status {status}, {} items, {took}",
            feed.items.len()
        ),
        Ok((None, _, _)) => log::debug!("feed {name}: 304 not modified, {took}"),
        Err(e) => log::debug!("feed {name}: failed after {took}: {e}"),
    }
}

fn feed_items(
    source: &FeedSource,
    title: Option<&str>,
    site: Option<String>,
    items: Vec<crate::model::Item>,
) -> FeedItems {
    FeedItems {
        feed: source.index,
        name: source
            .name
            .clone()
            .or_else(|| title.map(str::to_string))
            .unwrap_or_else(|| source.location.to_string()),
        location: source.location.to_string(),
        site,
        tags: source.tags.clone(),
        items,
    }
}
