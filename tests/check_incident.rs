//! The end-to-end test: `migrations-sample` in the incident state, against the real
//! PostgreSQL (reconcile, and verify's scratch databases) and a moto server with staging and
//! production accounts. `preflight check` exits 1 and names every root cause; after
//! `preflight fix`, recording the migration and repairing production, it exits 0.
#![cfg(feature = "aws")] // live reads need the AWS SDK

mod common;

use common::moto::{Incident, LIVE_CONFIG};
use common::ScratchDb;
use std::path::Path;

const URL_VAR: &str = "PREFLIGHT_E2E_DATABASE_URL";
const DEV_VAR: &str = "PREFLIGHT_E2E_DEV_URL";

fn sample(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations-sample/migrations")
            .join(name),
    )
    .unwrap()
}

/// The database after the failed deploy: 20240115 ran, the tracker does not know it.
fn incident_database() -> ScratchDb {
    let db = ScratchDb::postgres();
    db.exec(&sample("20240101_create_users.sql"));
    db.exec(&sample("20240105_create_sessions.sql"));
    db.exec(&sample("20240115_add_user_profiles.sql"));
    db.exec(
        "CREATE TABLE migrations (name TEXT PRIMARY KEY, executed_at TIMESTAMP NOT NULL DEFAULT now(), status TEXT NOT NULL);
         INSERT INTO migrations (name, status) VALUES ('20240101_create_users.sql', 'success'), ('20240105_create_sessions.sql', 'success');",
    );
    db
}

fn config() -> String {
    format!(
        "{LIVE_CONFIG}
[migrations]
dir = \"migrations\"
dialect = \"postgres\"
database_url_env = \"{URL_VAR}\"
dev_url_env = \"{DEV_VAR}\"

[migrations.generic_tracker]
table = \"migrations\"
version_column = \"name\"
status_column = \"status\"
executed_at_column = \"executed_at\"

[env]
required = [\"APP_ENV\", \"DATABASE_URL\", \"REDIS_HOST\"]

[check]
stages = [\"lint\", \"reconcile\", \"verify\", \"parity\"]
"
    )
}

/// `(stage, rule, where)` of every finding.
fn findings(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let at = [&f["environment"], &f["path"], &f["subject"]]
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            (
                f["stage"].as_str().unwrap_or_default().to_string(),
                f["rule"].as_str().unwrap_or_default().to_string(),
                at,
            )
        })
        .collect()
}

fn has(found: &[(String, String, String)], stage: &str, rule: &str, at: &str) -> bool {
    found
        .iter()
        .any(|(s, r, w)| s == stage && r == rule && w.contains(at))
}

#[test]
fn the_incident_fails_the_gate_and_the_repair_passes_it() {
    let incident = Incident::build();
    let db = incident_database();
    let migrations = incident.path("migrations");
    std::fs::create_dir(&migrations).unwrap();
    for entry in std::fs::read_dir(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/migrations"),
    )
    .unwrap()
    {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), migrations.join(entry.file_name())).unwrap();
    }
    incident.write_config(&config());
    let vars = [
        ("AWS_ENDPOINT_URL", incident.moto.endpoint.as_str()),
        (URL_VAR, db.url.as_str()),
        (DEV_VAR, db.server_url.as_str()),
    ];

    let run = incident.preflight_with(
        &[
            "check",
            "--report",
            "json=-",
            "--report",
            "html=report.html",
        ],
        &vars,
    );
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let found = findings(&run.json());
    // Migration 20240115 is not idempotent …
    assert!(
        has(&found, "lint", "PF101", "20240115_add_user_profiles.sql"),
        "{found:#?}"
    );
    assert!(
        has(&found, "lint", "PF102", "20240115_add_user_profiles.sql"),
        "{found:#?}"
    );
    // … the tracker is out of sync with the schema …
    assert!(has(&found, "reconcile", "RC101", "20240115"), "{found:#?}");
    // … replaying it in a scratch database proves the retry fails …
    assert!(has(&found, "verify", "VF101", "20240115"), "{found:#?}");
    // … and production differs from staging in the three ways that broke the task.
    assert!(
        has(&found, "parity", "PA301", "production DATABASE_URL"),
        "{found:#?}"
    );
    assert!(
        has(&found, "parity", "PA401", "production DATABASE_URL"),
        "{found:#?}"
    );
    assert!(
        has(&found, "parity", "PA501", "production REDIS_HOST"),
        "{found:#?}"
    );
    assert_eq!(found.len(), 7, "nothing else is wrong: {found:#?}");
    assert!(
        !run.stdout.contains(&incident.sentinel),
        "a secret value leaked"
    );
    assert!(
        run.stderr
            .starts_with("preflight check failed: lint failed"),
        "{}",
        run.stderr
    );
    let html = std::fs::read_to_string(incident.path("report.html")).unwrap();
    assert!(
        !html.contains(&incident.sentinel),
        "a secret value leaked into the HTML"
    );

    // The repair: fix the migration, record it, fix production.
    let fix = incident.preflight_with(&["fix", "migrations"], &vars);
    assert_eq!(
        fix.code, 0,
        "stdout: {}\nstderr: {}",
        fix.stdout, fix.stderr
    );
    db.exec("INSERT INTO migrations (name, status) VALUES ('20240115_add_user_profiles.sql', 'success')");
    incident.repair_production();

    let run = incident.preflight_with(&["check", "--report", "json=-"], &vars);
    assert_eq!(
        run.code,
        0,
        "findings after the repair: {:#?}\nstderr: {}",
        findings(&run.json()),
        run.stderr
    );
    assert_eq!(run.json()["verdict"]["outcome"], "pass");
}
