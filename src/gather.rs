//! Fetch and parse every feed, then merge with what the state remembers: a feed that
//! answered 304, or failed this time, still offers the items it held last time, so a
//! digest that has not sent them yet does not lose them.
//!
//! Memory stays flat however many feeds there are: each feed is parsed in its fetch
//! worker (the body is dropped there), handed over as soon as it is done, recorded in
//! the state at once (a preview records into its own scratch copy), and kept in memory
//! without its texts (summary and content), which are read back only for the items a
//! digest selects.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::Error;
use crate::fetch::{self, Fetched};
use crate::model::{
    Feed, FeedError, FeedIndex, FeedItems, FeedKey, FeedLocation, FeedOutcome, FeedReport,
    FeedSource, Item, Texts, Validators,
};
use crate::semaphore::Semaphore;
use crate::state::{FeedRecord, FetchRecord, FetchRecorder, State, StateError, Stored};
use crate::{isolate, label, parse, select};

/// The feeds' items (fresh or remembered) and a report per feed, in config order.
pub struct Gathered {
    pub feeds: Vec<FeedItems>,
    pub reports: Vec<FeedReport>,
}

/// What a fetch worker hands over: the parsed feed (`None` on 304), the validators to
/// remember and where the feed has moved.
type Parsed = Result<(Option<Feed>, Validators, Option<String>), FeedError>;

/// Fetches and parses every feed in parallel, records every outcome in `state` (one
/// transaction, committed once all feeds are in) and leaves item texts there.
/// `conditional`: send the stored validators, as a real run does; a preview fetches
/// every feed whole, into a scratch copy of the state. `on_feed` is called from the
/// fetch workers as each feed finishes (a progress bar).
pub fn gather(
    config: &Config,
    state: &State,
    now: DateTime<Utc>,
    conditional: bool,
    on_feed: &(dyn Fn(&FeedSource) + Sync),
) -> Result<Gathered, Error> {
    let records = state.feed_records()?;
    let validators: Vec<Option<Validators>> = (config.feeds.iter().filter(|_| conditional))
        .map(|f| {
            (records.get(&FeedKey::from(&f.location)))
                // Without stored items a 304 would leave the digest with nothing.
                .filter(|r| r.items > 0)
                .map(|r| r.validators.clone())
        })
        .collect();
    let fetcher = fetch::Fetcher::new(&config.fetch)?;
    let recorder = state.record_fetches(now)?;
    let settle = Settle {
        config,
        state,
        recorder: &recorder,
        records: &records,
        now,
        since: longest_window_start(config, now),
    };
    // Parsing is CPU work: more parses at once than cores only multiplies the memory
    // held (a body and its parse each), so fetch workers take turns for it, and wait
    // rather than pile parsed feeds up when recording falls behind.
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let turns = Semaphore::new(cores);
    let (sender, receiver) = mpsc::sync_channel::<(FeedIndex, Parsed)>(cores);
    let mut settled = thread::scope(|scope| {
        scope.spawn(move || {
            fetcher.fetch_all(&config.feeds, &validators, |source, fetched, took| {
                let status = fetched.as_ref().map_or(0, |f| f.status);
                let has_body = matches!(&fetched, Ok(f) if f.body.is_some());
                let turn = turns.acquire(has_body.then_some(()));
                let parsed = fetch_and_parse(config, source, fetched);
                drop(turn);
                log_feed(source, status, &parsed, took);
                on_feed(source);
                // Fails only once a failure has dropped the receiver: the feeds still
                // to come are not wanted then.
                let _ = sender.send((source.index, parsed));
            });
        });
        (receiver.into_iter())
            .map(|(index, parsed)| Ok((index, settle.feed(&config.feeds[index.0], parsed)?)))
            .collect::<Result<Vec<_>, Error>>()
    })?;
    recorder.commit()?;
    settled.sort_unstable_by_key(|(index, _)| *index);
    let (feeds, reports) = settled.into_iter().map(|(_, settled)| settled).unzip();
    Ok(Gathered { feeds, reports })
}

