//! Capacity with the limit read live from the real local PostgreSQL and MariaDB
//! (`[environments.NAME.database] url_env`), against the sample's staging snapshot (web:
//! DB_POOL_MIN=50, one task, maximumPercent 100%).

mod common;

use common::ScratchDb;
use std::path::Path;

const URL_VAR: &str = "PREFLIGHT_TEST_CAPACITY_URL";

fn run(db: &ScratchDb, processes: u64) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/snapshots/staging.json");
    let config = format!(
        "[environments.staging]\nsnapshot = {:?}\n\n[environments.staging.database]\nurl_env = \"{URL_VAR}\"\n\n[capacity]\npool_variable = \"DB_POOL_MIN\"\nprocesses_per_task = {processes}\n",
        snapshot.display().to_string()
    );
    let path = dir.path().join("preflight.toml");
    std::fs::write(&path, config).expect("write config");
    let out = assert_cmd::Command::cargo_bin("preflight")
        .expect("binary")
        .env(URL_VAR, &db.url)
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&path)
        .args(["parity", "--format", "json"])
        .output()
        .expect("run preflight");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn connections_cell(report: &serde_json::Value) -> String {
    report["matrix"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0]["text"] == "connections (peak of limit)")
        .map(|r| r[1]["text"].as_str().unwrap().to_string())
        .expect("connections row")
}

fn capacity_rules(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .filter(|r| r.starts_with("PA6"))
        .map(str::to_string)
        .collect()
}

fn number(db: &ScratchDb, sql: &str) -> i64 {
    let rows = db.query(sql);
    rows.first()
        .and_then(|r| r.trim().parse().ok())
        .unwrap_or_else(|| panic!("{sql}: {rows:?}"))
}

/// The test's own reading of the server's limit, and then preflight's, must agree; a demand
/// above it must be an error whose arithmetic names the live source.
fn check(db: &ScratchDb, available: i64) {
    let report = run(db, 1);
    assert_eq!(connections_cell(&report), format!("50 of {available}"));
    let processes = u64::try_from(available).unwrap() / 50 + 1;
    let report = run(db, processes);
    assert_eq!(capacity_rules(&report), ["PA601"]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PA601")
        .unwrap();
    let limit_note = finding["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .find(|n| n.starts_with("limit: "))
        .expect("limit note");
    assert!(
        limit_note.contains(&format!("read live from {}", db.url)),
        "{limit_note}"
    );
    assert!(
        limit_note.ends_with(&format!("= {available} available")),
        "{limit_note}"
    );
}

#[test]
fn postgres_limit_is_read_live() {
    let db = ScratchDb::postgres();
    let max = number(&db, "SHOW max_connections");
    let superuser = number(&db, "SHOW superuser_reserved_connections");
    let reserved = number(
        &db,
        "SELECT coalesce(current_setting('reserved_connections', true), '0')",
    );
    check(&db, max - superuser - reserved);
}

#[test]
fn mariadb_limit_is_read_live() {
    let db = ScratchDb::mariadb();
    let max = number(&db, "SELECT @@max_connections");
    let per_user = number(&db, "SELECT @@max_user_connections");
    let available = if per_user > 0 && per_user < max {
        per_user
    } else {
        max
    };
    check(&db, available);
}

#[test]
fn an_unreachable_server_is_unknown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/snapshots/staging.json");
    let config = format!(
        "[environments.staging]\nsnapshot = {:?}\n\n[environments.staging.database]\nurl_env = \"{URL_VAR}\"\n\n[capacity]\npool_variable = \"DB_POOL_MIN\"\n",
        snapshot.display().to_string()
    );
    let path = dir.path().join("preflight.toml");
    std::fs::write(&path, config).expect("write config");
    // Port 9 (discard) on loopback: refused at once.
    let out = assert_cmd::Command::cargo_bin("preflight")
        .expect("binary")
        .env(URL_VAR, "postgres://app:hunter2@127.0.0.1:9/app")
        .arg("--config")
        .arg(&path)
        .args(["parity", "--format", "json"])
        .output()
        .expect("run preflight");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("hunter2"),
        "the password must never be printed"
    );
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PA604")
        .expect("PA604");
    assert_eq!(f["unknown"], true);
    assert!(
        f["message"].as_str().unwrap().contains("127.0.0.1:9"),
        "{f}"
    );
}

/// A snapshot without a capacity record never read Application Auto Scaling: reading the limit
/// live must not make the demand look as if the services had no scaling range.
#[test]
fn a_live_limit_over_a_snapshot_without_capacity_keeps_scaling_unread() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().expect("temp dir");
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/snapshots/staging.json");
    let mut snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample).expect("read snapshot"))
            .expect("snapshot JSON");
    snapshot
        .as_object_mut()
        .expect("snapshot object")
        .remove("capacity");
    let snapshot_path = dir.path().join("staging.json");
    std::fs::write(&snapshot_path, snapshot.to_string()).expect("write snapshot");
    let config = format!(
        "[environments.staging]\nsnapshot = {:?}\n\n[environments.staging.database]\nurl_env = \"{URL_VAR}\"\n\n[capacity]\npool_variable = \"DB_POOL_MIN\"\nprocesses_per_task = 1000\n",
        snapshot_path.display().to_string()
    );
    let path = dir.path().join("preflight.toml");
    std::fs::write(&path, config).expect("write config");
    let out = assert_cmd::Command::cargo_bin("preflight")
        .expect("binary")
        .env(URL_VAR, &db.url)
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&path)
        .args(["parity", "--format", "json"])
        .output()
        .expect("run preflight");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(capacity_rules(&report), ["PA601"]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PA601")
        .unwrap();
    let notes: Vec<&str> = finding["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Application Auto Scaling was not read in staging")),
        "{notes:?}"
    );
}
