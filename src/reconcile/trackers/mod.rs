//! Migration trackers: each tool's table, columns, file naming and checksum algorithm, and the
//! command that repairs its records. One module per tool.

pub mod atlas;
pub mod dbmate;
pub mod diesel;
pub mod flyway;
pub mod flyway_config;
pub mod generic;
pub mod golang_migrate;
pub mod goose;
pub mod prisma;
pub mod refinery;
pub mod sqlx;
pub mod table_name;

use super::db::{Engine, TextRow};
use crate::config::MigrationsConfig;
use crate::diagnostics::{Finding, Severity};
use crate::error::{Error, Result};
use crate::layout::{Discovered, Layout, MigrationFile, VersionKey};
use std::path::Path;
pub use table_name::CatalogName;

/// What the tracker says about one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordState {
    Applied,
    /// The tool marked the run as failed (sqlx `success = false`, Flyway `success = 0`,
    /// Prisma `finished_at IS NULL`, Atlas `error`).
    Failed(String),
    /// golang-migrate's dirty flag: the run started and did not finish.
    Dirty,
}

#[derive(Debug, Clone)]
pub struct Record {
    /// The version (or name) as the tracker stores it.
    pub version: String,
    pub key: VersionKey,
    /// The migration's name or description, when the tracker stores one.
    pub name: Option<String>,
    pub state: RecordState,
    /// The checksum as stored, in the tool's own spelling.
    pub checksum: Option<String>,
    /// A Flyway baseline migration's record (`SQL_BASELINE`): it names a `B` script, never the
    /// versioned migration of the same version.
    pub baseline: bool,
}

impl Record {
    pub fn new(version: impl Into<String>, state: RecordState) -> Self {
        let version = version.into();
        Record {
            key: VersionKey::parse(&version),
            version,
            name: None,
            state,
            checksum: None,
            baseline: false,
        }
    }
}

/// The result of recomputing a file's checksum with the tool's algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChecksumCheck {
    Match,
    /// `computed` is in the tracker's own spelling, ready to paste into a repair command.
    Mismatch {
        recorded: String,
        computed: String,
    },
    /// The tool stores no checksum.
    NotTracked,
}

