//! dbmate: `schema_migrations(version VARCHAR PRIMARY KEY)`, one row per applied migration.
//! Files `<VERSION>_<NAME>.sql` with `-- migrate:up` / `-- migrate:down` sections. No checksums.

use super::{Record, Tracker};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

pub struct Dbmate;

impl Tracker for Dbmate {
    fn name(&self) -> &'static str {
        "dbmate"
    }

    fn table(&self) -> (Option<&str>, &str) {
        (None, "schema_migrations")
    }

    fn layout(&self) -> Layout {
        Layout::Dbmate
    }

    fn query(&self, _engine: Engine, table: &str) -> String {
        super::versions_query(table)
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        super::applied_versions(&rows, "dbmate")
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO schema_migrations (version) VALUES ('{}');",
            file.version
        )
    }

    fn clear_failed(&self, _file: &MigrationFile, _dir: &Path) -> String {
        "repair the schema by hand, then run `dbmate up`".into()
    }

    fn remove_record(&self, record: &Record) -> String {
        format!(
            "restore its file, or if it must be forgotten: DELETE FROM schema_migrations WHERE version = '{}';",
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("`dbmate up` applies it (dbmate runs older pending migrations too)".into())
    }
}