/// Runs in the fetch worker: parses the body (whose buffer goes back to the worker for
/// its next body) and matches the items against the keyword filters while their text
/// is at hand.
fn fetch_and_parse(
    config: &Config,
    source: &FeedSource,
    fetched: Result<Fetched, FeedError>,
) -> Parsed {
    let Fetched {
        body,
        final_url,
        validators,
        moved_to,
        charset,
        ..
    } = fetched?;
    let feed = match body {
        Some(body) => {
            let parsed = isolate::feed(source, || {
                let mut feed =
                    parse::parse_feed(source, &body, final_url.as_ref(), charset.as_deref())?;
                match_keywords(config, &mut feed.items);
                Ok(feed)
            });
            fetch::recycle(body);
            Some(parsed?)
        }
        None => None,
    };
    Ok((feed, validators, moved_to.map(|u| u.to_string())))
}

fn match_keywords(config: &Config, items: &mut [Item]) {
    for item in items {
        item.keyword_matches = select::keyword_matches(&config.digests, item);
    }
}

/// What turns one feed's fetch into its items and report, on the receiving thread.
struct Settle<'a> {
    config: &'a Config,
    state: &'a State,
    recorder: &'a FetchRecorder<'a>,
    records: &'a HashMap<FeedKey, FeedRecord>,
    now: DateTime<Utc>,
    /// The start of the longest digest window: older stored items are owed to no one.
    since: DateTime<Utc>,
}

impl Settle<'_> {
    fn feed(&self, source: &FeedSource, parsed: Parsed) -> Result<(FeedItems, FeedReport), Error> {
        let location = FeedKey::from(&source.location);
        let record = self.records.get(&location);
        let moved_to = (parsed.as_ref().ok()).and_then(|(.., moved_to)| moved_to.clone());
        let (mut feed, outcome, warning) = match parsed {
            Ok((Some(feed), validators, _)) => {
                self.fetched(source, &location, feed, &validators, moved_to.as_deref())?
            }
            Ok((None, ..)) => {
                let moved_to = moved_to.as_deref();
                (self.recorder).record(&location, &FetchRecord::NotModified { moved_to })?;
                let feed = self.remembered(source, &location, record)?;
                let outcome = FeedOutcome::Ok {
                    items: feed.items.len(),
                    not_modified: true,
                };
                (feed, outcome, None)
            }
            Err(error) => {
                (self.recorder).record(&location, &FetchRecord::Failed(&error))?;
                let feed = self.remembered(source, &location, record)?;
                (feed, FeedOutcome::Failed(error), None)
            }
        };
        // Recorded: the state holds the texts until a digest selects the item.
        for item in &mut feed.items {
            item.texts = Texts::Stored;
        }
        let failed = matches!(outcome, FeedOutcome::Failed(_));
        let report = FeedReport {
            feed: source.index,
            name: feed.name.clone(),
            location,
            outcome,
            moved_to,
            failures_in_a_row: match failed {
                true => record.map_or(0, |r| r.failures_in_a_row) + 1,
                false => 0,
            },
            failing_since: failed.then(|| record.and_then(|r| r.failing_since).unwrap_or(self.now)),
            warning,
        };
        Ok((feed, report))
    }

    /// What the feed held at its last successful fetch, for a 304 or a failure.
    fn remembered(
        &self,
        source: &FeedSource,
        location: &FeedKey,
        record: Option<&FeedRecord>,
    ) -> Result<FeedItems, StateError> {
        let items = self.stored_items(source, location, Stored::InFeedOrSince(self.since))?;
        let title = record.and_then(|r| r.title.as_deref());
        let site = record.and_then(|r| r.site.clone());
        Ok(feed_items(source, title, site, items))
    }

    /// A full response: its items are recorded as the feed's current ones, joined by
    /// those that just left it.
    fn fetched(
        &self,
        source: &FeedSource,
        location: &FeedKey,
        feed: Feed,
        validators: &Validators,
        moved_to: Option<&str>,
    ) -> Result<(FeedItems, FeedOutcome, Option<String>), Error> {
        let warning = feed.warning();
        let Feed {
            title,
            site,
            mut items,
            ..
        } = feed;
        self.state.date_undated(location, &mut items, self.now)?;
        let record = FetchRecord::Fetched {
            items: &items,
            validators,
            title: title.as_deref(),
            site: site.as_deref(),
            moved_to,
        };
        self.recorder.record(location, &record)?;
        let outcome = FeedOutcome::Ok {
            items: items.len(),
            not_modified: false,
        };
        // Items that left the feed since the last run may still be owed to a
        // digest (a failed delivery, a weekly digest run after daily fetches).
        // Once recorded, those are the ones marked as gone.
        let mut gone = self.stored_items(source, location, Stored::GoneSince(self.since))?;
        let fresh: HashSet<&str> = items.iter().map(|i| i.key.as_str()).collect();
        gone.retain(|i| !fresh.contains(i.key.as_str()));
        items.append(&mut gone);
        let feed = feed_items(source, title.as_deref(), site, items);
        Ok((feed, outcome, warning))
    }

    /// What the feed held at its last successful fetch, matched against the keyword
    /// filters like fresh items.
    fn stored_items(
        &self,
        source: &FeedSource,
        location: &FeedKey,
        which: Stored,
    ) -> Result<Vec<Item>, StateError> {
        // The texts are needed here only to match keywords: they are read back for
        // the items a digest selects.
        let texts = self.config.digests.iter().any(select::has_keywords);
        let mut items = self
            .state
            .stored_items(location, source.index, texts, which)?;
        match_keywords(self.config, &mut items);
        Ok(items)
    }
}

