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
//!
//! # A hand-rolled tracker, such as the incident's `migrations(name, executed_at, status)`.
//! [migrations.generic_tracker]
//! table = "migrations"
//! version_column = "name"             # a file name, its stem or its version
//! status_column = "status"            # optional
//! success_values = ["success"]        # default: success, applied, done, completed, ok, …
//! executed_at_column = "executed_at"  # optional, used in the printed INSERT
//! ```

pub mod db;
pub mod expected;
pub mod files;
pub mod live;
pub mod report;
pub mod schema;
pub mod status;
pub mod trackers;

use crate::config::{Config, MigrationsConfig};
use crate::diagnostics::{sort_findings, Finding, RuleInfo, Severity};
use crate::error::{Error, Result};
use crate::output::Report;
use crate::sql::{parse_source, Dialect};
use db::{Engine, Session};
use serde_json::json;
use std::path::PathBuf;
use trackers::{FoundTable, Tracker};

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
    "A file in the migrations directory is not a migration for the tracker's tool.",
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
    /// PostgreSQL schema (default `public`) or MySQL database (default: the URL's).
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
        Self::resolve(config, None, None, None, None)
    }

    /// Command-line values override the configuration.
    pub fn resolve(
        config: &Config,
        database_url: Option<String>,
        migrations_dir: Option<PathBuf>,
        tracker: Option<String>,
        schema: Option<String>,
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
            None => m.dir.as_deref().map(|d| config.resolve(d)).ok_or_else(|| {
                Error::Usage(
                    "no migrations directory: pass --migrations DIR or set [migrations] dir".into(),
                )
            })?,
        };
        let tracker = tracker
            .or_else(|| m.tracker.clone())
            .filter(|t| t != "auto");
        Ok(ReconcileOptions {
            database_url,
            migrations_dir,
            tracker,
            schema: schema.or_else(|| m.schema.clone()),
            dialect: m.dialect,
            migrations: m.clone(),
            config_path,
        })
    }
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
    let explicit = match &options.tracker {
        Some(name) => Some(trackers::by_name(
            name,
            &options.migrations,
            &options.config_path,
        )?),
        None => None,
    };
    let mut session = Session::open(&options.database_url).await?;
    let result = run(&mut session, options, explicit).await;
    let queries = session.queries;
    session.close().await;
    let mut report = result?;
    if let Some(db) = report.json_extra.get_mut("database") {
        db["queries"] = json!(queries);
    }
    Ok(report)
}

