//! `feedletter feeds`: each configured feed's health as the state remembers it, so a
//! feed that has been failing quietly for a week is easy to spot. Reads the state
//! from a private copy and fetches nothing.

use std::io::Write;
use std::path::Path;

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
    let header = "FEED|URL|LAST SUCCESS|FAILURES|ITEMS|MOVED TO|LAST ERROR";
    let mut table = Table::new(header.split('|').collect());
    for feed in &config.feeds {
        let location = FeedKey::from(&feed.location);
        let record = records.get(&location);
        let name = label::feed_name(feed, record.and_then(|r| r.title.as_deref()));
        let health = match record {
            None => ["never fetched", "", "", "", ""].map(String::from).to_vec(),
            Some(record) => vec![
                (record.last_success).map_or("never".into(), |t| {
                    t.format("%Y-%m-%d %H:%M UTC").to_string()
                }),
                record.failures_in_a_row.to_string(),
                record.items.to_string(),
                record.moved_to.clone().unwrap_or_default(),
                // Cleared by the state on the next success: an error here is current.
                record.last_error.clone().unwrap_or_default(),
            ],
        };
        table.row([vec![name, location.to_string()], health].concat());
    }
    table.write(out)?;
    Ok(ExitStatus::Success)
}
