//! golang-migrate: `schema_migrations(version BIGINT, dirty BOOLEAN)` holds ONE row, the
//! current version; every file up to it counts as applied. Files `<VERSION>_<TITLE>.up.sql`.
//! No checksums.

use super::Descriptor;
use super::{col, parse_bool, required, text_col, Record, RecordState, Tracker};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "golang-migrate",
    aliases: &["migrate"],
    table: Some("schema_migrations"),
    recognise: has_dirty_column,
    layout: Layout::GolangMigrate,
    build: |_, _| Ok(Box::new(GolangMigrate)),
};

/// golang-migrate's `schema_migrations` has a `dirty` column; dbmate's does not.
pub fn has_dirty_column(table: &super::FoundTable) -> bool {
    table.columns.iter().any(|c| c == "dirty")
}

pub struct GolangMigrate;

impl Tracker for GolangMigrate {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
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

    fn clear_failed(&self, file: &MigrationFile, dir: &Path) -> String {
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
