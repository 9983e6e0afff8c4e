//! One discovery function per tool. Each says, with the tool's source, which file names are
//! migrations, how the version and description are read, and how the run is ordered.

use super::files::{
    self, split_version, Discovered, Ignored, Reader, Unreplayable, UpPart, VersionKey,
};
use super::{natural_cmp, Sections};
use crate::error::Result;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Atlas's integrity file.
pub const ATLAS_SUM: &str = "atlas.sum";

fn ignore(out: &mut Discovered, path: &Path, reason: impl Into<String>) {
    out.ignored.push(Ignored {
        path: path.display().to_string(),
        reason: reason.into(),
        by_design: false,
    });
}

/// A file the tool leaves out of a run by design (an undo, baseline or revert script).
fn set_aside(out: &mut Discovered, path: &Path, reason: impl Into<String>) {
    out.ignored.push(Ignored {
        path: path.display().to_string(),
        reason: reason.into(),
        by_design: true,
    });
}

/// sqlx, `sqlx-core/src/migrate/source.rs` (`MigrationSource::resolve` for `&Path`): the
/// directory's files (not recursive) named `<VERSION>_<DESCRIPTION>.sql`, split at the first
/// `_`; the version is an `i64`. `MigrationType::from_filename` makes `.up.sql` the reversible
/// up and `.down.sql` its revert (never part of a run); the description is the rest without
/// the type's suffix, `_` read as a space. Sorted by version.
pub fn sqlx(dir: &Path, reader: &Reader) -> Result<Discovered> {
    let mut out = Discovered::default();
    for (name, path) in reader.sql_files(dir)? {
        if name.ends_with(".down.sql") {
            continue; // a revert script, not a migration
        }
        let stem = name
            .strip_suffix(".up.sql")
            .or_else(|| name.strip_suffix(".sql"))
            .unwrap_or(&name);
        // No `_`: not `<VERSION>_<DESCRIPTION>.sql`, which sqlx skips without a word.
        match split_version(stem, '_').filter(|_| stem.contains('_')) {
            Some((version, description)) => {
                let description = description.replace('_', " ");
                out.files
                    .push(reader.load(name.clone(), &path, version, &description)?);
            }
            None => ignore(&mut out, &path, "sqlx needs `<VERSION>_<DESCRIPTION>.sql`"),
        }
    }
    // No duplicate check in `resolve`: both run, each recorded under its version in
    // `_sqlx_migrations` (primary key), so the second fails when its turn comes
    // (`Migrator::run`), or is taken for a modified first once that one is applied.
    out.finish_with("sqlx records both under that version, so the second fails when its turn comes")
}

