//! golang-migrate: `schema_migrations(version BIGINT, dirty BOOLEAN)` holds ONE row, the
//! current version; every file up to it counts as applied. Files `<VERSION>_<TITLE>.up.sql`.
//! No checksums.

use super::Descriptor;
use super::{col, parse_bool, required, text_col, NameCase, Record, RecordState, Tracker};
use super::{CatalogName, UrlSettings};
use crate::error::{Error, Result};
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;
use std::sync::OnceLock;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "golang-migrate",
    aliases: &["migrate"],
    table: Some("schema_migrations"),
    recognise: has_dirty_column,
    layout: Layout::GolangMigrate,
    build: |config, path| {
        Ok(Box::new(GolangMigrate {
            setting: super::table_name::TrackerTable::of(config, path)?,
            ..GolangMigrate::default()
        }))
    },
};

/// golang-migrate's `schema_migrations` has a `dirty` column; dbmate's does not.
pub fn has_dirty_column(table: &super::FoundTable) -> bool {
    table.columns.iter().any(|c| c == "dirty")
}

#[derive(Default)]
pub struct GolangMigrate {
    /// The URL's `x-migrations-table`, as the server stores it, and as written.
    table: OnceLock<Option<(CatalogName, String)>>,
    /// `[migrations] tracker_table` / `--tracker-table`, for a deploy whose URL's
    /// `x-migrations-table` reconcile does not see: wins over this URL's. The driver quotes the
    /// name, so each part's case is kept; `schema.table` is read in that schema only, as
    /// `"schema"."table"` with `x-migrations-table-quoted` is.
    setting: Option<super::table_name::TrackerTable>,
}

/// The table the URL's `x-migrations-table` names (`Open` in `database/postgres/postgres.go`
/// and `database/mysql/mysql.go`): the table name as written, quoted by the driver
/// (`pq.QuoteIdentifier`, backquotes), so its case is kept; on PostgreSQL with
/// `x-migrations-table-quoted=true` it must be written in double quotes, and
/// `"schema"."table"` names the schema too (else the table is in `CURRENT_SCHEMA()`). Returns the
/// table and the value as written.
pub fn url_table(
    url: &UrlSettings,
    engine: Engine,
    names: NameCase,
) -> Result<Option<(CatalogName, String)>> {
    let Some(written) = url.migrations_table.clone() else {
        return Ok(None);
    };
    let quoted = engine == Engine::Postgres && url.migrations_table_quoted;
    if !quoted {
        return Ok(Some((
            CatalogName {
                schema: None,
                table: names.apply(&written, true),
            },
            written,
        )));
    }
    let bad = |why: &str| {
        Error::Usage(format!(
            "database URL: x-migrations-table={written} with x-migrations-table-quoted: {why}, as golang-migrate requires"
        ))
    };
    if written.len() < 2 || !written.starts_with('"') || !written.ends_with('"') {
        return Err(bad(
            "the value must be quoted (\"schema\".\"table\" or \"table\")",
        ));
    }
    // golang-migrate's `"(.*?)"`: every shortest quoted run.
    let parts: Vec<&str> = written.split('"').skip(1).step_by(2).collect();
    match parts.as_slice() {
        [table] => Ok(Some((
            CatalogName {
                schema: None,
                table: table.to_string(),
            },
            written,
        ))),
        [schema, table] => Ok(Some((
            CatalogName {
                schema: Some(schema.to_string()),
                table: table.to_string(),
            },
            written,
        ))),
        _ => Err(bad("at most \"schema\".\"table\"")),
    }
}

impl Tracker for GolangMigrate {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn read_url(&self, url: &UrlSettings, engine: Engine, names: NameCase) -> Result<()> {
        let table = match &self.setting {
            Some(t) => Some((t.kept_case(names), t.sql().to_string())),
            None => url_table(url, engine, names)?,
        };
        let _ = self.table.set(table);
        Ok(())
    }

    fn table(&self) -> (Option<&str>, &str) {
        match self.table.get().and_then(Option::as_ref) {
            Some((t, _)) => (t.schema.as_deref(), &t.table),
            None => (None, "schema_migrations"),
        }
    }

    fn table_source(&self) -> Option<String> {
        match &self.setting {
            Some(t) => Some(t.setting.to_string()),
            None => self
                .table
                .get()
                .and_then(Option::as_ref)
                .map(|_| "the URL's x-migrations-table".to_string()),
        }
    }

    /// `"schema"."table"` in `x-migrations-table`: golang-migrate reads exactly that table.
    fn pinned_table(&self) -> Option<&str> {
        self.table
            .get()
            .and_then(Option::as_ref)
            .filter(|(t, _)| t.schema.is_some())
            .map(|(_, written)| written.as_str())
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        format!(
            "SELECT {}, {} FROM {table}",
            text_col(engine, "version"),
            text_col(engine, "dirty")
        )
    }

    fn records(&self, rows: Vec<TextRow>, files: &[MigrationFile]) -> Result<Vec<Record>> {
        let Some(row) = rows.first() else {
            return Ok(Vec::new());
        };
        let current = required(row, 0, "golang-migrate", "version")?;
        let dirty = parse_bool(col(row, 1, "golang-migrate")?);
        let current_key = VersionKey::parse(current);
        // Every file at or below the current version is applied; the current one may be dirty.
        let mut out: Vec<Record> = files
            .iter()
            .filter(|f| f.key < current_key && !f.key.same(&current_key))
            .map(|f| Record::new(f.version.clone(), RecordState::Applied))
            .collect();
        out.push(Record::new(
            current,
            if dirty {
                RecordState::Dirty
            } else {
                RecordState::Applied
            },
        ));
        Ok(out)
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, dir: &Path) -> String {
        format!(
            "migrate -path {} -database \"$DATABASE_URL\" force {}",
            dir.display(),
            file.version
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _engine: Engine, dir: &Path) -> String {
        format!(
            "if its changes are complete: `migrate -path {d} -database \"$DATABASE_URL\" force {v}`; otherwise undo them by hand, force the previous version and run `migrate up`",
            d = dir.display(),
            v = file.version
        )
    }

    fn remove_record(&self, record: &Record, _engine: Engine) -> String {
        format!(
            "restore the file of version {} (golang-migrate cannot migrate from a version it has no file for)",
            record.version
        )
    }
}