/// One migration tool. Reading the table is generic (`query` + `records`); everything
/// tool-specific is here.
pub trait Tracker: Send + Sync {
    /// Its entry in `TRACKERS`: name, table, layout.
    fn descriptor(&self) -> &'static Descriptor;
    /// The name used on the command line (`sqlx`, `flyway`, …).
    fn name(&self) -> &'static str {
        self.descriptor().name
    }
    /// How findings name the keeper of the records: the tool (`sqlx`), or, for a table the
    /// user describes, that table as configured (`the tracker table other.migrations`).
    fn described(&self) -> String {
        self.name().to_string()
    }
    /// The tracker table, as `(schema, table)`, as the server stores it. `schema` None: on
    /// PostgreSQL where `home` says, on MySQL/MariaDB the reconciled database; a schema without
    /// `pinned_table` (Atlas's) is where MySQL/MariaDB look first.
    fn table(&self) -> (Option<&str>, &str) {
        (None, self.descriptor().table.unwrap_or_default())
    }
    /// How the connected server spells names written in SQL; called once, before
    /// `discover` and `table`; a tracker whose table its configuration names (sqlx.toml, the
    /// generic tracker's `table`) resolves that name with it.
    fn connected(&self, _names: NameCase) {}
    /// The table as the tool's own configuration names it, when that names its schema too
    /// (sqlx.toml's `table-name = "other._sqlx_migrations"`, `[migrations.generic_tracker]
    /// table = "other.migrations"`): the tool queries exactly that
    /// table, so a table of the same name in another schema is never its records, and a
    /// missing one is reported by this name. None: on PostgreSQL the table of `table()` is
    /// looked for where `home` says; on MySQL/MariaDB in its schema and then in the reconciled
    /// one (Atlas's own schema, or the connected one).
    fn pinned_table(&self) -> Option<&str> {
        None
    }
    /// The setting that named the table, when not the tool's default (`GOOSE_TABLE`,
    /// `[migrations] tracker_table`, `--tracker-table`), for findings and the JSON report.
    fn table_source(&self) -> Option<String> {
        None
    }
    /// Reads what the database URL says about the tool's table (golang-migrate's
    /// `x-migrations-table`); called once, after `connected`. A malformed value is an error.
    fn read_url(&self, _url: &UrlSettings, _engine: Engine, _names: NameCase) -> Result<()> {
        Ok(())
    }
    /// Where the tool keeps its table on PostgreSQL when its configuration does not name the
    /// schema (`pinned_table`); `url` is what the database URL says. Called after `discover`.
    fn home(&self, _url: &UrlSettings) -> Home {
        Home::CurrentSchema
    }
    /// The tool's file layout (naming, up/down sections, order).
    fn layout(&self) -> Layout {
        self.descriptor().layout
    }
    /// Files the tool would run, in its order.
    fn discover(&self, dir: &Path) -> Result<Discovered> {
        self.layout().discover(dir)
    }
    /// The query that reads the tracker table, every column as text.
    fn query(&self, engine: Engine, table: &str) -> String;
    /// Turns the rows into records (some tools store one row per migration, golang-migrate one row in all).
    fn records(&self, rows: Vec<TextRow>, files: &[MigrationFile]) -> Result<Vec<Record>>;
    /// Compares the file with the checksum the tool stored when it applied it.
    fn check_checksum(&self, _file: &MigrationFile, _record: &Record) -> ChecksumCheck {
        ChecksumCheck::NotTracked
    }
    /// How the user records the migration as applied with their tool (printed, never run).
    fn mark_applied(&self, file: &MigrationFile, engine: Engine, dir: &Path) -> String;
    /// How the user accepts the edited file's checksum, once the edit is known to be intended.
    fn accept_checksum(&self, file: &MigrationFile, computed: &str, engine: Engine) -> String {
        let _ = (computed, engine);
        format!(
            "{}: restore {} to the text that was applied (see `git log -p`)",
            self.name(),
            file.name
        )
    }
    /// How the user clears a failed or dirty record after repairing the schema by hand.
    fn clear_failed(&self, file: &MigrationFile, engine: Engine, dir: &Path) -> String;
    /// How the user removes a record whose file is gone, when it was never meant to run.
    fn remove_record(&self, record: &Record, engine: Engine) -> String;
    /// What to say about a record no file matches (RC107), and how grave it is, when the tool
    /// knows more than "no migration file has that version" (`files`: every migration the tool
    /// resolves locally, those reconcile checks and a Flyway baseline migration no record names).
    fn orphan(&self, _record: &Record, _files: &[MigrationFile]) -> Option<(String, Severity)> {
        None
    }
    /// Whether the tool refuses or skips a pending migration older than the newest applied one.
    fn out_of_order_advice(&self) -> Option<String> {
        None
    }
    /// What to say about such a migration (RC108), and how grave it is, when the tool's own
    /// check has a verdict on it; `None` keeps "is pending but older than …" at warning.
    fn out_of_order(&self, _file: &MigrationFile) -> Option<(String, Severity)> {
        None
    }
    /// What to say about a migration the tracker has no record of when the tool's next run
    /// cannot apply it (Atlas: a file `atlas.sum` does not list).
    fn cannot_apply(&self, _file: &MigrationFile) -> Option<Finding> {
        None
    }
    /// Findings about the directory as a whole (Atlas's `atlas.sum`); `files` are all the
    /// directory's migrations in name order, those no run of this database reaches too (Atlas's
    /// checkpoints).
    fn directory_findings(&self, _dir: &Path, _files: &[MigrationFile]) -> Vec<Finding> {
        Vec::new()
    }
}

/// Where a tool keeps its tracker table on PostgreSQL (MySQL/MariaDB: always the connected
/// database), as its own source decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    /// The connection's `current_schema()`, the first existing schema of its `search_path`: the
    /// tool creates the table unqualified with `CREATE TABLE IF NOT EXISTS` before it reads it
    /// (sqlx, Diesel, refinery), so a table of that name further down the path is never its
    /// own, or asks the server for `CURRENT_SCHEMA()` (golang-migrate, Flyway without a
    /// configured schema, dbmate without a `search_path` in its URL).
    CurrentSchema,
    /// The first schema of the connection's `search_path` that has the table: the tool only
    /// names it unqualified (goose, a hand-rolled runner), and creates it in the current schema
    /// when no schema of the path has it.
    SearchPath,
    /// A schema the tool's URL or configuration names; `why` says which setting, for findings.
    /// `objects`: the tool also runs the migrations with that schema as the `search_path`, so
    /// it is the default reconciled schema too (Prisma's `schema=`, Flyway's `defaultSchema`).
    Named {
        schema: String,
        why: String,
        objects: bool,
    },
}

