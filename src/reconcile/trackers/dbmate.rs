//! dbmate: `schema_migrations(version VARCHAR PRIMARY KEY)`, one row per applied migration.
//! Files `<VERSION>_<NAME>.sql` with `-- migrate:up` / `-- migrate:down` sections. No checksums.
//! A row names a file when it is the file's version spelled the same: dbmate looks the text up
//! (`pkg/dbmate/db.go`, `FindMigrations`: `appliedMigrations[migration.Version]`), so the row
//! `1` is not the file `001_a.sql`; `--strict` compares versions as text too (`Migrate`).

use super::table_name::TrackerTable;
use super::Descriptor;
use super::{CatalogName, NameCase, Record, Tracker};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "dbmate",
    aliases: &[],
    table: Some("schema_migrations"),
    recognise: no_dirty_column,
    layout: Layout::Dbmate,
    build: |config, path| {
        // `--migrations-table` (as `[migrations] tracker_table` / `--tracker-table`) wins over
        // `DBMATE_MIGRATIONS_TABLE`.
        let setting = TrackerTable::of(config, path)?;
        let written = match &setting {
            Some(t) => Some(t.sql().to_string()),
            None => configured_table_env(),
        };
        Ok(Box::new(Dbmate {
            written,
            setting,
            table: std::sync::OnceLock::new(),
        }))
    },
};

/// `--migrations-table`'s environment variable; the flag itself is not visible to reconcile.
const TABLE_VARIABLE: &str = "DBMATE_MIGRATIONS_TABLE";

fn configured_table_env() -> Option<String> {
    std::env::var(TABLE_VARIABLE)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The table `DBMATE_MIGRATIONS_TABLE` names, as dbmate reads it
/// (`quotedMigrationsTableNameParts`, `pkg/driver/postgres/postgres.go`; the MySQL driver
/// alike): split at dots, a first part of several is the schema, each part quoted
/// (`quote_ident`), so its case is kept.
pub fn configured_table(names: NameCase) -> Option<CatalogName> {
    configured_table_env().map(|written| parse_table(&written, names))
}

fn parse_table(written: &str, names: NameCase) -> CatalogName {
    let (schema, table) = match written.split_once('.') {
        Some((schema, table)) => (Some(names.apply(schema, true)), table),
        None => (None, written),
    };
    CatalogName {
        schema,
        table: names.apply(table, true),
    }
}

fn no_dirty_column(table: &super::FoundTable) -> bool {
    !super::golang_migrate::has_dirty_column(table)
}

#[derive(Default)]
pub struct Dbmate {
    /// `--migrations-table` (`[migrations] tracker_table`) or `DBMATE_MIGRATIONS_TABLE`, as
    /// written.
    written: Option<String>,
    /// `[migrations] tracker_table` / `--tracker-table`, when it named the table: dbmate quotes
    /// each part, so its case is kept; quotes around a part are the user's, not the name's.
    setting: Option<TrackerTable>,
    /// That table as the server stores it (`Tracker::connected`).
    table: std::sync::OnceLock<Option<CatalogName>>,
}

impl Dbmate {
    /// The table as the printed statements name it: dbmate quotes each part of a renamed
    /// table, so the statements do too (`Tools.Dbmate_Log` is `"Tools"."Dbmate_Log"`).
    fn sql_name(&self, engine: Engine) -> String {
        match self.table.get().and_then(Option::as_ref) {
            Some(t) => t
                .schema
                .iter()
                .chain(std::iter::once(&t.table))
                .map(|part| super::quote_ident(engine, part))
                .collect::<Vec<_>>()
                .join("."),
            None => "schema_migrations".into(),
        }
    }
}

impl Tracker for Dbmate {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn connected(&self, names: NameCase) {
        let table = match &self.setting {
            Some(t) => Some(t.kept_case(names)),
            None => self.written.as_deref().map(|w| parse_table(w, names)),
        };
        let _ = self.table.set(table);
    }

    fn table_source(&self) -> Option<String> {
        match &self.setting {
            Some(t) => Some(t.setting.to_string()),
            None => self.written.as_ref().map(|_| TABLE_VARIABLE.to_string()),
        }
    }

    fn table(&self) -> (Option<&str>, &str) {
        match self.table.get().and_then(Option::as_ref) {
            Some(t) => (t.schema.as_deref(), &t.table),
            None => (None, "schema_migrations"),
        }
    }

    /// `DBMATE_MIGRATIONS_TABLE=schema.table`: dbmate reads exactly that table.
    fn pinned_table(&self) -> Option<&str> {
        self.table
            .get()
            .and_then(Option::as_ref)
            .filter(|t| t.schema.is_some())
            .and(self.written.as_deref())
    }

    /// dbmate's PostgreSQL driver (`quotedMigrationsTableNameParts`,
    /// `pkg/driver/postgres/postgres.go`) qualifies `schema_migrations` with the first schema of
    /// the URL's `search_path` parameter, else with `select current_schema()`.
    fn home(&self, url: &super::UrlSettings) -> super::Home {
        match url.first_search_path_schema() {
            Some(schema) => super::Home::Named {
                schema: schema.to_string(),
                why: "the first schema of the URL's search_path, where dbmate keeps it".into(),
                objects: false,
            },
            None => super::Home::CurrentSchema,
        }
    }

    fn query(&self, _engine: Engine, table: &str) -> String {
        super::versions_query(table)
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        let mut records = super::applied_versions(&rows, "dbmate")?;
        for record in &mut records {
            record.key = VersionKey::text(&record.version);
        }
        Ok(records)
    }

    fn mark_applied(&self, file: &MigrationFile, engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO {} (version) VALUES ('{}');",
            self.sql_name(engine),
            file.version
        )
    }

    fn clear_failed(&self, _file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        "repair the schema by hand, then run `dbmate up`".into()
    }

    fn remove_record(&self, record: &Record, engine: Engine) -> String {
        format!(
            "restore its file, or if it must be forgotten: DELETE FROM {} WHERE version = '{}';",
            self.sql_name(engine),
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("`dbmate up` applies it (dbmate runs older pending migrations too)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(versions: &[&str]) -> Vec<TextRow> {
        versions.iter().map(|v| vec![Some(v.to_string())]).collect()
    }

    #[test]
    fn versions_spelled_differently_are_different_records() {
        let records = Dbmate::default().records(rows(&["001", "1"]), &[]).unwrap();
        assert_eq!(records.len(), 2);
        assert!(!records[0].key.same(&records[1].key));
        // Compared as text, as `dbmate --strict` does: `10` sorts before `9`.
        let records = Dbmate::default().records(rows(&["9", "10"]), &[]).unwrap();
        assert!(records[1].key < records[0].key);
    }
}
