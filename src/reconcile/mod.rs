//! `preflight reconcile`: compares what a migration tracker says ran with what the live schema
//! shows, and explains every disagreement with the command that repairs it.
//!
//! How it works, in one read-only transaction with a statement timeout:
//! 1. the tracker (sqlx, Flyway, golang-migrate, goose, dbmate, Prisma, Diesel, refinery,
//!    Atlas, or a generic table from `preflight.toml`) is detected from the tables present and
//!    the directory layout, or named with `--tracker`; its rows are read and each file's
//!    checksum is recomputed with the tool's own algorithm;
//! 2. the live catalog is read in a fixed number of queries (one per object kind);
//! 3. the migrations are replayed on a model catalog, so every object belongs to the last
//!    migration that touched it;
//! 4. each migration gets one status.
//!
//! Statuses:
//!
//! | status | meaning |
//! | --- | --- |
//! | `applied` | recorded, and every object it creates is present as it creates it |
//! | `pending` | not recorded, and none of its objects exist |
//! | `applied_unrecorded` | not recorded, yet all its objects exist: the next deploy re-runs it (the incident) |
//! | `partial` | not recorded, some of its objects exist: a run stopped half-way |
//! | `missing_objects` | recorded, but some of its objects are absent |
//! | `drifted` | recorded, objects present but different (type, nullability, default, index definition, enum labels, validity) |
//! | `checksum_mismatch` | recorded, but the file changed since it was applied |
//! | `dirty` / `failed` | the tracker records an unfinished or failed run |
//! | `orphan` | recorded, but no file has that version |
//! | `out_of_order` | not recorded, and older than the newest recorded migration |
//! | `unverifiable` | recorded, but nothing in the catalog shows its effect (data-only or unmodelled statements); reported as unknown |
//!
//! Objects that no migration creates are listed as unmanaged (RC110).
//!
//! Configuration (`preflight.toml`); the URL itself stays in the environment:
//!
//! ```toml
//! [migrations]
//! dir = "migrations"
//! database_url_env = "DATABASE_URL"   # the variable's name, never the URL
//! tracker = "auto"                    # or sqlx, flyway, golang-migrate, goose, dbmate, prisma, diesel, refinery, atlas, generic
//! schema = "public"
//! tracker_table = "tools.goose_log"   # the table the tool's flags choose (goose -table, …)
//!
//! # A hand-rolled tracker, such as the incident's `migrations(name, executed_at, status)`.
//! [migrations.generic_tracker]
//! table = "migrations"                # as the runner's SQL writes it (schema-qualified, quoted)
//! version_column = "name"             # a file name, its stem or its version
//! status_column = "status"            # optional
//! success_values = ["success"]        # default: success, applied, done, completed, ok, …
//! executed_at_column = "executed_at"  # optional, used in the printed INSERT
//! ```

pub mod db;
pub mod expected;
pub mod live;
pub mod report;
mod run;
pub mod schema;
pub mod status;
pub mod trackers;

use crate::config::{Config, MigrationsConfig};
use crate::diagnostics::{RuleInfo, Severity};
use crate::error::{Error, Result};
use crate::output::Report;
use crate::sql::Dialect;
use db::{Engine, Session};
use serde_json::json;
use std::path::PathBuf;

pub const APPLIED_UNRECORDED: RuleInfo = RuleInfo::new(
    "RC101",
    "applied-unrecorded",
    Severity::Error,
    "A migration's objects exist but the tracker has no record of it.",
    include_str!("../../rules/RC101.md"),
);

pub const PARTIALLY_APPLIED: RuleInfo = RuleInfo::new(
    "RC102",
    "partially-applied",
    Severity::Error,
    "Some, not all, of an unrecorded migration's objects exist.",
    include_str!("../../rules/RC102.md"),
);

pub const MISSING_OBJECTS: RuleInfo = RuleInfo::new(
    "RC103",
    "missing-objects",
    Severity::Error,
    "A recorded migration's objects are absent.",
    include_str!("../../rules/RC103.md"),
);

