//! A tracker table's name as a tool (or the user's runner) writes it into its SQL, and the
//! table the connected server resolves it to.

use super::{quote_ident, NameCase};
use crate::config::MigrationsConfig;
use crate::error::{Error, Result};
use crate::reconcile::db::Engine;
use std::path::Path;

/// `[migrations] tracker_table` (or `--tracker-table`, which wins): the tracker table the
/// tool's command-line flags choose (goose `-table`, dbmate `--migrations-table`, Flyway
/// `-table` with `-schemas`/`-defaultSchema`, Atlas `--revisions-schema`), which reconcile
/// cannot see. It overrides the tool's own configuration and environment; `schema.name` pins
/// the table as [`super::Tracker::pinned_table`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerTable {
    pub name: TableName,
    /// The setting, for errors and findings: `[migrations] tracker_table` or `--tracker-table`.
    pub setting: &'static str,
    /// The config file, for errors.
    pub path: std::path::PathBuf,
}

impl TrackerTable {
    /// The setting, if given; a value that is no table name is an error naming it.
    pub fn of(config: &MigrationsConfig, config_path: &Path) -> Result<Option<TrackerTable>> {
        let Some(value) = config.tracker_table.as_deref() else {
            return Ok(None);
        };
        let setting = if config.tracker_table_from_flag {
            "--tracker-table"
        } else {
            "[migrations] tracker_table"
        };
        match TableName::parse(value) {
            Ok(name) => Ok(Some(TrackerTable {
                name,
                setting,
                path: config_path.to_path_buf(),
            })),
            Err(bad) => {
                let message = format!(
                    "{setting} = {value:?} is not a table name{}; write `name` or `schema.name` (quote a part to keep its case: \"My\".\"Table\")",
                    bad.reason("schema.name")
                );
                Err(match config.tracker_table_from_flag {
                    true => Error::Usage(message),
                    false => Error::config(config_path, message),
                })
            }
        }
    }

    /// The value as written.
    pub fn sql(&self) -> &str {
        &self.name.sql
    }

    /// An error for a value the chosen tool cannot use, naming the setting (and the file).
    pub fn refuse(&self, message: impl std::fmt::Display) -> Error {
        let message = format!("{} = {:?}: {message}", self.setting, self.name.sql);
        match self.setting {
            "--tracker-table" => Error::Usage(message),
            _ => Error::config(&self.path, message),
        }
    }

    /// For a tool that always uses `table` and lets a flag choose only its schema (Atlas's
    /// `--revisions-schema`; Prisma's and Diesel's schema follow the connection): the schema
    /// named, or an error when the value names another table. `why` ends the error.
    pub fn schema_of_fixed(&self, tool: &str, table: &str, why: &str) -> Result<Option<String>> {
        let (part, _) = self.name.parts().last().unwrap_or_default();
        if part != table {
            return Err(self.refuse(format!(
                "{tool} always keeps its records in {table}; {why} (write `tracker_table = \"SCHEMA.{table}\"`)"
            )));
        }
        Ok(self.name.schema.as_ref().map(|(s, _)| s.clone()))
    }

    /// The table as a tool that quotes every part resolves it (dbmate, Flyway, golang-migrate,
    /// Atlas's schema): each part's case kept, quoted or not.
    pub fn kept_case(&self, names: NameCase) -> CatalogName {
        CatalogName {
            schema: self.name.schema.as_ref().map(|(s, _)| names.apply(s, true)),
            table: names.apply(&self.name.table.0, true),
        }
    }
}

/// A tracker table named as a tool pastes it into its SQL: `sqlx.toml`'s `[migrate] table-name`
/// ("may be schema-qualified and/or contain quotes", sqlx-core's `config/migrate.rs`;
/// `format!("SELECT version, checksum FROM {table_name} ...")` in `list_applied_migrations` of
/// sqlx-postgres's and sqlx-mysql's `migrate.rs`), or `[migrations.generic_tracker] table`, as
/// the user's runner writes it. The server's own rules decide its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// The schema part, quotes removed, and whether it was quoted.
    schema: Option<(String, bool)>,
    /// The table part, quotes removed, and whether it was quoted.
    table: (String, bool),
    /// The value as written, for the printed repair statements.
    pub sql: String,
}