/// What a PostgreSQL database URL says about schemas, for the tools that read it: `search_path`
/// (lib/pq and pgx, under golang-migrate, goose and dbmate, send an unknown URL parameter to
/// the server as a run-time setting; dbmate and Atlas read this one themselves) and `schema`
/// (Prisma's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlSettings {
    pub search_path: Option<String>,
    pub schema: Option<String>,
    /// golang-migrate's `x-migrations-table` and `x-migrations-table-quoted`.
    pub migrations_table: Option<String>,
    pub migrations_table_quoted: bool,
}

impl UrlSettings {
    /// The URL's query parameters, percent-decoded; the last of a repeated one wins.
    pub fn parse(url: &str) -> UrlSettings {
        let mut out = UrlSettings::default();
        let Some(after_scheme) = url.split_once("://").map(|(_, rest)| rest) else {
            return out;
        };
        // A password may hold `?` unencoded; the query starts after the userinfo.
        let rest = match crate::db::userinfo_end(after_scheme, &[':']) {
            Some(at) => &after_scheme[at..],
            None => after_scheme,
        };
        let Some((_, query)) = rest.split_once('?') else {
            return out;
        };
        let query = query.split('#').next().unwrap_or_default();
        // As Go's `url.ParseQuery` and Prisma's `url` crate read it: `+` is a space.
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value).trim().to_string();
            match decode(key).as_str() {
                "search_path" if !value.is_empty() => out.search_path = Some(value),
                "schema" if !value.is_empty() => out.schema = Some(value),
                "x-migrations-table" if !value.is_empty() => out.migrations_table = Some(value),
                // Go's strconv.ParseBool; golang-migrate refuses any other value.
                "x-migrations-table-quoted" => {
                    out.migrations_table_quoted =
                        matches!(value.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True")
                }
                _ => {}
            }
        }
        out
    }

    /// The first schema the URL's `search_path` names, as dbmate reads it (split at commas,
    /// trimmed; dbmate quotes it, so it is taken as written).
    pub fn first_search_path_schema(&self) -> Option<&str> {
        self.search_path
            .as_deref()
            .and_then(|p| p.split(',').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// What the registry knows about a tracker, declared once in its adapter file.
pub struct Descriptor {
    /// The name `--tracker` and `[migrations] tracker` use.
    pub name: &'static str,
    /// Other names accepted for it.
    pub aliases: &'static [&'static str],
    /// The table the tool keeps its records in: auto-detection looks for it, and it is never
    /// an unmanaged object. `None` when the user names it (generic).
    pub table: Option<&'static str>,
    /// Whether a found table of that name is this tool's (two tools share `schema_migrations`).
    pub recognise: fn(&FoundTable) -> bool,
    pub layout: Layout,
    /// Builds the adapter; the configuration is for trackers described in `preflight.toml`.
    pub build: fn(&MigrationsConfig, &Path) -> Result<Box<dyn Tracker>>,
}

/// Every tracker, in detection order. Adding a tracker: its adapter file (a `Descriptor` and
/// the `Tracker` impl), its `mod` line above, and one line here.
pub static TRACKERS: &[&Descriptor] = &[
    &sqlx::DESCRIPTOR,
    &flyway::DESCRIPTOR,
    &golang_migrate::DESCRIPTOR,
    &goose::DESCRIPTOR,
    &dbmate::DESCRIPTOR,
    &prisma::DESCRIPTOR,
    &diesel::DESCRIPTOR,
    &refinery::DESCRIPTOR,
    &atlas::DESCRIPTOR,
    &generic::DESCRIPTOR,
];

/// `recognise` for a tool that is alone with its table name.
pub fn any_table(_: &FoundTable) -> bool {
    true
}

/// Every tracker name `--tracker` accepts.
pub fn names() -> Vec<&'static str> {
    TRACKERS.iter().map(|d| d.name).collect()
}

