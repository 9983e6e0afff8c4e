//! Running `preflight reconcile` as a library call against a scratch database.

use super::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::output::Report;
use preflight::reconcile::{reconcile, ReconcileOptions};
use std::path::{Path, PathBuf};

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

/// Runs reconcile on a current-thread runtime, as the CLI does.
pub fn try_reconcile(options: &ReconcileOptions) -> preflight::error::Result<Report> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(reconcile(options))
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