async fn run(
    session: &mut Session,
    options: &ReconcileOptions,
    explicit: Option<Box<dyn Tracker>>,
) -> Result<Report> {
    let engine = session.engine;
    let dir = &options.migrations_dir;
    let schema = options.schema.clone().unwrap_or_else(|| {
        if engine == Engine::Postgres {
            "public".into()
        } else {
            String::new()
        }
    });
    let schema = existing_schema(session, schema).await?;
    let generic_table = options
        .migrations
        .generic_tracker
        .as_ref()
        .map(|g| g.table.clone());
    let found = find_tracker_tables(session, &schema, generic_table.as_deref()).await?;

    let tracker: Box<dyn Tracker> = match explicit {
        Some(t) => t,
        None => {
            // A configured generic table that exists is the most specific answer.
            let generic_found = generic_table.as_deref().is_some_and(|g| {
                let name = g.rsplit('.').next().unwrap_or(g);
                found.iter().any(|f| f.table == name)
            });
            let candidates = if generic_found {
                vec!["generic"]
            } else {
                trackers::detect_candidates(&found, dir)
            };
            match candidates.as_slice() {
                [one] => trackers::by_name(one, &options.migrations, &options.config_path)?,
                [] if generic_table.is_some() => trackers::by_name("generic", &options.migrations, &options.config_path)?,
                [] => {
                    return Err(Error::Database(format!(
                        "no migration tracker table in {}: looked for {}; pass --tracker NAME, check --schema, or describe your own table in [migrations.generic_tracker]",
                        if schema.is_empty() { "the database".to_string() } else { format!("schema {schema}") },
                        trackers::TRACKER_TABLES.join(", ")
                    )))
                }
                many => {
                    return Err(Error::Usage(format!(
                        "tables of several trackers exist ({}); pass --tracker NAME",
                        many.join(", ")
                    )))
                }
            }
        }
    };

    let mut timings = Timings::default();
    let discovered = tracker.discover(dir)?;
    let files = discovered.files;
    let mut findings: Vec<Finding> = Vec::new();
    for ignored in &discovered.ignored {
        let mut f = Finding::for_rule(
            &IGNORED_FILE,
            format!("not a {} migration: {}", tracker.name(), ignored.reason),
        );
        f.location.path = Some(ignored.path.clone());
        findings.push(f);
    }
    findings.extend(tracker.directory_findings(dir, &files));

    // The tracker's rows.
    let (want_schema, want_table) = tracker.table();
    let location = found.iter().find(|f| {
        f.table == want_table
            && (want_schema.is_none_or(|s| s == f.schema)
                || f.schema == schema
                || schema.is_empty())
    });
    let records = match location {
        Some(t) => {
            let qualified = qualify(engine, &t.schema, &t.table, &schema);
            let rows = session
                .query(&tracker.query(engine, &qualified), &[])
                .await?;
            tracker.records(rows, &files)?
        }
        None => {
            findings.push(
                Finding::for_rule(&TRACKER_TABLE_MISSING,
                    format!(
                        "{} keeps its records in {want_table}, which does not exist here; every migration counts as unrecorded",
                        tracker.name()
                    ),
                )
                .with_subject(want_table.to_string()),
            );
            Vec::new()
        }
    };

    timings.lap("tracker");
    // The expected schema is replayed on a blocking thread while the server reads its catalog.
    let dialect = options.dialect.unwrap_or_else(|| engine.dialect());
    let model = {
        let files = files.clone();
        let schema = schema.clone();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            (expected_schema(&files, dialect, &schema), started.elapsed())
        })
    };
    let live = live::read(session, &schema).await?;
    timings.lap("live_catalog");
    let (expected, replay_time) = model
        .await
        .map_err(|e| Error::Other(format!("replaying the migrations failed: {e}")))?;
    timings.record("parse_and_replay", replay_time);
    timings.lap("waiting_for_replay");

    let rows = status::evaluate(&status::Inputs {
        files: &files,
        records: &records,
        expected: &expected,
        live: &live,
        tracker: tracker.as_ref(),
    });
    let ctx = report::Context {
        files: &files,
        tracker: tracker.as_ref(),
        engine,
        dir,
    };
    findings.extend(report::findings(&rows, &ctx));
    let unmanaged = status::unmanaged(&expected, &live, want_table, engine);
    findings.extend(report::unmanaged_findings(&unmanaged));
    sort_findings(&mut findings);
    timings.lap("compare");

    let mut out = Report::new("reconcile");
    for f in &files {
        out.add_source(&f.source);
    }
    out.files_checked = files.len();
    out.findings = findings;
    out.tables.push(report::table(&rows, &files));
    out.json_extra
        .insert("migrations".into(), report::json(&rows, &files));
    out.json_extra.insert(
        "database".into(),
        json!({
            "engine": dialect.name(),
            "schema": schema,
            "tracker": tracker.name(),
            "url": db::redact_url(&options.database_url),
            "objects": live.len(),
        }),
    );
    out.json_extra
        .insert("timings_ms".into(), json!(timings.laps));
    out.json_extra.insert(
        "unmanaged".into(),
        json!(unmanaged
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()),
    );
    Ok(out)
}

/// Parses every file and replays it on the model catalog.
fn expected_schema(
    files: &[files::MigrationFile],
    dialect: Dialect,
    schema: &str,
) -> expected::Expected {
    let engine = if dialect.is_mysql_family() {
        expected::Engine::MySql
    } else {
        expected::Engine::Postgres
    };
    let parsed: Vec<_> = files
        .iter()
        .map(|f| parse_source(&f.source, dialect))
        .collect();
    let migrations: Vec<expected::Migration<'_>> = parsed
        .iter()
        .zip(files)
        .map(|(p, f)| expected::Migration {
            parsed: p,
            up: f.up.clone(),
        })
        .collect();
    expected::replay(&migrations, engine, schema)
}

/// Wall time per phase, for `timings_ms` in the JSON report (the benchmark reads it).
struct Timings {
    last: std::time::Instant,
    laps: serde_json::Map<String, serde_json::Value>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            last: std::time::Instant::now(),
            laps: serde_json::Map::new(),
        }
    }
}

impl Timings {
    fn record(&mut self, phase: &str, took: std::time::Duration) {
        self.laps
            .insert(phase.into(), json!(took.as_millis() as u64));
    }

    fn lap(&mut self, phase: &str) {
        let now = std::time::Instant::now();
        self.laps
            .insert(phase.into(), json!((now - self.last).as_millis() as u64));
        self.last = now;
    }
}

