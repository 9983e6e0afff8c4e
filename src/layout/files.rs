//! Migration files on disk as the layout model hands them out: the file, its version as the
//! tool spells it and as an ordered key, and the byte range that runs on "up".

use crate::error::{Error, Result};
use crate::source::SourceFile;
use std::cmp::Ordering;
use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A version as an ordered key: its numeric parts (`1.10` > `1.9`, leading zeros ignored, and
/// trailing zero parts too: `1.0` = `1`, as Flyway's `MigrationVersion.tokenize` strips them),
/// then the text for versions without digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionKey {
    parts: Vec<u128>,
    text: String,
}

impl VersionKey {
    pub fn parse(version: &str) -> Self {
        let mut parts: Vec<u128> = version
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse::<u128>().ok())
            .collect();
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        VersionKey {
            parts,
            text: version.to_string(),
        }
    }

    /// A version compared as text only (Prisma orders and names migrations by directory name;
    /// dbmate stores and compares its versions as text, so `001` is not `1`).
    pub fn text(version: &str) -> Self {
        VersionKey {
            parts: Vec::new(),
            text: version.to_string(),
        }
    }

    pub fn is_numeric(&self) -> bool {
        !self.parts.is_empty()
    }

    /// Same version, ignoring spelling (`001` = `1`, `1_1` = `1.1`).
    pub fn same(&self, other: &VersionKey) -> bool {
        match (self.is_numeric(), other.is_numeric()) {
            (true, true) => self.parts == other.parts,
            (false, false) => self.text == other.text,
            _ => false,
        }
    }

    /// A spelling-independent form: equal identities are the same version.
    pub fn identity(&self) -> String {
        if self.is_numeric() {
            let parts: Vec<String> = self.parts.iter().map(u128::to_string).collect();
            parts.join(".")
        } else {
            self.text.clone()
        }
    }
}

impl Ord for VersionKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for VersionKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone)]
pub struct MigrationFile {
    /// Path relative to the migrations directory, as the tool names it
    /// (`20240115_add_user_profiles.sql`, `20240115_init/migration.sql`).
    pub name: String,
    pub source: SourceFile,
    /// The version as the tool spells it.
    pub version: String,
    pub description: String,
    pub key: VersionKey,
    /// The bytes that run on "up" (the whole file unless the tool marks sections).
    pub up: UpPart,
    /// Flyway `R__` migrations: no version, re-run whenever they change.
    pub repeatable: bool,
    /// A Flyway baseline migration (`B<version>__…`): run by `flyway migrate` only on an empty
    /// schema, in place of the versioned migrations up to its version; never part of a replay.
    pub baseline: bool,
    /// A checksum that depends on other files too (Atlas's cumulative `atlas.sum` hash),
    /// computed at discovery; `None` for an Atlas file `atlas.sum` does not list (its first
    /// line is an `atlas:sum ignore` directive).
    pub directory_checksum: Option<String>,
    /// An Atlas checkpoint (`-- atlas:checkpoint`): run only by a database that starts at it.
    pub checkpoint: bool,
}

impl MigrationFile {
    pub fn bytes(&self) -> &[u8] {
        self.source.text.as_bytes()
    }

    /// What a deploy runs of it, as a file of its own: the "up" part of its text, the file's
    /// own text (shared, not copied) when that is all of it.
    pub fn up_source(&self) -> SourceFile {
        let text = &self.source.text;
        let up: Arc<str> = match self.up.text(text) {
            std::borrow::Cow::Borrowed(up) if up.len() == text.len() => text.clone(),
            up => up.into(),
        };
        SourceFile::new(self.source.path.clone(), up)
    }

    /// The directory a directory-per-migration tool names the migration by (Prisma, Diesel).
    pub fn dir_name(&self) -> &str {
        self.name.split('/').next().unwrap_or(&self.name)
    }
}

