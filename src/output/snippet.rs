//! Where a finding sits in its source: the byte span and the whole lines around it. Everything
//! here uses the source's line index, so rendering a finding costs the size of its lines, never
//! the size of the file.

use crate::diagnostics::Finding;
use crate::source::SourceFile;
use std::ops::Range;

/// The lines a finding covers and its span within them.
pub(crate) struct SnippetSpan {
    /// 1-based number of the first line.
    pub first_line: usize,
    /// Byte range of the covered lines in the source (without the last line's terminator).
    pub lines: Range<usize>,
    /// Byte range of the finding in the source; never empty unless the line is empty.
    pub span: Range<usize>,
}

impl SnippetSpan {
    /// The span relative to the start of `lines`.
    pub fn relative_span(&self) -> Range<usize> {
        self.span.start - self.lines.start..self.span.end - self.lines.start
    }
}

/// Resolves a finding's location against its source; `None` when it has no usable position.
pub(crate) fn locate(source: &SourceFile, finding: &Finding) -> Option<SnippetSpan> {
    let text: &str = &source.text;
    let loc = &finding.location;
    let (start, end) = match (&loc.bytes, loc.start) {
        (Some(bytes), _) => (bytes.start, bytes.end),
        (None, Some(start)) => {
            let s = source.offset_of(start)?;
            let e = loc.end.and_then(|e| source.offset_of(e)).unwrap_or(s);
            (s, e)
        }
        (None, None) => return None,
    };
    let start = floor_char_boundary(text, start.min(text.len()));
    let end = floor_char_boundary(text, end.clamp(start, text.len()));
    let first_line = source.line_col(start).line;
    let mut last_line = source.line_col(end).line;
    // A span that ends at the start of a line does not cover that line.
    if last_line > first_line && source.line_range(last_line).start == end {
        last_line -= 1;
    }
    let lines = source.line_range(first_line).start..source.line_range(last_line).end;
    // A span that starts inside a line terminator is shown at the end of its line.
    let span_start = start.clamp(lines.start, lines.end);
    let mut span = span_start..end.clamp(span_start, lines.end);
    if span.is_empty() && span.start < lines.end {
        // A zero-width span still deserves a visible caret: widen it to one character.
        let width = text[span.start..].chars().next().map_or(0, char::len_utf8);
        span.end = span.start + width;
    }
    Some(SnippetSpan {
        first_line,
        lines,
        span,
    })
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
