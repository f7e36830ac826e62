//! `smtp.timeout` as one deadline for a whole delivery: connect, TLS, AUTH, every
//! command, the message and the retries.
//!
//! A socket timeout bounds one read or write, not a conversation: a server that answers
//! every command just inside it would hold a run for many times the budget. So each step
//! gets only what is left of the deadline on its socket, and the conversation runs on a
//! worker thread that the caller stops waiting for once the deadline has passed. The
//! steps lettre performs as one call (greeting plus EHLO, STARTTLS plus EHLO) are bounded
//! that way too. A worker left behind sends nothing more: it checks, before every step,
//! whether it was abandoned.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Step;

/// When a delivery must be over, and the budget it was given.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadline {
    end: Instant,
    pub(super) budget: Duration,
}

impl Deadline {
    pub(super) fn new(budget: Duration) -> Self {
        Deadline {
            end: Instant::now() + budget,
            budget,
        }
    }

    /// Time left; zero once the deadline has passed.
    pub(super) fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }
}

/// What the worker is doing, and whether the caller has given up on it: one lock, so
/// a step is either begun before the caller gives up (and reported) or never.
pub(super) struct Watch(Mutex<(Step, bool)>);

impl Watch {
    /// Records that `step` starts; `false` when the caller has already given up, so
    /// the worker must not start it.
    pub(super) fn begin(&self, step: Step) -> bool {
        let mut watch = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (current, abandoned) = &mut *watch;
        if !*abandoned {
            *current = step;
        }
        !*abandoned
    }

    /// Marks the worker abandoned and returns the step it was in.
    fn abandon(&self) -> Step {
        let mut watch = self.0.lock().unwrap_or_else(|p| p.into_inner());
        watch.1 = true;
        watch.0.clone()
    }
}

/// Why `within` gave up waiting.
pub(super) enum Stopped<F> {
    /// The work itself finished, with a failure.
    Failed(F),
    /// The deadline passed during this step.
    TimedOut(Step),
    /// The worker could not be started, or died without an answer.
    Lost(String),
}

/// Runs `work` on a worker thread and waits for it until `deadline`.
pub(super) fn within<T, F>(
    deadline: Deadline,
    work: impl FnOnce(&Watch) -> Result<T, F> + Send + 'static,
) -> Result<T, Stopped<F>>
where
    T: Send + 'static,
    F: Send + 'static,
{
    let watch = Arc::new(Watch(Mutex::new((Step::Connect, false))));
    let (done, result) = mpsc::channel();
    let worker_watch = Arc::clone(&watch);
    std::thread::Builder::new()
        .name("smtp".into())
        .spawn(move || {
            let _ = done.send(work(&worker_watch));
        })
        .map_err(|e| Stopped::Lost(format!("cannot start the SMTP conversation: {e}")))?;
    let finished = match result.recv_timeout(deadline.remaining()) {
        Err(RecvTimeoutError::Timeout) => {
            let step = watch.abandon();
            // The answer may have arrived while the flag was being set.
            result.try_recv().map_err(|_| Stopped::TimedOut(step))?
        }
        Err(RecvTimeoutError::Disconnected) => {
            let reason = "the SMTP conversation ended without an answer";
            return Err(Stopped::Lost(reason.into()));
        }
        Ok(finished) => finished,
    };
    finished.map_err(Stopped::Failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_stops_waiting_at_the_deadline_and_names_the_step() {
        let deadline = Deadline::new(Duration::from_millis(200));
        let started = Instant::now();
        let result: Result<(), Stopped<()>> = within(deadline, |watch| {
            assert!(watch.begin(Step::Data));
            std::thread::sleep(Duration::from_secs(2));
            Ok(())
        });
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(matches!(result, Err(Stopped::TimedOut(Step::Data))));
    }

    #[test]
    fn an_abandoned_worker_is_told_not_to_start_the_next_step() {
        let (seen, told) = mpsc::channel();
        let deadline = Deadline::new(Duration::from_millis(100));
        let _: Result<(), Stopped<()>> = within(deadline, move |watch| {
            std::thread::sleep(Duration::from_millis(300));
            let _ = seen.send(watch.begin(Step::Message));
            Ok(())
        });
        assert_eq!(told.recv_timeout(Duration::from_secs(2)), Ok(false));
    }
}
