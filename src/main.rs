//! The binary: parse the command line, set up logging, call the library, turn the
//! outcome into an exit code. Everything else lives in the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use feedletter::cli::{Cli, Command};

fn main() -> ExitCode {
    feedletter::alloc::keep_large_blocks_mapped();
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}

fn run(cli: Cli) -> Result<(), feedletter::Error> {
    let config = feedletter::config::load(&cli.config)?;
    match cli.command {
        Command::Run(args) => {
            let options = feedletter::RunOptions {
                digests: args.digests,
                preview: args.dry_run,
                out: args.out,
                now: args.now.unwrap_or_else(chrono::Utc::now),
                wait: args.wait,
            };
            feedletter::run(&config, &options).map(|_| ())
        }
    }
}

/// Plain lines on stderr: cron mails them, so no timestamps or colours, and a prefix
/// only where it tells the reader something.
fn init_logging(cli: &Cli) {
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => log::LevelFilter::Error,
        (false, 0) => log::LevelFilter::Info,
        (false, 1) => log::LevelFilter::Debug,
        (false, _) => log::LevelFilter::Trace,
    };
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Warn)
        .filter_module("feedletter", level)
        .format(|buf, record| {
            let prefix = match record.level() {
                log::Level::Error => "error: ",
                log::Level::Warn => "warning: ",
                _ => "",
            };
            writeln!(buf, "{prefix}{}", record.args())
        })
        .init();
}
