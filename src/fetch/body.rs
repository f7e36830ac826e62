//! Reading a body without trusting its sender: a byte cap counted on what we actually
//! receive (after decompression), and a deadline checked between chunks, because a
//! per-read timeout never fires on a server that drips one byte at a time.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::Instant;

use crate::model::FeedError;

const CHUNK: usize = 64 * 1024;

/// The largest buffer a fetch thread keeps for its next body.
const SPARE_MAX: usize = 1024 * 1024;

thread_local! {
    /// The buffer of the last body this thread read, once it is done with.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Hands a body's buffer back, for the next body this thread reads: a fresh large
/// block costs a page fault per 4 KB (see `crate::alloc`), a reused one nothing.
pub fn recycle(mut body: Vec<u8>) {
    if body.capacity() <= SPARE_MAX {
        body.clear();
        SPARE.set(body);
    }
}

#[derive(Debug)]
pub(super) enum ReadError {
    TooLarge,
    Timeout,
    Io(io::Error),
}

/// Reads all of `reader`, failing once it yields more than `cap` bytes or `deadline`
/// passes. The buffer grows as a `Vec` would but never past `cap`, whatever `size_hint`
/// (a Content-Length, say) claims. Reads go straight into the body's free room: one
/// read takes a whole chunk of an HTTP response, so the connection reuses its buffer.
pub(super) fn read_capped(
    reader: &mut impl Read,
    size_hint: Option<u64>,
    cap: u64,
    deadline: Option<Instant>,
) -> Result<Vec<u8>, ReadError> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let hint = size_hint.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    // Zero-filled up to its length; the first `filled` bytes are the body.
    let mut body = SPARE.take();
    if body.capacity() > cap {
        body = Vec::new();
    }
    let mut filled = 0;
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(ReadError::Timeout);
        }
        if filled == body.len() {
            if filled == cap {
                // Full: only the end of the data may follow.
                return match read_some(reader, &mut [0u8; 1])? {
                    0 => Ok(body),
                    _ => Err(ReadError::TooLarge),
                };
            }
            // One byte past the hint, so that a body of the announced size needs no
            // second buffer to see its end.
            let wanted = (body.len() * 2)
                .max(filled + CHUNK)
                .max(hint.saturating_add(1))
                .min(cap);
            body.reserve_exact(wanted - body.len());
            body.resize(wanted, 0);
        }
        match read_some(reader, &mut body[filled..])? {
            0 => {
                body.truncate(filled);
                return Ok(body);
            }
            n => filled += n,
        }
    }
}

/// One read, retried when interrupted.
fn read_some(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, ReadError> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
            Ok(n) => return Ok(n),
        }
    }
}

/// Reads a `path:` feed under the same cap as a download.
pub(super) fn read_file(path: &Path, cap: u64) -> Result<Vec<u8>, FeedError> {
    let io_error = |e: io::Error| FeedError::Io(e.to_string());
    let mut file = File::open(path).map_err(io_error)?;
    let len = file.metadata().map_err(io_error)?.len();
    if len > cap {
        return Err(FeedError::TooLarge { limit: cap });
    }
    // The file may grow between the size check and the read, so the cap still applies.
    read_capped(&mut file, Some(len), cap, None).map_err(|e| match e {
        ReadError::TooLarge => FeedError::TooLarge { limit: cap },
        ReadError::Timeout => FeedError::Io("reading the file timed out".into()),
        ReadError::Io(e) => io_error(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// An endless source that counts what was pulled from it.
    struct Endless {
        pulled: usize,
        per_read: usize,
        pause: Duration,
    }

    impl Endless {
        fn new(per_read: usize, pause: Duration) -> Endless {
            Endless {
                pulled: 0,
                per_read,
                pause,
            }
        }
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            std::thread::sleep(self.pause);
            let n = buf.len().min(self.per_read);
            buf[..n].fill(b'x');
            self.pulled += n;
            Ok(n)
        }
    }

    #[test]
    fn endless_source_stops_within_one_chunk_of_the_cap() {
        let cap = 1_000_000;
        let mut source = Endless::new(usize::MAX, Duration::ZERO);
        let result = read_capped(&mut source, None, cap, None);
        assert!(matches!(result, Err(ReadError::TooLarge)), "{result:?}");
        assert!(
            source.pulled as u64 <= cap + CHUNK as u64,
            "pulled {}",
            source.pulled
        );
    }

    #[test]
    fn body_exactly_at_the_cap_fits_without_overallocating() {
        let cap = 300_000;
        let data = vec![7u8; cap];
        let body = read_capped(&mut data.as_slice(), None, cap as u64, None).unwrap();
        assert_eq!(body, data);
        assert!(body.capacity() <= cap, "capacity {}", body.capacity());
    }

    #[test]
    fn lying_size_hint_does_not_allocate_past_the_cap() {
        let body = read_capped(&mut &b"tiny"[..], Some(u64::MAX), 1024, None).unwrap();
        assert_eq!(body, b"tiny");
        assert!(body.capacity() <= 1024);
    }

    #[test]
    fn dripping_source_fails_at_the_deadline() {
        let mut source = Endless::new(1, Duration::from_millis(20));
        let started = Instant::now();
        let deadline = started + Duration::from_millis(300);
        let result = read_capped(&mut source, None, u64::MAX, Some(deadline));
        assert!(matches!(result, Err(ReadError::Timeout)), "{result:?}");
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(300), "{took:?}");
        assert!(took < Duration::from_millis(600), "{took:?}");
    }
}
