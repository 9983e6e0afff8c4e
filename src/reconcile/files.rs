//! Migration files on disk: which files a tool reads, in which order, and which part of each
//! is the "up" migration that reconcile replays.

use crate::error::{Error, Result};
use crate::source::SourceFile;
use std::cmp::Ordering;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A version as an ordered key: its numeric parts (`1.10` > `1.9`, leading zeros ignored),
/// then the text for versions without digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionKey {
    parts: Vec<u128>,
    text: String,
}

impl VersionKey {
    pub fn parse(version: &str) -> Self {
        let parts = version
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse::<u128>().ok())
            .collect();
        VersionKey {
            parts,
            text: version.to_string(),
        }
    }

    /// A version compared as text only (Prisma orders and names migrations by directory name).
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
    /// Bytes of the part that runs on "up" (the whole file unless the tool marks sections).
    pub up: Range<usize>,
    /// Flyway `R__` migrations: no version, re-run whenever they change.
    pub repeatable: bool,
    /// A checksum that depends on other files too (Atlas's cumulative `atlas.sum` hash),
    /// computed at discovery.
    pub directory_checksum: Option<String>,
}

impl MigrationFile {
    pub fn bytes(&self) -> &[u8] {
        self.source.text.as_bytes()
    }

    /// The directory a directory-per-migration tool names the migration by (Prisma, Diesel).
    pub fn dir_name(&self) -> &str {
        self.name.split('/').next().unwrap_or(&self.name)
    }
}

/// A file in the migrations directory that the tool would not run, and why.
#[derive(Debug, Clone)]
pub struct Ignored {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Discovered {
    pub files: Vec<MigrationFile>,
    pub ignored: Vec<Ignored>,
}

impl Discovered {
    /// Sorts by version and refuses two files with the same version, as every tool does.
    pub fn finish(self) -> Result<Self> {
        self.finish_with(true)
    }

