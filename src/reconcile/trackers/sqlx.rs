//! sqlx: `_sqlx_migrations(version BIGINT, description, installed_on, success, checksum BYTEA,
//! execution_time)`. Files `<VERSION>_<DESCRIPTION>.sql` (or `.up.sql`; `.down.sql` is the
//! revert). The checksum is SHA-384 of the file's bytes, or, when the crate's `sqlx.toml` lists
//! `[migrate] ignored-chars` (sqlx 0.9), of the text with those characters removed. sqlx 0.9's
//! `[migrate] table-name` renames the table (same columns), optionally schema-qualified.

pub use super::table_name::{CatalogName, TableName};
use super::Descriptor;
use super::{
    col, hex_col, literal, parse_bool, required, text_col, ChecksumCheck, NameCase, Record,
    RecordState, Tracker,
};
use crate::error::{Error, Result};
use crate::layout::{Discovered, Layout, MigrationFile};
use crate::reconcile::db::{Engine, TextRow};
use sha2::{Digest, Sha384};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "sqlx",
    aliases: &[],
    table: Some("_sqlx_migrations"),
    recognise: super::any_table,
    layout: Layout::Sqlx,
    build: |config, path| {
        Ok(Box::new(Sqlx {
            setting: super::table_name::TrackerTable::of(config, path)?,
            ..Sqlx::default()
        }))
    },
};

#[derive(Default)]
pub struct Sqlx {
    /// The crate's `sqlx.toml`, read once when the directory is discovered.
    config: OnceLock<CrateConfig>,
    /// How the connected server spells names (`Tracker::connected`).
    names: OnceLock<NameCase>,
    /// `table-name` as the server's catalog spells it, set with `config`.
    catalog: OnceLock<Option<CatalogName>>,
    /// `[migrations] tracker_table` / `--tracker-table`: wins over `table-name` (the deploy may
    /// run sqlx with another sqlx.toml than the crate's); printed in the server's quotes.
    setting: Option<super::table_name::TrackerTable>,
}

/// What the crate's `sqlx.toml` (`[migrate]`) changes for reconcile; the default without one.
#[derive(Debug, Default)]
struct CrateConfig {
    /// `ignored-chars`: left out of the checksum.
    ignored_chars: Vec<char>,
    /// `table-name`: the table sqlx keeps its records in (None: `_sqlx_migrations`).
    table: Option<TableName>,
}

/// The checksum sqlx stores: SHA-384 of the file bytes, as lowercase hex.
pub fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha384::digest(bytes))
}

/// The checksum sqlx 0.9 stores when `sqlx.toml` sets `ignored-chars`: SHA-384 of the text
/// with every such character dropped (`checksum_with` in sqlx-core's `migrate/source.rs`).
pub fn checksum_ignoring(text: &str, ignored: &[char]) -> String {
    if ignored.is_empty() {
        return checksum(text.as_bytes());
    }
    let mut digest = Sha384::new();
    for fragment in text.split(|c| ignored.contains(&c)) {
        digest.update(fragment.as_bytes());
    }
    hex::encode(digest.finalize())
}

/// The `sqlx.toml` that configures the crate whose migrations are in `dir`: sqlx-cli reads it
/// from the directory it runs in and `sqlx::migrate!()` from the crate root, which is where
/// `migrations/` usually sits; so the nearest one in `dir` or above it, not looking past the
/// first directory with a `Cargo.toml` (the crate root).
fn find_sqlx_toml(dir: &Path) -> Option<PathBuf> {
    let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for ancestor in start.ancestors() {
        let candidate = ancestor.join("sqlx.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if ancestor.join("Cargo.toml").is_file() {
            return None;
        }
    }
    None
}

/// The crate's `sqlx.toml` as read: where it is and its text, for errors that name a line.
struct SqlxToml {
    path: PathBuf,
    text: String,
}

impl SqlxToml {
    /// A value reconcile cannot use, at the line it is on.
    fn error(&self, span: std::ops::Range<usize>, message: String) -> Error {
        Error::config_at(&self.path, &self.text, span.start, message)
    }

    /// The value as written in the file.
    fn written(&self, span: std::ops::Range<usize>) -> &str {
        self.text.get(span).unwrap_or_default()
    }
}

/// `[migrate] table-name` of the crate's `sqlx.toml`, the table sqlx keeps its records in
/// instead of `_sqlx_migrations`.
pub fn configured_table(dir: &Path) -> Result<Option<TableName>> {
    Ok(crate_config(dir)?.table)
}

