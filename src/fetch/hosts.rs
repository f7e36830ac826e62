//! Politeness towards each host: at most `per_host` requests in flight to one host across
//! the whole pool, and a work queue that prefers feeds whose host has room, so that ten
//! feeds on one slow host do not park every worker while other hosts wait.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// The key requests are counted under: the host name without the port, because the
/// limit protects a machine, not one of its listening sockets.
pub(super) fn host_key(url: &url::Url) -> Option<String> {
    url.host_str().map(str::to_ascii_lowercase)
}

pub(super) struct HostLimiter {
    limit: usize,
    in_flight: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

/// A request slot on one host, given back when dropped.
pub(super) struct HostPermit<'a> {
    limiter: &'a HostLimiter,
    host: Option<String>,
}

impl HostLimiter {
    pub(super) fn new(limit: usize) -> HostLimiter {
        HostLimiter {
            limit: limit.max(1),
            in_flight: Mutex::new(HashMap::new()),
            freed: Condvar::new(),
        }
    }

    fn counts(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        // The map holds plain counters that are never left half-updated.
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn has_room(&self, host: Option<&str>) -> bool {
        host.is_none_or(|h| self.counts().get(h).copied().unwrap_or(0) < self.limit)
    }

    /// Blocks until `host` has a free slot. A URL without a host needs none.
    pub(super) fn acquire(&self, host: Option<String>) -> HostPermit<'_> {
        if let Some(h) = &host {
            let mut counts = self.counts();
            while counts.get(h).copied().unwrap_or(0) >= self.limit {
                counts = self
                    .freed
                    .wait(counts)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            *counts.entry(h.clone()).or_insert(0) += 1;
        }
        HostPermit {
            limiter: self,
            host,
        }
    }
}

impl Drop for HostPermit<'_> {
    fn drop(&mut self) {
        let Some(h) = &self.host else { return };
        let mut counts = self.limiter.counts();
        if let Some(n) = counts.get_mut(h) {
            *n -= 1;
            if *n == 0 {
                counts.remove(h);
            }
        }
        drop(counts);
        self.limiter.freed.notify_all();
    }
}

/// Indices of the sources still to fetch, with the host each starts on.
pub(super) struct JobQueue {
    pending: Mutex<VecDeque<(usize, Option<String>)>>,
}

impl JobQueue {
    pub(super) fn new(hosts: impl Iterator<Item = Option<String>>) -> JobQueue {
        JobQueue {
            pending: Mutex::new(hosts.enumerate().collect()),
        }
    }

    /// The first pending source whose host has room; failing that the first one left,
    /// whose worker will then wait for its host, since every remaining host is busy.
    pub(super) fn next(&self, limiter: &HostLimiter) -> Option<usize> {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let ready = pending
            .iter()
            .position(|(_, host)| limiter.has_room(host.as_deref()))
            .unwrap_or(0);
        pending.remove(ready).map(|(index, _)| index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_skips_sources_whose_host_is_full() {
        let limiter = HostLimiter::new(1);
        let queue = JobQueue::new(
            [Some("a"), Some("a"), Some("b"), None]
                .into_iter()
                .map(|h| h.map(String::from)),
        );
        let first = queue.next(&limiter);
        assert_eq!(first, Some(0));
        let _busy = limiter.acquire(Some("a".into()));
        assert_eq!(queue.next(&limiter), Some(2), "host a is full, b is not");
        assert_eq!(queue.next(&limiter), Some(3), "a file needs no host slot");
        assert_eq!(queue.next(&limiter), Some(1), "only a is left: wait for it");
        assert_eq!(queue.next(&limiter), None);
    }

    #[test]
    fn permit_is_returned_on_drop() {
        let limiter = HostLimiter::new(1);
        let permit = limiter.acquire(Some("a".into()));
        assert!(!limiter.has_room(Some("a")));
        drop(permit);
        assert!(limiter.has_room(Some("a")));
        assert!(limiter.counts().is_empty());
    }
}
