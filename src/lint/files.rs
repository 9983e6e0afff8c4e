//! Which files to lint: explicit files as given, directories walked for `.sql` files in a
//! stable (sorted) order, filtered by the include/exclude globs and by `--since GIT_REF`.

use super::LintOptions;
use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;

pub fn collect_sql_files(paths: &[PathBuf], options: &LintOptions) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_file() {
            if seen.insert(path.clone()) {
                files.push(path.clone());
            }
            continue;
        }
        // A directory with nothing to lint is a wrong path (or include/exclude globs that miss
        // it), never a pass: lint would say "No findings" about files it never saw.
        let (mut sql_below, mut selected_below) = (0usize, 0usize);
        for entry in walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| {
                let at = e.path().unwrap_or(path).to_path_buf();
                match e.into_io_error() {
                    Some(io) => Error::io(&at, io),
                    None => Error::input(&at, "directory loop while walking"),
                }
            })?;
            let p = entry.path();
            let is_sql = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"));
            if !(entry.file_type().is_file() && is_sql) {
                continue;
            }
            sql_below += 1;
            if !options.path_selected(p) {
                continue;
            }
            selected_below += 1;
            if seen.insert(p.to_path_buf()) {
                files.push(p.to_path_buf());
            }
        }
        if sql_below == 0 {
            return Err(Error::input(
                path,
                "contains no .sql files to check; pass the migrations directory (or the files)",
            ));
        }
        if selected_below == 0 {
            return Err(Error::input(
                path,
                format!(
                    "none of its {sql_below} .sql file{} is selected by [lint] include/exclude; fix the globs or pass the files",
                    if sql_below == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    if let Some(git_ref) = &options.since {
        let changed = changed_since(git_ref)?;
        files.retain(|f| {
            std::fs::canonicalize(f)
                .map(|c| changed.contains(&c))
                .unwrap_or(false)
        });
    }
    Ok(files)
}

/// Files added, renamed or modified since `git_ref` (committed or not), plus untracked new files.
fn changed_since(git_ref: &str) -> Result<HashSet<PathBuf>> {
    let top = git(&["rev-parse", "--show-toplevel"], git_ref)?;
    let top = PathBuf::from(top.trim());
    // Without rename detection a renamed migration counts as added: under its new name the
    // tracker sees a migration it has never run.
    let diff = git(
        &[
            "diff",
            "--name-only",
            "--no-renames",
            "--diff-filter=AM",
            git_ref,
            "--",
        ],
        git_ref,
    )?;
    let untracked = git(
        &["ls-files", "--others", "--exclude-standard", "--full-name"],
        git_ref,
    )?;
    Ok(diff
        .lines()
        .chain(untracked.lines())
        .filter(|l| !l.is_empty())
        .filter_map(|l| std::fs::canonicalize(top.join(l)).ok())
        .collect())
}

fn git(args: &[&str], git_ref: &str) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| Error::Usage(format!("--since {git_ref}: could not run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("git failed").trim();
        return Err(Error::Usage(format!(
            "--since {git_ref}: {first} (is it a branch, tag or commit of this repository?)"
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
