//! One digest of a run: its items chosen from the gathered feeds, rendered, and sent
//! (or kept for the preview), ending in a [`DigestOutcome`] rather than an early return,
//! so that one digest's failure never stops the others.

use crate::archive::{self, IssueSlot};
use crate::config::{DigestConfig, Overflow, SmtpSettings};
use crate::deliver::{self, preview::DigestOutput};
use crate::model::{self, FeedItems, Selection};
use crate::outcome::{DigestError, DigestOutcome, DigestSummary};
use crate::render::{RenderedDigest, Renderer, RunContext};
use crate::state::{Handling, SentItem, State};
use crate::{label, select, text};

/// What every digest of a run shares.
pub(crate) struct DigestRun<'r> {
    pub(crate) state: &'r mut State,
    pub(crate) renderer: &'r Renderer,
    pub(crate) feeds: &'r [FeedItems],
    pub(crate) context: RunContext<'r>,
    /// `None` only for a preview.
    pub(crate) smtp: Option<&'r SmtpSettings>,
    pub(crate) preview: bool,
}

/// Selects, renders and sends (or keeps for the preview) one digest.
pub(crate) fn run_digest<'c>(
    run: &mut DigestRun<'_>,
    digest: &'c DigestConfig,
) -> (DigestSummary, DigestOutcome<'c>) {
    let mut summary = DigestSummary {
        name: digest.name.clone(),
        items: 0,
        omitted: 0,
        sent: false,
    };
    let (selection, rendered, issue) = match compose(run, digest) {
        Ok(composed) => composed,
        Err(e) => return (summary, DigestOutcome::Failed(e)),
    };
    summary.items = selection.items.len();
    summary.omitted = selection.omitted;
    let outcome = match run.smtp {
        _ if run.preview => DigestOutcome::Previewed(DigestOutput {
            digest,
            selection,
            rendered,
        }),
        _ if selection.items.is_empty() && !digest.send_empty => {
            log::info!(
                "{}: nothing new, nothing sent (send_empty is off)",
                digest.name
            );
            // An empty slot is served too: else a scheduled digest would stay due,
            // and go out at whatever hour something turned up.
            match run
                .state
                .mark_sent(&digest.name, &[], run.context.now, None)
            {
                Ok(()) => DigestOutcome::Skipped,
                Err(e) => DigestOutcome::Failed(DigestError::NotRecorded(e)),
            }
        }
        Some(smtp) => send(run, smtp, digest, &selection, &rendered, issue),
        None => DigestOutcome::Skipped,
    };
    summary.sent = matches!(outcome, DigestOutcome::Sent { .. });
    (summary, outcome)
}

/// The digest's items, chosen and rendered, and where its archive page would go.
fn compose(
    run: &DigestRun<'_>,
    digest: &DigestConfig,
) -> Result<(Selection, RenderedDigest, Option<IssueSlot>), DigestError> {
    let now = run.context.now;
    let sent = run.state.sent(&digest.name).map_err(DigestError::State)?;
    let mut selection = select::select(digest, run.feeds, now, &sent);
    // Texts stay in the state (a preview's is a scratch copy) until an item is chosen.
    for item in &mut selection.items {
        run.state
            .load_texts(&item.feed_url, &item.key, &mut item.texts)
            .map_err(DigestError::State)?;
    }
    // Planned before rendering, so the email can link to its page; writes nothing.
    let issue = archive::next_issue(digest, now);
    let links = issue.as_ref().and_then(|i| i.links.as_ref());
    let rendered = run
        .renderer
        .render_issue(digest, &selection, &run.context, links)
        .map_err(DigestError::Render)?;
    if log::log_enabled!(log::Level::Trace) {
        // Selection keeps no verdicts; at -vv they are worked out once more to count them.
        let trace = select::trace(digest, run.feeds, now, &sent);
        log::trace!("{}: {}", digest.name, label::verdict_counts(&trace));
    }
    let reports = run.context.reports;
    let ok = reports.iter().filter(|r| r.error().is_none()).count();
    log::info!(
        "{}: {} ok, {} failed; {} selected{}",
        digest.name,
        label::count(ok, "feed"),
        reports.iter().filter(|r| r.error().is_some()).count(),
        label::count(selection.items.len(), "item"),
        if selection.omitted > 0 {
            format!(" ({} more not shown)", selection.omitted)
        } else {
            String::new()
        }
    );
    Ok((selection, rendered, issue))
}

fn send<'c>(
    run: &mut DigestRun<'_>,
    smtp: &SmtpSettings,
    digest: &DigestConfig,
    selection: &Selection,
    rendered: &RenderedDigest,
    issue: Option<IssueSlot>,
) -> DigestOutcome<'c> {
    let now = run.context.now;
    let mut delivered = match deliver::deliver(smtp, digest, rendered, now) {
        Ok(delivered) => delivered,
        Err(e) => return DigestOutcome::Failed(DigestError::Delivery(e)),
    };
    // Only now, after the server accepted the message, do the items count as sent,
    // and before QUIT: a crash between the two means one repeat, never a loss, and a
    // server slow to answer QUIT does not widen that gap.
    let recorded = run.state.mark_sent(
        &digest.name,
        &sent_items(digest, selection),
        now,
        delivered.message_id.as_deref(),
    );
    let refused = std::mem::take(&mut delivered.accepted.refused);
    let delivered_to = delivered.accepted.delivered_to;
    delivered.accepted.close();
    if let Err(e) = recorded {
        return DigestOutcome::Failed(DigestError::NotRecorded(e));
    }
    let items = selection.items.len();
    log::info!("{}: sent {}", digest.name, label::count(items, "item"));
    // Reported with the run's other failures; the delivery stands and is not repeated.
    let archive = archive::publish_sent(digest, issue, rendered, items, now).err();
    DigestOutcome::Sent {
        refused,
        delivered_to,
        archive,
    }
}

/// The selected items and the duplicates they stand for, and what the caps cut, as
/// the state records them.
fn sent_items(digest: &DigestConfig, selection: &model::Selection) -> Vec<SentItem> {
    let mut items: Vec<SentItem> = selection
        .items
        .iter()
        .map(|i| SentItem {
            feed: i.feed_url.clone(),
            key: i.key.clone(),
            link: i.link.as_deref().and_then(text::canonical_link),
            how: Handling::Sent,
        })
        .collect();
    items.extend(selection.duplicates.iter().map(|(feed, key)| SentItem {
        feed: feed.clone(),
        key: key.clone(),
        link: None,
        how: Handling::Sent,
    }));
    let cut = match digest.overflow {
        Overflow::Drop => Handling::Cut,
        Overflow::Carry => Handling::Carried,
    };
    items.extend(selection.cut.iter().map(|(feed, key, link)| SentItem {
        feed: feed.clone(),
        key: key.clone(),
        link: link.clone(),
        how: cut,
    }));
    items
}
