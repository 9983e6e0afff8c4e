//! `preflight lint`: static checks that a migration survives being retried.
//!
//! - [`lint_paths`] lints files and directories into a [`Report`](crate::output::Report);
//! - [`lint_source`] lints one in-memory file;
//! - [`LintOptions::from_config`] reads `[lint]` from preflight.toml;
//! - [`RULES`] is the catalog (docs in `rules/PFxxx.md`).
//!
//! Rules live one per file in `rules/`; the engine adds locations, severities and suppressions.

mod columns;
mod compat;
mod deploy;
mod engine;
mod files;
mod guards;
mod online_ddl;
mod options;
mod pending;
pub mod rule;
mod rules;
mod safety;
pub mod sequence;
mod suppress;

pub use deploy::part as deploy_part;
pub use engine::{lint_parsed, lint_source};
pub use files::collect_sql_files;
pub use online_ddl::Version as ServerVersion;
pub use options::{find_rule, LintOptions};
pub use pending::PendingSince;
pub use rules::dialects_of;

use crate::diagnostics::{sort_findings, Finding, RuleInfo};
use crate::error::Result;
use crate::output::Report;
use crate::source::SourceFile;
use std::path::PathBuf;
use std::sync::LazyLock;

/// The report's JSON member listing the files a deploy never runs, so not linted
/// (`[{"path", "reason"}]`); present only when there are some.
pub const NOT_LINTED: &str = "not_linted";

/// Rule codes this stage reports.
pub static RULES: &LazyLock<Vec<RuleInfo>> = &rules::INFOS;

/// Lints files and directories (walked for `.sql`, sorted). A missing path, an unreadable,
/// binary or non-UTF-8 file is an error naming it (the first such file in path order).
/// Files are linted in parallel; the report does not depend on the thread count.
pub fn lint_paths(paths: &[PathBuf], options: &LintOptions) -> Result<Report> {
    let files = collect_sql_files(paths, options)?;
    let options = &*pending::attach(&files, options)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let chunk = files.len().div_ceil(threads).max(1);
    let lint_file = |path: &PathBuf| -> Result<(SourceFile, Option<Vec<Finding>>)> {
        let source = SourceFile::read(path)?;
        if let crate::layout::DeployPart::NotRun(_) = deploy::part(&source, options) {
            return Ok((source, None));
        }
        let findings = lint_source(&source, options);
        Ok((source, Some(findings)))
    };
    // One thread needs no pool: spawning would also move allocations to a secondary malloc
    // arena, which grows in small mprotect steps (thousands of syscalls on a large file).
    let results: Vec<Result<(SourceFile, Option<Vec<Finding>>)>> = if threads == 1 {
        files.iter().map(lint_file).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(lint_file).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| match h.join() {
                    Ok(results) => results,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    let mut report = Report::new("lint");
    let mut not_linted = Vec::new();
    for result in results {
        match result? {
            (source, Some(findings)) => {
                report.findings.extend(findings);
                report.add_source(&source);
            }
            (source, None) => not_linted.push(source),
        }
    }
    report.files_checked = files.len() - not_linted.len();
    if !not_linted.is_empty() {
        let listed = not_linted
            .iter()
            .map(|s| deploy::not_linted_json(s, options));
        let listed = serde_json::Value::Array(listed.collect());
        report.json_extra.insert(NOT_LINTED.into(), listed);
        report
            .tables
            .push(deploy::not_linted_table(&not_linted, options));
    }
    sort_findings(&mut report.findings);
    Ok(report)
}