/// Flyway, `flyway-core` `ResourceNameParser` / `MigrationInfoHelper.extractVersionAndDescription`
/// with the default `sqlMigrationPrefix` `V`, `undoSqlMigrationPrefix` `U`,
/// `repeatableSqlMigrationPrefix` `R`, `baselineMigrationPrefix` `B`, separator `__` and suffix
/// `.sql`. `V<version>__<description>.sql` runs in version order (`1_1` is `1.1`); `U` undo
/// scripts run only on `flyway undo`, never on `migrate`; `B` baseline migrations only on an
/// empty schema, in place of the versioned ones up to their version (kept in
/// `Discovered::baselines`); `R__<description>.sql` repeatables run after every versioned
/// migration, ordered by description (`MigrationInfoImpl.compareTo`). A filesystem location is
/// scanned recursively (`FileSystemScanner`), and a script in a sub-directory is recorded by
/// its path relative to the location (`release2/V2__x.sql`). The prefix is case-sensitive
/// (`startsWith`), and a name without the separator is a version with an empty description
/// (`splitAtSeparator`: `V3.sql`).
pub fn flyway(dir: &Path, reader: &Reader) -> Result<Discovered> {
    let mut out = Discovered::default();
    let sql = reader
        .files_below(dir)?
        .into_iter()
        .filter(|(_, p)| files::is_sql(p));
    for (name, path) in sql {
        let base = files::base_name(&name);
        let stem = base.strip_suffix(".sql").unwrap_or(base);
        if let Some(description) = stem.strip_prefix("R__") {
            let description = description.replace('_', " ");
            let mut file = reader.load(name.clone(), &path, "", &description)?;
            file.repeatable = true;
            file.key = VersionKey::text(&description);
            file.version = name.clone();
            out.files.push(file);
            continue;
        }
        match flyway_versioned(stem) {
            Some((version, description)) => {
                let version = version.replace('_', ".");
                let description = description.replace('_', " ");
                out.files
                    .push(reader.load(name.clone(), &path, &version, &description)?);
            }
            None if versioned(stem, &['U']).is_some() => set_aside(
                &mut out,
                &path,
                "an undo script runs only on `flyway undo`, never on `flyway migrate`",
            ),
            // A baseline migration (`baselineMigrationPrefix`, type `SQL_BASELINE`) runs only
            // when `flyway migrate` starts on an empty schema, in place of the versioned
            // migrations at or below its version; kept aside for its tracker record.
            None if versioned(stem, &['B']).is_some() => {
                if let Some((_, version, description)) = versioned(stem, &['B']) {
                    let mut file = reader.load(
                        name.clone(),
                        &path,
                        &version.replace('_', "."),
                        &description.replace('_', " "),
                    )?;
                    file.baseline = true;
                    out.baselines.push(file);
                }
                set_aside(
                    &mut out,
                    &path,
                    "a baseline migration runs only when `flyway migrate` starts on an empty schema",
                )
            }
            None => ignore(
                &mut out,
                &path,
                "flyway needs `V<VERSION>__<DESCRIPTION>.sql`",
            ),
        }
    }
    out.baselines.sort_by(|a, b| a.key.cmp(&b.key));
    out.finish()
}

/// refinery, `refinery_core/src/util.rs` (`MigrationType::file_match_re`):
/// `^(U|V)(\d+(?:\.\d+)?)__(\w+)\.sql$`. `U` is an *unversioned* migration, not an undo: it is
/// applied like a versioned one and only exempt from the out-of-order check
/// (`traits/mod.rs`, `verify_migrations`); both kinds run sorted by version, and two files with
/// the same version are refused (`Kind::DuplicateVersion`). refinery has no repeatables.
/// `find_migration_files` walks the directory recursively (`WalkDir`), matching file names;
/// with `MigrationType::All` it takes Rust migrations (`V2__backfill.rs`) too, which refinery
/// records like SQL ones and preflight cannot replay.
pub fn refinery(dir: &Path, reader: &Reader) -> Result<Discovered> {
    let mut out = Discovered::default();
    for (name, path) in reader.files_below(dir)? {
        let base = files::base_name(&name);
        if let Some(version) = rust_version(base) {
            out.unreplayable.push(Unreplayable {
                path: path.display().to_string(),
                key: VersionKey::parse(version),
                kind: "a Rust migration",
            });
            continue;
        }
        if !files::is_sql(&path) {
            continue;
        }
        let stem = base.strip_suffix(".sql").unwrap_or(base);
        match refinery_name(stem) {
            Some((_, version, description)) => {
                out.files
                    .push(reader.load(name.clone(), &path, version, description)?);
            }
            None => ignore(
                &mut out,
                &path,
                "refinery needs `V<VERSION>__<NAME>.sql` or `U<VERSION>__<NAME>.sql`",
            ),
        }
    }
    out.finish()
}

/// A refinery migration's stem (`V1__init`, `U2.1__add_users`): prefix, version and name, as
/// `file_match_re` reads them; `None` for a name refinery skips.
pub(super) fn refinery_name(stem: &str) -> Option<(char, &str, &str)> {
    versioned(stem, &['U', 'V']).filter(|(_, version, description)| {
        !version.contains('_')
            && !description.is_empty()
            && description.chars().all(|c| c.is_alphanumeric() || c == '_')
    })
}

