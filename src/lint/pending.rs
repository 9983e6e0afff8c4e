//! Migrations not deployed yet (`--pending-since REV`, `[lint] pending_since`): a table an
//! earlier *pending* migration of the same directory creates has no rows and no reader yet when
//! this one runs, exactly like a table created earlier in the same file, so the lock and rewrite
//! rules leave it alone (squawk issue #349, across files).
//!
//! A file is pending when it is absent at REV: in a pull request linted against its base, the
//! files the branch adds. The order is the migration tool's (the layout model in
//! `crate::layout`), so only files that run *before* a file count for it. A file that exists at
//! REV may have been deployed long ago and filled since: it never makes a table new.

use super::sequence::{net_effects, Key, Net};
use super::LintOptions;
use crate::error::{Error, Result};
use crate::layout::{Layout, MigrationFile};
use crate::sql::{parse_source_with, AstMode};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// Where the pending boundary comes from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSince {
    /// A git revision: branch, tag or commit.
    pub rev: String,
    /// `--pending-since` or `[lint] pending_since (preflight.toml)`.
    pub setting: String,
}

/// For each pending migration (canonical path): what the pending migrations before it, in the
/// runner's order, leave created.
#[derive(Debug, Default)]
pub struct Pending {
    created_before: HashMap<PathBuf, Created>,
    /// The setting the boundary came from and its revision, for a message.
    since: Option<PendingSince>,
    /// Per directory (canonical) whose discovery failed on a migration it could not read (not
    /// UTF-8, binary, unreadable): that migration and why, and the files there at the
    /// revision. Its pending files have no look-back ([`Pending::unread_for`]).
    unread: HashMap<PathBuf, (PathBuf, String, HashSet<PathBuf>)>,
}

impl Pending {
    /// The tables and columns earlier pending migrations create for `path`; `None` when `path`
    /// is not a pending migration (or nothing before it creates anything).
    pub fn created_before(&self, path: &Path) -> Option<&Created> {
        if self.created_before.is_empty() {
            return None;
        }
        let path = std::fs::canonicalize(path).ok()?;
        self.created_before.get(&path).filter(|s| !s.is_empty())
    }

    /// When `path` is a pending migration (absent at the revision) of a directory whose
    /// discovery failed on a migration it could not read: what to say of it, naming that
    /// migration as `path`'s directory is spelled (`m/V3__b.sql: is not valid UTF-8 …`). The
    /// pending migrations before it, and what they create, are then unknown.
    pub fn unread_for(&self, path: &Path) -> Option<String> {
        if self.unread.is_empty() {
            return None;
        }
        let canonical = std::fs::canonicalize(path).ok()?;
        let (dir, (unread, why, at_rev)) = self
            .unread
            .iter()
            .filter(|(dir, _)| canonical.starts_with(dir))
            .max_by_key(|(dir, _)| dir.as_os_str().len())?;
        if at_rev.contains(&canonical) || *unread == canonical {
            return None;
        }
        let error = super::calls::unread_as_given(path, &canonical, dir, unread, why)?;
        let since = self
            .since
            .as_ref()
            .map(|s| format!(" ({} {})", s.setting, s.rev))
            .unwrap_or_default();
        Some(format!(
            "the pending migrations before this file{since} were not read: {error}"
        ))
    }
}

/// What migrations leave created, per object and schema: a table created in one schema does not
/// make a same-named table of another new. Per key, the schemas the statements wrote (`None`:
/// unqualified, which may be any), each with whether the object is there, the latest last.
#[derive(Debug, Default, Clone)]
pub struct Created(HashMap<Key, Vec<SchemaState>>);

/// A schema (`None`: unqualified) and whether the object is there in it.
type SchemaState = (Option<Box<str>>, bool);

impl Created {
    /// Is `key` of `schema` (`None`: not known, any) there? The latest event of that schema or
    /// of an unqualified name decides, as in a file (`Sequence::state_before_in`).
    pub fn contains(&self, key: &Key, schema: Option<&str>) -> bool {
        self.state(key, schema) == Some(true)
    }

