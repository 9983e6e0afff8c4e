//! A hand-rolled tracker described in `[migrations.generic_tracker]`: a table with a column
//! holding each migration's version or file name and, optionally, a status column. This
//! covers the incident's own `migrations(name, executed_at, status)` table. No checksums.

use super::table_name::{BadName, CatalogName, TableName};
use super::Descriptor;
use super::{col, literal, required, NameCase, Record, RecordState, Tracker};
use crate::config::{GenericTrackerConfig, MigrationsConfig};
use crate::error::{Error, Result};
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;
use std::sync::OnceLock;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "generic",
    aliases: &[],
    table: None,
    recognise: super::any_table,
    layout: Layout::Generic,
    build,
};

fn build(config: &MigrationsConfig, config_path: &Path) -> Result<Box<dyn Tracker>> {
    match &config.generic_tracker {
        Some(g) => {
            let generic = Generic::new(g.clone(), config_path)?;
            // The runner's table is `[migrations.generic_tracker] table`; a tracker_table naming
            // another is a contradiction, not an override (both describe the user's own runner).
            if let Some(t) = super::table_name::TrackerTable::of(config, config_path)? {
                let same = [super::NameCase::FoldUnquoted, super::NameCase::AsWritten]
                    .iter()
                    .all(|names| t.name.on(*names) == generic.table.on(*names));
                if !same {
                    return Err(t.refuse(format!(
                        "conflicts with [migrations.generic_tracker] table = {:?}; the generic tracker reads the table its section names, so remove tracker_table or make them the same",
                        g.table
                    )));
                }
            }
            Ok(Box::new(generic))
        }
        None => Err(Error::config(
            config_path,
            "tracker `generic` needs a [migrations.generic_tracker] section (table, version_column, status_column)",
        )),
    }
}

pub struct Generic {
    config: GenericTrackerConfig,
    /// `table` as written.
    table: TableName,
    /// The columns the query reads, as written.
    version_column: TableName,
    status_column: Option<TableName>,
    executed_at_column: Option<TableName>,
    /// `table` as the connected server's catalog spells it (`Tracker::connected`).
    catalog: OnceLock<CatalogName>,
    /// Lower-cased status values that mean "applied".
    success: Vec<String>,
}

const DEFAULT_SUCCESS: &[&str] = &[
    "success",
    "succeeded",
    "applied",
    "done",
    "completed",
    "complete",
    "ok",
    "true",
    "1",
];

/// A plain SQL identifier: letters, digits and `_`, not starting with a digit.
fn plain_identifier(part: &str) -> bool {
    !part.is_empty()
        && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !part.starts_with(|c: char| c.is_ascii_digit())
}

/// A column as the runner's SQL writes it: `name`, `migrations.name`, or quoted (`"Name"`,
/// `` `file name` ``), parsed as `table` is; the query preflight sends quotes a quoted part in
/// the connected engine's quotes, so it keeps its case, and leaves an unquoted one for the server
/// to resolve (PostgreSQL folds it to lower case).
fn parse_column(value: &str, key: &str, config_path: &Path) -> Result<TableName> {
    parse_table(value).map_err(|bad| {
        Error::config(
            config_path,
            format!(
                "[migrations.generic_tracker] {key} = {value:?} is not a column name{}",
                why(bad, "table.column")
            ),
        )
    })
}

/// What is wrong with a table or column name; `most` is the longest form allowed.
fn why(bad: BadName, most: &str) -> String {
    match bad {
        BadName::Malformed => {
            format!(" (letters, digits, _ or a quoted name; {most} allowed)")
        }
        BadName::TooManyParts(_) => bad.reason(most),
    }
}

/// `table` as the runner's SQL writes it: `migrations`, `app.migrations`, or with quoted parts
/// (`"Migrations"`, `` app.`Migrations` ``); an unquoted part must be a plain identifier.
pub fn parse_table(table: &str) -> std::result::Result<TableName, BadName> {
    let name = TableName::parse(table)?;
    let plain = name
        .parts()
        .all(|(part, quoted)| quoted || plain_identifier(part));
    match plain {
        true => Ok(name),
        false => Err(BadName::Malformed),
    }
}