pub const SCHEMA_DRIFT: RuleInfo = RuleInfo::new(
    "RC104",
    "schema-drift",
    Severity::Warning,
    "A recorded migration's objects exist but differ from what it creates.",
    include_str!("../../rules/RC104.md"),
);

pub const CHECKSUM_MISMATCH: RuleInfo = RuleInfo::new(
    "RC105",
    "checksum-mismatch",
    Severity::Error,
    "A migration file changed after it was applied.",
    include_str!("../../rules/RC105.md"),
);

pub const FAILED_MIGRATION: RuleInfo = RuleInfo::new(
    "RC106",
    "failed-migration",
    Severity::Error,
    "The tracker records a failed or unfinished (dirty) run.",
    include_str!("../../rules/RC106.md"),
);

pub const ORPHAN_RECORD: RuleInfo = RuleInfo::new(
    "RC107",
    "orphan-record",
    Severity::Warning,
    "The tracker records a version no file has.",
    include_str!("../../rules/RC107.md"),
);

pub const OUT_OF_ORDER: RuleInfo = RuleInfo::new(
    "RC108",
    "out-of-order",
    Severity::Warning,
    "A pending migration is older than the newest applied one.",
    include_str!("../../rules/RC108.md"),
);

pub const UNVERIFIABLE_MIGRATION: RuleInfo = RuleInfo::new(
    "RC109",
    "unverifiable-migration",
    Severity::Info,
    "A recorded migration has no effect the catalog can show.",
    include_str!("../../rules/RC109.md"),
);

pub const UNMANAGED_OBJECT: RuleInfo = RuleInfo::new(
    "RC110",
    "unmanaged-object",
    Severity::Info,
    "An object exists that no migration creates.",
    include_str!("../../rules/RC110.md"),
);

pub const TRACKER_TABLE_MISSING: RuleInfo = RuleInfo::new(
    "RC111",
    "tracker-table-missing",
    Severity::Warning,
    "The named tracker's table does not exist.",
    include_str!("../../rules/RC111.md"),
);

pub const IGNORED_FILE: RuleInfo = RuleInfo::new(
    "RC113",
    "ignored-file",
    Severity::Info,
    "A file in the migrations directory is not one preflight replays: the tool does not run it, or it is not SQL.",
    include_str!("../../rules/RC113.md"),
);

pub const ATLAS_SUM_MISMATCH: RuleInfo = RuleInfo::new(
    "RC114",
    "atlas-sum-mismatch",
    Severity::Error,
    "atlas.sum does not match the migration files.",
    include_str!("../../rules/RC114.md"),
);

/// Rule codes this stage reports.
pub static RULES: &[RuleInfo] = &[
    APPLIED_UNRECORDED,
    PARTIALLY_APPLIED,
    MISSING_OBJECTS,
    SCHEMA_DRIFT,
    CHECKSUM_MISMATCH,
    FAILED_MIGRATION,
    ORPHAN_RECORD,
    OUT_OF_ORDER,
    UNVERIFIABLE_MIGRATION,
    UNMANAGED_OBJECT,
    TRACKER_TABLE_MISSING,
    IGNORED_FILE,
    ATLAS_SUM_MISMATCH,
];

/// What `reconcile` needs; built from the command line and `preflight.toml`.
#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    pub database_url: String,
    pub migrations_dir: PathBuf,
    /// A tracker name, or `None` for auto-detection.
    pub tracker: Option<String>,
    /// PostgreSQL schema whose objects are compared (default: the URL's `schema=` for Prisma,
    /// Flyway's `defaultSchema`, else the connection's current schema) or MySQL database
    /// (default: the URL's). The tracker table is looked for where the tool keeps it.
    pub schema: Option<String>,
    /// SQL dialect of the files (default: from the URL, or `[migrations] dialect`).
    pub dialect: Option<Dialect>,
    pub migrations: MigrationsConfig,
    /// The config file, for errors that name it.
    pub config_path: PathBuf,
}

