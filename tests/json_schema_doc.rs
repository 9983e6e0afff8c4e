//! docs/json-schema.md names every top-level member each command prints, and every field of a
//! verify proof: a member added to the output without a line in the document fails here, as
//! does a documented member the output no longer has. Each command runs for real on the bundled
//! sample (reconcile and verify against the local PostgreSQL).

mod common;

use common::ScratchDb;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first-column names of the table that follows `heading` in docs/json-schema.md, split into
/// (always present, present "Only when …").
fn documented(heading: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let doc = std::fs::read_to_string(root().join("docs/json-schema.md")).expect("json-schema.md");
    let section = doc
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("docs/json-schema.md has no `{heading}` heading"))
        .1;
    let (mut always, mut sometimes) = (BTreeSet::new(), BTreeSet::new());
    let rows = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2);
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let names = cells[1]
            .split(", ")
            .map(|n| n.trim_matches('`').to_string());
        let target = if cells[3].starts_with("Only when") {
            &mut sometimes
        } else {
            &mut always
        };
        target.extend(names);
    }
    assert!(
        !always.is_empty() || !sometimes.is_empty(),
        "{heading}: no table"
    );
    (always, sometimes)
}

/// The members a command adds next to the common ones.
fn command_members(report: &Value) -> BTreeSet<String> {
    const COMMON: [&str; 5] = ["version", "command", "findings", "verdict", "summary"];
    report
        .as_object()
        .expect("a JSON object")
        .keys()
        .filter(|k| !COMMON.contains(&k.as_str()))
        .cloned()
        .collect()
}

fn assert_documented(what: &str, printed: &BTreeSet<String>, heading: &str, complete: bool) {
    let (always, sometimes) = documented(heading);
    let undocumented: Vec<_> = printed
        .iter()
        .filter(|m| !always.contains(*m) && !sometimes.contains(*m))
        .collect();
    assert!(
        undocumented.is_empty(),
        "{what} prints {undocumented:?}, which docs/json-schema.md ({heading}) does not name"
    );
    if complete {
        let gone: Vec<_> = always.difference(printed).collect();
        assert!(
            gone.is_empty(),
            "docs/json-schema.md ({heading}) says {what} always prints {gone:?}; it did not"
        );
    }
}

fn run_json(args: &[&str]) -> Value {
    let out = common::cli::preflight(root())
        .args(args)
        .output()
        .expect("run preflight");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "preflight {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn incident_database() -> ScratchDb {
    let db = ScratchDb::postgres();
    let state = std::process::Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-X", "-q"])
        .args(["-v", "ON_ERROR_STOP=1", "-d", &db.name])
        .args(["-f", "migrations-sample/incident-state.sql"])
        .current_dir(root())
        .output()
        .expect("psql is installed");
    assert!(state.status.success(), "{state:?}");
    db
}

#[test]
fn lint_members_are_documented() {
    let sample = run_json(&["lint", "migrations-sample/migrations", "--format", "json"]);
    assert_documented("lint", &command_members(&sample), "### `lint`", false);
    // A Diesel project: its down.sql is listed as not linted.
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("migrations/2024-01-01-000000_a");
    common::cli::write(&up, "up.sql", "CREATE TABLE IF NOT EXISTS a (id int);\n");
    common::cli::write(&up, "down.sql", "DROP TABLE a;\n");
    let diesel = dir.path().join("migrations");
    let report = run_json(&["lint", diesel.to_str().unwrap(), "--format", "json"]);
    let members = command_members(&report);
    assert!(members.contains("not_linted"), "{report}");
    assert_documented("lint", &members, "### `lint`", true);
}

#[test]
fn reconcile_members_are_documented() {
    let db = incident_database();
    let config = "migrations-sample/preflight.toml";
    let report = run_json(&[
        "reconcile",
        "--config",
        config,
        "--database-url",
        &db.url,
        "--format",
        "json",
    ]);
    assert_documented(
        "reconcile",
        &command_members(&report),
        "### `reconcile`",
        true,
    );
}

#[test]
fn verify_members_and_proof_fields_are_documented() {
    let db = ScratchDb::postgres();
    let report = run_json(&[
        "verify",
        "--migrations",
        "migrations-sample/migrations",
        "--dev-url",
        &db.url,
        "--format",
        "json",
    ]);
    assert_documented("verify", &command_members(&report), "### `verify`", true);
    let proofs = report["migrations"].as_array().expect("migrations");
    assert!(!proofs.is_empty());
    for proof in proofs {
        let fields: BTreeSet<String> = proof.as_object().unwrap().keys().cloned().collect();
        assert_documented("a verify proof", &fields, "A **proof** is:", true);
    }
}

#[test]
fn parity_and_check_members_are_documented() {
    let config = "migrations-sample/preflight.toml";
    let parity = run_json(&["parity", "--config", config, "--format", "json"]);
    assert_documented("parity", &command_members(&parity), "### `parity`", true);
    // check nests each stage's members under the stage's name.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("check.json");
    let out = common::cli::preflight(root())
        .args(["check", "--config", config, "-q", "--report"])
        .arg(format!("json={}", file.display()))
        .output()
        .expect("run preflight");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let check: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).expect("JSON report");
    let stages = command_members(&check);
    assert!(stages.contains("parity"), "{check}");
    for stage in &stages {
        let nested = command_members(&check[stage]);
        assert_documented(
            &format!("check's {stage} stage"),
            &nested,
            &format!("### `{stage}`"),
            false,
        );
    }
}