impl Generic {
    pub fn new(config: GenericTrackerConfig, config_path: &Path) -> Result<Self> {
        let table = table_of(&config, config_path)?;
        let version_column = parse_column(&config.version_column, "version_column", config_path)?;
        let status_column = config
            .status_column
            .as_deref()
            .map(|c| parse_column(c, "status_column", config_path))
            .transpose()?;
        let executed_at_column = config
            .executed_at_column
            .as_deref()
            .map(|c| parse_column(c, "executed_at_column", config_path))
            .transpose()?;
        let success = if config.success_values.is_empty() {
            DEFAULT_SUCCESS.iter().map(|s| s.to_string()).collect()
        } else {
            config
                .success_values
                .iter()
                .map(|s| s.to_lowercase())
                .collect()
        };
        Ok(Generic {
            config,
            table,
            version_column,
            status_column,
            executed_at_column,
            catalog: OnceLock::new(),
            success,
        })
    }
}

/// `[migrations.generic_tracker] table`, if configured; one that is not a table name is an
/// error whichever tracker runs, as the tracker's own build would say.
pub fn configured_table(
    config: &MigrationsConfig,
    config_path: &Path,
) -> Result<Option<TableName>> {
    config
        .generic_tracker
        .as_ref()
        .map(|g| table_of(g, config_path))
        .transpose()
}

fn table_of(config: &GenericTrackerConfig, config_path: &Path) -> Result<TableName> {
    parse_table(&config.table).map_err(|bad| {
        Error::config(
            config_path,
            format!(
                "[migrations.generic_tracker] table = {:?} is not a table name{}",
                config.table,
                why(bad, "schema.table")
            ),
        )
    })
}

/// The version part of a recorded value: `20240115_add_x.sql`, `20240115_add_x` and `20240115`
/// all mean version `20240115`.
fn version_of_value(value: &str) -> &str {
    let base = value.rsplit('/').next().unwrap_or(value);
    let stem = base
        .strip_suffix(".up.sql")
        .or_else(|| base.strip_suffix(".sql"))
        .unwrap_or(base);
    crate::layout::files::split_version(stem, '_').map_or(stem, |(v, _)| v)
}

impl Tracker for Generic {
    /// The table the server resolves the configured name to: the runner pastes it into its
    /// SQL as written, so PostgreSQL folds its unquoted parts to lower case and MySQL/MariaDB
    /// keep them unless `lower_case_table_names` is 1.
    fn table(&self) -> (Option<&str>, &str) {
        let catalog = self
            .catalog
            .get_or_init(|| self.table.on(NameCase::default()));
        (catalog.schema.as_deref(), &catalog.table)
    }

    /// "generic has no record" tells the user nothing; their own table's name does, as they
    /// configured it (schema and quotes included), as the printed statements name it.
    fn described(&self) -> String {
        format!("the tracker table {}", self.table.sql)
    }

    fn connected(&self, names: NameCase) {
        let _ = self.catalog.set(self.table.on(names));
    }

    /// An unqualified table name in the runner's SQL is resolved by the server through the
    /// connection's search_path: the first schema of the path that has it.
    fn home(&self, _url: &super::UrlSettings) -> super::Home {
        super::Home::SearchPath
    }

    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// The runner's SQL names a schema-qualified table as configured, so it reads that
    /// schema's table only, never one of the same name in the reconciled schema.
    fn pinned_table(&self) -> Option<&str> {
        Some(self.table.sql.as_str()).filter(|_| self.table.has_schema())
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        let version = self.version_column.on_engine(engine);
        match &self.status_column {
            Some(status) => format!(
                "SELECT {version}, {} FROM {table}",
                status.on_engine(engine)
            ),
            None => format!("SELECT {version} FROM {table}"),
        }
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        let mut out: Vec<Record> = Vec::new();
        for row in &rows {
            let value = required(row, 0, "generic", &self.config.version_column)?;
            let state = match (&self.config.status_column, col(row, 1, "generic")?) {
                (None, _) => RecordState::Applied,
                (Some(_), Some(s)) if self.success.contains(&s.trim().to_lowercase()) => {
                    RecordState::Applied
                }
                (Some(c), status) => RecordState::Failed(format!(
                    "{c} = {}",
                    status.map_or("NULL".to_string(), literal)
                )),
            };
            let mut record = Record::new(value, state);
            record.key = VersionKey::parse(version_of_value(value));
            // A later successful row for the same migration supersedes a failed one.
            if let Some(existing) = out.iter_mut().find(|r| r.version == record.version) {
                if record.state == RecordState::Applied {
                    *existing = record;
                }
                continue;
            }
            out.push(record);
        }
        Ok(out)
    }

