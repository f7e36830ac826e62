//! Diagnostics on stderr: plain lines, because cron mails them. No timestamps (cron
//! and journald add their own), a prefix only where it tells the reader something,
//! colour only on a terminal and never with `NO_COLOR`.

use std::io::{IsTerminal, Write};

use env_logger::WriteStyle;
use env_logger::fmt::style::{AnsiColor, Style};

/// How much to say, from `-q` / `-v` / `-vv`.
pub(crate) fn level(quiet: bool, verbose: u8) -> log::LevelFilter {
    match (quiet, verbose) {
        (true, _) => log::LevelFilter::Error,
        (false, 0) => log::LevelFilter::Info,
        (false, 1) => log::LevelFilter::Debug,
        (false, _) => log::LevelFilter::Trace,
    }
}

/// Whether stderr gets colour: a terminal, and no `NO_COLOR` (https://no-color.org:
/// set and not empty).
pub(crate) fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the logger. Other crates only get to say warnings and errors.
pub(crate) fn init(quiet: bool, verbose: u8) {
    let colour = colour_on_stderr();
    env_logger::Builder::new()
        .filter_level(log::LevelFilter::Warn)
        .filter_module("feedletter", level(quiet, verbose))
        .write_style(if colour {
            WriteStyle::Always
        } else {
            WriteStyle::Never
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
    message
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
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
