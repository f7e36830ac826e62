//! Politeness towards each host: at most `per_host` requests in flight to one host across
//! the whole pool, and a work queue that prefers feeds whose host has room, so that ten
//! feeds on one slow host do not park every worker while other hosts wait.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use crate::semaphore::Semaphore;

/// The key requests are counted under: the host name without the port, because the
/// limit protects a machine, not one of its listening sockets.
pub(super) fn host_key(url: &url::Url) -> Option<String> {
    url.host_str().map(str::to_ascii_lowercase)
}

pub(super) type HostLimiter = Semaphore<String>;

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
            .position(|(_, host)| limiter.has_room(host.as_ref()))
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
        assert_eq!(queue.next(&limiter), Some(0));
        let _busy = limiter.acquire(Some("a".into()));
        assert_eq!(queue.next(&limiter), Some(2), "host a is full, b is not");
        assert_eq!(queue.next(&limiter), Some(3), "a file needs no host slot");
        assert_eq!(queue.next(&limiter), Some(1), "only a is left: wait for it");
        assert_eq!(queue.next(&limiter), None);
    }
}
