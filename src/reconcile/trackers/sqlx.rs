//! sqlx: `_sqlx_migrations(version BIGINT, description, installed_on, success, checksum BYTEA,
//! execution_time)`. Files `<VERSION>_<DESCRIPTION>.sql` (or `.up.sql`; `.down.sql` is the
//! revert). The checksum is SHA-384 of the file's bytes.

use super::Descriptor;
use super::{
    col, hex_col, literal, parse_bool, required, text_col, ChecksumCheck, Record, RecordState,
    Tracker,
};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile};
use crate::reconcile::db::{Engine, TextRow};
use sha2::{Digest, Sha384};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "sqlx",
    aliases: &[],
    table: Some("_sqlx_migrations"),
    recognise: super::any_table,
    layout: Layout::Sqlx,
    build: |_, _| Ok(Box::new(Sqlx)),
};

pub struct Sqlx;

/// The checksum sqlx stores: SHA-384 of the file bytes, as lowercase hex.
pub fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha384::digest(bytes))
}

fn bytea_literal(engine: Engine, hex: &str) -> String {
    match engine {
        Engine::Postgres => format!("decode('{hex}', 'hex')"),
        Engine::MySql { .. } => format!("UNHEX('{hex}')"),
    }
}

impl Tracker for Sqlx {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        format!(
            "SELECT {}, description, {}, {} FROM {table} ORDER BY version",
            text_col(engine, "version"),
            text_col(engine, "success"),
            hex_col(engine, "checksum"),
        )
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        rows.iter()
            .map(|row| {
                let version = required(row, 0, "sqlx", "version")?;
                let success = parse_bool(col(row, 2, "sqlx")?);
                let mut record = Record::new(
                    version,
                    if success {
                        RecordState::Applied
                    } else {
                        RecordState::Failed(
                            "success = false: sqlx stopped in the middle of it".into(),
                        )
                    },
                );
                record.name = col(row, 1, "sqlx")?.map(str::to_string);
                record.checksum = col(row, 3, "sqlx")?.map(str::to_string);
                Ok(record)
            })
            .collect()
    }

    fn check_checksum(&self, file: &MigrationFile, record: &Record) -> ChecksumCheck {
        let Some(recorded) = &record.checksum else {
            return ChecksumCheck::NotTracked;
        };
        let computed = checksum(file.bytes());
        if recorded.eq_ignore_ascii_case(&computed) {
            ChecksumCheck::Match
        } else {
            ChecksumCheck::Mismatch {
                recorded: recorded.clone(),
                computed,
            }
        }
    }

    fn mark_applied(&self, file: &MigrationFile, engine: Engine, _dir: &Path) -> String {
        format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({}, {}, TRUE, {}, 0);",
            file.version.trim_start_matches('0').parse::<i64>().unwrap_or_default(),
            literal(&file.description),
            bytea_literal(engine, &checksum(file.bytes())),
        )
    }

    fn accept_checksum(&self, file: &MigrationFile, computed: &str, engine: Engine) -> String {
        format!(
            "restore {} to the applied text, or if the edit is intended and already in the database: UPDATE _sqlx_migrations SET checksum = {} WHERE version = {};",
            file.name,
            bytea_literal(engine, computed),
            file.version.trim_start_matches('0')
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _dir: &Path) -> String {
        format!(
            "repair the schema by hand, then DELETE FROM _sqlx_migrations WHERE version = {} AND success = FALSE; and run `sqlx migrate run`",
            file.version.trim_start_matches('0')
        )
    }

    fn remove_record(&self, record: &Record) -> String {
        format!(
            "restore its file, or run `sqlx migrate run --ignore-missing`, or if it must be forgotten: DELETE FROM _sqlx_migrations WHERE version = {};",
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("sqlx applies it on the next `sqlx migrate run` (it runs every pending version, older ones included)".into())
    }
}