fn feed_items(
    source: &FeedSource,
    title: Option<&str>,
    site: Option<String>,
    items: Vec<Item>,
) -> FeedItems {
    FeedItems {
        feed: source.index,
        name: label::feed_name(source, title),
        location: FeedKey::from(&source.location),
        site,
        tags: source.tags.clone(),
        items,
    }
}

/// One line per feed at -v: status, items and time taken; at -vv, what the parse
/// found. An unnamed feed goes by its own title once the parse has it.
fn log_feed(source: &FeedSource, status: u16, parsed: &Parsed, took: Duration) {
    let feed = parsed.as_ref().ok().and_then(|(feed, ..)| feed.as_ref());
    let name = label::feed_name(source, feed.and_then(|f| f.title.as_deref()));
    let took = format!("{:.2}s", took.as_secs_f64());
    let status = match source.location {
        FeedLocation::Path(_) => "read".to_string(),
        FeedLocation::Url(_) => format!("status {status}"),
    };
    match (parsed, feed) {
        (Ok(_), Some(feed)) => {
            let items = label::count(feed.items.len(), "item");
            log::debug!("feed {name}: {status}, {items}, {took}");
            let undated = feed.items.iter().filter(|i| i.date.is_none()).count();
            log::trace!(
                "feed {name}: parsed {items}, {undated} undated, read as {}",
                feed.encoding
            );
        }
        (Ok(_), None) => log::debug!("feed {name}: 304 not modified, {took}"),
        (Err(e), _) => log::debug!("feed {name}: failed after {took}: {e}"),
    }
}

/// Now minus the farthest a digest reaches (window plus `catch_up`): the oldest date
/// any digest can still select.
fn longest_window_start(config: &Config, now: DateTime<Utc>) -> DateTime<Utc> {
    config
        .digests
        .iter()
        .map(select::reach)
        .max()
        .and_then(|w| chrono::Duration::from_std(w).ok())
        .and_then(|w| now.checked_sub_signed(w))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