    /// Whether `key` of `schema` is there after the migrations, when one of them named it.
    fn state(&self, key: &Key, schema: Option<&str>) -> Option<bool> {
        self.0.get(key).and_then(|events| {
            events
                .iter()
                .rev()
                .find(|(s, _)| schema.is_none() || s.as_deref().is_none_or(|s| Some(s) == schema))
                .map(|&(_, exists)| exists)
        })
    }

    /// Nothing is there.
    fn is_empty(&self) -> bool {
        !self.0.values().flatten().any(|&(_, exists)| exists)
    }

    /// A migration's `effects` (in file order) applied.
    fn apply(&mut self, effects: &[Effect]) {
        for (key, schema, net) in effects {
            let exists = match net {
                Net::Created => true,
                Net::Removed => false,
                // A rename keeps the schema: the new name is there as the old one was, unless
                // an earlier migration removed a table of that name (a table swap: the running
                // version reaches the renamed table, rows and all, by that name).
                Net::RenamedFrom(old) => {
                    self.contains(old, schema.as_deref())
                        && self.state(key, schema.as_deref()) != Some(false)
                }
            };
            let events = self.0.entry(key.clone()).or_default();
            events.retain(|(s, _)| s != schema);
            events.push((schema.clone(), exists));
        }
    }
}

/// `options` with the pending look-back of `files` attached, when `pending_since` asks for it.
pub fn attach<'a>(files: &[PathBuf], options: &'a LintOptions) -> Result<Cow<'a, LintOptions>> {
    let Some(since) = &options.pending_since else {
        return Ok(Cow::Borrowed(options));
    };
    if options.pending.is_some() {
        return Ok(Cow::Borrowed(options));
    }
    let pending = resolve(files, since, options)?;
    Ok(Cow::Owned(LintOptions {
        pending: Some(Arc::new(pending)),
        ..options.clone()
    }))
}

fn resolve(files: &[PathBuf], since: &PendingSince, options: &LintOptions) -> Result<Pending> {
    let mut pending = Pending {
        since: Some(since.clone()),
        ..Pending::default()
    };
    let parents: HashSet<PathBuf> = files
        .iter()
        .filter_map(|f| {
            std::fs::canonicalize(f)
                .ok()?
                .parent()
                .map(Path::to_path_buf)
        })
        .collect();
    let dirs: HashSet<PathBuf> = parents.iter().map(|p| migrations_dir(p, options)).collect();
    for dir in dirs {
        let layout = layout_of(&dir, options);
        // A directory the tool refuses (Diesel's sub-directory without up.sql, two files of one
        // version) has no run order to look back along: its files are linted without the
        // look-back, as plain lint lints them (PF007 names the sub-directory or the second
        // file of the version; reconcile and verify stop on it).
        // A migration it could not read leaves which migrations are pending before a file,
        // and what they create, unknown: said for each pending file (PF001).
        let discovered = match layout.discover_with(&dir, options.reader()) {
            Ok(discovered) => discovered,
            Err(e) => {
                if let Some((unread, why)) = super::calls::unreadable(options.reader(), e) {
                    let at_rev = tracked_at(&dir, since)?;
                    pending.unread.insert(dir, (unread, why, at_rev));
                }
                continue;
            }
        };
        let at_rev = tracked_at(&dir, since)?;
        // What the pending migrations leave created in each run: `runs[0]` the run of a
        // database with history, then one per Atlas checkpoint met so far, the run of a
        // database that started there (see `new_in_every_run`).
        let mut runs: Vec<Created> = vec![Created::default()];
        for (migration, checkpoint) in discovered.with_checkpoints() {
            let Ok(path) = std::fs::canonicalize(&migration.source.path) else {
                continue;
            };
            let is_pending = !at_rev.contains(&path);
            if checkpoint {
                // It runs first, on a database that starts at it: nothing runs before it.
                let mut started = Created::default();
                if is_pending {
                    pending.created_before.insert(path, Created::default());
                    started.apply(&effects(migration, options));
                }
                runs.push(started);
                continue;
            }
            if !is_pending {
                continue;
            }
            pending.created_before.insert(path, new_in_every_run(&runs));
            let effects = effects(migration, options);
            for run in &mut runs {
                run.apply(&effects);
            }
        }
    }
    Ok(pending)
}

