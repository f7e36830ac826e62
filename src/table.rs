//! Plain-text tables for `feeds` and `check --fetch`: aligned columns, no box drawing,
//! so they read the same in a terminal, a pipe and a cron mail.

use std::io::{self, Write};

use crate::text::columns as width;

/// Cells longer than this are cut (the last column excepted, where a long error has
/// room to run on without pushing anything out of line).
const MAX_CELL: usize = 48;
/// Even the last column ends somewhere: a hostile feed title can be any length.
const MAX_LAST_CELL: usize = 300;

/// The header is the first row.
pub(crate) struct Table(Vec<Vec<String>>);

impl Table {
    pub(crate) fn new(header: Vec<&'static str>) -> Table {
        Table(vec![header.into_iter().map(String::from).collect()])
    }

    /// Adds a row; an empty cell is shown as `-`.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        let last = cells.len().saturating_sub(1);
        let cells = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| cell(&c, if i == last { MAX_LAST_CELL } else { MAX_CELL }))
            .collect();
        self.0.push(cells);
    }

    pub(crate) fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let columns = self.0[0].len();
        let mut widths = vec![0; columns];
        for row in &self.0 {
            for (i, c) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(width(c));
            }
        }
        for row in &self.0 {
            let mut line = String::new();
            for (i, c) in row.iter().enumerate().take(columns) {
                line.push_str(c);
                if i + 1 < columns {
                    line.extend(std::iter::repeat_n(' ', widths[i] - width(c) + 2));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// One line of printable text: feed titles and errors are anybody's text, and a
/// newline or an escape sequence would break the table or the terminal.
fn cell(text: &str, max: usize) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.is_empty() {
        return "-".into();
    }
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_cells_are_one_clean_line() {
        let mut t = Table::new(vec!["NAME", "ITEMS", "ERROR"]);
        t.row(vec!["a\x1b[2J\nb".into(), "3".into(), String::new()]);
        t.row(vec!["long name".into(), "12".into(), "HTTP 404".into()]);
        let mut out = Vec::new();
        t.write(&mut out).expect("write to a Vec");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "NAME       ITEMS  ERROR\na [2J b    3      -\nlong name  12     HTTP 404\n"
        );
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let mut t = Table::new(vec!["FEED", "ITEMS"]);
        t.row(vec!["日本語".into(), "3".into()]);
        t.row(vec!["abc".into(), "12".into()]);
        let mut out = Vec::new();
        t.write(&mut out).expect("write to a Vec");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "FEED    ITEMS\n日本語  3\nabc     12\n"
        );
    }

    #[test]
    fn long_cells_are_cut() {
        assert_eq!(cell(&"x".repeat(100), 5), "xxxx…");
    }
}
