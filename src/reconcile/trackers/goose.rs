//! goose: `goose_db_version(id, version_id BIGINT, is_applied BOOLEAN, tstamp)`, one row per
//! apply or rollback; the latest row of a version says whether it is applied. Files
//! `<VERSION>_<NAME>.sql` with `-- +goose Up` / `-- +goose Down` sections. No checksums.

use super::table_name::{TableName, TrackerTable};
use super::Descriptor;
use super::{
    col, parse_bool, required, text_col, CatalogName, NameCase, Record, RecordState, Tracker,
};
use crate::error::{Error, Result};
use crate::layout::{Layout, MigrationFile};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "goose",
    aliases: &[],
    table: Some("goose_db_version"),
    recognise: super::any_table,
    layout: Layout::Goose,
    build: |config, path| {
        // `-table` (as `[migrations] tracker_table` / `--tracker-table`) wins over its default,
        // `GOOSE_TABLE`.
        let (written, source) = match TrackerTable::of(config, path)? {
            Some(t) => (Some(t.name), Some(t.setting.to_string())),
            None => {
                let env = configured_table()?;
                let source = env.as_ref().map(|_| TABLE_VARIABLE.to_string());
                (env, source)
            }
        };
        Ok(Box::new(Goose {
            written,
            source,
            table: std::sync::OnceLock::new(),
        }))
    },
};

/// The goose CLI's `-table` flag defaults to this environment variable (`loadEnvConfig`,
/// `cmd/goose/main.go`); the flag itself is not visible to reconcile.
const TABLE_VARIABLE: &str = "GOOSE_TABLE";

/// `GOOSE_TABLE` as goose writes it into its SQL: unquoted (`fmt.Sprintf(q, tableName)`), so the
/// server resolves it (PostgreSQL folds it to lower case), and `schema.table` names the schema
/// (`parseTableIdentifier`). A value that is no table name is an error naming the variable.
pub fn configured_table() -> Result<Option<TableName>> {
    let Some(value) = std::env::var(TABLE_VARIABLE)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(None);
    };
    TableName::parse(&value).map(Some).map_err(|bad| {
        Error::Usage(format!(
            "{TABLE_VARIABLE}={value:?} is not a table name{}",
            bad.reason("schema.table")
        ))
    })
}

#[derive(Default)]
pub struct Goose {
    /// `-table` (`[migrations] tracker_table`) or `GOOSE_TABLE`, as written.
    written: Option<TableName>,
    /// Which of them named it.
    source: Option<String>,
    /// That table as the server resolves it (`Tracker::connected`).
    table: std::sync::OnceLock<Option<CatalogName>>,
}

impl Goose {
    /// The table as the printed statements name it on `engine`: goose pastes its `-table` into
    /// its SQL unquoted, so an unquoted part stays as written (the server resolves it), and a
    /// quoted one takes the server's quotes (`` `Goose_Log` `` on MySQL/MariaDB, `"Goose_Log"`
    /// on PostgreSQL), whichever quote the setting used.
    fn sql_name(&self, engine: Engine) -> String {
        self.written
            .as_ref()
            .map_or("goose_db_version".to_string(), |t| t.on_engine(engine))
    }
}

impl Tracker for Goose {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn connected(&self, names: NameCase) {
        let _ = self.table.set(self.written.as_ref().map(|t| t.on(names)));
    }

    fn table_source(&self) -> Option<String> {
        self.source.clone()
    }

    fn table(&self) -> (Option<&str>, &str) {
        match self.table.get().and_then(Option::as_ref) {
            Some(t) => (t.schema.as_deref(), &t.table),
            None => (None, "goose_db_version"),
        }
    }

    /// `-table schema.table` / `GOOSE_TABLE=schema.table`: goose reads exactly that table.
    fn pinned_table(&self) -> Option<&str> {
        self.written
            .as_ref()
            .filter(|t| t.has_schema())
            .map(|t| t.sql.as_str())
    }

    /// goose names `goose_db_version` unqualified in every query; its PostgreSQL `TableExists`
    /// resolves it through the search_path (`SELECT to_regclass('goose_db_version')`,
    /// `internal/dialects/postgres.go`), and it creates the table only when that finds none.
    fn home(&self, _url: &super::UrlSettings) -> super::Home {
        super::Home::SearchPath
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        format!(
            "SELECT {}, {} FROM {table} ORDER BY id",
            text_col(engine, "version_id"),
            text_col(engine, "is_applied")
        )
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        let mut out: Vec<Record> = Vec::new();
        for row in &rows {
            let version = required(row, 0, "goose", "version_id")?;
            if version == "0" {
                continue; // goose's initial marker row
            }
            let applied = parse_bool(col(row, 1, "goose")?);
            let record = Record::new(version, RecordState::Applied);
            out.retain(|r| !r.key.same(&record.key));
            if applied {
                out.push(record);
            }
        }
        Ok(out)
    }

    fn mark_applied(&self, file: &MigrationFile, engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO {} (version_id, is_applied) VALUES ({}, TRUE);",
            self.sql_name(engine),
            file.version.trim_start_matches('0')
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "repair the schema by hand, then run `goose up` (version {})",
            file.version
        )
    }

    fn remove_record(&self, record: &Record, engine: Engine) -> String {
        format!(
            "restore its file, or if it must be forgotten: DELETE FROM {} WHERE version_id = {};",
            self.sql_name(engine),
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("goose refuses it unless run with `goose up -allow-missing`".into())
    }
}
