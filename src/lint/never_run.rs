//! PF007's facts: the linted files that their directory's migration tool never runs, because
//! it cannot read their name as a migration (or, dbmate and goose, finds no up section). The
//! tool is the one named (`--tracker`, `[migrations] tracker`); else every tool whose layout the
//! directory has must skip the file (Flyway and refinery share a naming, and a file one of
//! them runs is not reported). A file given by name on the command line is judged only against
//! a named tool: alone, it says nothing about the directory's layout.

use super::LintOptions;
use crate::layout::{DeployPart, Layout, Reader};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Why a tool skips one file.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The tool, as `--tracker` spells it.
    pub tool: &'static str,
    /// The tool's rule the name breaks (`golang-migrate needs <VERSION>_<TITLE>.up.sql`).
    pub reason: String,
    /// Other tools whose layout the directory also has, which skip it too.
    pub also: Vec<&'static str>,
}

#[derive(Debug)]
pub struct NeverRun {
    /// Each linted file (canonical) and its migrations directory.
    file_dirs: HashMap<PathBuf, PathBuf>,
    /// Files given on the command line by name.
    explicit: HashSet<PathBuf>,
    named: Option<Layout>,
    /// Per migrations directory, read on first use: the files its tool skips.
    dirs: HashMap<PathBuf, OnceLock<HashMap<PathBuf, Skipped>>>,
    reader: Arc<Reader>,
}

impl NeverRun {
    /// For `files` (collected from `paths`), under `options`' tool.
    pub fn new(paths: &[PathBuf], files: &[PathBuf], options: &LintOptions) -> NeverRun {
        let named = options
            .runner
            .filter(|r| r.named)
            .and_then(|r| r.tool)
            .and_then(Layout::from_name);
        let explicit = paths
            .iter()
            .filter(|p| p.is_file())
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        let mut file_dirs = HashMap::new();
        let mut dirs = HashMap::new();
        // Per parent: finding the migrations directory reads the grandparent's layout.
        let mut of_parent: HashMap<PathBuf, PathBuf> = HashMap::new();
        for file in files {
            let Ok(canonical) = std::fs::canonicalize(file) else {
                continue;
            };
            let Some(parent) = canonical.parent() else {
                continue;
            };
            let dir = of_parent
                .entry(parent.to_path_buf())
                .or_insert_with(|| super::pending::migrations_dir(parent, options))
                .clone();
            dirs.entry(dir.clone()).or_insert_with(OnceLock::new);
            file_dirs.insert(canonical, dir);
        }
        NeverRun {
            file_dirs,
            explicit,
            named,
            dirs,
            reader: options.reader_to_keep(),
        }
    }

    /// Why the tool never runs the file at `path`, when it does not.
    pub fn skipped(&self, path: &Path) -> Option<&Skipped> {
        let canonical = std::fs::canonicalize(path).ok()?;
        if self.named.is_none() && self.explicit.contains(&canonical) {
            return None;
        }
        let dir = self.file_dirs.get(&canonical)?;
        let skipped = self.dirs.get(dir)?.get_or_init(|| self.read(dir));
        skipped.get(&canonical)
    }

    fn read(&self, dir: &Path) -> HashMap<PathBuf, Skipped> {
        let layouts: Vec<Layout> = match self.named {
            Some(layout) => vec![layout],
            None => Layout::ALL
                .into_iter()
                .filter(|l| *l != Layout::Generic && l.matches_with(dir, &self.reader))
                .chain(
                    std::iter::once(Layout::detect_with(dir, &self.reader))
                        .filter(|l| *l == Layout::Prisma),
                )
                .collect(),
        };
        let mut out: Option<HashMap<PathBuf, Skipped>> = None;
        let mut refusals: Vec<(Layout, (PathBuf, String))> = Vec::new();
        for layout in layouts.into_iter().filter(|l| *l != Layout::Generic) {
            // Atlas runs every `.sql` file of the directory (`sql/migrate/dir.go`,
            // `LocalDir.Files`) and Prisma every sub-directory holding `migration.sql`:
            // whatever their discovery sets aside, the tool does not skip. Diesel reads any
            // directory name as a version but skips hidden directories, which its discovery
            // lists. Atlas keeps one revision per version, though: of two files of one
            // version, the second fails or never runs.
            if matches!(layout, Layout::Atlas | Layout::Prisma) {
                let refusal = layout.discover_with(dir, &self.reader).err();
                let refused = refusal.and_then(|e| refused_at(dir, &e));
                return refused_by_all(refused.map(|r| (layout, r)).into_iter().collect());
            }
            let mine: HashMap<PathBuf, String> = match layout.discover_with(dir, &self.reader) {
                Ok(found) => found
                    .ignored
                    .into_iter()
                    .filter(|i| {
                        !i.by_design && looks_like_a_migration(layout, dir, Path::new(&i.path))
                    })
                    .filter_map(|i| Some((std::fs::canonicalize(&i.path).ok()?, i.reason)))
                    .collect(),
                Err(refusal) => match self.diesel_refused(layout, dir) {
                    Some(refused) => refused,
                    // Any other directory the tool refuses (two files of one version): named,
                    // the tool runs none of it. Detected, only when no other tool whose layout
                    // the directory has accepts it (refinery refuses Flyway's `U1__x.sql` beside
                    // `V1__x.sql`, which Flyway runs).
                    None => {
                        if let Some(refused) = refused_at(dir, &refusal) {
                            refusals.push((layout, refused));
                        }
                        if self.named.is_some() {
                            break;
                        }
                        continue;
                    }
                },
            };
            out = Some(match out {
                None => mine
                    .into_iter()
                    .map(|(path, reason)| {
                        let skipped = Skipped {
                            tool: layout.name(),
                            reason,
                            also: Vec::new(),
                        };
                        (path, skipped)
                    })
                    .collect(),
                Some(mut before) => {
                    before.retain(|path, _| mine.contains_key(path));
                    for skipped in before.values_mut() {
                        skipped.also.push(layout.name());
                    }
                    before
                }
            });
        }
        match out {
            Some(skipped) => skipped,
            None => refused_by_all(refusals),
        }
    }
}

