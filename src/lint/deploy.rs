//! lint and fix check what a deploy runs: with the migration tool known, only the "up" part
//! of a dbmate or goose file (its down section runs on a rollback, not on a retry of the
//! deploy), and no file the tool runs only on a revert or an undo. With the tool unknown (or a
//! hand-rolled `generic` runner, whose conventions preflight cannot know) the whole file,
//! except an `X.down.sql` revert beside its `X.up.sql` (`Layout::Generic`'s deploy part).

use super::LintOptions;
use crate::layout::{DeployPart, Layout, UpPart};
use crate::output::{Cell, CellStatus, Table};
use crate::source::SourceFile;
use std::ops::Range;

/// What a deploy runs of `source`, per the layout of the tool in `options.runner`.
pub fn part(source: &SourceFile, options: &LintOptions) -> DeployPart {
    // Whatever the tool, a runner on one engine skips the files written for another.
    if let Some(reason) = super::files::other_engine(&source.path, options.dialect) {
        return DeployPart::NotRun(reason);
    }
    // Every tracker has a layout: an unknown tool is read as a hand-rolled runner.
    let layout = options
        .runner
        .and_then(|r| r.tool)
        .map_or(Some(Layout::Generic), Layout::from_name);
    match layout {
        Some(layout) => layout.deploy_part(&source.path, &source.text),
        None => DeployPart::Whole,
    }
}

/// The file as lint reads it: the deploy's part only, every other statement blanked with
/// spaces (line breaks kept), so positions stay the file's own. Comment lines before the up
/// part are kept: they hold `ignore-file` suppressions and the tool's own options
/// (`-- migrate:up transaction:false`, `-- +goose NO TRANSACTION`).
pub fn deployed(source: &SourceFile, options: &LintOptions) -> Option<SourceFile> {
    match part(source, options) {
        DeployPart::Up(up) => Some(SourceFile::new(
            source.path.clone(),
            masked(&source.text, &up),
        )),
        DeployPart::Whole | DeployPart::NotRun(_) => None,
    }
}

/// `{"path", "reason"}` for a file a deploy never runs (the report's `not_linted`).
pub fn not_linted_json(source: &SourceFile, options: &LintOptions) -> serde_json::Value {
    let reason = match part(source, options) {
        DeployPart::NotRun(reason) => reason,
        DeployPart::Whole | DeployPart::Up(_) => "",
    };
    serde_json::json!({ "path": source.display_path(), "reason": reason })
}

/// The files a deploy never runs, as a table the human, Markdown and HTML reports show (and
/// `check` with them): not linted, said so rather than skipped in silence.
pub fn not_linted_table(sources: &[SourceFile], options: &LintOptions) -> Table {
    let rows = sources
        .iter()
        .map(|source| {
            let json = not_linted_json(source, options);
            let text = |key: &str| json[key].as_str().unwrap_or_default().to_string();
            vec![
                Cell::new(text("path"), CellStatus::Unknown),
                Cell::new(text("reason"), CellStatus::Neutral),
            ]
        })
        .collect();
    Table {
        title: "Not linted: the migration tool never runs these files on a deploy".into(),
        columns: vec!["File".into(), "Why".into()],
        rows,
    }
}

fn masked(text: &str, up: &UpPart) -> String {
    let mut out = String::with_capacity(text.len());
    let mut offset = 0;
    let first = up.span().start;
    for line in text.split_inclusive('\n') {
        let end = offset + line.len();
        let within = |r: &Range<usize>| offset >= r.start && end <= r.end;
        let kept = if up.ranges().iter().any(within) {
            true
        } else {
            // Comment lines before the first section, and each section's marker line.
            (end <= first || up.ranges().iter().any(|r| r.start == end))
                && line
                    .trim_start_matches('\u{feff}')
                    .trim_start()
                    .starts_with("--")
        };
        for (i, c) in line.char_indices() {
            let at = offset + i;
            if kept || up.contains(&at) || matches!(c, '\n' | '\r' | '\u{feff}') {
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        offset = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_up_part_and_the_comments_before_it_are_kept_in_place() {
        let text = "-- preflight: ignore-file PF102\n-- migrate:up\nCREATE TABLE é (id int);\n-- migrate:down\nDROP TABLE é;\n";
        let up = UpPart::sections(crate::layout::Sections::Dbmate.up_ranges(text)).unwrap();
        let out = masked(text, &up);
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.starts_with(
            "-- preflight: ignore-file PF102\n-- migrate:up\nCREATE TABLE é (id int);\n"
        ));
        assert!(!out.contains("DROP") && !out.contains("migrate:down"));
    }

    #[test]
    fn every_dbmate_up_section_is_kept_with_its_marker_and_no_down_section() {
        let text = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n\
                    -- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n\
                    -- migrate:down\nDROP INDEX i;\n";
        let up = UpPart::sections(crate::layout::Sections::Dbmate.up_ranges(text)).unwrap();
        let out = masked(text, &up);
        assert_eq!(out.len(), text.len());
        assert!(out.contains("CREATE TABLE a (id int);\n"));
        assert!(out
            .contains("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n"));
        assert!(!out.contains("DROP") && !out.contains("migrate:down"));
    }
}
