//! Running `preflight reconcile` as a library call against a scratch database, the tracker
//! tables the tests set up there, and the independent checksum programs they compare with.

use super::{Engine, ScratchDb};
use preflight::config::{GenericTrackerConfig, MigrationsConfig};
use preflight::diagnostics::Finding;
use preflight::output::Report;
use preflight::reconcile::{reconcile, ReconcileOptions};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options for reconciling `dir` against the database at `url` (schema and dialect defaulted).
pub fn options(
    url: &str,
    dir: &Path,
    tracker: Option<&str>,
    migrations: MigrationsConfig,
) -> ReconcileOptions {
    ReconcileOptions {
        database_url: url.to_string(),
        migrations_dir: dir.to_path_buf(),
        tracker: tracker.map(str::to_string),
        schema: None,
        dialect: None,
        migrations,
        config_path: PathBuf::from("preflight.toml"),
    }
}

/// Runs `work` on a current-thread runtime, as the CLI does.
pub fn block_on<F: Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work)
}

/// Runs reconcile on a current-thread runtime, as the CLI does.
pub fn try_reconcile(options: &ReconcileOptions) -> preflight::error::Result<Report> {
    block_on(reconcile(options))
}

/// Reconciles `dir` against `db`; a reconcile error fails the test with its message.
pub fn reconcile_dir(
    db: &ScratchDb,
    dir: &Path,
    tracker: Option<&str>,
    migrations: MigrationsConfig,
) -> Report {
    try_reconcile(&options(&db.url, dir, tracker, migrations))
        .unwrap_or_else(|e| panic!("reconcile failed: {e}"))
}

/// Each migration's status, in report order.
pub fn statuses(report: &Report) -> Vec<String> {
    report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap().to_string())
        .collect()
}

/// The report's first finding of `rule`; without one the test fails, listing the findings.
pub fn finding<'r>(report: &'r Report, rule: &str) -> &'r Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {:#?}", report.findings))
}

/// Asserts that the report's first finding of `rule` says `text` in its message; returns it.
pub fn assert_message<'r>(report: &'r Report, rule: &str, text: &str) -> &'r Finding {
    let f = finding(report, rule);
    assert!(f.message.contains(text), "{}", f.message);
    f
}

/// Flyway's history table, as Flyway creates it on PostgreSQL.
pub const FLYWAY_SCHEMA_HISTORY: &str = "CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL, success BOOLEAN NOT NULL);";

/// The generic tracker of the incident: a `migrations` table with the file name and a status
/// (and, when given, the column holding when it ran).
pub fn migrations_table(executed_at_column: Option<&str>) -> MigrationsConfig {
    MigrationsConfig {
        generic_tracker: Some(GenericTrackerConfig {
            table: "migrations".into(),
            version_column: "name".into(),
            status_column: Some("status".into()),
            success_values: vec![],
            executed_at_column: executed_at_column.map(str::to_string),
        }),
        ..MigrationsConfig::default()
    }
}

/// The incident's generic tracker, its table named `table` as the runner's SQL writes it.
pub fn generic_table(table: &str) -> MigrationsConfig {
    let mut config = migrations_table(None);
    if let Some(generic) = config.generic_tracker.as_mut() {
        generic.table = table.into();
    }
    config
}

/// A migrations directory holding the one file `name`, whose `sql` has run on `db` and is
/// recorded as applied in a [`migrations_table`] `migrations (name, status)`.
pub fn applied_file(db: &ScratchDb, name: &str, sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), sql).unwrap();
    db.exec(sql);
    let text = match db.engine {
        Engine::Postgres => "TEXT",
        Engine::MariaDb => "VARCHAR(255)",
    };
    db.exec(&format!(
        "CREATE TABLE migrations (name {text}, status {text}); INSERT INTO migrations VALUES ('{name}', 'success');"
    ));
    dir
}

/// The trimmed output of an independent program (a checksum tool, a Python script); its
/// failure fails the test with its error output.
pub fn external(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The file's SHA-384 as coreutils computes it (sqlx's checksum).
pub fn sha384sum(path: &Path) -> String {
    external("sha384sum", &[path.to_str().unwrap()])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The expected schema of `parsed` migrations, each run whole, in order.
pub fn replay_whole(
    parsed: &[preflight::sql::ParsedFile],
    engine: preflight::reconcile::expected::Engine,
    schema: &str,
) -> preflight::reconcile::expected::Expected {
    use preflight::reconcile::expected::{replay, Migration};
    let migrations: Vec<Migration<'_>> = parsed.iter().map(Migration::whole).collect();
    replay(&migrations, engine, schema)
}