/// The file a tool's refusal of `dir` names, and why, as PF007 says it: "`V1__b.sql` has the
/// same version 1 as V1__a.sql; …". `None` for a file that cannot be canonicalized.
fn refused_at(dir: &Path, refusal: &crate::error::Error) -> Option<(PathBuf, String)> {
    let crate::error::Error::Input { path, message } = refusal else {
        return None;
    };
    let path = Path::new(path);
    let name = path.strip_prefix(dir).unwrap_or(path);
    let reason = format!("`{}` {message}", name.display());
    Some((std::fs::canonicalize(path).ok()?, reason))
}

/// Every tool that refused the directory, said on the file the first one names: none of them
/// runs any of its migrations.
fn refused_by_all(refusals: Vec<(Layout, (PathBuf, String))>) -> HashMap<PathBuf, Skipped> {
    let mut refusals = refusals.into_iter();
    let Some((first, (path, mut reason))) = refusals.next() else {
        return HashMap::new();
    };
    let others: Vec<&str> = refusals.map(|(layout, _)| layout.name()).collect();
    if !others.is_empty() {
        reason.push_str(&format!(
            " (the directory is laid out for {} too, which refuses it as well)",
            others.join(", ")
        ));
    }
    let skipped = Skipped {
        tool: first.name(),
        reason,
        also: Vec::new(),
    };
    HashMap::from([(path, skipped)])
}

impl NeverRun {
    /// A Diesel directory `diesel migration run` refuses whole (a sub-directory without
    /// `up.sql`, `layout::diesel_refusal`): it runs none of its migrations. Said once, naming
    /// the sub-directory: on the linted files inside it (`fixtures/seed.sql`), else on the
    /// directory's first linted migration (`<name>/up.sql`).
    fn diesel_refused(&self, layout: Layout, dir: &Path) -> Option<HashMap<PathBuf, String>> {
        // Only a directory laid out for Diesel (a sub-directory holding `up.sql`): a file
        // linted alone with `--tracker diesel` says nothing about the directory above it.
        if layout != Layout::Diesel || !layout.matches_with(dir, &self.reader) {
            return None;
        }
        let refusal = crate::layout::diesel_refusal(dir, &self.reader).ok()??;
        let name = refusal.path.strip_prefix(dir).unwrap_or(&refusal.path);
        let reason = format!("`{}/` {}", name.display(), refusal.message());
        let mut linted: Vec<&PathBuf> = self
            .file_dirs
            .iter()
            .filter(|(_, d)| d.as_path() == dir)
            .map(|(file, _)| file)
            // Not a `down.sql`, which lint leaves out (`Layout::deploy_part`).
            .filter(|f| !matches!(layout.deploy_part(f, ""), DeployPart::NotRun(_)))
            .collect();
        linted.sort();
        let inside: Vec<&PathBuf> = linted
            .iter()
            .copied()
            .filter(|f| f.starts_with(&refusal.path))
            .collect();
        let migration = |f: &&PathBuf| {
            f.file_name().is_some_and(|n| n == "up.sql")
                && f.parent().and_then(Path::parent) == Some(dir)
        };
        let at = if inside.is_empty() {
            linted.into_iter().filter(migration).take(1).collect()
        } else {
            inside
        };
        Some(
            at.into_iter()
                .map(|f| (f.clone(), reason.clone()))
                .collect(),
        )
    }
}

/// A name that reads as a migration meant to run (a version digit, `.up.sql`, or a Diesel
/// directory's `up.sql`), as opposed to a file kept beside the migrations (`schema.sql`,
/// `seed.sql`, Flyway's `afterMigrate.sql` callback), which lint goes on checking as before.
fn looks_like_a_migration(layout: Layout, dir: &Path, path: &Path) -> bool {
    let name = path.strip_prefix(dir).unwrap_or(path).to_string_lossy();
    name.chars().any(|c| c.is_ascii_digit())
        || name.to_ascii_lowercase().ends_with(".up.sql")
        || (layout == Layout::Diesel && name.ends_with("/up.sql"))
}
