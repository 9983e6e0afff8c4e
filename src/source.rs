//! A migration file in memory, with exact positions: byte offsets into the original text
//! (BOM included), 1-based lines (LF, CRLF and lone CR all end a line) and columns in characters.

use crate::diagnostics::{Edit, LineCol, Location};
use crate::error::Error;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should see it (relative where it was given relative).
    pub path: PathBuf,
    /// The whole file, BOM included, so byte offsets match the file on disk.
    pub text: Arc<str>,
    /// Where each line starts, and whether the text has a `\r\n` ([`Self::line_ending`]),
    /// found in the one pass that reads the lines on the first question that needs them: a
    /// directory's migrations are read whole for discovery, most never asked for a position.
    lines: OnceLock<Lines>,
}

/// A text's line starts and whether it has a `\r\n`.
#[derive(Debug, Clone)]
struct Lines {
    starts: Vec<usize>,
    crlf: bool,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut crlf = false;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                b'\r' => crlf = true,
                _ => {}
            }
            i += 1;
        }
        Lines { starts, crlf }
    }
}

const BOM: &str = "\u{feff}";

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
            lines: OnceLock::new(),
        }
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| Lines::of(&self.text))
    }

    fn line_starts(&self) -> &[usize] {
        &self.lines().starts
    }

    /// Reads a file, refusing binary and non-UTF-8 content with an error that names the file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::check_text(path, &bytes)?;
        let text = String::from_utf8(bytes).expect("checked above");
        Ok(SourceFile::new(path, text))
    }

    /// The error [`read`](Self::read) gives for `bytes` read from `path`: binary or not UTF-8.
    pub fn check_text(path: &Path, bytes: &[u8]) -> Result<(), Error> {
        if bytes.contains(&0) {
            return Err(Error::input(
                path,
                "is a binary file (it contains NUL bytes); only SQL text is checked",
            ));
        }
        std::str::from_utf8(bytes).map(|_| ()).map_err(|e| {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            Error::input(
                path,
                format!("is not valid UTF-8 (line {line}, byte {at}); re-encode it as UTF-8"),
            )
        })
    }

    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }

    /// Length of the byte-order mark at the start, if any (0 or 3).
    pub fn bom_len(&self) -> usize {
        if self.text.starts_with(BOM) {
            BOM.len()
        } else {
            0
        }
    }

    /// The text without a leading BOM; offsets into it are shifted by `bom_len()`.
    pub fn body(&self) -> &str {
        &self.text[self.bom_len()..]
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts().binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts()[line_index];
        let mut column_start = start;
        if line_index == 0 {
            column_start += self.bom_len().min(offset);
        }
        let prefix = self.text.get(column_start..offset).unwrap_or("");
        LineCol {
            line: line_index + 1,
            column: prefix.chars().count() + 1,
        }
    }

    /// Byte offset of a 1-based line and character column.
    pub fn offset_of(&self, at: LineCol) -> Option<usize> {
        let start = *self.line_starts().get(at.line.checked_sub(1)?)?;
        let start = if at.line == 1 { self.bom_len() } else { start };
        let line = &self.text[start..];
        let mut chars = line.char_indices();
        let mut offset = start + line.len();
        for _ in 1..at.column {
            chars.next()?;
        }
        if let Some((i, _)) = chars.next() {
            offset = start + i;
        }
        Some(offset)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// Byte range of a 1-based line, without its terminator.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let starts = self.line_starts();
        let start = starts[line - 1];
        let mut end = starts.get(line).copied().unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    /// The line terminator this file mostly uses, so inserted lines match the author's.
    pub fn line_ending(&self) -> &'static str {
        if self.lines().crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    pub fn location(&self, bytes: Range<usize>) -> Location {
        Location {
            path: Some(self.display_path()),
            ..self.location_in_file(bytes)
        }
    }

    /// [`location`](Self::location) without the path (for callers that format it once).
    pub fn location_in_file(&self, bytes: Range<usize>) -> Location {
        Location {
            path: None,
            start: Some(self.line_col(bytes.start)),
            end: Some(self.line_col(bytes.end)),
            bytes: Some(bytes),
        }
    }

    pub fn edit(&self, range: Range<usize>, content: impl Into<String>) -> Edit {
        Edit {
            start: self.line_col(range.start),
            end: self.line_col(range.end),
            range,
            content: content.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_handle_crlf_and_bom() {
        let src = SourceFile::new("a.sql", "\u{feff}SELECT 'é';\r\nCREATE TABLE t();\rX");
        assert_eq!(src.line_col(3), LineCol { line: 1, column: 1 });
        let create = src.text.find("CREATE").unwrap();
        assert_eq!(src.line_col(create), LineCol { line: 2, column: 1 });
        let x = src.text.find('X').unwrap();
        assert_eq!(src.line_col(x), LineCol { line: 3, column: 1 });
        let semi = src.text.find(';').unwrap();
        assert_eq!(
            src.line_col(semi),
            LineCol {
                line: 1,
                column: 11
            }
        );
        assert_eq!(
            src.offset_of(LineCol {
                line: 1,
                column: 11
            }),
            Some(semi)
        );
        assert_eq!(&src.text[src.line_range(2)], "CREATE TABLE t();");
        assert_eq!(src.line_ending(), "\r\n");
        // `\n` alone, or a lone `\r`, is no `\r\n`.
        for text in [
            "SELECT 1;\nSELECT 2;\n",
            "SELECT 1;\rSELECT 2;\n",
            "SELECT 1;\r",
        ] {
            assert_eq!(
                SourceFile::new("m.sql", text).line_ending(),
                "\n",
                "{text:?}"
            );
        }
    }
}
