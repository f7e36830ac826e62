//! The binary: parse the command line, set up logging, call the library, turn the
//! outcome into an exit code. Everything else lives in the library.

use std::io::Write;
use std::process::ExitCode;

mod alloc;
mod cli;
mod logging;

use clap::Parser;
use cli::{Cli, Command};
use feedletter::{Error, ExitStatus};

fn main() -> ExitCode {
    let mapped = alloc::keep_large_blocks_mapped();
    let cli = Cli::parse();
    logging::init(cli.quiet, cli.verbose);
    if !mapped {
        log::debug!("the allocator kept its own mapping threshold; peak memory may be higher");
    }
    match run(cli) {
        Ok(status) => status.into(),
        Err(e) => {
            // One prefix per line: a config error lists every problem on its own line.
            for line in e.to_string().lines() {
                log::error!("{line}");
            }
            e.exit_status().into()
        }
    }
}

fn run(cli: Cli) -> Result<ExitStatus, Error> {
    // With -v every feed gets its own line; a bar drawn over them would garble both.
    let progress = !cli.quiet && cli.verbose == 0;
    let mut stdout = std::io::stdout();
    let now = cli.now.unwrap_or_else(chrono::Utc::now);
    match cli.command {
        Command::Run(args) => {
            let config = feedletter::config::load(&cli.config)?;
            let options = feedletter::RunOptions {
                digests: args.digests,
                preview: args.dry_run.map(Into::into),
                out: args.out,
                now,
                wait: args.wait,
                progress,
            };
            feedletter::run(&config, &options).map(|_| ExitStatus::Success)
        }
        Command::Check(args) => {
            let options = feedletter::check::CheckOptions {
                fetch: args.fetch,
                smtp: args.smtp,
                progress,
                now,
            };
            feedletter::check::check(&cli.config, &options, &mut stdout)
        }
        Command::Explain(args) => {
            let config = feedletter::config::load(&cli.config)?;
            let options = feedletter::explain::ExplainOptions {
                digest: args.digest,
                title_match: args.title_match,
                json: args.json,
                now,
                progress,
            };
            feedletter::explain::explain(&config, &options, &mut stdout)
        }
        Command::Feeds => feedletter::report::feeds(&cli.config, &mut stdout),
        Command::Import(args) => {
            let yaml = feedletter::import::import(&args.file)?;
            stdout.write_all(yaml.as_bytes())?;
            Ok(ExitStatus::Success)
        }
        Command::Completions(args) => {
            cli::completions(args.shell, &mut stdout)?;
            Ok(ExitStatus::Success)
        }
    }
}
