//! Diesel: `__diesel_schema_migrations(version VARCHAR(50) PRIMARY KEY, run_on)`. One directory
//! per migration, `<VERSION>_<NAME>/up.sql`; the version is the part before the first `_`
//! with its dashes removed (`2024-01-15-000000_users` → `20240115000000`). No checksums.

use super::{Record, Tracker};
use crate::error::Result;
use crate::reconcile::db::{Engine, TextRow};
use crate::reconcile::files::{self, Discovered, Ignored, MigrationFile};
use std::path::Path;

pub struct Diesel;

/// The version Diesel records for a migration directory name.
pub fn version_of(dir_name: &str) -> Option<String> {
    let prefix = dir_name.split('_').next()?;
    let version: String = prefix.chars().filter(|c| *c != '-').collect();
    (!version.is_empty() && version.chars().all(|c| c.is_ascii_digit())).then_some(version)
}

impl Tracker for Diesel {
    fn name(&self) -> &'static str {
        "diesel"
    }

    fn table(&self) -> (Option<&str>, &str) {
        (None, "__diesel_schema_migrations")
    }

    fn discover(&self, dir: &Path) -> Result<Discovered> {
        let mut out = Discovered::default();
        for (dir_name, path) in files::migration_dirs(dir, "up.sql")? {
            match version_of(&dir_name) {
                Some(version) => {
                    let description = dir_name.split_once('_').map_or("", |(_, d)| d).to_string();
                    out.files.push(files::load(
                        format!("{dir_name}/up.sql"),
                        &path,
                        &version,
                        &description,
                    )?);
                }
                None => out.ignored.push(Ignored {
                    path: path.display().to_string(),
                    reason: "Diesel needs `<VERSION>_<NAME>/up.sql`".into(),
                }),
            }
        }
        out.finish()
    }

    fn query(&self, _engine: Engine, table: &str) -> String {
        super::versions_query(table)
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        super::applied_versions(&rows, "diesel")
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{}');",
            file.version
        )
    }

    fn clear_failed(&self, _file: &MigrationFile, _dir: &Path) -> String {
        "repair the schema by hand, then run `diesel migration run`".into()
    }

    fn remove_record(&self, record: &Record) -> String {
        format!(
            "restore its directory, or if it must be forgotten: DELETE FROM __diesel_schema_migrations WHERE version = '{}';",
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("`diesel migration run` applies it (Diesel runs every pending migration)".into())
    }
}
