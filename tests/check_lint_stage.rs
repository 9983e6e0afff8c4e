//! `preflight check` with the lint stage on small temporary projects: 0 clean, 1 findings,
//! 2 when the stage cannot read its input; reports carry the lint findings with their stage.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

const INCIDENT: &str = "CREATE TABLE user_profiles (\n    id SERIAL PRIMARY KEY,\n    bio TEXT\n);\n\nCREATE INDEX idx_user_profiles_user_id ON user_profiles(id);\n";
const SAFE: &str = "CREATE TABLE IF NOT EXISTS users (\n    id SERIAL PRIMARY KEY\n);\n";

fn project(files: &[(&str, &[u8])], extra_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("preflight.toml"),
        format!("[migrations]\ndir = \"migrations\"\n{extra_toml}"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join("migrations").join(name), content).unwrap();
    }
    dir
}

fn check(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("preflight").unwrap();
    cmd.current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .arg("--color=never")
        .arg("check");
    cmd
}

#[test]
fn clean_migrations_pass_with_exit_0() {
    let dir = project(&[("001_users.sql", SAFE.as_bytes())], "");
    check(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(
            "No findings in 1 file.\npreflight check passed: lint passed; not configured: reconcile, verify, parity\n",
        ));
}

#[test]
fn the_incident_fails_with_exit_1_and_points_at_both_statements() {
    let dir = project(
        &[
            ("001_users.sql", SAFE.as_bytes()),
            ("002_profiles.sql", INCIDENT.as_bytes()),
        ],
        "",
    );
    let out = check(dir.path())
        .args(["--report", "human", "--report", "json=report.json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "--> migrations/002_profiles.sql:1:1",
        ))
        .stdout(predicate::str::contains(
            "1 + CREATE TABLE IF NOT EXISTS user_profiles (",
        ))
        .stdout(predicate::str::contains(
            "preflight check failed: lint failed (2 errors)",
        ))
        .get_output()
        .clone();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let lines: Vec<(String, u64, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["stage"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("PF101".to_string(), 1, "lint".to_string()),
            ("PF102".to_string(), 6, "lint".to_string())
        ]
    );
    assert_eq!(json["verdict"]["stages"][0]["summary"]["files"], 2);
}

#[test]
fn fail_on_never_lets_findings_through_and_warning_is_stricter() {
    let dir = project(&[("002_profiles.sql", INCIDENT.as_bytes())], "");
    check(dir.path())
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
    let strict = project(
        &[(
            "001.sql",
            b"INSERT INTO settings (k, v) VALUES ('a', 'b');\n".as_slice(),
        )],
        "[check]\nfail_on = \"warning\"\n",
    );
    check(strict.path()).assert().code(1);
    check(strict.path())
        .args(["--fail-on", "error"])
        .assert()
        .code(0);
}

#[test]
fn an_unreadable_migration_is_not_checked_and_exits_2() {
    let dir = project(
        &[(
            "001_bad.sql",
            b"CREATE TABLE \xff\xfe (id int);\n".as_slice(),
        )],
        "",
    );
    check(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains("CK101"))
        .stdout(predicate::str::contains("001_bad.sql: is not valid UTF-8"))
        .stdout(predicate::str::contains(
            "preflight check could not complete: lint not checked (",
        ));
}

#[test]
fn a_bad_lint_setting_is_reported_as_not_checked() {
    let dir = project(
        &[("001.sql", SAFE.as_bytes())],
        "[lint]\nselect = [\"XX9\"]\n",
    );
    check(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "[lint] select: `XX9` matches no rule",
        ));
}

#[test]
fn sarif_and_github_paths_are_repository_relative() {
    let dir = project(&[("002_profiles.sql", INCIDENT.as_bytes())], "");
    check(dir.path())
        .args(["--report", "sarif=out.sarif", "--report", "github"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "::error file=migrations/002_profiles.sql,line=1,col=1,",
        ));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "migrations/002_profiles.sql"
    );
}
