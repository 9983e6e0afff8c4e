//! PF007: a `.sql` file named like a migration that the directory's migration tool never runs
//! (`V2.b.up.sql` among golang-migrate's `1_a.up.sql`). The facts come from the layout model
//! (`lint::never_run`); the file is still linted.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF007",
    name: "file-never-run",
    default_severity: Severity::Warning,
    summary: "A file named like a migration that the migration tool never runs",
    doc: include_str!("../../../rules/PF007.md"),
    fix: FixAvailability::Never,
};

pub struct FileNeverRun;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &FileNeverRun;

impl Rule for FileNeverRun {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    /// The tool skips the file by its name, whatever dialect it is written in.
    fn reads_the_file(&self) -> bool {
        false
    }

    fn check_file(&self, file: &FileEnd, out: &mut Vec<Violation>) {
        let Some(never_run) = &file.options.never_run else {
            return;
        };
        let Some(skipped) = never_run.skipped(&file.source.path) else {
            return;
        };
        let text: &str = &file.source.text;
        let first_line = text.find('\n').map_or(text.len(), |n| n);
        let first_line = text[..first_line].trim_end_matches('\r').len();
        let mut violation = Violation::new(
            0..first_line,
            format!(
                "{} never runs this file: {}",
                skipped.tool, skipped.reason
            ),
        );
        if !skipped.also.is_empty() {
            violation = violation.note(format!(
                "the directory is laid out for {} too, which skips it as well",
                skipped.also.join(", ")
            ));
        }
        out.push(violation.note(
            "rename it as the tool expects, or move it out of the migrations directory if it is not a migration",
        ));
    }
}