/// A migration the tool runs and records like a SQL one, written in another language: its
/// tracker record is neither checked nor an orphan.
#[derive(Debug, Clone)]
pub struct Unreplayable {
    pub path: String,
    pub key: VersionKey,
    /// What it is, for messages: "a Go migration".
    pub kind: &'static str,
}

/// A file in the migrations directory that the tool would not run, and why.
#[derive(Debug, Clone)]
pub struct Ignored {
    pub path: String,
    pub reason: String,
    /// Left out by design (an undo, baseline or revert script), not because the tool cannot
    /// read the file as a migration.
    pub by_design: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Discovered {
    pub files: Vec<MigrationFile>,
    pub ignored: Vec<Ignored>,
    /// Migrations the tool runs that preflight cannot replay (goose's Go, refinery's Rust).
    pub unreplayable: Vec<Unreplayable>,
    /// Flyway baseline migrations (`B…`), in version order: not part of a run's replay (they
    /// stand for the versioned migrations up to their version), checked against their
    /// tracker records only.
    pub baselines: Vec<MigrationFile>,
    /// Atlas checkpoints (`-- atlas:checkpoint`), in name order: not part of `files`, the run of
    /// a database with revisions, which skips them; `start_at_checkpoint` chooses the run of
    /// a database that starts at one.
    pub checkpoints: Vec<MigrationFile>,
}

impl Discovered {
    /// Every migration with the Atlas checkpoints among them (`true`), in the order they run
    /// in: `files` alone when there are no checkpoints, else all in file-name order, the order
    /// Atlas runs them in (`LocalDir.Files`). Each run skips some (`start_at_checkpoint`): lint
    /// uses this to reason over every run that reaches a file.
    pub fn with_checkpoints(&self) -> Vec<(&MigrationFile, bool)> {
        let mut all: Vec<(&MigrationFile, bool)> = self
            .files
            .iter()
            .map(|f| (f, false))
            .chain(self.checkpoints.iter().map(|c| (c, true)))
            .collect();
        if !self.checkpoints.is_empty() {
            all.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        }
        all
    }

    /// Sorts by version (repeatable migrations last) and refuses two files with the same
    /// version, as every tool does.
    pub fn finish(self) -> Result<Self> {
        self.finish_with("the migration tool refuses duplicate versions")
    }

    /// `finish`, saying with `consequence` what the tool does with two files of one version.
    pub fn finish_with(mut self, consequence: &str) -> Result<Self> {
        // Repeatable migrations run after every versioned one (Flyway).
        self.files
            .sort_by(|a, b| (a.repeatable, &a.key, &a.name).cmp(&(b.repeatable, &b.key, &b.name)));
        for pair in self.files.windows(2) {
            if !pair[0].repeatable && pair[0].key.same(&pair[1].key) && !pair[1].repeatable {
                return Err(Error::input(
                    &pair[1].source.path,
                    format!(
                        "has the same version {} as {}; {consequence}",
                        pair[1].version, pair[0].name
                    ),
                ));
            }
        }
        Ok(self)
    }

    /// Sorts by file name, the order dbmate and Atlas run their files in (Go's byte order), and
    /// refuses two files spelling one version alike; `consequence` says what the tool does then.
    ///
    /// dbmate, `pkg/dbmate/db.go` (`FindMigrations`): the version is the text of the leading
    /// digits, looked up as text among the applied versions (`appliedMigrations[migration.Version]`),
    /// and the files run sorted by file name (`migrations[i].FileName < migrations[j].FileName`).
    /// So `001_a.sql` and `1_b.sql` are two versions, `001` running first; only two files
    /// spelling one version alike collide: dbmate records both under it (`InsertMigration`, the
    /// primary key of `schema_migrations.version`), so the second fails, or never runs once the
    /// first is applied. Atlas (`sql/migrate/dir.go`, `LocalDir.Files`) sorts its files by name
    /// too and keeps one revision per version text.
    pub fn finish_by_name(mut self, consequence: &str) -> Result<Self> {
        self.files.sort_by(|a, b| a.name.cmp(&b.name));
        let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for file in &self.files {
            if let Some(first) = seen.insert(&file.version, &file.name) {
                return Err(Error::input(
                    &file.source.path,
                    format!(
                        "has the same version {} as {first}; {consequence}",
                        file.version
                    ),
                ));
            }
        }
        Ok(self)
    }

