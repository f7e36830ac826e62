//! `feedletter feeds`: each configured feed's health as the state remembers it, so a
//! feed that has been failing quietly for a week is easy to spot. Reads the state
//! read-only and fetches nothing.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::{Error, ExitStatus};
use crate::model::FeedKey;
use crate::state::State;
use crate::table::Table;
use crate::{config, label};

/// Prints the table of the config's feeds to `out`, in config order.
pub fn feeds(path: &Path, out: &mut dyn Write) -> Result<ExitStatus, Error> {
    let config = config::load(path)?;
    if !config.state.exists() {
        log::info!(
            "no state at {} yet: it is written by the first `feedletter run`",
            config.state.display()
        );
    }
    let state = State::open_scratch(&config.state)?;
    let records = state.feed_records()?;
    let mut table = Table::new(vec![
        "FEED",
        "URL",
        "LAST SUCCESS",
        "FAILURES",
        "ITEMS",
        "MOVED TO",
        "LAST ERROR",
    ]);
    for feed in &config.feeds {
        let location = FeedKey::from(&feed.location);
        let record = records.get(&location);
        let name = label::feed_name(feed, record.and_then(|r| r.title.as_deref()));
        let Some(record) = record else {
            table.row(vec![
                name,
                location.to_string(),
                "never fetched".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        };
        table.row(vec![
            name,
            location.to_string(),
            record
                .last_success
                .map_or_else(|| "never".into(), format_time),
            record.failures_in_a_row.to_string(),
            record.items.to_string(),
            record.moved_to.clone().unwrap_or_default(),
            // Cleared by the state on the next success: an error here is current.
            record.last_error.clone().unwrap_or_default(),
        ]);
    }
    table.write(out)?;
    Ok(ExitStatus::Success)
}

fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}
