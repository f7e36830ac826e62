//! A fetch progress bar on stderr, for someone watching a terminal. Cron mails, pipes
//! and log files never get one: there it would be carriage returns and cursor codes
//! mixed into the log. `-q` wants silence and `-v` prints a line per feed instead.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::FeedSource;

/// Counts finished feeds. Does nothing at all when hidden.
pub(crate) struct Progress(ProgressBar);

impl Progress {
    /// A bar over `feeds` fetches, drawn only if `wanted` (neither `-q` nor `-v`) and
    /// stderr is a terminal.
    pub(crate) fn new(wanted: bool, feeds: usize) -> Progress {
        if !wanted || feeds == 0 || !std::io::stderr().is_terminal() {
            return Progress(ProgressBar::hidden());
        }
        let bar = ProgressBar::with_draw_target(Some(feeds as u64), ProgressDrawTarget::stderr());
        // Plain characters, no colour directives: the bar looks the same with NO_COLOR.
        if let Ok(style) =
            ProgressStyle::with_template("fetching [{bar:30}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress(bar)
    }

    /// One feed is done (fetched or failed). Called from the fetch workers.
    pub(crate) fn feed_done(&self, source: &FeedSource) {
        if !self.0.is_hidden() {
            let name = crate::label::feed_name(source, None);
            // The name is from the config, but a terminal line is no place for
            // control characters whatever their origin.
            self.0.set_message(name.replace(char::is_control, " "));
            self.0.inc(1);
        }
    }
}

impl Drop for Progress {
    /// The bar is gone before the run's summary lines and warnings are printed.
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