    /// The run of a database that starts at an Atlas checkpoint, in place of `files`
    /// (`sql/migrate/migrate.go`, `Executor.Pending`): a database without revisions (`first`
    /// `None`) starts at the last checkpoint and runs it and every file after it
    /// (`FilesFromLastCheckpoint`); a database whose first revision has a checkpoint's version
    /// started at that checkpoint, and the files after it are its run (the case of a
    /// checkpoint applied in part too). Otherwise (no checkpoint, or a first revision that is no
    /// checkpoint's) the run is `files`, every file but the checkpoints (`SkipCheckpointFiles`).
    /// The files before the starting checkpoint are set aside, never run on that database.
    pub fn start_at_checkpoint(&mut self, first: Option<&VersionKey>) {
        let start = match first {
            None => self.checkpoints.len().checked_sub(1),
            Some(first) => self.checkpoints.iter().position(|c| c.key.same(first)),
        };
        let Some(start) = start else {
            return;
        };
        let checkpoint = self.checkpoints.remove(start);
        let path = checkpoint.source.path.display().to_string();
        self.ignored.retain(|i| i.path != path);
        let (before, after): (Vec<MigrationFile>, Vec<MigrationFile>) =
            std::mem::take(&mut self.files)
                .into_iter()
                .partition(|f| f.name < checkpoint.name);
        for file in before {
            self.ignored.push(Ignored {
                path: file.source.path.display().to_string(),
                reason: format!(
                    "comes before the checkpoint {}, where Atlas starts this database, so it never runs here",
                    checkpoint.name
                ),
                by_design: true,
            });
        }
        self.files = std::iter::once(checkpoint).chain(after).collect();
    }

    /// Keeps the order discovery found (a hand-rolled runner goes by file name, and two files
    /// may share a version).
    pub fn finish_in_order(self) -> Result<Self> {
        Ok(self)
    }
}

/// How the layout model reads the disk: straight from it at every look (`Reader::default`), or
/// (`Reader::shared`) keeping each directory listing and each file's text it read, so that one
/// run reads a migrations directory once however many tools' layouts look at it (runner
/// detection, lint's earlier definitions, PF007, the pending look-back) and the linted files
/// among them once too. Only what was read without error is kept: an error comes from the disk
/// each time, naming the path as the caller spells it.
#[derive(Debug, Default)]
pub struct Reader {
    kept: Option<Kept>,
}

/// What a shared [`Reader`] has read. Two spellings of one directory share what was read of it.
#[derive(Debug, Default)]
struct Kept(Mutex<Dirs>);

/// The directories read, keyed by their paths' bytes (hashing a `Path` walks its components),
/// with foldhash: a look-up costs far less than a read.
#[derive(Debug, Default)]
struct Dirs {
    /// Each directory as spelled: its place in `read` (`None`: it has no canonical path).
    spelled: foldhash::HashMap<OsString, Option<usize>>,
    /// Each canonical directory: its place in `read`.
    canonical: foldhash::HashMap<OsString, usize>,
    read: Vec<Dir>,
}

/// What was read of one directory.
#[derive(Debug, Default)]
struct Dir {
    /// The names of its entries.
    entries: Option<Arc<[OsString]>>,
    /// The files directly in it, by name ([`Reader::files_in`]): runner detection asks for
    /// them once for each layout it tries.
    files: Option<Arc<[(String, PathBuf)]>>,
    /// The files anywhere below it, relative to it.
    below: Option<Arc<[PathBuf]>>,
    /// The text (UTF-8) of each file directly in it, by name.
    texts: foldhash::HashMap<OsString, Arc<str>>,
}

impl Reader {
    /// A reader that reads the disk at every look (as `Reader::default()`).
    pub const fn direct() -> Reader {
        Reader { kept: None }
    }