/// The tracker a name means, as `--tracker` and `[migrations] tracker` accept it: its name or
/// an alias, in any case (`Flyway`, `migrate`). `auto` is not a tracker.
pub fn canonical(name: &str) -> Option<&'static str> {
    TRACKERS
        .iter()
        .find(|d| {
            d.name.eq_ignore_ascii_case(name)
                || d.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .map(|d| d.name)
}

/// What to say about a name that is no tracker: the accepted names, and the closest one.
pub fn unknown_name(name: &str) -> String {
    let near = names()
        .into_iter()
        .map(|n| {
            (
                strsim::levenshtein(&n.to_ascii_lowercase(), &name.to_ascii_lowercase()),
                n,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d);
    let hint = near.map_or(String::new(), |(_, n)| format!(" (did you mean `{n}`?)"));
    format!(
        "unknown tracker `{name}`{hint}; use auto or one of: {}",
        names().join(", ")
    )
}

/// The usage error for `--tracker NAME` naming no tracker.
pub fn unknown_flag(name: &str) -> Error {
    Error::Usage(format!("--tracker: {}", unknown_name(name)))
}

/// The tracker for a name; `generic` needs `[migrations.generic_tracker]`.
pub fn by_name(
    name: &str,
    config: &MigrationsConfig,
    config_path: &Path,
) -> Result<Box<dyn Tracker>> {
    let descriptor = canonical(name)
        .and_then(|c| TRACKERS.iter().find(|d| d.name == c))
        .ok_or_else(|| unknown_flag(name))?;
    (descriptor.build)(config, config_path)
}

/// How the server resolves a schema or table name that a tool pastes into its SQL unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameCase {
    /// PostgreSQL: an unquoted name is folded to lower case, a quoted one is kept.
    #[default]
    FoldUnquoted,
    /// MySQL/MariaDB with `lower_case_table_names` 0 (case-sensitive, Linux's default) or 2
    /// (stored as given): the name as written, quoted or not.
    AsWritten,
    /// MySQL/MariaDB with `lower_case_table_names` 1 (Windows' default): stored and looked up
    /// in lower case, quoted or not.
    Lower,
}

impl NameCase {
    /// The rule on a MySQL/MariaDB server with this `@@lower_case_table_names`.
    pub fn mysql(lower_case_table_names: &str) -> NameCase {
        if lower_case_table_names.trim() == "1" {
            NameCase::Lower
        } else {
            NameCase::AsWritten
        }
    }

    /// `name` as the catalog spells it; `quoted`: it was written in quotes.
    pub fn apply(self, name: &str, quoted: bool) -> String {
        match self {
            NameCase::FoldUnquoted if quoted => name.to_string(),
            // PostgreSQL folds only ASCII letters in a UTF-8 database (`downcase_identifier`).
            NameCase::FoldUnquoted => name.to_ascii_lowercase(),
            NameCase::AsWritten => name.to_string(),
            NameCase::Lower => name.to_lowercase(),
        }
    }
}

/// A table found in the database that a tracker owns, with its column names.
#[derive(Debug, Clone)]
pub struct FoundTable {
    pub schema: String,
    pub table: String,
    pub columns: Vec<String>,
}

/// Which trackers the tables present and the directory layout point at. `renamed` are
/// `(tracker, table)` pairs of tables the tool's own configuration names (sqlx.toml's
/// `[migrate] table-name`).
pub fn detect_candidates(
    found: &[FoundTable],
    dir: &Path,
    renamed: &[(&str, &str)],
) -> Vec<&'static str> {
    let present: Vec<&Descriptor> = TRACKERS
        .iter()
        .copied()
        .filter(|d| {
            found.iter().any(|f| {
                (Some(f.table.as_str()) == d.table || renamed.contains(&(d.name, f.table.as_str())))
                    && (d.recognise)(f)
            })
        })
        .collect();
    if present.len() > 1 {
        // Several tools' tables: prefer the one the directory layout matches.
        let by_layout: Vec<&'static str> = present
            .iter()
            .filter(|d| d.layout.matches(dir))
            .map(|d| d.name)
            .collect();
        if by_layout.len() == 1 {
            return by_layout;
        }
    }
    present.iter().map(|d| d.name).collect()
}

/// Tables every known tracker uses, each once; they are never reported as unmanaged.
pub fn tracker_tables() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for table in TRACKERS.iter().filter_map(|d| d.table) {
        if !out.contains(&table) {
            out.push(table);
        }
    }
    out
}

