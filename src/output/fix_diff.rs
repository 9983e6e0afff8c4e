//! A fix shown as a diff of the lines it touches: the edits are applied to those lines only
//! and the before/after is diffed line by line (`similar`).

use crate::diagnostics::Fix;
use crate::source::SourceFile;
use similar::{ChangeTag, TextDiff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiffKind {
    Removed,
    Added,
    Context,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiffLine {
    pub kind: DiffKind,
    /// Line number in the original file (removed and context lines).
    pub old_line: Option<usize>,
    /// Line number in the fixed file (added and context lines).
    pub new_line: Option<usize>,
    /// The line's text without its terminator.
    pub text: String,
}

/// The diff a fix makes, or why it cannot be shown (edits outside the file or overlapping).
pub(crate) fn fix_diff(source: &SourceFile, fix: &Fix) -> Result<Vec<DiffLine>, String> {
    let text: &str = &source.text;
    let mut edits: Vec<_> = fix.edits.iter().collect();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut previous_end = 0;
    for e in &edits {
        let r = &e.range;
        if r.start > r.end
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            return Err(format!(
                "the fix's edit at bytes {}..{} does not fit the file",
                r.start, r.end
            ));
        }
        if r.start < previous_end {
            return Err("the fix's edits overlap".into());
        }
        previous_end = r.end;
    }
    let (Some(first), Some(last)) = (edits.first(), edits.iter().map(|e| e.range.end).max()) else {
        return Ok(Vec::new());
    };
    let first_line = source.line_col(first.range.start).line;
    let last_line = source.line_col(last).line;
    let region_start = source.line_range(first_line).start;
    let region_end = source.line_range(last_line).end.max(last);

    let mut fixed = String::with_capacity(region_end - region_start + 64);
    let mut at = region_start;
    for e in &edits {
        fixed.push_str(&text[at..e.range.start]);
        fixed.push_str(&e.content);
        at = e.range.end;
    }
    fixed.push_str(&text[at..region_end]);
    let original = &text[region_start..region_end];

    let diff = TextDiff::from_lines(original, fixed.as_str());
    let offset = first_line - 1;
    Ok(diff
        .iter_all_changes()
        .map(|change| DiffLine {
            kind: match change.tag() {
                ChangeTag::Delete => DiffKind::Removed,
                ChangeTag::Insert => DiffKind::Added,
                ChangeTag::Equal => DiffKind::Context,
            },
            old_line: change.old_index().map(|i| i + offset + 1),
            new_line: change.new_index().map(|i| i + offset + 1),
            text: change
                .value()
                .trim_end_matches(['\n', '\r'])
                .trim_end_matches('\r')
                .to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Applicability;

    fn fix(source: &SourceFile, at: usize, content: &str) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            message: "Add IF NOT EXISTS".into(),
            edits: vec![source.edit(at..at, content)],
        }
    }

    #[test]
    fn shows_only_the_touched_lines_with_their_numbers() {
        let src = SourceFile::new(
            "a.sql",
            "SELECT 1;\r\nCREATE TABLE t (\r\n  id int\r\n);\r\n",
        );
        let at = src.text.find("t (").unwrap();
        let lines = fix_diff(&src, &fix(&src, at, "IF NOT EXISTS ")).unwrap();
        assert_eq!(
            lines,
            vec![
                DiffLine {
                    kind: DiffKind::Removed,
                    old_line: Some(2),
                    new_line: None,
                    text: "CREATE TABLE t (".into()
                },
                DiffLine {
                    kind: DiffKind::Added,
                    old_line: None,
                    new_line: Some(2),
                    text: "CREATE TABLE IF NOT EXISTS t (".into()
                },
            ]
        );
    }

    #[test]
    fn rejects_edits_outside_the_file() {
        let src = SourceFile::new("a.sql", "SELECT 1;");
        let mut f = fix(&src, 0, "x");
        f.edits[0].range = 5..50;
        assert!(fix_diff(&src, &f).is_err());
    }
}