/// The crate's `sqlx.toml`, read and checked once.
fn crate_config(dir: &Path) -> Result<CrateConfig> {
    let Some(path) = find_sqlx_toml(dir) else {
        return Ok(CrateConfig::default());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let file = SqlxToml { path, text };
    // The spanned document: each value with where it is written.
    let doc = DeTable::parse(&file.text).map_err(|e| Error::toml(&file.path, &file.text, &e))?;
    let Some(DeValue::Table(migrate)) = doc.get_ref().get("migrate").map(|m| m.get_ref()) else {
        return Ok(CrateConfig::default());
    };
    Ok(CrateConfig {
        ignored_chars: ignored_chars(&file, migrate.get("ignored-chars"))?,
        table: table_name(&file, migrate.get("table-name"))?,
    })
}

fn table_name(file: &SqlxToml, value: Option<&Spanned<DeValue>>) -> Result<Option<TableName>> {
    let Some(value) = value else {
        return Ok(None);
    };
    TableName::parse(value.get_ref().as_str().unwrap_or_default())
        .map(Some)
        .map_err(|bad| {
            file.error(
                value.span(),
                format!(
                    "[migrate] table-name: {} is not a table name{}",
                    file.written(value.span()),
                    bad.reason("schema.table")
                ),
            )
        })
}

/// `[migrate] ignored-chars` of `sqlx.toml`: a list of one-character strings.
fn ignored_chars(file: &SqlxToml, list: Option<&Spanned<DeValue>>) -> Result<Vec<char>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let items = list.get_ref().as_array().ok_or_else(|| {
        file.error(
            list.span(),
            "[migrate] ignored-chars must be a list of characters".into(),
        )
    })?;
    items
        .iter()
        .map(|v| {
            let mut chars = v.get_ref().as_str().unwrap_or_default().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(file.error(
                    v.span(),
                    format!(
                        "[migrate] ignored-chars: {} is not one character",
                        file.written(v.span())
                    ),
                )),
            }
        })
        .collect()
}

impl Sqlx {
    /// The file's checksum as sqlx computes it for this crate.
    fn file_checksum(&self, file: &MigrationFile) -> String {
        match self.config.get() {
            Some(c) if !c.ignored_chars.is_empty() => {
                checksum_ignoring(&file.source.text, &c.ignored_chars)
            }
            _ => checksum(file.bytes()),
        }
    }

    /// The tracker table as the printed repair statements name it on `engine`. sqlx pastes
    /// `table-name` into its SQL itself, so a sqlx.toml value is printed as written; a
    /// `tracker_table` / `--tracker-table` (written for reconcile, maybe in the other server's
    /// quotes) is named as reconcile's own query names it: unquoted parts as written, quoted
    /// ones in the server's quotes, whichever quote the value used.
    fn table_sql(&self, engine: Engine) -> String {
        match (
            &self.setting,
            self.config.get().and_then(|c| c.table.as_ref()),
        ) {
            (Some(t), _) => t.name.on_engine(engine),
            (None, Some(t)) => t.sql.clone(),
            (None, None) => "_sqlx_migrations".to_string(),
        }
    }

    fn configured_table(&self) -> Option<&TableName> {
        match &self.setting {
            Some(t) => Some(&t.name),
            None => self.config.get().and_then(|c| c.table.as_ref()),
        }
    }

    fn catalog_table(&self) -> Option<&CatalogName> {
        self.catalog.get().and_then(Option::as_ref)
    }
}

fn bytea_literal(engine: Engine, hex: &str) -> String {
    match engine {
        Engine::Postgres => format!("decode('{hex}', 'hex')"),
        Engine::MySql { .. } => format!("UNHEX('{hex}')"),
    }
}

impl Tracker for Sqlx {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn table(&self) -> (Option<&str>, &str) {
        match self.catalog_table() {
            Some(t) => (t.schema.as_deref(), &t.table),
            None => (None, "_sqlx_migrations"),
        }
    }

    fn connected(&self, names: NameCase) {
        let _ = self.names.set(names);
    }

    fn table_source(&self) -> Option<String> {
        match &self.setting {
            Some(t) => Some(t.setting.to_string()),
            None => self
                .configured_table()
                .map(|_| "sqlx.toml's [migrate] table-name".to_string()),
        }
    }

    /// sqlx pastes a schema-qualified `table-name` into its SQL as written
    /// (`list_applied_migrations` in sqlx-postgres's and sqlx-mysql's `migrate.rs`:
    /// `SELECT version, checksum FROM {table_name} ...`), so it reads that schema's table only.
    fn pinned_table(&self) -> Option<&str> {
        self.configured_table()
            .filter(|t| t.has_schema())
            .map(|t| t.sql.as_str())
    }