/// A Flyway versioned migration's stem (`V1__init`, `V1_1__x`, `V3`): version and description,
/// as `ResourceNameParser` reads them with the default prefix and separator; `None` for any
/// other name (repeatables, undo and baseline scripts included).
pub(super) fn flyway_versioned(stem: &str) -> Option<(&str, &str)> {
    versioned(stem, &['V'])
        .map(|(_, version, description)| (version, description))
        .or_else(|| {
            let version = stem.strip_prefix('V').filter(|v| is_version(v))?;
            Some((version, ""))
        })
}

/// The version of a Rust migration, named as refinery's `file_match_re` wants
/// (`^(U|V)(\d+(?:\.\d+)?)__(\w+)\.rs$`).
fn rust_version(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".rs")?;
    let rest = stem.strip_prefix(['U', 'V'])?;
    let (version, name) = rest.split_once("__")?;
    let valid = !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit())
        && !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then_some(version)
}

/// The version goose reads from a Go migration's file name (`NumericComponent`: the digits
/// before the first `_`, at least 1); `_test.go` files are not migrations.
fn go_version(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".go").filter(|s| !s.ends_with("_test"))?;
    let (version, _) = stem.split_once('_')?;
    version
        .parse::<i64>()
        .is_ok_and(|n| n >= 1)
        .then_some(version)
}

/// `<prefix><version>__<description>`: the prefix, the version (digits, `.` and `_`) and the
/// description.
pub(super) fn versioned<'a>(stem: &'a str, prefixes: &[char]) -> Option<(char, &'a str, &'a str)> {
    let prefix = stem.chars().next().filter(|c| prefixes.contains(c))?;
    let (version, description) = stem[1..].split_once("__")?;
    is_version(version).then_some((prefix, version, description))
}

/// Digits, `.` and `_`, starting with a digit.
fn is_version(version: &str) -> bool {
    version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
}

/// golang-migrate, `source/parse.go` (`Regex = ^([0-9]+)_(.*)\.(down|up)\.(.*)$`): the
/// version is the leading digits, then a `_` that must be there; the direction is `up` or
/// `down`; only `up` files run, in version order, and two up files with one version are
/// refused.
pub fn golang_migrate(dir: &Path, reader: &Reader) -> Result<Discovered> {
    let mut out = Discovered::default();
    for (name, path) in reader.sql_files(dir)? {
        if name.ends_with(".down.sql") {
            continue;
        }
        match golang_migrate_up(&name) {
            Some((version, title)) => {
                out.files
                    .push(reader.load(name.clone(), &path, version, title)?)
            }
            None => ignore(
                &mut out,
                &path,
                "golang-migrate needs `<VERSION>_<TITLE>.up.sql`",
            ),
        }
    }
    out.finish()
}

/// A golang-migrate up file's version and title (`1_init.up.sql` → `1`, `init`): `None` for a
/// name `source/parse.go` does not parse as an up migration.
pub(super) fn golang_migrate_up(name: &str) -> Option<(&str, &str)> {
    name.strip_suffix(".up.sql")
        .filter(|stem| stem.contains('_'))
        .and_then(|stem| split_version(stem, '_'))
}

/// A dbmate or goose file name's version and description (without `.sql`): `None` for a name
/// the tool does not read as a migration.
pub(super) fn sectioned_name(stem: &str, sections: Sections) -> Option<(&str, &str)> {
    match sections {
        Sections::Dbmate => {
            let digits = stem.len() - stem.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let (version, rest) = stem.split_at(digits);
            (!version.is_empty()).then(|| (version, rest.strip_prefix('_').unwrap_or(rest)))
        }
        Sections::Goose => stem
            .split_once('_')
            .filter(|(v, _)| v.parse::<i64>().is_ok_and(|n| n >= 1)),
    }
}

