//! `preflight lint`: static checks that a migration survives being retried.
//!
//! - [`lint_paths`] lints files and directories into a [`Report`](crate::output::Report);
//! - [`lint_source`] lints one in-memory file;
//! - [`LintOptions::from_config`] reads `[lint]` from preflight.toml;
//! - [`RULES`] is the catalog (docs in `rules/PFxxx.md`).
//!
//! Rules live one per file in `rules/`; the engine adds locations, severities and suppressions.

mod engine;
mod files;
mod guards;
mod options;
pub mod rule;
mod rules;
mod suppress;

pub use engine::{lint_parsed, lint_source};
pub use files::collect_sql_files;
pub use options::{find_rule, LintOptions};
pub use rules::dialects_of;

use crate::diagnostics::{sort_findings, RuleInfo};
use crate::error::Result;
use crate::output::Report;
use crate::source::SourceFile;
use std::path::PathBuf;

/// Rule codes this stage reports.
pub static RULES: &[RuleInfo] = rules::INFOS;

/// Lints files and directories (walked for `.sql`, sorted). A missing path, an unreadable,
/// binary or non-UTF-8 file is an error naming it.
pub fn lint_paths(paths: &[PathBuf], options: &LintOptions) -> Result<Report> {
    let files = collect_sql_files(paths, options)?;
    let mut report = Report::new("lint");
    for path in &files {
        let source = SourceFile::read(path)?;
        report.findings.extend(lint_source(&source, options));
        report.add_source(&source);
    }
    report.files_checked = files.len();
    sort_findings(&mut report.findings);
    Ok(report)
}
