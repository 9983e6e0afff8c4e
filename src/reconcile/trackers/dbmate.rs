//! dbmate: `schema_migrations(version VARCHAR PRIMARY KEY)`, one row per applied migration.
//! Files `<VERSION>_<NAME>.sql` with `-- migrate:up` / `-- migrate:down` sections. No checksums.

use super::Descriptor;
use super::{Record, Tracker};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "dbmate",
    aliases: &[],
    table: Some("schema_migrations"),
    recognise: no_dirty_column,
    layout: Layout::Dbmate,
    build: |_, _| Ok(Box::new(Dbmate)),
};

fn no_dirty_column(table: &super::FoundTable) -> bool {
    !super::golang_migrate::has_dirty_column(table)
}

pub struct Dbmate;

impl Tracker for Dbmate {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
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
