//! `preflight lint`: static checks that a migration survives being retried.
//!
//! - [`lint_paths`] lints files and directories into a [`Report`];
//! - [`lint_source`] lints one in-memory file;
//! - [`LintOptions::from_config`] reads `[lint]` from preflight.toml;
//! - [`RULES`] is the catalog (docs in `rules/PFxxx.md`).
//!
//! Rules live one per file in `rules/`; the engine adds locations, severities and suppressions.

mod calls;
pub(crate) mod columns;
mod compat;
mod deploy;
mod digest;
mod engine;
mod files;
mod guards;
mod history;
mod known_columns;
pub mod never_run;
mod online_ddl;
mod options;
mod ordered;
mod pending;
pub mod prologue;
pub mod rule;
mod rules;
mod safety;
pub mod sequence;
mod suppress;
mod table_layout;

pub use deploy::part as deploy_part;
pub use engine::{lint_source, lint_source_each};
pub use files::collect_sql_files;
pub use online_ddl::Version as ServerVersion;
pub use options::{find_rule, BeforeEachRun, LintOptions};
pub use pending::PendingSince;
pub use rules::dialects_of;

use crate::diagnostics::{Finding, RuleInfo};
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
    let mut findings = Vec::new();
    let mut report = lint_paths_each(paths, options, true, &mut |_, f| findings.push(f))?;
    report.findings = findings;
    Ok(report)
}

/// [`lint_paths`], handing each finding to `sink` (with the file it points into) in report
/// order as soon as it is known, instead of collecting them: the report returned has no
/// findings, and has the sources only with `keep_sources`. Files go in path order; while the
/// first file of each batch streams, the other threads lint the next files into buffers.
pub fn lint_paths_each(
    paths: &[PathBuf],
    options: &LintOptions,
    keep_sources: bool,
    sink: &mut dyn FnMut(&SourceFile, Finding),
) -> Result<Report> {
    let mut files = collect_sql_files(paths, options)?;
    // One reader for the run: each directory and file is read once.
    let shared;
    let options = match options.reader {
        Some(_) => options,
        None => {
            shared = LintOptions {
                reader: Some(std::sync::Arc::new(crate::layout::Reader::shared())),
                ..options.clone()
            };
            &shared
        }
    };
    // Every file is read before the first finding goes out: an error must not follow a
    // half-written report.
    if files.len() > 1 {
        for path in &files {
            options.reader().source(path)?;
        }
    }
    // The report lists findings by path: lint in that order.
    files.sort_by_cached_key(|p| p.display().to_string());
    let options = &*pending::attach(&files, options)?;
    // Calls of routines earlier migrations define: read per directory on the first such call.
    let with_routines = LintOptions {
        earlier_routines: Some(std::sync::Arc::new(calls::Earlier::new(&files, options))),
        never_run: Some(never_run_for(paths, &files, options)),
        ..options.clone()
    };
    let options = &with_routines;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let mut report = Report::new("lint");
    let mut not_linted = Vec::new();
    let mut files_checked = 0;
    let mut done = |source: SourceFile, linted: bool| {
        if !linted {
            not_linted.push(source);
            return;
        }
        files_checked += 1;
        if keep_sources {
            report.add_source(&source);
        }
    };
    for batch in files.chunks(threads) {
        let (first, rest) = batch.split_first().expect("chunks are not empty");
        // One thread needs no pool: spawning would also move allocations to a secondary malloc
        // arena, which grows in small mprotect steps (thousands of syscalls on a large file).
        let buffered = std::thread::scope(|scope| -> Result<Vec<_>> {
            let handles: Vec<_> = rest
                .iter()
                .map(|path| {
                    scope.spawn(move || {
                        let mut found = Vec::new();
                        lint_file(path, options, &mut |_, f| found.push(f))
                            .map(|(source, linted)| (source, linted, found))
                    })
                })
                .collect();
            let (source, linted) = lint_file(first, options, sink)?;
            done(source, linted);
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(result) => result,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })?;
        for (source, linted, found) in buffered {
            for finding in found {
                sink(&source, finding);
            }
            done(source, linted);
        }
    }
    report.files_checked = files_checked;
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
    Ok(report)
}

/// Which of `files` (collected from `paths`) their directory's migration tool never runs
/// (PF007), for `LintOptions::never_run`.
pub fn never_run_for(
    paths: &[PathBuf],
    files: &[PathBuf],
    options: &LintOptions,
) -> std::sync::Arc<never_run::NeverRun> {
    std::sync::Arc::new(never_run::NeverRun::new(paths, files, options))
}

/// Reads one file and lints it unless a deploy never runs it; `false` when not linted.
fn lint_file(
    path: &std::path::Path,
    options: &LintOptions,
    sink: &mut dyn FnMut(&SourceFile, Finding),
) -> Result<(SourceFile, bool)> {
    let source = options.reader().source(path)?;
    if let crate::layout::DeployPart::NotRun(_) = deploy::part(&source, options) {
        return Ok((source, false));
    }
    engine::lint_source_each(&source, options, &mut |f| sink(&source, f));
    Ok((source, true))
}
