//! Rule selection as a user sees it: the default set leaves the opt-in PF4xx rules off;
//! `select`, `extend_select` (config) and `--select`/`--extend-select` (CLI) turn them on.

mod common;

use common::cli::preflight;
use std::path::Path;

const MIGRATION: &str = "ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag;\n\
                         CREATE TABLE IF NOT EXISTS t (id serial PRIMARY KEY);\n";

/// The rule codes `preflight lint --format json ARGS` reports on the migration in `dir`.
fn codes(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = preflight(dir)
        .args(["lint", "--format", "json", "--fail-on", "never", "m.sql"])
        .args(args)
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&out.stderr)));
    let mut codes: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// `preflight lint ARGS m.sql` in `dir`, asserting that it fails; returns its stderr.
fn failing_lint(dir: &Path, args: &[&str]) -> String {
    let out = preflight(dir)
        .arg("lint")
        .args(args)
        .arg("m.sql")
        .output()
        .expect("run");
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.sql"), MIGRATION).unwrap();
    if !config.is_empty() {
        std::fs::write(dir.path().join("preflight.toml"), config).unwrap();
    }
    dir
}

#[test]
fn the_default_set_leaves_opt_in_rules_off() {
    let dir = project("");
    assert!(codes(dir.path(), &[]).iter().all(|c| !c.starts_with("PF4")));
}

#[test]
fn extend_select_adds_opt_in_rules_to_the_default_set() {
    let dir = project("");
    let got = codes(dir.path(), &["--extend-select", "PF4"]);
    assert_eq!(got, ["PF401", "PF403", "PF407", "PF415"]);
    let dir = project("[lint]\nextend_select = [\"ban-drop-column\"]\n");
    assert_eq!(codes(dir.path(), &[]), ["PF407"]);
}

#[test]
fn select_names_opt_in_rules_alone() {
    let dir = project("");
    assert_eq!(codes(dir.path(), &["--select", "PF403"]), ["PF403"]);
    let dir = project("[lint]\nselect = [\"PF4\"]\nignore = [\"PF401\"]\n");
    assert_eq!(codes(dir.path(), &[]), ["PF403", "PF407", "PF415"]);
}

#[test]
fn an_unknown_extend_select_code_names_the_setting() {
    let dir = project("[lint]\nextend_select = [\"PF999\"]\n");
    let stderr = failing_lint(dir.path(), &[]);
    assert!(
        stderr.contains("extend_select") && stderr.contains("PF999"),
        "{stderr}"
    );
}

#[test]
fn a_bad_mysql_version_names_the_setting() {
    let dir = project("[lint]\nmysql_version = \"eight\"\n");
    let stderr = failing_lint(dir.path(), &[]);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("[lint] mysql_version") && stderr.contains("eight"),
        "{stderr}"
    );
}

#[test]
fn mysql_version_on_the_command_line_changes_the_online_ddl_verdict() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.sql"),
        "ALTER TABLE t ADD COLUMN e INT AFTER id;\n",
    )
    .unwrap();
    let run = |version: &str| {
        codes(
            dir.path(),
            &[
                "--dialect",
                "mysql",
                "--select",
                "PF35",
                "--mysql-version",
                version,
            ],
        )
    };
    assert_eq!(run("8.0.28"), ["PF353"]);
    assert!(run("8.0.29").is_empty());
    let stderr = failing_lint(dir.path(), &["--mysql-version", "latest"]);
    assert!(stderr.contains("--mysql-version"), "{stderr}");
}
