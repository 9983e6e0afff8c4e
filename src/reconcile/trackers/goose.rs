//! goose: `goose_db_version(id, version_id BIGINT, is_applied BOOLEAN, tstamp)`, one row per
//! apply or rollback; the latest row of a version says whether it is applied. Files
//! `<VERSION>_<NAME>.sql` with `-- +goose Up` / `-- +goose Down` sections. No checksums.

use super::Descriptor;
use super::{col, parse_bool, required, text_col, Record, RecordState, Tracker};
use crate::error::Result;
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
    build: |_, _| Ok(Box::new(Goose)),
};

pub struct Goose;

impl Tracker for Goose {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
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

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO goose_db_version (version_id, is_applied) VALUES ({}, TRUE);",
            file.version.trim_start_matches('0')
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _dir: &Path) -> String {
        format!(
            "repair the schema by hand, then run `goose up` (version {})",
            file.version
        )
    }

    fn remove_record(&self, record: &Record, _engine: Engine) -> String {
        format!(
            "restore its file, or if it must be forgotten: DELETE FROM goose_db_version WHERE version_id = {};",
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("goose refuses it unless run with `goose up -allow-missing`".into())
    }
}
