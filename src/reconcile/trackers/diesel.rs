//! Diesel: `__diesel_schema_migrations(version VARCHAR(50) PRIMARY KEY, run_on)`. One directory
//! per migration, `<VERSION>_<NAME>/up.sql`; the version is the part before the first `_`
//! with its dashes removed (`2024-01-15-000000_users` → `20240115000000`, `initial` →
//! `initial`), text compared as text (`crate::layout::diesel_version`). No checksums.

use super::Descriptor;
use super::{Record, Tracker};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "diesel",
    aliases: &[],
    table: Some("__diesel_schema_migrations"),
    recognise: super::any_table,
    layout: Layout::Diesel,
    build: |config, path| {
        if let Some(t) = super::table_name::TrackerTable::of(config, path)? {
            return Err(t.refuse(
                "Diesel always keeps its records in __diesel_schema_migrations; Diesel cannot be configured to use another table, and keeps it in the connection's current schema: give reconcile the URL (search_path) Diesel uses, and remove the setting",
            ));
        }
        Ok(Box::new(Diesel))
    },
};

pub struct Diesel;

impl Tracker for Diesel {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn query(&self, _engine: Engine, table: &str) -> String {
        super::versions_query(table)
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        // Diesel matches a record to its directory by the exact text (`MigrationVersion`):
        // `001` is not `1`.
        let mut records = super::applied_versions(&rows, "diesel")?;
        for record in &mut records {
            record.key = VersionKey::text(&record.version);
        }
        Ok(records)
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{}');",
            file.version
        )
    }

    fn clear_failed(&self, _file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        "repair the schema by hand, then run `diesel migration run`".into()
    }

    fn remove_record(&self, record: &Record, _engine: Engine) -> String {
        format!(
            "restore its directory, or if it must be forgotten: DELETE FROM __diesel_schema_migrations WHERE version = '{}';",
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("`diesel migration run` applies it (Diesel runs every pending migration)".into())
    }
}