/// dbmate and goose: `<VERSION>_<NAME>.sql`, each replayed from its "up" part only.
/// dbmate, `pkg/dbmate/db.go` (`migrationFileRegexp = ^(\d+).*\.sql$`): the version is the
/// leading digits, whatever follows them (`20240115-add_users.sql`, `20240115.sql`), kept as
/// text (`FindMigrations`: `001` and `1` are two versions) and run in file-name order
/// (`Discovered::finish_by_name`). goose,
/// `migrate.go` (`NumericComponent`): the digits before the first `_`, which must be there,
/// as a version of at least 1; goose also runs Go migrations (`20240103_backfill.go`), which
/// it records like SQL ones and preflight cannot replay. The sections rule is in `Sections`.
pub fn sectioned(dir: &Path, sections: Sections, reader: &Reader) -> Result<Discovered> {
    let tool = sections.tool();
    let mut out = Discovered::default();
    for (name, path) in reader.files_in(dir)? {
        if sections == Sections::Goose {
            if let Some(version) = go_version(&name) {
                out.unreplayable.push(Unreplayable {
                    path: path.display().to_string(),
                    key: VersionKey::parse(version),
                    kind: "a Go migration",
                });
                continue;
            }
        }
        if !files::is_sql(&path) {
            continue;
        }
        let stem = name.strip_suffix(".sql").unwrap_or(&name);
        let Some((version, description)) = sectioned_name(stem, sections) else {
            let wanted = match sections {
                Sections::Dbmate => "a name starting with its version digits",
                Sections::Goose => "`<VERSION>_<NAME>.sql` with a version of at least 1",
            };
            ignore(&mut out, &path, format!("{tool} needs {wanted}"));
            continue;
        };
        let mut file = reader.load(name.clone(), &path, version, description)?;
        if sections == Sections::Dbmate {
            file.key = VersionKey::text(version);
        }
        match UpPart::sections(sections.up_ranges(&file.source.text)) {
            Some(up) => file.up = up,
            None => {
                let marker = sections.up_marker();
                ignore(
                    &mut out,
                    &path,
                    format!("has no `{marker}` line; {tool} refuses it"),
                );
                continue;
            }
        }
        out.files.push(file);
    }
    match sections {
        Sections::Dbmate => out.finish_by_name(
            "dbmate records both as that version, so the second fails or never runs",
        ),
        Sections::Goose => out.finish(),
    }
}

/// Prisma, `schema-engine/connectors/schema-connector/src/migrations_directory.rs`
/// (`list_migrations`): every sub-directory holding `migration.sql`, sorted by directory
/// name, which is also the migration's name (compared as text).
pub fn prisma(dir: &Path, reader: &Reader) -> Result<Discovered> {
    let mut out = Discovered::default();
    for (dir_name, path) in reader.migration_dirs(dir, "migration.sql")? {
        let description = dir_name.split_once('_').map_or("", |(_, d)| d).to_string();
        let name = format!("{dir_name}/migration.sql");
        let mut file = reader.load(name, &path, &dir_name, &description)?;
        file.key = VersionKey::text(&dir_name);
        out.files.push(file);
    }
    out.finish()
}

/// The version Diesel records for a migration directory name, `migrations_internals`
/// `version_from_string` (diesel_migrations 2.x, `DieselMigrationName::from_name`): the part
/// before the first `_`, or the whole name without one, with its dashes removed
/// (`2024-01-15-000000_users` → `20240115000000`, `initial` → `initial`, `v1_init` → `v1`). Any
/// text is a version: Diesel never rejects a name.
pub fn diesel_version(dir_name: &str) -> String {
    dir_name
        .split('_')
        .next()
        .unwrap_or_default()
        .replace('-', "")
}

/// The longest version Diesel can record: `diesel/src/migration/setup_migration_table.sql`
/// creates `__diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, …)`, and
/// `MigrationHarness::run_migration` (`diesel_migrations/src/migration_harness.rs`) inserts the
/// version after running the migration, in its transaction: a longer one fails there on
/// PostgreSQL ("value too long for type character varying(50)") and MySQL/MariaDB in strict
/// mode ("Data too long for column 'version'"), both tried; PostgreSQL rolls the migration back,
/// MySQL keeps what its DDL did. Lengths are in characters on both.
pub const DIESEL_VERSION_MAX: usize = 50;

