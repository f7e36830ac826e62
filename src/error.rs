//! The errors that end a run, and the exit statuses they map to.

use crate::config::ConfigError;
use crate::outcome::{self, DigestFailure};
use crate::state::StateError;
use crate::{fetch, render};

/// The process exit status. Stable, because cron wrappers and scripts branch on it;
/// the README has the same table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum ExitStatus {
    /// Done: digests sent or previewed, including "nothing new" and runs where some
    /// feeds failed (those are reported, and retried next run).
    Success = 0,
    /// A runtime failure: delivery, rendering, the state, writing output; for `check`,
    /// a feed or the SMTP server that failed its probe.
    Failure = 1,
    /// Invalid config, command line or input file: nothing was attempted.
    Usage = 2,
    /// Another run holds the lock on the state file.
    Locked = 3,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status as u8)
    }
}

/// Errors that end a run. Per-feed failures are not among them: they are reported
/// and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot start fetching: {0}")]
    FetchSetup(#[from] fetch::FetchSetupError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{0}")]
    Preview(String),
    /// Digests that failed while the others were still attempted.
    #[error("{}", outcome::lines(.0))]
    Digests(Vec<DigestFailure>),
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    /// The process exit status for this error (see the README's table).
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Config(_) | Error::Usage(_) => ExitStatus::Usage,
            Error::State(StateError::Locked { .. }) => ExitStatus::Locked,
            _ => ExitStatus::Failure,
        }
    }
}
