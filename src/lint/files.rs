//! Which files to lint: explicit files as given, directories walked for `.sql` files (and
//! engine-specific `.sql.postgres`-style ones) in a stable (sorted) order, filtered by the
//! include/exclude globs and by `--since GIT_REF`.

use super::LintOptions;
use crate::error::{Error, Result};
use crate::sql::dialect::Dialect;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
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
        let mut selected = Vec::new();
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
            if !(entry.file_type().is_file() && is_migration_sql(p)) {
                continue;
            }
            sql_below += 1;
            if !options.path_selected(p) {
                continue;
            }
            selected_below += 1;
            selected.push(p.to_path_buf());
            if seen.insert(p.to_path_buf()) {
                files.push(p.to_path_buf());
            }
        }
        if sql_below == 0 {
            return Err(Error::input(
                path,
                "contains no .sql files to check (nor .sql.<engine> ones); pass the migrations directory (or the files)",
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
        deploys_some(path, &selected, options)?;
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

/// Does a deploy run at least one of `selected` (the files of directory `dir` lint would
/// read)? A directory of files written for another engine (only `.sql.mysql` ones under
/// `--dialect postgres`) or of scripts the tool runs only on a revert was passed for the wrong
/// engine or tool: lint would check nothing and say "No findings". An error naming the first
/// file and why, instead. A file named on the command line is not a directory's: a pre-commit
/// hook that names a changed down script alone still passes.
fn deploys_some(dir: &Path, selected: &[PathBuf], options: &LintOptions) -> Result<()> {
    use crate::layout::DeployPart;
    let mut first = None;
    for path in selected {
        // A file that cannot be read is reported when lint reads it.
        let Ok(source) = crate::source::SourceFile::read(path) else {
            return Ok(());
        };
        match super::deploy::part(&source, options) {
            DeployPart::NotRun(reason) => {
                first.get_or_insert((source.display_path(), reason));
            }
            DeployPart::Whole | DeployPart::Up(_) => return Ok(()),
        }
    }
    let Some((file, reason)) = first else {
        return Ok(());
    };
    let n = selected.len();
    Err(Error::input(
        dir,
        format!(
            "nothing to lint: a deploy runs none of its {n} .sql file{} ({file}: {reason})",
            if n == 1 { "" } else { "s" }
        ),
    ))
}

/// A `.sql` file, or one written for one engine (`X.sql.postgres`, `X.sql.sqlite`: Synapse's
/// convention, where the runner applies only the files of the engine it runs on).
fn is_migration_sql(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
        || engine_suffix(path).is_some()
}

/// The engine an `X.sql.<engine>` file is written for, as its suffix spells it.
pub fn engine_suffix(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let (stem, engine) = name.rsplit_once('.')?;
    if !stem.to_ascii_lowercase().ends_with(".sql") {
        return None;
    }
    ENGINE_SUFFIXES
        .iter()
        .find(|(suffix, ..)| suffix.eq_ignore_ascii_case(engine))
        .map(|(suffix, ..)| *suffix)
}

/// Each engine suffix, the dialects whose deploy runs such a file (MariaDB answers as MySQL to
/// most drivers, so a tool on MariaDB also runs its `.sql.mysql` files), and why a deploy on
/// another dialect does not.
const ENGINE_SUFFIXES: &[(&str, &[Dialect], &str)] = &[
    ("postgres", &[Dialect::Postgres], "a `.sql.postgres` file runs only on PostgreSQL: pass --dialect postgres to lint it"),
    ("postgresql", &[Dialect::Postgres], "a `.sql.postgresql` file runs only on PostgreSQL: pass --dialect postgres to lint it"),
    ("sqlite", &[Dialect::Sqlite], "a `.sql.sqlite` file runs only on SQLite: pass --dialect sqlite to lint it"),
    ("sqlite3", &[Dialect::Sqlite], "a `.sql.sqlite3` file runs only on SQLite: pass --dialect sqlite to lint it"),
    ("mysql", &[Dialect::Mysql, Dialect::Mariadb], "a `.sql.mysql` file runs only on MySQL or MariaDB: pass --dialect mysql (or mariadb) to lint it"),
    ("mariadb", &[Dialect::Mariadb], "a `.sql.mariadb` file runs only on MariaDB: pass --dialect mariadb to lint it"),
];

/// Why a deploy on `dialect` never runs `path`, when the file is written for another engine.
pub fn other_engine(path: &Path, dialect: Dialect) -> Option<&'static str> {
    let suffix = engine_suffix(path)?;
    let (_, runs_on, why) = ENGINE_SUFFIXES.iter().find(|(s, ..)| *s == suffix)?;
    (!runs_on.contains(&dialect)).then_some(*why)
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