/// What Diesel says when a sub-directory is no migration (`MigrationError::UnknownMigrationFormat`).
const DIESEL_UNKNOWN_FORMAT: &str = "Invalid migration directory: the directory's name should be <timestamp>_<name_of_migration>, and it should contain up.sql and optionally down.sql.";

/// An entry of a Diesel migrations directory for which `diesel migration run` refuses the
/// whole directory (`FileBasedMigrations::from_path`, `MigrationError::UnknownMigrationFormat`):
/// a sub-directory without `up.sql`, or an empty one (diesel_cli 2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DieselRefusal {
    /// The entry Diesel refuses (`migrations/fixtures`).
    pub path: PathBuf,
    /// Why, in Diesel's terms, without the entry's path.
    pub why: &'static str,
}

impl DieselRefusal {
    /// The reason with Diesel's own message and what to do.
    pub fn message(&self) -> String {
        format!(
            "{}: \"{DIESEL_UNKNOWN_FORMAT}\" (move it out of the directory, or give it an up.sql)",
            self.why
        )
    }

    fn error(&self) -> crate::error::Error {
        crate::error::Error::input(&self.path, self.message())
    }
}

/// The first entry of `dir` (in name order) for which `diesel migration run` refuses the whole
/// directory, if any: see `diesel`.
pub fn diesel_refusal(dir: &Path, reader: &Reader) -> Result<Option<DieselRefusal>> {
    for (dir_name, path) in reader.entries(dir)? {
        let regular_file = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if regular_file || dir_name.starts_with('.') {
            continue;
        }
        let empty_dir = path.is_dir()
            && std::fs::read_dir(&path).is_ok_and(|mut entries| entries.next().is_none());
        let why = if empty_dir {
            // migrations_internals 2.4 skips it; 2.3, which diesel_cli 2.3.14 is built with,
            // refuses the directory for it (tried).
            "is an empty directory, for which diesel_cli 2.3 refuses the whole migrations directory (diesel_migrations 2.4 skips it)"
        } else if !path.join("up.sql").is_file() {
            "has no up.sql, so `diesel migration run` refuses the whole migrations directory"
        } else {
            continue;
        };
        return Ok(Some(DieselRefusal { path, why }));
    }
    Ok(None)
}

/// Diesel, `diesel_migrations/src/file_based_migrations.rs` (`FileBasedMigrations::from_path`,
/// `migrations_internals::migrations_directories`): every entry of the directory that is not a
/// regular file and not hidden (`.`) is a migration, and must hold `up.sql` (`down.sql` is its
/// revert); one that does not makes `diesel migration run` refuse the whole directory (an empty
/// directory too, in diesel_cli 2.3.14; migrations_internals 2.4 skips it): `diesel_refusal`.
/// An empty `up.sql` fails when its turn comes (`RunMigrationsError::EmptyMigration`), and so
/// does one whose version is longer than Diesel's tracker column (`DIESEL_VERSION_MAX`). The
/// version is `diesel_version`'s text, compared and ordered as a
/// string (`MigrationVersion` derives `Ord` on its text; `pending_migrations` sorts by it and
/// drops the applied versions by equality), so `1` and `001` are two versions and `10` runs
/// before `9`. Two directories of one version collapse into one (`pending_migrations` keys a
/// `HashMap` by version): preflight refuses them.
pub fn diesel(dir: &Path, reader: &Reader) -> Result<Discovered> {
    if let Some(refusal) = diesel_refusal(dir, reader)? {
        return Err(refusal.error());
    }
    let mut out = Discovered::default();
    for (dir_name, path) in reader.entries(dir)? {
        let regular_file = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if regular_file {
            continue;
        }
        let up = path.join("up.sql");
        if dir_name.starts_with('.') {
            if up.is_file() {
                ignore(&mut out, &up, "Diesel skips hidden directories");
            }
            continue;
        }
        let version = diesel_version(&dir_name);
        let description = dir_name.split_once('_').map_or("", |(_, d)| d).to_string();
        let mut file = reader.load(format!("{dir_name}/up.sql"), &up, &version, &description)?;
        if file.bytes().is_empty() {
            // `run_sql_from_file`: `RunMigrationsError::EmptyMigration`, and the run stops.
            ignore(
                &mut out,
                &up,
                "is empty: `diesel migration run` fails on it (\"Attempted to run an empty migration.\") and stops there",
            );
            continue;
        }
        let length = version.chars().count();
        if length > DIESEL_VERSION_MAX {
            ignore(
                &mut out,
                &up,
                format!(
                    "has version `{version}` ({length} characters): Diesel records it in `__diesel_schema_migrations.version`, a VARCHAR({DIESEL_VERSION_MAX}) on PostgreSQL and MySQL/MariaDB, so `diesel migration run` fails after running it (\"value too long for type character varying({DIESEL_VERSION_MAX})\", \"Data too long for column 'version'\"; PostgreSQL rolls the migration back, MySQL keeps what its DDL did) and stops there; without strict mode (`STRICT_TRANS_TABLES`/`STRICT_ALL_TABLES` in `sql_mode`), MySQL/MariaDB cuts the version to {DIESEL_VERSION_MAX} characters with a warning instead, and Diesel, which never finds the version it looks for, runs the migration again on every `diesel migration run`: shorten the directory's name before its first `_` to {DIESEL_VERSION_MAX} characters or fewer (dashes do not count)"
                ),
            );
            continue;
        }
        file.key = VersionKey::text(&version);
        out.files.push(file);
    }
    out.finish_with(
        "Diesel keys pending migrations by version, so it would run only one of the two (whichever the directory listing gives last) and record the version once",
    )
}

