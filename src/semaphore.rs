//! Counting semaphores: at most `limit` holders per key at once, a slot given back when
//! its permit is dropped. The fetch pool keys them by host (politeness towards each
//! server); the gather step uses a single key (parses at once, one per core).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

pub(crate) struct Semaphore<K> {
    limit: usize,
    held: Mutex<HashMap<K, usize>>,
    freed: Condvar,
}

/// A slot under one key, given back when dropped. A permit for no key holds nothing.
pub(crate) struct Permit<'a, K: Hash + Eq> {
    semaphore: &'a Semaphore<K>,
    key: Option<K>,
}

impl<K: Hash + Eq> Semaphore<K> {
    fn counts(&self) -> MutexGuard<'_, HashMap<K, usize>> {
        // The map holds plain counters that are never left half-updated, so a lock
        // poisoned by a panicking holder is still sound.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn full(&self, held: &HashMap<K, usize>, k: &K) -> bool {
        held.get(k).copied().unwrap_or(0) >= self.limit
    }
}

impl<K: Hash + Eq + Clone> Semaphore<K> {
    pub(crate) fn new(limit: usize) -> Semaphore<K> {
        Semaphore {
            limit: limit.max(1),
            held: Mutex::new(HashMap::new()),
            freed: Condvar::new(),
        }
    }

    /// Whether `key` has a free slot now; no key always has.
    pub(crate) fn has_room(&self, key: Option<&K>) -> bool {
        key.is_none_or(|k| !self.full(&self.counts(), k))
    }

    /// Blocks until `key` has a free slot and takes it. No key needs none.
    pub(crate) fn acquire(&self, key: Option<K>) -> Permit<'_, K> {
        if let Some(k) = &key {
            let full = |held: &mut _| self.full(held, k);
            let mut held = (self.freed.wait_while(self.counts(), full))
                .unwrap_or_else(PoisonError::into_inner);
            *held.entry(k.clone()).or_insert(0) += 1;
        }
        Permit {
            semaphore: self,
            key,
        }
    }
}

impl<K: Hash + Eq> Drop for Permit<'_, K> {
    fn drop(&mut self) {
        let Some(k) = &self.key else { return };
        let mut counts = self.semaphore.counts();
        if let Some(n) = counts.get_mut(k) {
            *n -= 1;
            if *n == 0 {
                counts.remove(k);
            }
        }
        drop(counts);
        self.semaphore.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permit_is_returned_on_drop() {
        let semaphore = Semaphore::new(1);
        let permit = semaphore.acquire(Some("a"));
        assert!(!semaphore.has_room(Some(&"a")));
        assert!(semaphore.has_room(Some(&"b")));
        assert!(semaphore.has_room(None));
        drop(permit);
        assert!(semaphore.has_room(Some(&"a")));
        assert!(semaphore.counts().is_empty());
    }

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let semaphore = Semaphore::new(1);
        let first = semaphore.acquire(Some(()));
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| drop(semaphore.acquire(Some(()))));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!waiter.is_finished(), "the slot is still held");
            drop(first);
            waiter.join().expect("the waiter gets the slot");
        });
    }
}
