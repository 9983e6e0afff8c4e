//! Prisma Migrate: `_prisma_migrations(id, checksum, finished_at, migration_name, logs,
//! rolled_back_at, started_at, applied_steps_count)`. One directory per migration holding
//! `migration.sql`. The checksum is SHA-256 hex of `migration.sql`; Prisma accepts the file
//! with LF or CRLF line endings, so both spellings are accepted here.

use super::Descriptor;
use super::{col, literal, required, ChecksumCheck, Record, RecordState, Tracker};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use sha2::{Digest, Sha256};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "prisma",
    aliases: &[],
    table: Some("_prisma_migrations"),
    recognise: super::any_table,
    layout: Layout::Prisma,
    build: |config, path| {
        if let Some(t) = super::table_name::TrackerTable::of(config, path)? {
            return Err(t.refuse(
                "Prisma always keeps its records in _prisma_migrations; Prisma cannot be configured to use another table, and keeps it in the URL's schema= schema: give reconcile the URL Prisma uses, and remove the setting",
            ));
        }
        Ok(Box::new(Prisma))
    },
};

pub struct Prisma;

pub fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The checksum as an old schema engine wrote it: each byte in hex without zero-padding
/// (prisma-engines#1887, `format_checksum_old`).
fn checksum_unpadded(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:x}"))
        .collect()
}

/// The checksums of the file as written and with its line endings converted either way. A
/// recorded checksum that is not 64 characters long is compared in the old unpadded spelling,
/// as Prisma's `script_matches_checksum` does.
fn checksum_variants(text: &str, recorded: &str) -> Vec<String> {
    let lf = text.replace("\r\n", "\n");
    let crlf = lf.replace('\n', "\r\n");
    let spell = if !recorded.is_empty() && recorded.len() != 64 {
        checksum_unpadded
    } else {
        checksum
    };
    vec![
        spell(text.as_bytes()),
        spell(lf.as_bytes()),
        spell(crlf.as_bytes()),
    ]
}

impl Tracker for Prisma {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// Prisma connects with `search_path` set to the URL's `schema` parameter, `public` without
    /// one (quaint's `PostgresNativeUrl::schema`, `quaint/src/connector/postgres/url.rs`), and
    /// keeps `_prisma_migrations` there; its migrations run there too.
    fn home(&self, url: &super::UrlSettings) -> super::Home {
        let (schema, why) = match &url.schema {
            Some(s) => (
                s.clone(),
                "the URL's schema parameter, where Prisma keeps it",
            ),
            None => (
                "public".to_string(),
                "Prisma's default without a schema parameter in the URL",
            ),
        };
        super::Home::Named {
            schema,
            why: why.into(),
            objects: true,
        }
    }

    fn query(&self, _engine: Engine, table: &str) -> String {
        format!(
            "SELECT migration_name, checksum, CASE WHEN finished_at IS NULL THEN 'no' ELSE 'yes' END, CASE WHEN rolled_back_at IS NULL THEN 'no' ELSE 'yes' END, logs FROM {table} ORDER BY started_at"
        )
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        let mut out: Vec<Record> = Vec::new();
        for row in &rows {
            let name = required(row, 0, "prisma", "migration_name")?;
            let finished = col(row, 2, "prisma")? == Some("yes");
            let rolled_back = col(row, 3, "prisma")? == Some("yes");
            if rolled_back {
                // `prisma migrate resolve --rolled-back`: the attempt no longer counts.
                continue;
            }
            let state = if finished {
                RecordState::Applied
            } else {
                let logs = col(row, 4, "prisma")?
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                RecordState::Failed(if logs.is_empty() {
                    "started but never finished (finished_at is NULL)".into()
                } else {
                    format!("failed: {logs}")
                })
            };
            let mut record = Record::new(name, state);
            record.key = VersionKey::text(name);
            record.name = Some(name.to_string());
            record.checksum = col(row, 1, "prisma")?.map(str::to_string);
            out.retain(|r| r.version != record.version);
            out.push(record);
        }
        Ok(out)
    }

    fn check_checksum(&self, file: &MigrationFile, record: &Record) -> ChecksumCheck {
        let Some(recorded) = &record.checksum else {
            return ChecksumCheck::NotTracked;
        };
        let variants = checksum_variants(&file.source.text, recorded);
        if variants.iter().any(|v| v.eq_ignore_ascii_case(recorded)) {
            ChecksumCheck::Match
        } else {
            ChecksumCheck::Mismatch {
                recorded: recorded.clone(),
                computed: checksum(file.bytes()),
            }
        }
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!("prisma migrate resolve --applied {}", file.dir_name())
    }

    fn accept_checksum(&self, file: &MigrationFile, computed: &str, _engine: Engine) -> String {
        format!(
            "restore {} to the applied text (Prisma warns that it was modified after it was applied); if the edit is intended: UPDATE _prisma_migrations SET checksum = {} WHERE migration_name = {};",
            file.name,
            literal(computed),
            literal(file.dir_name())
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "undo its partial changes and `prisma migrate resolve --rolled-back {n}` then `prisma migrate deploy`; or finish them by hand and `prisma migrate resolve --applied {n}`",
            n = file.dir_name()
        )
    }

    fn remove_record(&self, record: &Record, _engine: Engine) -> String {
        format!(
            "restore the directory {}/ from version control (Prisma needs every applied migration locally)",
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some("`prisma migrate deploy` applies it (it runs every pending migration)".into())
    }
}