/// Atlas's directive line, `sql/migrate/dir.go` (`reDirective`):
/// `^([ -~]*)atlas:(\w+)(?: +([ -~]*))*`, Go's `\w` being ASCII. Matched from the start of the
/// text only (no multi-line flag): the first line of what it is given.
static ATLAS_DIRECTIVE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^([ -~]*)atlas:([0-9A-Za-z_]+)(?: +([ -~]*))*").expect("valid regex")
});

/// `directive(content, name)` of `sql/migrate/dir.go`: the directive's argument when `content`
/// starts with a line naming directive `name` (any prefix before `atlas:`).
fn atlas_directive<'a>(content: &'a str, name: &str) -> Option<&'a str> {
    let found = ATLAS_DIRECTIVE.captures(content)?;
    (found.get(2)?.as_str() == name).then(|| found.get(3).map_or("", |m| m.as_str()))
}

/// Does `atlas migrate hash` leave this file out of `atlas.sum`? `NewHashFile`
/// (`sql/migrate/dir.go`): a file whose text starts with an `atlas:sum ignore` directive line
/// (`-- atlas:sum ignore`; the argument exactly `ignore`, so not `ignore ` with a trailing
/// space) gets no entry, and only its name, not its content, goes into the running hash.
pub fn atlas_sum_ignored(text: &str) -> bool {
    atlas_directive(text, "sum") == Some("ignore")
}

/// Is this an Atlas checkpoint file? `LocalFile.IsCheckpoint` (`sql/migrate/dir.go`): one of
/// its file directives is `atlas:checkpoint` (with or without a tag). File directives are the
/// comment lines (`#` or `--`) at the very top of the file (`LocalFile.comments`), each
/// trimmed, and only when a blank line follows them (`\n` right after the last one's line
/// end): a comment block followed by a statement, or ended by `\r\n` then `\r\n`, holds none.
pub fn atlas_is_checkpoint(text: &str) -> bool {
    let mut comments = Vec::new();
    let mut content = text;
    while content.starts_with('#') || content.starts_with("--") {
        let Some(end) = content.find('\n') else {
            // A file of comments only: `content` never starts with a blank line.
            return false;
        };
        comments.push(content[..end].trim());
        content = &content[end + 1..];
    }
    content.starts_with('\n')
        && comments
            .iter()
            .any(|c| atlas_directive(c, "checkpoint").is_some())
}

