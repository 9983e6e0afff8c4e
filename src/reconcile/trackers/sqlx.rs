//! sqlx: `_sqlx_migrations(version BIGINT, description, installed_on, success, checksum BYTEA,
//! execution_time)`. Files `<VERSION>_<DESCRIPTION>.sql` (or `.up.sql`; `.down.sql` is the
//! revert). The checksum is SHA-384 of the file's bytes, or, when the crate's `sqlx.toml` lists
//! `[migrate] ignored-chars` (sqlx 0.9), of the text with those characters removed.

use super::Descriptor;
use super::{
    col, hex_col, literal, parse_bool, required, text_col, ChecksumCheck, Record, RecordState,
    Tracker,
};
use crate::error::{Error, Result};
use crate::layout::{Discovered, Layout, MigrationFile};
use crate::reconcile::db::{Engine, TextRow};
use sha2::{Digest, Sha384};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "sqlx",
    aliases: &[],
    table: Some("_sqlx_migrations"),
    recognise: super::any_table,
    layout: Layout::Sqlx,
    build: |_, _| Ok(Box::new(Sqlx::default())),
};

#[derive(Default)]
pub struct Sqlx {
    /// `[migrate] ignored-chars` of the crate's `sqlx.toml`, read when the directory is
    /// discovered (empty without one).
    ignored_chars: OnceLock<Vec<char>>,
}

/// The checksum sqlx stores: SHA-384 of the file bytes, as lowercase hex.
pub fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha384::digest(bytes))
}

/// The checksum sqlx 0.9 stores when `sqlx.toml` sets `ignored-chars`: SHA-384 of the text
/// with every such character dropped (`checksum_with` in sqlx-core's `migrate/source.rs`).
pub fn checksum_ignoring(text: &str, ignored: &[char]) -> String {
    if ignored.is_empty() {
        return checksum(text.as_bytes());
    }
    let mut digest = Sha384::new();
    for fragment in text.split(|c| ignored.contains(&c)) {
        digest.update(fragment.as_bytes());
    }
    hex::encode(digest.finalize())
}

/// The `sqlx.toml` that configures the crate whose migrations are in `dir`: sqlx-cli reads it
/// from the directory it runs in and `sqlx::migrate!()` from the crate root, which is where
/// `migrations/` usually sits; so the nearest one in `dir` or above it, not looking past the
/// first directory with a `Cargo.toml` (the crate root).
fn find_sqlx_toml(dir: &Path) -> Option<PathBuf> {
    let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for ancestor in start.ancestors() {
        let candidate = ancestor.join("sqlx.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        if ancestor.join("Cargo.toml").is_file() {
            return None;
        }
    }
    None
}

/// `[migrate] ignored-chars` of `sqlx.toml`: a list of one-character strings.
fn ignored_chars(dir: &Path) -> Result<Vec<char>> {
    let Some(path) = find_sqlx_toml(dir) else {
        return Ok(Vec::new());
    };
    let bad = |message: String| Error::Config {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| bad(format!("not valid TOML: {}", e.message())))?;
    let Some(list) = doc.get("migrate").and_then(|m| m.get("ignored-chars")) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| bad("[migrate] ignored-chars must be a list of characters".into()))?;
    list.iter()
        .map(|v| {
            let mut chars = v.as_str().unwrap_or_default().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(bad(format!(
                    "[migrate] ignored-chars: {v} is not one character"
                ))),
            }
        })
        .collect()
}

impl Sqlx {
    /// The file's checksum as sqlx computes it for this crate.
    fn file_checksum(&self, file: &MigrationFile) -> String {
        match self.ignored_chars.get() {
            Some(ignored) if !ignored.is_empty() => checksum_ignoring(&file.source.text, ignored),
            _ => checksum(file.bytes()),
        }
    }
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

    fn discover(&self, dir: &Path) -> Result<Discovered> {
        let _ = self.ignored_chars.set(ignored_chars(dir)?);
        self.layout().discover(dir)
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
        let computed = self.file_checksum(file);
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
            bytea_literal(engine, &self.file_checksum(file)),
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