    /// Names as the runner writes them, a quoted one in the connected engine's quotes (a
    /// `"Name"` column is `` `Name` `` on MySQL, where `"Name"` is a string).
    fn mark_applied(&self, file: &MigrationFile, engine: Engine, _dir: &Path) -> String {
        let mut columns = vec![self.version_column.on_engine(engine)];
        let mut values = vec![literal(&file.name)];
        if let Some(status) = &self.status_column {
            columns.push(status.on_engine(engine));
            values.push(literal(
                self.config
                    .success_values
                    .first()
                    .map_or("success", String::as_str),
            ));
        }
        if let Some(at) = &self.executed_at_column {
            columns.push(at.on_engine(engine));
            values.push("CURRENT_TIMESTAMP".into());
        }
        format!(
            "INSERT INTO {} ({}) VALUES ({});  -- use the value your runner writes for {}",
            self.table.on_engine(engine),
            columns.join(", "),
            values.join(", "),
            file.name
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "repair the schema by hand, then update the row of {} in {} to a success status or delete it and re-run",
            file.name, self.config.table
        )
    }

    fn remove_record(&self, record: &Record, engine: Engine) -> String {
        format!(
            "restore its file, or if it must be forgotten: DELETE FROM {} WHERE {} = {};",
            self.table.on_engine(engine),
            self.version_column.on_engine(engine),
            literal(&record.version)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::parse_table;
    use crate::reconcile::db::Engine;
    use crate::reconcile::trackers::NameCase;

    fn on(table: &str, names: NameCase) -> Option<(Option<String>, String)> {
        parse_table(table)
            .ok()
            .map(|t| t.on(names))
            .map(|c| (c.schema, c.table))
    }

    #[test]
    fn the_table_is_the_one_the_server_resolves_the_runners_sql_to() {
        let s = |x: &str| x.to_string();
        let postgres = NameCase::FoldUnquoted;
        assert_eq!(on("Migrations", postgres), Some((None, s("migrations"))));
        assert_eq!(
            on(r#"App."Migrations""#, postgres),
            Some((Some(s("app")), s("Migrations")))
        );
        assert_eq!(
            on("App.Migrations", NameCase::mysql("0")),
            Some((Some(s("App")), s("Migrations")))
        );
        assert_eq!(
            on("`App`.Migrations", NameCase::mysql("1")),
            Some((Some(s("app")), s("migrations")))
        );
        // Unquoted, only a plain identifier: the name is printed into repair statements.
        for bad in [
            "migrations; DROP TABLE x",
            "1migrations",
            "a.",
            "\"open",
            "",
        ] {
            assert_eq!(on(bad, postgres), None, "{bad}");
        }
        assert_eq!(
            on(r#""odd name; x""#, postgres),
            Some((None, s("odd name; x")))
        );
    }

    #[test]
    fn a_quoted_column_is_written_in_the_engines_quotes() {
        let column = |c: &str, engine| parse_table(c).ok().map(|t| t.on_engine(engine));
        let mysql = Engine::MySql { mariadb: true };
        assert_eq!(column("Name", Engine::Postgres).as_deref(), Some("Name"));
        assert_eq!(
            column("`Name`", Engine::Postgres).as_deref(),
            Some("\"Name\"")
        );
        assert_eq!(column("\"Name\"", mysql).as_deref(), Some("`Name`"));
        assert_eq!(column("m.\"a`b\"", mysql).as_deref(), Some("m.`a``b`"));
        assert_eq!(column("bad name", mysql), None);
    }
}