/// `atlas.sum`'s entries as `atlas migrate hash` writes them, in file-name order
/// (`sql/migrate/dir.go`, `NewHashFile`): a running SHA-256 over every file's name and content
/// up to and including it, base64-encoded; a file starting with `atlas:sum ignore` adds its
/// name only and gets no entry (`atlas_sum_ignored`).
pub fn atlas_hashes(files: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    let mut running = Sha256::new();
    let mut out = Vec::new();
    for (name, bytes) in files {
        running.update(name.as_bytes());
        if atlas_sum_ignored(&String::from_utf8_lossy(bytes)) {
            continue;
        }
        running.update(bytes);
        let hash = base64::engine::general_purpose::STANDARD.encode(running.clone().finalize());
        out.push((name.clone(), hash));
    }
    out
}

/// `atlas.sum` as Atlas reads it, `sql/migrate/dir.go` (`HashFile.UnmarshalText`): the first
/// line is the header, `h1:` and the directory's total sum; every later line is split at its
/// first `h1:` into a name (trimmed) and a hash, and a line without `h1:` makes the file
/// unreadable (`ErrChecksumFormat`, "checksum file format invalid"). Lines are
/// `bufio.ScanLines`'s: split at `\n`, a `\r` before it dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtlasSum {
    /// The header's sum, without its `h1:`.
    pub header: String,
    /// `(name, hash)` per line after the header, the hash without its `h1:`.
    pub entries: Vec<(String, String)>,
    /// The 1-based line number of the first line that has no `h1:`, if any.
    pub malformed_line: Option<usize>,
}

impl AtlasSum {
    pub fn parse(text: &str) -> AtlasSum {
        let mut lines = text.lines();
        let first = lines.next().unwrap_or("");
        let header = first.strip_prefix("h1:").unwrap_or(first).to_string();
        let mut entries = Vec::new();
        let mut malformed_line = None;
        for (at, line) in lines.enumerate() {
            match line.split_once("h1:") {
                Some((name, hash)) => entries.push((name.trim().to_string(), hash.to_string())),
                None => {
                    malformed_line.get_or_insert(at + 2);
                }
            }
        }
        AtlasSum {
            header,
            entries,
            malformed_line,
        }
    }

    /// Does the header match the lines? `UnmarshalText` compares it with `HashFile.Sum` of the
    /// lines read (`atlas_sum_total`) and fails with `ErrChecksumMismatch` ("checksum
    /// mismatch") otherwise, so Atlas refuses the directory whatever the files hold.
    pub fn header_matches(&self) -> bool {
        self.header == atlas_sum_total(&self.entries)
    }
}

