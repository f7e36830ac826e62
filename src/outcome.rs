//! What became of each digest of a run. Digests are independent: one that fails is
//! reported here and the others are still attempted; any failure makes the run's exit
//! status 1.

use std::fmt;

use crate::archive::ArchiveError;
use crate::deliver::preview::DigestOutput;
use crate::deliver::smtp::{DeliveryError, Refused};
use crate::render::RenderError;
use crate::state::StateError;

/// What a digest came to, for the run's summary line.
#[derive(Debug)]
pub struct DigestSummary {
    pub name: String,
    pub items: usize,
    pub omitted: usize,
    pub sent: bool,
}

/// One digest's result.
pub(crate) enum DigestOutcome<'c> {
    /// Rendered for the preview, which is written once all digests are done.
    Previewed(DigestOutput<'c>),
    /// Nothing new, and `send_empty` is off.
    Skipped,
    /// Accepted and recorded. `refused` lists recipients the server would not take
    /// while it took the others: the items count as sent, and the run still fails.
    Sent {
        refused: Vec<Refused>,
        delivered_to: usize,
        /// The web archive could not be updated; the delivery stands all the same.
        archive: Option<ArchiveError>,
    },
    Failed(DigestError),
}

/// Why one digest failed, worded to follow "digest NAME".
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// Reading what it sent before, or the selected items' texts.
    #[error("was not sent: {0}")]
    State(StateError),
    #[error("was not rendered: {0}")]
    Render(RenderError),
    #[error("was not delivered: {0}")]
    Delivery(DeliveryError),
    /// The mail went out, but recording it failed: the next run sends it again.
    #[error(
        "WAS delivered (the mail server accepted it), but it could not be recorded as sent: \
         {0}; the next run will send the same items again"
    )]
    NotRecorded(StateError),
    /// Sent and recorded, but its web archive was not updated.
    #[error("was sent, but its web archive was not updated: {0}")]
    Archive(ArchiveError),
    /// Some recipients were refused; the rest got the digest. One line per recipient.
    #[error("{}", refusals(refused, *delivered_to, ""))]
    Refused {
        refused: Vec<Refused>,
        delivered_to: usize,
    },
}

fn refusals(refused: &[Refused], delivered_to: usize, prefix: &str) -> String {
    let others = crate::label::count(delivered_to, "other recipient");
    let lines: Vec<String> = (refused.iter())
        .map(|r| format!("{prefix}the mail server refused the recipient {r}; the {others} got it"))
        .collect();
    lines.join("\n")
}

/// A digest's failure, named.
#[derive(Debug)]
pub struct DigestFailure {
    pub digest: String,
    pub error: DigestError,
}

/// One line per problem, for `error:` prefixes.
impl fmt::Display for DigestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (digest, error) = (&self.digest, &self.error);
        let prefix = format!("digest {digest}: ");
        match error {
            DigestError::Refused {
                refused,
                delivered_to,
            } => f.write_str(&refusals(refused, *delivered_to, &prefix)),
            _ => write!(f, "digest {digest} {error}"),
        }
    }
}

/// Every failed digest of a run, one line each.
pub(crate) fn lines(failures: &[DigestFailure]) -> String {
    let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
    lines.join("\n")
}