pub(crate) fn layout_matches(name: &str, dir: &Path, reader: &crate::layout::Reader) -> bool {
    Layout::from_name(name).is_some_and(|layout| layout.matches_with(dir, reader))
}

// Shared helpers for the tracker modules.

/// A column read as text.
pub fn text_col(engine: Engine, column: &str) -> String {
    match engine {
        Engine::Postgres => format!("{column}::text"),
        Engine::MySql { .. } => format!("CAST({column} AS CHAR)"),
    }
}

/// A bytea / binary column read as lowercase hex.
pub fn hex_col(engine: Engine, column: &str) -> String {
    match engine {
        Engine::Postgres => format!("encode({column}, 'hex')"),
        Engine::MySql { .. } => format!("LOWER(HEX({column}))"),
    }
}

pub fn quote_ident(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        Engine::MySql { .. } => format!("`{}`", name.replace('`', "``")),
    }
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `true`/`t`/`1` → true (PostgreSQL booleans as text, MySQL tinyint).
pub fn parse_bool(value: Option<&str>) -> bool {
    matches!(
        value.map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("true" | "t" | "1" | "yes")
    )
}

/// The query of a tracker table that holds nothing but applied versions (dbmate, Diesel).
pub fn versions_query(table: &str) -> String {
    format!("SELECT version FROM {table} ORDER BY version")
}

/// The records of such a table: every row is an applied version.
pub fn applied_versions(rows: &[TextRow], tracker: &str) -> Result<Vec<Record>> {
    rows.iter()
        .map(|row| {
            Ok(Record::new(
                required(row, 0, tracker, "version")?,
                RecordState::Applied,
            ))
        })
        .collect()
}

/// Column `i` of a row, or an error naming the tracker.
pub fn col<'a>(row: &'a TextRow, i: usize, tracker: &str) -> Result<Option<&'a str>> {
    row.get(i).map(|v| v.as_deref()).ok_or_else(|| {
        Error::Database(format!(
            "{tracker} tracker: row has fewer columns than expected"
        ))
    })
}

/// A required column of a row.
pub fn required<'a>(row: &'a TextRow, i: usize, tracker: &str, what: &str) -> Result<&'a str> {
    col(row, i, tracker)?.ok_or_else(|| {
        Error::Database(format!(
            "{tracker} tracker: a row has no {what} (NULL); the table is damaged"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_settings_are_the_decoded_query_parameters_after_the_userinfo() {
        let url = UrlSettings::parse(
            "postgres://u:p?ss@db/app?sslmode=disable&search_path=app%2C+public&schema=Tenant&x-migrations-table=%22t%22.%22m%22&x-migrations-table-quoted=true#frag",
        );
        assert_eq!(url.search_path.as_deref(), Some("app, public"));
        assert_eq!(url.first_search_path_schema(), Some("app"));
        assert_eq!(url.schema.as_deref(), Some("Tenant"));
        assert_eq!(url.migrations_table.as_deref(), Some("\"t\".\"m\""));
        assert!(url.migrations_table_quoted);
        assert_eq!(
            UrlSettings::parse("postgres://db/app?search_path="),
            UrlSettings::default()
        );
    }

    #[test]
    fn golang_migrate_url_table_is_parsed_as_golang_migrate_does() {
        let table = |query: &str| {
            golang_migrate::url_table(
                &UrlSettings::parse(&format!("postgres://db/app?{query}")),
                Engine::Postgres,
                NameCase::FoldUnquoted,
            )
        };
        let name = |query: &str| table(query).unwrap().map(|(t, _)| (t.schema, t.table));
        assert_eq!(name(""), None);
        // Quoted by the driver: the case is kept, a dot is part of the name.
        assert_eq!(
            name("x-migrations-table=My.Table"),
            Some((None, "My.Table".into()))
        );
        assert_eq!(
            name("x-migrations-table=%22a%22.%22B%22&x-migrations-table-quoted=1"),
            Some((Some("a".into()), "B".into()))
        );
        for bad in [
            "x-migrations-table=a.b&x-migrations-table-quoted=true",
            "x-migrations-table=%22a%22.%22b%22.%22c%22&x-migrations-table-quoted=true",
        ] {
            let err = table(bad).unwrap_err().to_string();
            assert!(err.contains("x-migrations-table-quoted"), "{err}");
        }
    }
}