/// Why a value is not a [`TableName`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadName {
    /// Empty, an empty part (`a.`), or an unclosed quote.
    Malformed,
    /// More than two dot-separated parts (`db.schema.table`).
    TooManyParts(usize),
}

impl BadName {
    /// What is wrong, after "is not a table name": nothing more for a malformed value,
    /// `: 3 dot-separated parts, at most schema.table` for one with too many parts, where
    /// `most` is what the setting allows (`schema.table`, `table.column`).
    pub fn reason(self, most: &str) -> String {
        match self {
            BadName::Malformed => String::new(),
            BadName::TooManyParts(n) => format!(": {n} dot-separated parts, at most {most}"),
        }
    }
}

/// A [`TableName`] as the server's catalog spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogName {
    pub schema: Option<String>,
    pub table: String,
}

impl TableName {
    /// `app_migrations`, `tools.app_migrations`, `"Tools"."Log"`: one or two dot-separated
    /// parts outside quotes (`"` or `` ` ``). A third part is refused, not dropped: the runner's
    /// SQL would name another table than the one preflight reads.
    pub fn parse(sql: &str) -> Result<TableName, BadName> {
        let mut parts: Vec<String> = vec![String::new()];
        let mut quote: Option<char> = None;
        let mut quoted = vec![false];
        let mut chars = sql.trim().chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some(q) if c == q && chars.peek() == Some(&q) => {
                    chars.next();
                    parts.last_mut().ok_or(BadName::Malformed)?.push(q);
                }
                Some(q) if c == q => quote = None,
                Some(_) => parts.last_mut().ok_or(BadName::Malformed)?.push(c),
                None if c == '"' || c == '`' => {
                    quote = Some(c);
                    *quoted.last_mut().ok_or(BadName::Malformed)? = true;
                }
                None if c == '.' => {
                    parts.push(String::new());
                    quoted.push(false);
                }
                None => parts.last_mut().ok_or(BadName::Malformed)?.push(c),
            }
        }
        let mut parts: Vec<(String, bool)> = parts
            .into_iter()
            .zip(quoted)
            .map(|(part, quoted)| match quoted {
                true => (part, true),
                false => (part.trim().to_string(), false),
            })
            .collect();
        if quote.is_some() || parts.iter().any(|(p, _)| p.is_empty()) {
            return Err(BadName::Malformed);
        }
        if parts.len() > 2 {
            return Err(BadName::TooManyParts(parts.len()));
        }
        let table = parts.pop().ok_or(BadName::Malformed)?;
        Ok(TableName {
            schema: parts.pop(),
            table,
            sql: sql.trim().to_string(),
        })
    }

    /// The schema part (if any) and the table part, quotes removed, each with whether it was
    /// quoted.
    pub fn parts(&self) -> impl Iterator<Item = (&str, bool)> {
        self.schema
            .iter()
            .chain(std::iter::once(&self.table))
            .map(|(part, quoted)| (part.as_str(), *quoted))
    }

    /// Whether the value names a schema (MySQL: a database) too.
    pub fn has_schema(&self) -> bool {
        self.schema.is_some()
    }

    /// The value as a query on `engine` writes it: quoted parts in that engine's quotes
    /// (`"Name"` on PostgreSQL, `` `Name` `` on MySQL/MariaDB, whichever quote the value used),
    /// unquoted ones as written, for the server to resolve by its own rules.
    pub fn on_engine(&self, engine: Engine) -> String {
        self.parts()
            .map(|(part, quoted)| match quoted {
                true => quote_ident(engine, part),
                false => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The schema and table the server resolves the value to: PostgreSQL folds unquoted parts
    /// to lower case; MySQL/MariaDB keep the case as written unless `lower_case_table_names`
    /// is 1, quoted or not.
    pub fn on(&self, names: NameCase) -> CatalogName {
        CatalogName {
            schema: self.schema.as_ref().map(|(s, q)| names.apply(s, *q)),
            table: names.apply(&self.table.0, self.table.1),
        }
    }
}