impl ReconcileOptions {
    /// Everything from `preflight.toml`; the URL comes from the environment variable named by
    /// `[migrations] database_url_env`, never from the file itself.
    pub fn from_config(config: &Config) -> Result<Self> {
        Self::resolve(config, None, None, None, None, None)
    }

    /// Command-line values override the configuration.
    pub fn resolve(
        config: &Config,
        database_url: Option<String>,
        migrations_dir: Option<PathBuf>,
        tracker: Option<String>,
        schema: Option<String>,
        tracker_table: Option<String>,
    ) -> Result<Self> {
        let config_path = config
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
        let m = &config.migrations;
        let database_url = match database_url {
            Some(url) => url,
            None => config
                .url_from_env("database_url_env", m.database_url_env.as_deref())?
                .ok_or_else(|| {
                    Error::Usage(
                        "no database URL: pass --database-url, set PREFLIGHT_DATABASE_URL, or name an environment variable in [migrations] database_url_env".into(),
                    )
                })?,
        };
        let migrations_dir = match migrations_dir {
            Some(dir) => dir,
            None => config.migrations_dir()?.ok_or_else(|| {
                Error::Usage(
                    "no migrations directory: pass --migrations DIR or set [migrations] dir".into(),
                )
            })?,
        };
        let tracker = tracker
            .or_else(|| m.tracker.clone())
            .filter(|t| !t.eq_ignore_ascii_case("auto"));
        let mut migrations = m.clone();
        if let Some(table) = tracker_table {
            migrations.tracker_table = Some(table);
            migrations.tracker_table_from_flag = true;
        }
        // A malformed `--tracker-table` is refused before connecting.
        trackers::table_name::TrackerTable::of(&migrations, &config_path)?;
        Ok(ReconcileOptions {
            database_url,
            migrations_dir,
            tracker,
            schema: schema.or_else(|| m.schema.clone()),
            dialect: m.dialect,
            migrations,
            config_path,
        })
    }
}

/// `[migrations] dialect` against the URL's engine, before connecting: PostgreSQL migrations
/// reconciled with a MySQL database find none of their objects and pass with warnings, as
/// verify refuses to run them there.
fn check_dialect(options: &ReconcileOptions) -> Result<()> {
    let (Some(dialect), Some(engine)) = (options.dialect, Engine::of_url(&options.database_url))
    else {
        return Ok(());
    };
    let server = engine.dialect();
    if dialect == Dialect::Sqlite || dialect.is_mysql_family() != server.is_mysql_family() {
        return Err(Error::config(
            &options.config_path,
            format!(
                "[migrations] dialect is {dialect} but the database URL is a {} server; reconcile the migrations with the database they run on, or correct the dialect",
                if server.is_mysql_family() { "MySQL/MariaDB" } else { "PostgreSQL" }
            ),
        ));
    }
    Ok(())
}

/// Runs the whole comparison and returns the report (findings, the "Migrations" table and
/// `json_extra["migrations"]`). Reads only; the session is rolled back at the end.
pub async fn reconcile(options: &ReconcileOptions) -> Result<Report> {
    let dir = &options.migrations_dir;
    if !dir.is_dir() {
        return Err(Error::input(
            dir,
            "is not a directory (the migrations directory)",
        ));
    }
    check_dialect(options)?;
    let explicit = match &options.tracker {
        Some(name) => Some(trackers::by_name(
            name,
            &options.migrations,
            &options.config_path,
        )?),
        None => None,
    };
    let mut session = Session::open(&options.database_url).await?;
    let result = run::run(&mut session, options, explicit).await;
    let queries = session.queries;
    session.close().await;
    let mut report = result?;
    if let Some(db) = report.json_extra.get_mut("database") {
        db["queries"] = json!(queries);
    }
    Ok(report)
}
