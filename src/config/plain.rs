//! The parser's word for a mistake is not the user's: `expected sequence start` for
//! `tags: team`, or a complaint lines below an unclosed `[`, where the parser gave up.
//! These say what was expected, where the mistake is.

use super::Problem;
use super::raw::key_path_at;

/// The problem in the user's words, where the parser's own would puzzle them.
pub(super) fn reword(text: &str, mut problem: Problem) -> Problem {
    if problem.message.starts_with("expected sequence") {
        let name = problem.key.rsplit('.').next().unwrap_or_default();
        let line = usize::try_from(problem.line).ok().and_then(|l| {
            let line = text.lines().nth(l.checked_sub(1)?)?;
            line.split_once(':').map(|(_, value)| value.trim())
        });
        let example = match line {
            Some(value) if !value.is_empty() && !value.starts_with(['{', '[']) => value,
            _ => "a, b",
        };
        problem.message = format!("{name} must be a list, e.g. [{example}]");
    }
    problem
}

/// An unclosed `[`, `{` or quote, if the text has one opening at or before the line
/// where the parser failed: the problem then points at where it opens.
pub(super) fn unclosed(text: &str, failed_at: u64) -> Option<Problem> {
    let mut open: Vec<(char, usize, usize)> = Vec::new();
    let mut quote: Option<(char, usize, usize)> = None;
    for (n, line) in text.lines().enumerate() {
        // Where a value may begin: only there do a bracket or a quote open one;
        // elsewhere (`title: it's [beta]`) they are text.
        let mut value_start = true;
        let mut spaced = true;
        let mut chars = line.chars().enumerate().peekable();
        while let Some((col, c)) = chars.next() {
            let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
            if let Some((q, ..)) = quote {
                match c {
                    // An escape, or `''` in single quotes: the next one does not close.
                    '\\' if q == '"' => _ = chars.next(),
                    '\'' if q == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                        _ = chars.next()
                    }
                    c if c == q => quote = None,
                    _ => {}
                }
                continue;
            }
            if c.is_whitespace() {
                spaced = true;
                continue;
            }
            match c {
                '#' if spaced => break,
                '"' | '\'' if value_start => quote = Some((c, n, col)),
                '[' | '{' if value_start => open.push((c, n, col)),
                ']' | '}' if open.last().is_some_and(|(o, ..)| (*o == '[') == (c == ']')) => {
                    open.pop();
                }
                _ => {}
            }
            value_start = match c {
                '-' => value_start && next_is_space,
                ':' => next_is_space,
                ',' => !open.is_empty(),
                '[' | '{' => value_start,
                _ => false,
            };
            spaced = false;
        }
    }
    let (c, line, col) = quote.or(open.last().copied())?;
    let line_no = line as u64 + 1;
    if line_no > failed_at {
        return None;
    }
    let message = match c {
        '[' => "this `[` is never closed: end the list with `]`".to_string(),
        '{' => "this `{` is never closed: end the mapping with `}`".to_string(),
        q => format!("this `{q}` is never closed: end the text with `{q}`"),
    };
    Some(Problem {
        line: line_no,
        column: col as u64 + 1,
        key: key_path_at(text, line_no).unwrap_or_else(|| "yaml".into()),
        message,
    })
}