    /// A reader that keeps what it reads, for one run.
    pub fn shared() -> Reader {
        Reader {
            kept: Some(Kept::default()),
        }
    }

    /// Files directly in `dir`, sorted by name (names that are not UTF-8 left out).
    pub fn files_in(&self, dir: &Path) -> Result<Vec<(String, PathBuf)>> {
        let files = self.kept_or(
            dir,
            |d| &mut d.files,
            || {
                let mut out = Vec::new();
                for entry in self.read_dir(dir)? {
                    if entry.is_file() {
                        if let Some(name) = entry.file_name().and_then(|n| n.to_str()) {
                            out.push((name.to_string(), entry.clone()));
                        }
                    }
                }
                out.sort();
                Ok(out.into())
            },
        )?;
        Ok(files.to_vec())
    }

    /// `.sql` files directly in `dir`, sorted by name.
    pub fn sql_files(&self, dir: &Path) -> Result<Vec<(String, PathBuf)>> {
        let mut out = self.files_in(dir)?;
        out.retain(|(_, path)| is_sql(path));
        Ok(out)
    }

    /// Files anywhere below `dir` (tools that scan their location recursively), each named by
    /// its `/`-separated path relative to `dir`, sorted by that name (file names that are not
    /// UTF-8 left out).
    pub fn files_below(&self, dir: &Path) -> Result<Vec<(String, PathBuf)>> {
        let relative = self.kept_or(dir, |d| &mut d.below, || Ok(walk(dir)?.into()))?;
        let mut out: Vec<(String, PathBuf)> = relative
            .iter()
            .map(|r| (r.to_string_lossy().replace('\\', "/"), dir.join(r)))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Every entry directly in `dir` (files, directories, links), sorted by name (names that are
    /// not UTF-8 left out).
    pub fn entries(&self, dir: &Path) -> Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        for entry in self.read_dir(dir)? {
            if let Some(name) = entry.file_name().and_then(|n| n.to_str()) {
                out.push((name.to_string(), entry.clone()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Sub-directories of `dir` holding `file` (`migration.sql`, `up.sql`), sorted by name.
    pub fn migration_dirs(&self, dir: &Path, file: &str) -> Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        for entry in self.read_dir(dir)? {
            let candidate = entry.join(file);
            if entry.is_dir() && candidate.is_file() {
                if let Some(name) = entry.file_name().and_then(|n| n.to_str()) {
                    out.push((name.to_string(), candidate));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads one migration, the whole file as its "up" part.
    pub fn load(
        &self,
        name: String,
        path: &Path,
        version: &str,
        description: &str,
    ) -> Result<MigrationFile> {
        let source = self.source(path)?;
        let up = UpPart::whole(source.text.len());
        Ok(MigrationFile {
            name,
            key: VersionKey::parse(version),
            version: version.to_string(),
            description: description.to_string(),
            source,
            up,
            repeatable: false,
            baseline: false,
            directory_checksum: None,
            checkpoint: false,
        })
    }

    /// The file at `path` as [`SourceFile::read`] reads it, with the same errors.
    pub fn source(&self, path: &Path) -> Result<SourceFile> {
        let text = match self.text(path).map_err(|e| Error::io(path, e))? {
            Ok(text) => text,
            Err(bytes) => {
                return Err(SourceFile::check_text(path, &bytes).expect_err("not UTF-8"));
            }
        };
        if text.as_bytes().contains(&0) {
            SourceFile::check_text(path, text.as_bytes())?;
        }
        Ok(SourceFile::new(path, text))
    }

    /// The file at `path` as `std::fs::read_to_string` reads it: `None` when it cannot be read
    /// or is not UTF-8.
    pub fn text_of(&self, path: &Path) -> Option<Arc<str>> {
        self.text(path).ok()?.ok()
    }

    /// The text of the file at `path` when it is UTF-8 (kept, when shared), else its bytes.
    fn text(&self, path: &Path) -> std::io::Result<std::result::Result<Arc<str>, Vec<u8>>> {
        let place = path.parent().zip(path.file_name());
        if let Some((dir, name)) = place {
            if let Some(Some(text)) = self.with_dir(dir, |d| d.texts.get(name).cloned()) {
                return Ok(Ok(text));
            }
        }
        let text: Arc<str> = match String::from_utf8(std::fs::read(path)?) {
            Ok(text) => text.into(),
            Err(e) => return Ok(Err(e.into_bytes())),
        };
        if let Some((dir, name)) = place {
            self.with_dir(dir, |d| d.texts.insert(name.to_owned(), text.clone()));
        }
        Ok(Ok(text))
    }

    /// The entries directly in `dir`, each as `dir` joined with its name.
    fn read_dir(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let names = self.kept_or(dir, |d| &mut d.entries, || Ok(list(dir)?.into()))?;
        Ok(names.iter().map(|n| dir.join(n)).collect())
    }

    /// What `slot` of directory `dir` holds, else `read()`, kept there when shared.
    fn kept_or<T: ?Sized>(
        &self,
        dir: &Path,
        slot: fn(&mut Dir) -> &mut Option<Arc<T>>,
        read: impl FnOnce() -> Result<Arc<T>>,
    ) -> Result<Arc<T>> {
        if let Some(Some(kept)) = self.with_dir(dir, |d| slot(d).clone()) {
            return Ok(kept);
        }
        let read = read()?;
        self.with_dir(dir, |d| *slot(d) = Some(read.clone()));
        Ok(read)
    }

    /// When shared, `f` on what was read of directory `dir` (as spelled); `None` when not
    /// shared or `dir` has no canonical path.
    fn with_dir<T>(&self, dir: &Path, f: impl FnOnce(&mut Dir) -> T) -> Option<T> {
        let kept = self.kept.as_ref()?;
        let mut dirs = kept.0.lock().expect("not poisoned");
        let at = match dirs.spelled.get(dir.as_os_str()) {
            Some(at) => *at,
            None => {
                // A file named alone (`003_c.sql`) has the empty path for its directory.
                let here = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                let at = std::fs::canonicalize(here).ok().map(|canonical| {
                    let next = dirs.read.len();
                    let at = *dirs
                        .canonical
                        .entry(canonical.into_os_string())
                        .or_insert(next);
                    if at == next {
                        dirs.read.push(Dir::default());
                    }
                    at
                });
                dirs.spelled.insert(dir.as_os_str().to_owned(), at);
                at
            }
        }?;
        Some(f(&mut dirs.read[at]))
    }
}

/// The names of the entries directly in `dir`, in the order the disk gives them.
fn list(dir: &Path) -> Result<Vec<OsString>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut out = Vec::new();
    for entry in entries {
        out.push(entry.map_err(|e| Error::io(dir, e))?.file_name());
    }
    Ok(out)
}

/// The files anywhere below `dir` whose names are UTF-8, relative to it.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(true) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::input(&path, format!("cannot be read: {e}"))
        })?;
        if !entry.file_type().is_file() || entry.file_name().to_str().is_none() {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        out.push(relative.to_path_buf());
    }
    Ok(out)
}

pub fn is_sql(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sql")
}

/// The file name part of a relative name (`release2/V2__x.sql` → `V2__x.sql`).
pub fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The bytes of a migration file that run on "up": the whole file, or the up sections its tool
/// marks (goose one, dbmate one per `-- migrate:up`), in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpPart(Vec<Range<usize>>);

impl UpPart {
    pub fn whole(len: usize) -> UpPart {
        UpPart(std::iter::once(0..len).collect())
    }

    /// The up sections `Sections::up_ranges` found; `None` when there are none.
    pub fn sections(ranges: Vec<Range<usize>>) -> Option<UpPart> {
        (!ranges.is_empty()).then_some(UpPart(ranges))
    }

    /// Does the byte at `offset` run on "up"?
    pub fn contains(&self, offset: &usize) -> bool {
        self.0.iter().any(|r| r.contains(offset))
    }

    pub fn ranges(&self) -> &[Range<usize>] {
        &self.0
    }

    /// From the start of the first section to the end of the last.
    pub fn span(&self) -> Range<usize> {
        let start = self.0.first().map_or(0, |r| r.start);
        let end = self.0.last().map_or(0, |r| r.end);
        start..end
    }

    /// The text that runs on "up": the sections of `text`, each ending its own line.
    pub fn text<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match self.0.as_slice() {
            [one] => std::borrow::Cow::Borrowed(text.get(one.clone()).unwrap_or(text)),
            many => std::borrow::Cow::Owned(
                many.iter()
                    .filter_map(|r| text.get(r.clone()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }
}

/// Splits `<version><sep><description>.<ext>`: `20240115_add_users.sql` → (`20240115`, `add_users`).
pub fn split_version(stem: &str, sep: char) -> Option<(&str, &str)> {
    let (version, description) = match stem.split_once(sep) {
        Some((v, d)) => (v, d),
        None => (stem, ""),
    };
    (!version.is_empty() && version.chars().all(|c| c.is_ascii_digit()))
        .then_some((version, description))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_reader_reads_each_directory_and_file_once_and_errors_each_time() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("1_a.sql"), "SELECT 1;\n").unwrap();
        std::fs::write(dir.join("2_b.sql"), b"SELECT '\xe9';\n").unwrap();
        let (shared, direct) = (Reader::shared(), Reader::direct());
        let names = |r: &Reader, d: &Path| {
            let files = r.sql_files(d).unwrap();
            files.into_iter().map(|(n, _)| n).collect::<Vec<_>>()
        };
        assert_eq!(names(&shared, dir), ["1_a.sql", "2_b.sql"]);
        let a = shared.source(&dir.join("1_a.sql")).unwrap();
        assert_eq!(&*a.text, "SELECT 1;\n");
        // Changed on disk after the run read it: the shared reader keeps what it read, under
        // another spelling of the directory too; the direct one reads again.
        std::fs::write(dir.join("1_a.sql"), "SELECT 2;\n").unwrap();
        std::fs::write(dir.join("3_c.sql"), "SELECT 3;\n").unwrap();
        let other = dir.join(".");
        assert_eq!(
            &*shared.source(&other.join("1_a.sql")).unwrap().text,
            "SELECT 1;\n"
        );
        assert_eq!(
            shared.source(&other.join("1_a.sql")).unwrap().path,
            other.join("1_a.sql")
        );
        assert_eq!(names(&shared, &other), ["1_a.sql", "2_b.sql"]);
        assert_eq!(
            &*direct.source(&dir.join("1_a.sql")).unwrap().text,
            "SELECT 2;\n"
        );
        assert_eq!(names(&direct, dir), ["1_a.sql", "2_b.sql", "3_c.sql"]);
        // What cannot be read is never kept: the same error as `SourceFile::read`, each time.
        let bad = dir.join("2_b.sql");
        let expected = SourceFile::read(&bad).unwrap_err().to_string();
        for _ in 0..2 {
            assert_eq!(shared.source(&bad).unwrap_err().to_string(), expected);
            assert!(shared.text_of(&bad).is_none());
        }
    }

    #[test]
    fn versions_order_numerically_and_ignore_spelling() {
        assert!(VersionKey::parse("1.10") > VersionKey::parse("1.9"));
        assert!(VersionKey::parse("001").same(&VersionKey::parse("1")));
        assert!(VersionKey::parse("1_1").same(&VersionKey::parse("1.1")));
        assert!(!VersionKey::parse("2").same(&VersionKey::parse("1")));
        assert!(VersionKey::parse("1.0").same(&VersionKey::parse("1")));
        assert!(VersionKey::parse("0").is_numeric());
    }
}