    /// Sorts by version; `unique_versions` refuses two files with the same version (every
    /// tool does, except hand-rolled runners that go by file name).
    pub fn finish_with(mut self, unique_versions: bool) -> Result<Self> {
        // Repeatable migrations run after every versioned one (Flyway).
        self.files
            .sort_by(|a, b| (a.repeatable, &a.key, &a.name).cmp(&(b.repeatable, &b.key, &b.name)));
        if !unique_versions {
            return Ok(self);
        }
        for pair in self.files.windows(2) {
            if !pair[0].repeatable && pair[0].key.same(&pair[1].key) && !pair[1].repeatable {
                return Err(Error::input(
                    &pair[1].source.path,
                    format!(
                        "has the same version {} as {}; the migration tool refuses duplicate versions",
                        pair[1].version, pair[0].name
                    ),
                ));
            }
        }
        Ok(self)
    }
}

/// `.sql` files directly in `dir`, sorted by name.
pub fn sql_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in read_dir(dir)? {
        if entry.is_file() && entry.extension().is_some_and(|e| e == "sql") {
            if let Some(name) = entry.file_name().and_then(|n| n.to_str()) {
                out.push((name.to_string(), entry.clone()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Sub-directories of `dir` holding `file` (`migration.sql`, `up.sql`), sorted by name.
pub fn migration_dirs(dir: &Path, file: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in read_dir(dir)? {
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

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut out = Vec::new();
    for entry in entries {
        out.push(entry.map_err(|e| Error::io(dir, e))?.path());
    }
    Ok(out)
}

/// Reads one migration, the whole file as its "up" part.
pub fn load(name: String, path: &Path, version: &str, description: &str) -> Result<MigrationFile> {
    let source = SourceFile::read(path)?;
    let up = 0..source.text.len();
    Ok(MigrationFile {
        name,
        key: VersionKey::parse(version),
        version: version.to_string(),
        description: description.to_string(),
        source,
        up,
        repeatable: false,
        directory_checksum: None,
    })
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

/// The comment lines that split a goose or dbmate file into its "up" and "down" parts.
pub struct Sections {
    pub tool: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    /// goose reads `-- +goose up` like `-- +goose Up`; dbmate matches exactly.
    pub ignore_case: bool,
}

impl Sections {
    /// Whether `line` is `marker`: the space after `--` is optional, as both tools allow.
    fn is(&self, line: &str, marker: &str) -> bool {
        let (Some(line), Some(marker)) =
            (line.trim().strip_prefix("--"), marker.strip_prefix("--"))
        else {
            return false;
        };
        let (line, marker) = (line.trim_start(), marker.trim_start());
        line.get(..marker.len()).is_some_and(|head| {
            if self.ignore_case {
                head.eq_ignore_ascii_case(marker)
            } else {
                head == marker
            }
        })
    }

    /// The byte range between the "up" marker line and the next "down" marker; `None` when
    /// the file has no "up" marker.
    pub fn up_range(&self, text: &str) -> Option<Range<usize>> {
        let mut start = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            match start {
                None if self.is(line, self.up) => start = Some(offset + line.len()),
                Some(s) if self.is(line, self.down) => return Some(s..offset),
                _ => {}
            }
            offset += line.len();
        }
        start.map(|s| s..text.len())
    }

    /// The directory's `<VERSION>_<NAME>.sql` files, each replayed from its "up" part only.
    pub fn discover(&self, dir: &Path) -> Result<Discovered> {
        let mut out = Discovered::default();
        for (name, path) in sql_files(dir)? {
            let stem = name.strip_suffix(".sql").unwrap_or(&name);
            let Some((version, description)) = split_version(stem, '_') else {
                out.ignored.push(Ignored {
                    path: path.display().to_string(),
                    reason: format!("{} needs `<VERSION>_<NAME>.sql`", self.tool),
                });
                continue;
            };
            let mut file = load(name.clone(), &path, version, description)?;
            match self.up_range(&file.source.text) {
                Some(up) => file.up = up,
                None => {
                    out.ignored.push(Ignored {
                        path: path.display().to_string(),
                        reason: format!("has no `{}` line; {} refuses it", self.up, self.tool),
                    });
                    continue;
                }
            }
            out.files.push(file);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically_and_ignore_spelling() {
        assert!(VersionKey::parse("1.10") > VersionKey::parse("1.9"));
        assert!(VersionKey::parse("001").same(&VersionKey::parse("1")));
        assert!(VersionKey::parse("1_1").same(&VersionKey::parse("1.1")));
        assert!(!VersionKey::parse("2").same(&VersionKey::parse("1")));
    }

    const GOOSE: Sections = Sections {
        tool: "goose",
        up: "-- +goose Up",
        down: "-- +goose Down",
        ignore_case: true,
    };

    const DBMATE: Sections = Sections {
        tool: "dbmate",
        up: "-- migrate:up",
        down: "-- migrate:down",
        ignore_case: false,
    };

    #[test]
    fn the_up_section_starts_after_its_marker_and_stops_at_down() {
        let text = "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n";
        let up = GOOSE.up_range(text).unwrap();
        assert_eq!(&text[up], "CREATE TABLE a (id int);\n");
        assert!(GOOSE.up_range("SELECT 1;").is_none());
    }

    #[test]
    fn goose_markers_ignore_case_and_dbmate_markers_do_not() {
        // goose's own documentation writes them in lower case.
        let text = "-- +goose up\nCREATE TABLE a (id int);\n-- +goose down\nDROP TABLE a;\n";
        assert_eq!(
            &text[GOOSE.up_range(text).unwrap()],
            "CREATE TABLE a (id int);\n"
        );
        let text = "--migrate:up\nCREATE TABLE a (id int);\n--migrate:down\nDROP TABLE a;\n";
        assert_eq!(
            &text[DBMATE.up_range(text).unwrap()],
            "CREATE TABLE a (id int);\n"
        );
        assert!(DBMATE.up_range("-- migrate:UP\nSELECT 1;\n").is_none());
    }
}
