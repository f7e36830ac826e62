//! Fetching feeds: one shared HTTP client, a dedicated thread pool, and every limit a
//! hostile or broken server could otherwise push past (time, size, redirects, retries,
//! requests per host).
//!
//! The caller's handler runs in the worker thread, so a body is parsed and dropped where
//! it was downloaded instead of piling up until every feed is in.

use std::time::{Duration, Instant};

use crate::config::FetchSettings;
use crate::model::{FeedError, FeedLocation, FeedSource, Validators};

mod body;
mod hosts;
mod http;
mod private;
mod retry;
mod sniff;

pub use body::recycle;
use hosts::{HostLimiter, JobQueue};

/// A feed body as the server (or the disk) gave it, and how it was obtained.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// `None` when the server answered 304 Not Modified.
    pub body: Option<Vec<u8>>,
    /// URL after redirects (`None` for `path:` feeds): the parser's base URI.
    pub final_url: Option<url::Url>,
    /// Validators to remember; on a 304 that omits them, the ones that were sent.
    pub validators: Validators,
    /// Where the feed now lives: set only when every hop was a 301/308, since a
    /// permanent redirect behind a temporary one is not the feed's new address.
    pub moved_to: Option<url::Url>,
    /// The `charset` of the response's Content-Type, if it named one.
    pub charset: Option<String>,
    /// Final HTTP status (200 for files).
    pub status: u16,
    /// Attempts made, retries included.
    pub attempts: u32,
}

/// The fetcher could not be set up; nothing was fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchSetupError {
    #[error("cannot build the HTTP client: {source}")]
    Client { source: reqwest::Error },
    #[error("cannot start {threads} fetch threads: {source}")]
    Pool {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
    #[error("invalid fetch setting: {0}")]
    Setting(&'static str),
}

pub struct Fetcher {
    client: reqwest::blocking::Client,
    /// For redirects with `private_redirects: false`.
    guarded: Option<reqwest::blocking::Client>,
    pool: rayon::ThreadPool,
    hosts: HostLimiter,
    settings: FetchSettings,
}

impl Fetcher {
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, FetchSetupError> {
        if settings.concurrency == 0 {
            // rayon would read 0 as "one thread per CPU", silently ignoring the setting.
            return Err(FetchSetupError::Setting("concurrency must be at least 1"));
        }
        if settings.per_host == 0 {
            return Err(FetchSetupError::Setting("per_host must be at least 1"));
        }
        let build = |builder: reqwest::blocking::ClientBuilder| {
            (builder.build()).map_err(|source| FetchSetupError::Client { source })
        };
        let client = build(http::client_builder(settings))?;
        let guarded = (!settings.private_redirects)
            .then(|| build(http::client_builder(settings).dns_resolver(private::PublicOnly.into())))
            .transpose()?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(settings.concurrency)
            .thread_name(|i| format!("feedletter-fetch-{i}"))
            .build()
            .map_err(|source| FetchSetupError::Pool {
                threads: settings.concurrency,
                source,
            })?;
        Ok(Fetcher {
            client,
            guarded,
            pool,
            hosts: HostLimiter::new(settings.per_host),
            settings: settings.clone(),
        })
    }

    /// Fetches every source on the pool and calls `handle` in the worker thread with
    /// each outcome and its time, retries included (failures carry none of their own).
    /// Results come in the order of `sources`; `validators[i]` belongs to `sources[i]`,
    /// and an empty slice means none at all.
    pub fn fetch_all<T: Send, F>(
        &self,
        sources: &[FeedSource],
        validators: &[Option<Validators>],
        handle: F,
    ) -> Vec<T>
    where
        F: Fn(&FeedSource, Result<Fetched, FeedError>, Duration) -> T + Sync,
    {
        let queue = JobQueue::new(sources.iter().map(|s| match &s.location {
            FeedLocation::Url(url) => hosts::host_key(url),
            FeedLocation::Path(_) => None,
        }));
        // Every thread of the pool takes sources until none are left.
        let done = self.pool.broadcast(|_| {
            let mut done = Vec::new();
            while let Some(i) = queue.next(&self.hosts) {
                let source = &sources[i];
                let started = Instant::now();
                let fetched = self.fetch_one(source, validators.get(i).and_then(Option::as_ref));
                done.push((i, handle(source, fetched, started.elapsed())));
            }
            done
        });
        let mut done: Vec<(usize, T)> = done.into_iter().flatten().collect();
        done.sort_unstable_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, result)| result).collect()
    }

    fn fetch_one(
        &self,
        source: &FeedSource,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FeedError> {
        match &source.location {
            FeedLocation::Url(url) => http::fetch(self, url, validators),
            FeedLocation::Path(path) => {
                let bytes = body::read_file(path, self.settings.max_bytes)?;
                if let sniff::Kind::Html = sniff::sniff(&bytes) {
                    return Err(sniff::not_a_feed(&bytes, None));
                }
                Ok(Fetched {
                    body: Some(bytes),
                    status: 200,
                    attempts: 1,
                    ..Fetched::default()
                })
            }
        }
    }
}
