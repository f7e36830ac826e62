//! serde stops at the first error, but a person fixing a config wants every problem
//! at once. When the strict parse fails on an unknown key or a wrong type, the entry
//! it points at is blanked out (so every other line keeps its number) and the text is
//! parsed again, until it parses; semantic validation then runs on what is left.
//!
//! The parser's word for a mistake is not the user's: `expected sequence start` for
//! `tags: team`, or a complaint lines below an unclosed `[`, where the parser gave up.
//! Those are reworded to say what was expected, where the mistake is.

use std::collections::HashSet;

use super::Problem;
use super::raw::{self, RawConfig, key_on_line, key_path_at};

/// More schema errors than any hand-written config has; the bound keeps a
/// pathological file from costing more than a moment.
const MAX_REPAIRS: usize = 100;

/// Parses `text`, collecting the schema problems. `Some` when the text, with the
/// offending entries removed, parsed: semantic validation can then run on it.
pub(super) fn parse(text: &str) -> (Option<RawConfig>, Vec<Problem>) {
    let first = match raw::from_str(text) {
        Ok(raw) => return (Some(raw), Vec::new()),
        Err(problem) => reword(text, problem),
    };
    // Not YAML at all: nothing after the first syntax error can be trusted.
    if !is_yaml(text) {
        return (None, vec![unclosed(text, first.line).unwrap_or(first)]);
    }
    let mut problems = Vec::new();
    let mut text = text.to_string();
    let mut edited: HashSet<u64> = HashSet::new();
    let mut next = first;
    for _ in 0..MAX_REPAIRS {
        // An error on a line already edited follows from the edit (a list entry left
        // empty, say), not from anything the user wrote.
        if !edited.contains(&next.line) {
            problems.push(next.clone());
        }
        let Some((repaired, lines)) = blank_entry(&text, next.line, next.column) else {
            break;
        };
        // An edit that broke the YAML itself (a flow collection spread over lines,
        // say) would only produce errors of our own making.
        if !is_yaml(&repaired) {
            break;
        }
        edited.extend(lines);
        text = repaired;
        match raw::from_str(&text) {
            Ok(raw) => return (Some(raw), problems),
            Err(problem) => next = reword(&text, problem),
        }
    }
    (None, problems)
}

fn is_yaml(text: &str) -> bool {
    serde_saphyr::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// Removes the mapping entry at `line`:`column` (1-based) together with its nested
/// block value, leaving empty lines in their place. Returns the new text and the
/// numbers of the lines changed; `None` when there is nothing left to remove there.
fn blank_entry(text: &str, line: u64, column: u64) -> Option<(String, Vec<u64>)> {
    let mut lines: Vec<&str> = text.lines().collect();
    let edited_parent: String;
    let idx = usize::try_from(line).ok()?.checked_sub(1)?;
    let current = *lines.get(idx)?;
    let column = usize::try_from(column).ok()?.saturating_sub(1);
    let at = current
        .char_indices()
        .nth(column)
        .map_or(current.len(), |(i, _)| i);
    // Remove the whole `key: value`, not just the value the error points at: a
    // key left with no value would be an error of its own.
    let mut start = match key_on_line(current) {
        Some((indent, _)) if indent <= at => indent,
        _ => at,
    };
    if current[start..].trim().is_empty() {
        start = current.len() - current.trim_start().len();
    }
    let removed = current[start..].trim();
    if removed.is_empty() {
        return None;
    }
    let value_below = removed.ends_with(':');
    lines[idx] = current[..start].trim_end();
    let mut changed = vec![line];
    for (offset, l) in lines.iter_mut().enumerate().skip(idx + 1) {
        let Some(indent) = indent(l) else { continue };
        // A block sequence may sit at its key's own indentation.
        let nested =
            indent > start || (value_below && indent == start && l[indent..].starts_with('-'));
        if !nested {
            break;
        }
        *l = "";
        changed.push(offset as u64 + 1);
    }
    // A mapping (or list) emptied by the edit would read as null, an error of our
    // making; as `{}` (or `[]`) its remaining checks still run: a digest left
    // without keys is still a digest without recipients.
    if let Some(parent) = emptied_parent(&lines, idx, start) {
        let empty = if removed.starts_with('-') { "[]" } else { "{}" };
        edited_parent = format!("{} {empty}", lines[parent]);
        lines[parent] = &edited_parent;
        changed.push(parent as u64 + 1);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Some((out, changed))
}

/// The line of the block key whose only nested content started at `idx`, if the
/// edit at column `start` left it with nothing under it.
fn emptied_parent(lines: &[&str], idx: usize, start: usize) -> Option<usize> {
    let parent = (0..idx)
        .rev()
        .find(|&i| indent(lines[i]).is_some_and(|indent| indent < start))?;
    let parent_indent = indent(lines[parent])?;
    if !lines[parent].trim_end().ends_with(':') {
        return None;
    }
    let has_children = lines[parent + 1..]
        .iter()
        .filter_map(|l| indent(l))
        .next()
        .is_some_and(|indent| indent > parent_indent);
    (!has_children).then_some(parent)
}

/// The problem in the user's words, where the parser's own would puzzle them.
fn reword(text: &str, mut problem: Problem) -> Problem {
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
fn unclosed(text: &str, failed_at: u64) -> Option<Problem> {
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

/// The indentation of a line with content; `None` for a blank line or a comment.
fn indent(line: &str) -> Option<usize> {
    let body = line.trim_start_matches(' ');
    (!body.is_empty() && !body.starts_with('#')).then(|| line.len() - body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_an_entry_and_its_nested_lines_keeping_line_numbers() {
        let text = "a:\n  bad:\n    - 1\n    - 2\n  good: 3\n";
        let (out, lines) = blank_entry(text, 2, 3).expect("something to remove");
        assert_eq!(out, "a:\n\n\n\n  good: 3\n");
        assert_eq!(lines, [2, 3, 4]);
    }

    #[test]
    fn keeps_the_rest_of_a_list_entry() {
        let text = "feeds:\n  - colour: red\n    url: x\n";
        let (out, _) = blank_entry(text, 2, 5).expect("something to remove");
        assert_eq!(out, "feeds:\n  -\n    url: x\n");
    }

    #[test]
    fn an_emptied_mapping_stays_a_mapping() {
        let text = "digests:\n  weekly:\n    send_empty: yes\nsmtp: {}\n";
        let (out, lines) = blank_entry(text, 3, 17).expect("something to remove");
        assert_eq!(out, "digests:\n  weekly: {}\n\nsmtp: {}\n");
        assert_eq!(lines, [3, 2]);
    }

    #[test]
    fn nothing_to_remove_on_an_empty_line() {
        assert!(blank_entry("a: 1\n\nb: 2\n", 2, 1).is_none());
        assert!(blank_entry("a: 1\n", 0, 0).is_none());
    }
}