/// `HashFile.Sum` (`sql/migrate/dir.go`): the SHA-256 of every entry's name then hash (the
/// hash's base64 text, without `h1:`), in order, base64-encoded: `atlas.sum`'s header, after
/// `h1:`. It covers the lines, not the files: a file's change shows in its line's hash.
pub fn atlas_sum_total(entries: &[(String, String)]) -> String {
    let mut sum = Sha256::new();
    for (name, hash) in entries {
        sum.update(name.as_bytes());
        sum.update(hash.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(sum.finalize())
}

/// Atlas, `sql/migrate/dir.go`: `LocalDir.Files` takes every `*.sql` file directly in the
/// directory, sorted by name (Go's byte order), and `LocalFile.Version` is the name without
/// `.sql` up to the first `_`, or the whole of it without one (`20240101_users.sql` →
/// `20240101`, `initial.sql` → `initial`, `2.10.x-20_desc.sql` → `2.10.x-20`); `Desc` is the
/// rest. Any text is a version, and `Executor.Pending` compares versions as strings
/// (`f.Version() <= last.Version`, `strings.Compare`), so they are text keys here. Each file's
/// `atlas.sum` hash is `atlas_hashes`'s. A checkpoint file (`atlas_is_checkpoint`) is kept in
/// `Discovered::checkpoints`: a database with revisions never runs it (`SkipCheckpointFiles`),
/// and `Discovered::start_at_checkpoint` gives the run of one that starts at it.
pub fn atlas(dir: &Path, reader: &Reader) -> Result<Discovered> {
    let mut out = Discovered::default();
    let mut all = Vec::new();
    for (name, path) in reader.sql_files(dir)? {
        let stem = name.strip_suffix(".sql").unwrap_or(&name);
        let (version, description) = stem.split_once('_').unwrap_or((stem, ""));
        let mut file = reader.load(name.clone(), &path, version, description)?;
        file.key = VersionKey::text(version);
        file.checkpoint = atlas_is_checkpoint(&file.source.text);
        all.push(file);
    }
    let contents: Vec<(String, Vec<u8>)> = all
        .iter()
        .map(|f| (f.name.clone(), f.bytes().to_vec()))
        .collect();
    let hashes: std::collections::HashMap<String, String> =
        atlas_hashes(&contents).into_iter().collect();
    for mut file in all {
        file.directory_checksum = hashes.get(&file.name).cloned();
        if file.checkpoint {
            set_aside(
                &mut out,
                &file.source.path,
                "an Atlas checkpoint runs only on a database that starts at it (one without revisions starts at the last checkpoint); `atlas migrate apply` skips it on a database with revisions",
            );
        }
        out.files.push(file);
    }
    // Atlas keeps one revision per version, checkpoints included: a second file of that version
    // finds the first's revision (`ReadRevision`) and is skipped as applied, or fails as a
    // changed history.
    let mut out = out.finish_by_name(
        "Atlas keeps one revision per version, so the second fails or never runs",
    )?;
    let (checkpoints, files) = std::mem::take(&mut out.files)
        .into_iter()
        .partition(|f| f.checkpoint);
    out.files = files;
    out.checkpoints = checkpoints;
    Ok(out)
}

/// A hand-rolled runner's revert script, `X.down.sql` or `down.sql` (any case): the name of
/// the up file of the same migration (`X.up.sql`, `up.sql`, in the case `down` was written
/// in), or `None` when `name` is no revert script. discovery sets every such file aside; lint
/// leaves one out only when that up file lies beside it (`Layout::deploy_part`).
pub(super) fn generic_up_of_down(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".down.sql") || lower == "down.sql") {
        return None;
    }
    // The last 8 bytes are ASCII (they match `down.sql`): a char boundary.
    let (stem, down) = name.split_at(name.len() - "down.sql".len());
    let up = if down[..4].bytes().all(|b| b.is_ascii_uppercase()) {
        "UP"
    } else {
        "up"
    };
    Some(format!("{stem}{up}{}", &down[4..]))
}

/// A hand-rolled runner: every `.sql` file under the directory (sub-directories included),
/// except `.down.sql` / `down.sql` reverts, in natural order of the relative path (`V2` before
/// `V10`). Two files may share a date prefix: a runner that goes by file name allows it.
pub fn generic(dir: &Path, reader: &Reader) -> Result<Discovered> {
    let mut out = Discovered::default();
    let mut paths: Vec<(String, PathBuf)> = Vec::new();
    for (name, path) in reader.files_below(dir)? {
        let lower = files::base_name(&name).to_ascii_lowercase();
        if !lower.ends_with(".sql") {
            continue;
        }
        if generic_up_of_down(files::base_name(&name)).is_some() {
            set_aside(&mut out, &path, "a revert script, not replayed");
            continue;
        }
        paths.push((name, path));
    }
    paths.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    for (name, path) in paths {
        let base = files::base_name(&name);
        let stem = base
            .strip_suffix(".up.sql")
            .or_else(|| base.strip_suffix(".sql"))
            .unwrap_or(base);
        let version = split_version(stem, '_')
            .map_or(stem, |(v, _)| v)
            .to_string();
        let plain_stem = base.strip_suffix(".sql").unwrap_or(base);
        let description = plain_stem
            .split_once('_')
            .map_or("", |(_, d)| d)
            .to_string();
        out.files
            .push(reader.load(name, &path, &version, &description)?);
    }
    out.finish_in_order()
}
