//! The command line, as clap parses it. Turned into settings in `main`.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use feedletter::deliver::preview::PreviewFormat;

#[derive(Debug, Parser)]
#[command(
    name = "feedletter",
    version,
    about = "Turns RSS, Atom and JSON feeds into one email digest."
)]
pub(crate) struct Cli {
    /// The config file.
    #[arg(
        short,
        long,
        global = true,
        default_value = "feeds.yaml",
        value_name = "FILE"
    )]
    pub config: PathBuf,
    /// More detail on stderr (-v: each feed's status and timing; -vv: also each request,
    /// response and parse, and what each digest's selection did).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Print errors only (no summary, no warnings about failing feeds, no progress bar).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Pretend the time is this (RFC 3339); for reproducible answers, previews and tests.
    #[arg(long, global = true, hide = true, value_parser = parse_time)]
    pub now: Option<DateTime<Utc>>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Fetch the feeds and send (or preview) the digests.
    Run(RunArgs),
    /// Validate the config and templates; with --fetch and --smtp, probe feeds and mail server.
    Check(CheckArgs),
    /// Show why each item the feeds offer is in a digest or not (fetches, sends nothing).
    Explain(ExplainArgs),
    /// Show each feed's health from the state: last success, failures, last error.
    Feeds,
    /// Print feeds.yaml entries for the feeds in an OPML export from another reader.
    Import(ImportArgs),
    /// Print a shell completion script (e.g. `feedletter completions bash`).
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Also fetch every feed and print a table of the results.
    #[arg(long)]
    pub fetch: bool,
    /// Also connect to the SMTP server, negotiate TLS and log in (nothing is sent).
    #[arg(long)]
    pub smtp: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The digest, by name.
    #[arg(value_name = "DIGEST")]
    pub digest: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only items whose title contains TEXT (in any case).
    #[arg(long = "match", value_name = "TEXT")]
    pub title_match: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The OPML file (File → Export in most feed readers).
    #[arg(value_name = "FILE.opml")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for `shell`.
pub(crate) fn completions(shell: Shell, out: &mut dyn Write) -> std::io::Result<()> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    // clap_complete panics when its writer fails (`| head` closes the pipe), so it
    // writes to memory and the write error, if any, is ours to report.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    out.write_all(&script)
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Digests to run, by name; all of them when none is given.
    #[arg(value_name = "DIGEST")]
    pub digests: Vec<String>,
    /// Preview instead of sending: nothing is sent and no state is written.
    #[arg(long, value_name = "FORMAT", num_args = 0..=1, require_equals = true, default_missing_value = "html")]
    pub dry_run: Option<DryRunFormat>,
    /// Write the preview to FILE instead of stdout.
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    pub out: Option<PathBuf>,
    /// If another run holds the state, wait for it (saying so) instead of exiting.
    #[arg(long)]
    pub wait: bool,
}

/// `--dry-run`'s formats as the command line spells them; the library's
/// `PreviewFormat` knows nothing of clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRunFormat {
    /// The HTML part.
    Html,
    /// The plain-text part.
    Text,
    /// The selection as JSON, for scripts (see docs/usage.md for the shape).
    Json,
    /// The exact RFC 5322 message that would be sent.
    Eml,
}

impl From<DryRunFormat> for PreviewFormat {
    fn from(format: DryRunFormat) -> Self {
        match format {
            DryRunFormat::Html => PreviewFormat::Html,
            DryRunFormat::Text => PreviewFormat::Text,
            DryRunFormat::Json => PreviewFormat::Json,
            DryRunFormat::Eml => PreviewFormat::Eml,
        }
    }
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time: {e}"))
}
