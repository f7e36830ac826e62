//! Diagnostics on stderr: plain lines, because cron mails them. No timestamps (cron
//! and journald add their own), a prefix only where it tells the reader something,
//! colour only on a terminal and never with `NO_COLOR`.

use std::io::{IsTerminal, Write};

use env_logger::WriteStyle;
use env_logger::fmt::style::{AnsiColor, Style};

/// Installs the logger: `-q` / `-v` / `-vv` for ours, only warnings and errors for
/// other crates.
pub(crate) fn init(quiet: bool, verbose: u8) {
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let level = match (quiet, verbose) {
        (true, _) => log::LevelFilter::Error,
        (false, 0) => log::LevelFilter::Info,
        (false, 1) => log::LevelFilter::Debug,
        (false, _) => log::LevelFilter::Trace,
    };
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Warn)
        .filter_module("feedletter", level)
        .write_style(match colour {
            true => WriteStyle::Always,
            false => WriteStyle::Never,
        })
        .format(move |buf, record| {
            let message = clean(&record.args().to_string());
            let (prefix, colour_of) = match record.level() {
                log::Level::Error => ("error:", AnsiColor::Red),
                log::Level::Warn => ("warning:", AnsiColor::Yellow),
                _ => return writeln!(buf, "{message}"),
            };
            if colour {
                let style = Style::new().bold().fg_color(Some(colour_of.into()));
                writeln!(buf, "{style}{prefix}{style:#} {message}")
            } else {
                writeln!(buf, "{prefix} {message}")
            }
        })
        .init();
}

/// Messages quote feed titles and server replies, which are anybody's text: control
/// characters (escape sequences, carriage returns) would rewrite the reader's terminal
/// or garble a log. Newlines and tabs are kept; multi-line messages are ours.
pub(crate) fn clean(message: &str) -> String {
    let unwanted = |c: char| c.is_control() && c != '\n' && c != '\t';
    message.replace(unwanted, "\u{FFFD}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(
            clean("a\x1b[31mb\rc\nd\te"),
            "a\u{FFFD}[31mb\u{FFFD}c\nd\te"
        );
    }
}
