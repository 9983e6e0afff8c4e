//! refinery: `refinery_schema_history(version INT4 PRIMARY KEY, name, applied_on, checksum)`.
//! Files `V<VERSION>__<NAME>.sql`. The checksum is SipHash-1-3 (keys 0, 0) over the name, the
//! version and the SQL, each hashed as Rust's `Hash` does, stored as a decimal u64. refinery's
//! `int8-versions` feature hashes the version as i64, so both widths are accepted.

use super::table_name::TrackerTable;
use super::{col, literal, required, ChecksumCheck, Record, RecordState, Tracker};
use super::{CatalogName, Descriptor, NameCase};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile};
use crate::reconcile::db::{Engine, TextRow};
use siphasher::sip::SipHasher13;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::OnceLock;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "refinery",
    aliases: &[],
    table: Some("refinery_schema_history"),
    recognise: super::any_table,
    layout: Layout::Refinery,
    build: |config, path| {
        Ok(Box::new(Refinery {
            setting: TrackerTable::of(config, path)?,
            table: OnceLock::new(),
        }))
    },
};

const TABLE: &str = "refinery_schema_history";

/// refinery's runner takes another table name in code (`Runner::set_migration_table_name`),
/// which reconcile cannot see: `[migrations] tracker_table` / `--tracker-table` names it.
/// refinery pastes it into its SQL unquoted (`%MIGRATION_TABLE_NAME%` in
/// `GET_APPLIED_MIGRATIONS_QUERY` and `ASSERT_MIGRATIONS_TABLE_QUERY`, `INSERT INTO {}` in
/// `insert_migration_query`, `refinery_core/src/traits/mod.rs`), so the server resolves it.
#[derive(Default)]
pub struct Refinery {
    setting: Option<TrackerTable>,
    /// That table as the server resolves it (`Tracker::connected`).
    table: OnceLock<Option<CatalogName>>,
}

impl Refinery {
    /// The table as the printed statements name it on `engine`: refinery pastes its name into
    /// its SQL unquoted, so an unquoted part stays as written and a quoted one takes the
    /// server's quotes, whichever quote the setting used.
    fn sql_name(&self, engine: Engine) -> String {
        self.setting
            .as_ref()
            .map_or(TABLE.to_string(), |t| t.name.on_engine(engine))
    }
}

/// refinery's checksum for a migration named `name` (from `V1__name.sql`).
pub fn checksum(name: &str, version: i64, sql: &str, wide_version: bool) -> u64 {
    let mut hasher = SipHasher13::new();
    name.hash(&mut hasher);
    if wide_version {
        version.hash(&mut hasher);
    } else {
        (version as i32).hash(&mut hasher);
    }
    sql.hash(&mut hasher);
    hasher.finish()
}

/// The current time as refinery stores it in `applied_on`: RFC 3339 in UTC
/// (`refinery_core/src/traits/mod.rs`, `insert_migration_query`, formats
/// `OffsetDateTime::now_utc()` with `Rfc3339`, and reading the table back parses it the same
/// way, so any other text breaks every later `migrate`).
fn applied_on_now(engine: Engine) -> String {
    match engine {
        Engine::Postgres => {
            r#"to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#
                .into()
        }
        Engine::MySql { .. } => "DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')".into(),
    }
}

fn name_of(file: &MigrationFile) -> String {
    // refinery keeps the description as written in the file name.
    crate::layout::files::base_name(&file.name)
        .strip_suffix(".sql")
        .and_then(|s| s.split_once("__"))
        .map_or_else(String::new, |(_, n)| n.to_string())
}

fn version_number(file: &MigrationFile) -> Option<i64> {
    file.version.parse().ok()
}

impl Tracker for Refinery {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    fn connected(&self, names: NameCase) {
        let _ = self
            .table
            .set(self.setting.as_ref().map(|t| t.name.on(names)));
    }

    fn table(&self) -> (Option<&str>, &str) {
        match self.table.get().and_then(Option::as_ref) {
            Some(t) => (t.schema.as_deref(), &t.table),
            None => (None, TABLE),
        }
    }

    /// A schema-qualified name: refinery reads exactly that table.
    fn pinned_table(&self) -> Option<&str> {
        self.setting
            .as_ref()
            .filter(|t| t.name.has_schema())
            .map(|t| t.sql())
    }

    fn table_source(&self) -> Option<String> {
        self.setting.as_ref().map(|t| t.setting.to_string())
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        format!(
            "SELECT {}, name, checksum FROM {table} ORDER BY version",
            super::text_col(engine, "version")
        )
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        rows.iter()
            .map(|row| {
                let mut record = Record::new(
                    required(row, 0, "refinery", "version")?,
                    RecordState::Applied,
                );
                record.name = col(row, 1, "refinery")?.map(str::to_string);
                record.checksum = col(row, 2, "refinery")?.map(str::to_string);
                Ok(record)
            })
            .collect()
    }

    fn check_checksum(&self, file: &MigrationFile, record: &Record) -> ChecksumCheck {
        let (Some(recorded), Some(version)) = (&record.checksum, version_number(file)) else {
            return ChecksumCheck::NotTracked;
        };
        let name = name_of(file);
        let narrow = checksum(&name, version, &file.source.text, false).to_string();
        let wide = checksum(&name, version, &file.source.text, true).to_string();
        if recorded.trim() == narrow || recorded.trim() == wide {
            ChecksumCheck::Match
        } else {
            ChecksumCheck::Mismatch {
                recorded: recorded.clone(),
                computed: narrow,
            }
        }
    }

    fn mark_applied(&self, file: &MigrationFile, engine: Engine, _dir: &Path) -> String {
        let version = version_number(file).unwrap_or_default();
        format!(
            "INSERT INTO {} (version, name, applied_on, checksum) VALUES ({version}, {}, {}, {});",
            self.sql_name(engine),
            literal(&name_of(file)),
            applied_on_now(engine),
            literal(&checksum(&name_of(file), version, &file.source.text, false).to_string())
        )
    }

    fn accept_checksum(&self, file: &MigrationFile, computed: &str, engine: Engine) -> String {
        format!(
            "restore {} to the applied text, or if the edit is intended: UPDATE {} SET checksum = {} WHERE version = {};",
            file.name,
            self.sql_name(engine),
            literal(computed),
            file.version
        )
    }

    fn clear_failed(&self, _file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        "repair the schema by hand, then run the migrations again".into()
    }

    fn remove_record(&self, record: &Record, engine: Engine) -> String {
        format!(
            "restore its file, or if it must be forgotten: DELETE FROM {} WHERE version = {};",
            self.sql_name(engine),
            record.version
        )
    }

    fn out_of_order_advice(&self) -> Option<String> {
        Some(
            "refinery refuses it unless the runner is built with `set_abort_missing(false)`".into(),
        )
    }
}
