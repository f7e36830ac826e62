//! Running one feed's or one digest's work so that a panic in it costs that feed or
//! digest only: the parsers and renderers underneath are large and fed hostile input.
//! A caught panic is reported as that feed's or digest's error, so the default hook's
//! "thread panicked" lines go to the `-vv` log, not to stderr (silent under `-q`).

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::model::{FeedError, FeedSource};

thread_local! {
    /// How many `catch` calls this thread is inside.
    static ISOLATED: Cell<usize> = const { Cell::new(0) };
}

static QUIET_HOOK: Once = Once::new();

/// Runs `work`; a panic in it comes back as `Err` with the panic's message.
/// `AssertUnwindSafe` is sound as the caller drops what `work` touched when it fails.
pub(crate) fn catch<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if ISOLATED.with(Cell::get) > 0 {
                log::trace!("caught a panic: {info}");
            } else {
                previous(info);
            }
        }));
    });
    ISOLATED.with(|n| n.set(n.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    ISOLATED.with(|n| n.set(n.get() - 1));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
}

/// What a feed reports when its parse panicked, whichever boundary caught the panic.
pub(crate) const PARSER_CRASHED: &str = "the feed parser crashed on this feed";

/// The one boundary around a feed's parse and item work: a panic in `work` is that
/// feed's failure, like a parse error; its message, for a bug report, is at `-v`.
pub(crate) fn feed<T>(
    source: &FeedSource,
    work: impl FnOnce() -> Result<T, FeedError>,
) -> Result<T, FeedError> {
    catch(work).unwrap_or_else(|panic| {
        let name = crate::label::feed_name(source, None);
        log::debug!("feed {name}: the parser panicked: {panic}");
        Err(FeedError::Parse(PARSER_CRASHED.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_thread_goes_on() {
        let n: Result<u32, String> = catch(|| {
            "99999999999999999999"
                .parse::<u32>()
                .map_err(|e| e.to_string())
                .map(|n| n + 1)
                .unwrap_or_else(|e| panic!("overflow: {e}"))
        });
        assert_eq!(
            n,
            Err("overflow: number too large to fit in target type".to_string())
        );
        assert_eq!(catch(|| 2 + 2), Ok(4));
        assert_eq!(ISOLATED.with(Cell::get), 0);
    }
}