/// The schema (PostgreSQL) or database (MySQL) to reconcile, which must exist: a mistyped
/// `--schema` would otherwise read as an empty database where every migration is pending.
async fn existing_schema(session: &mut Session, schema: String) -> Result<String> {
    let (sql, binds): (&str, Vec<&str>) = match session.engine {
        Engine::Postgres => (
            "SELECT nspname::text FROM pg_namespace WHERE nspname = $1",
            vec![&schema],
        ),
        Engine::MySql { .. } if schema.is_empty() => ("SELECT DATABASE()", vec![]),
        Engine::MySql { .. } => (
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?",
            vec![&schema],
        ),
    };
    let rows = session.query(sql, &binds).await?;
    match rows.first().and_then(|r| r.first().cloned().flatten()) {
        // MySQL without --schema: the URL's database, kept implicit (DATABASE()) in the queries.
        Some(_) if schema.is_empty() => Ok(schema),
        Some(found) => Ok(found),
        None if schema.is_empty() => Err(Error::Usage(
            "the database URL names no database; add it to the URL or pass --schema NAME".into(),
        )),
        None => Err(Error::Usage(format!(
            "{schema} does not exist {} (check --schema or [migrations] schema)",
            if session.engine == Engine::Postgres {
                "as a schema in this database"
            } else {
                "as a database on this server"
            }
        ))),
    }
}

fn qualify(engine: Engine, table_schema: &str, table: &str, reconciled: &str) -> String {
    let t = trackers::quote_ident(engine, table);
    if table_schema.is_empty() || (table_schema == reconciled && engine != Engine::Postgres) {
        t
    } else {
        format!("{}.{t}", trackers::quote_ident(engine, table_schema))
    }
}

/// Every tracker table present (in the reconciled schema, Atlas's own schema, or where the
/// generic tracker's configured table says), with its column names. One query.
async fn find_tracker_tables(
    session: &mut Session,
    schema: &str,
    generic: Option<&str>,
) -> Result<Vec<FoundTable>> {
    let (generic_schema, generic_table) = match generic.and_then(|g| g.split_once('.')) {
        Some((s, t)) => (Some(s), Some(t)),
        None => (None, generic),
    };
    let mut names: Vec<String> = trackers::TRACKER_TABLES
        .iter()
        .map(|t| trackers::literal(t))
        .collect();
    if let Some(t) = generic_table {
        names.push(trackers::literal(t));
    }
    let mut schemas = vec![trackers::literal("atlas_schema_revisions")];
    if let Some(s) = generic_schema {
        schemas.push(trackers::literal(s));
    }
    let (scope, binds): (String, Vec<&str>) = match session.engine {
        Engine::Postgres => (
            format!(
                "(table_schema = $1 OR table_schema IN ({}))",
                schemas.join(", ")
            ),
            vec![schema],
        ),
        Engine::MySql { .. } if schema.is_empty() => (
            format!(
                "(table_schema = DATABASE() OR table_schema IN ({}))",
                schemas.join(", ")
            ),
            vec![],
        ),
        Engine::MySql { .. } => (
            format!(
                "(table_schema = ? OR table_schema IN ({}))",
                schemas.join(", ")
            ),
            vec![schema],
        ),
    };
    // PostgreSQL's information_schema hides tables the user may not read; pg_catalog does
    // not, so a tracker table without SELECT is found and its read fails with a clear error.
    let sql = match session.engine {
        Engine::Postgres => format!(
            "SELECT n.nspname::text, c.relname::text, string_agg(a.attname::text, ',') \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE c.relkind IN ('r', 'p', 'v') AND c.relname IN ({}) AND {} \
             GROUP BY n.nspname, c.relname",
            names.join(", "),
            scope.replace("table_schema", "n.nspname")
        ),
        Engine::MySql { .. } => format!(
            "SELECT table_schema, table_name, GROUP_CONCAT(column_name SEPARATOR ',') \
             FROM information_schema.columns WHERE table_name IN ({}) AND {scope} \
             GROUP BY table_schema, table_name",
            names.join(", ")
        ),
    };
    let rows = session.query(&sql, &binds).await?;
    let mut found: Vec<FoundTable> = rows
        .iter()
        .map(|r| FoundTable {
            schema: live::cell(r, 0),
            table: live::cell(r, 1),
            columns: live::cell(r, 2)
                .split(',')
                .map(|c| c.to_lowercase())
                .collect(),
        })
        .collect();
    // The reconciled schema's own tables first.
    found.sort_by_key(|f| f.schema != schema);
    Ok(found)
}