    fn discover(&self, dir: &Path) -> Result<Discovered> {
        let config = crate_config(dir)?;
        let names = self.names.get().copied().unwrap_or_default();
        let _ = self.config.set(config);
        let _ = self
            .catalog
            .set(self.configured_table().map(|t| t.on(names)));
        self.layout().discover(dir)
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        format!(
            "SELECT {}, description, {}, {} FROM {table} ORDER BY version",
            text_col(engine, "version"),
            text_col(engine, "success"),
            hex_col(engine, "checksum"),
        )
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        rows.iter()
            .map(|row| {
                let version = required(row, 0, "sqlx", "version")?;
                let success = parse_bool(col(row, 2, "sqlx")?);
                let mut record = Record::new(
                    version,
                    if success {
                        RecordState::Applied
                    } else {
                        RecordState::Failed(
                            "success = false: sqlx stopped in the middle of it".into(),
                        )
                    },
                );
                record.name = col(row, 1, "sqlx")?.map(str::to_string);
                record.checksum = col(row, 3, "sqlx")?.map(str::to_string);
                Ok(record)
            })
            .collect()
    }

    fn check_checksum(&self, file: &MigrationFile, record: &Record) -> ChecksumCheck {
        let Some(recorded) = &record.checksum else {
            return ChecksumCheck::NotTracked;
        };
        let computed = self.file_checksum(file);
        if recorded.eq_ignore_ascii_case(&computed) {
            ChecksumCheck::Match
        } else {
            ChecksumCheck::Mismatch {
                recorded: recorded.clone(),
                computed,
            }
        }
    }

    fn mark_applied(&self, file: &MigrationFile, engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO {} (version, description, success, checksum, execution_time) VALUES ({}, {}, TRUE, {}, 0);",
            self.table_sql(engine),
            file.version.trim_start_matches('0').parse::<i64>().unwrap_or_default(),
            literal(&file.description),
            bytea_literal(engine, &self.file_checksum(file)),
        )
    }

    fn accept_checksum(&self, file: &MigrationFile, computed: &str, engine: Engine) -> String {
        format!(
            "restore {} to the applied text, or if the edit is intended and already in the database: UPDATE {} SET checksum = {} WHERE version = {};",
            file.name,
            self.table_sql(engine),
            bytea_literal(engine, computed),
            file.version.trim_start_matches('0')
        )
    }

    fn clear_failed(&self, file: &MigrationFile, engine: Engine, _dir: &Path) -> String {
        format!(
            "repair the schema by hand, then DELETE FROM {} WHERE version = {} AND success = FALSE; and run `sqlx migrate run`",
            self.table_sql(engine),
            file.version.trim_start_matches('0')
        )
    }

    fn remove_record(&self, record: &Record, engine: Engine) -> String {
        format!(
            "restore its file, or run `sqlx migrate run --ignore-missing`, or if it must be forgotten: DELETE FROM {} WHERE version = {};",
            self.table_sql(engine),
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("sqlx applies it on the next `sqlx migrate run` (it runs every pending version, older ones included)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::{NameCase, TableName};

    fn on(sql: &str, names: NameCase) -> Option<(Option<String>, String)> {
        TableName::parse(sql)
            .ok()
            .map(|t| t.on(names))
            .map(|c| (c.schema, c.table))
    }

    fn parts(sql: &str) -> Option<(Option<String>, String)> {
        on(sql, NameCase::FoldUnquoted)
    }

    #[test]
    fn mysql_keeps_the_case_sqlx_wrote_unless_the_server_lower_cases_every_name() {
        let s = |x: &str| x.to_string();
        let mysql = NameCase::mysql("0");
        assert_eq!(
            on("App_Migrations", mysql),
            Some((None, s("App_Migrations")))
        );
        assert_eq!(on("Tools.`Log`", mysql), Some((Some(s("Tools")), s("Log"))));
        assert_eq!(
            on("Tools.`Log`", NameCase::mysql("2")),
            on("Tools.`Log`", mysql)
        );
        assert_eq!(
            on("Tools.`Log`", NameCase::mysql("1")),
            Some((Some(s("tools")), s("log")))
        );
    }

    #[test]
    fn table_name_is_split_and_folded_as_sql_reads_it() {
        let s = |x: &str| x.to_string();
        assert_eq!(parts("app_migrations"), Some((None, s("app_migrations"))));
        assert_eq!(parts("Foo._Sqlx"), Some((Some(s("foo")), s("_sqlx"))));
        assert_eq!(
            parts(r#""My.Schema"."Log""""#),
            Some((Some(s("My.Schema")), s("Log\"")))
        );
        assert_eq!(parts("`db`.`t`"), Some((Some(s("db")), s("t"))));
        assert_eq!(parts("a."), None);
        assert_eq!(parts("\"open"), None);
    }

    #[test]
    fn a_third_part_is_refused_not_dropped() {
        use super::super::table_name::BadName;
        assert_eq!(
            TableName::parse("db.tools.log"),
            Err(BadName::TooManyParts(3))
        );
        assert_eq!(
            TableName::parse(r#""a.b"."c.d""#).map(|t| t.parts().count()),
            Ok(2)
        );
        assert_eq!(TableName::parse("a..b"), Err(BadName::Malformed));
    }
}
