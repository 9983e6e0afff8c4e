//! Aligned plain-text tables (the parity matrix, the migration status table) for the human format.

use super::{CellStatus, Table};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

pub(crate) fn status_style(status: CellStatus) -> Style {
    let color = match status {
        CellStatus::Ok => Some(AnsiColor::Green),
        CellStatus::Warning => Some(AnsiColor::Yellow),
        CellStatus::Error => Some(AnsiColor::Red),
        CellStatus::Unknown => Some(AnsiColor::Magenta),
        CellStatus::Neutral => None,
    };
    Style::new().fg_color(color.map(Into::into))
}

/// Writes `table` with a title line, a header and columns padded to their widest cell.
pub(crate) fn write(table: &Table, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let columns = table
        .columns
        .len()
        .max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    let mut widths = vec![0usize; columns];
    for (i, c) in table.columns.iter().enumerate() {
        widths[i] = widths[i].max(width(c));
    }
    for row in &table.rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(&cell.text));
        }
    }
    let bold = Style::new().bold();
    if color {
        writeln!(out, "{bold}{}{bold:#}", table.title)?;
    } else {
        writeln!(out, "{}", table.title)?;
    }
    let header: Vec<String> = (0..columns)
        .map(|i| pad(table.columns.get(i).map_or("", String::as_str), widths[i]))
        .collect();
    writeln!(out, "  {}", header.join("  ").trim_end())?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    writeln!(out, "  {}", rule.join("  "))?;
    for row in &table.rows {
        let mut line = String::from("  ");
        for (i, width) in widths.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let (text, status) = row
                .get(i)
                .map_or(("", CellStatus::Neutral), |c| (c.text.as_str(), c.status));
            let cell = pad(&one_line(text), *width);
            if color && status != CellStatus::Neutral {
                let style = status_style(status);
                line.push_str(&format!("{style}{cell}{style:#}"));
            } else {
                line.push_str(&cell);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

fn width(text: &str) -> usize {
    one_line(text).chars().count()
}

fn pad(text: &str, to: usize) -> String {
    let mut s = text.to_string();
    let w = width(text);
    if w < to {
        s.extend(std::iter::repeat_n(' ', to - w));
    }
    s
}