/// The tables and columns new in every run that reaches a file: those every run's pending
/// migrations before it leave created. Atlas checkpoints (`-- atlas:checkpoint`) give a file
/// after them more than one such run (`sql/migrate/migrate.go`, `Executor.Pending`;
/// `sql/migrate/dir.go`, `FilesFromLastCheckpoint`, `SkipCheckpointFiles`): a database with
/// history runs every file but the checkpoints; one that started at a checkpoint (a fresh
/// database starts at the last) ran it, then only the files after it. A table is left alone as
/// new only when it is new in each of them, so a database where it may hold rows and readers
/// still has its locks flagged; a checkpoint counts as any migration does, creating new tables
/// only while it is pending.
fn new_in_every_run(runs: &[Created]) -> Created {
    let (first, rest) = runs.split_first().expect("the history run");
    let mut out = first.clone();
    for (key, events) in &mut out.0 {
        for (schema, exists) in events.iter_mut() {
            *exists &= rest.iter().all(|run| run.contains(key, schema.as_deref()));
        }
    }
    out
}

/// What a statement does to an object: its key, the schema it writes (`None`: unqualified),
/// whether it creates, removes or renames the object to it.
type Effect = (Key, Option<Box<str>>, Net);

/// What the part of one migration that runs on "up" (the layout's, e.g. a goose file without
/// its down section) leaves created (`true`) or removed (`false`).
fn effects(migration: &MigrationFile, options: &LintOptions) -> Vec<Effect> {
    let source = migration.up_source();
    // Read before any file is linted: names fold as the files being linted fold them.
    let _case = crate::sql::IdentifierCase::of(options.dialect, options.lower_case_table_names);
    let parsed = parse_source_with(&source, options.dialect, AstMode::WhenUnrecognised);
    net_effects(&parsed.statements)
}

/// The tool's layout: the one `--tracker` names, else the one the directory looks written for.
fn layout_of(dir: &Path, options: &LintOptions) -> Layout {
    options
        .runner
        .and_then(|r| r.tool)
        .and_then(Layout::from_name)
        .unwrap_or_else(|| Layout::detect_with(dir, options.reader()))
}

/// The directory whose migrations the files in `parent` are: `parent` itself, or for the tools
/// that keep one directory per migration (Prisma's `*/migration.sql`, Diesel's `*/up.sql`) its
/// parent.
pub(super) fn migrations_dir(parent: &Path, options: &LintOptions) -> PathBuf {
    let per_migration = |l: Layout| matches!(l, Layout::Prisma | Layout::Diesel);
    match parent.parent() {
        Some(grand) if per_migration(layout_of(grand, options)) => grand.to_path_buf(),
        _ => parent.to_path_buf(),
    }
}

/// The files under `dir` that exist at the revision (canonical paths).
fn tracked_at(dir: &Path, since: &PendingSince) -> Result<HashSet<PathBuf>> {
    let commit = format!("{}^{{commit}}", since.rev);
    git(dir, &["rev-parse", "--verify", "--quiet", &commit], since)?;
    let top = git(dir, &["rev-parse", "--show-toplevel"], since)?;
    let top = PathBuf::from(top.trim());
    let listed = git(
        dir,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            "--full-name",
            &since.rev,
            "--",
            ".",
        ],
        since,
    )?;
    Ok(listed
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let path = top.join(l);
            std::fs::canonicalize(&path).unwrap_or(path)
        })
        .collect())
}

fn git(dir: &Path, args: &[&str], since: &PendingSince) -> Result<String> {
    let PendingSince { rev, setting } = since;
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| Error::Usage(format!("{setting} {rev}: could not run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        let why = if first.is_empty() {
            format!("`{rev}` is not a commit of the repository")
        } else {
            first.to_string()
        };
        return Err(Error::Usage(format!(
            "{setting} {rev}: {why} (in {}; name a branch, tag or commit of the repository that holds the migrations)",
            dir.display()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
